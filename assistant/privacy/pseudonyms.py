"""Pseudonyms: users appear in the audit log only as a keyed hash of their name.

HMAC-SHA256 with a key from `ASSISTANT_PSEUDONYM_KEY` or, by default, a random
key created once in the data dir (0600). A new key gives new pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.config import Settings

KEY_FILE = "pseudonym.key"


def pseudonym(user: str, key: bytes) -> str:
    """Keyed hash of a user name (whitespace and case normalized), 64 hex digits."""
    normalized = " ".join((user or "").split()).casefold()
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()


def load_pseudonym_key(settings: Settings) -> bytes:
    """`settings.pseudonym_key`, or the key in `<data_dir>/pseudonym.key` (created once, 0600)."""
    configured = settings.pseudonym_key
    if configured:
        return configured.encode("utf-8")
    path = settings.ensure_data_dir() / KEY_FILE
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def _create_key_file(path: Path) -> None:
    # Written to a private temp file and linked into place: atomic, and a
    # concurrent first start keeps whichever key was linked first.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _read_key_file(path: Path) -> bytes:
    key = path.read_text(encoding="ascii", errors="replace").strip()
    if len(key) < 32:
        raise ConfigError(
            f"Die Schlüsseldatei {path} ist leer oder beschädigt.",
            hint="Datei wiederherstellen oder ASSISTANT_PSEUDONYM_KEY setzen "
            "(neue Schlüssel ergeben neue Pseudonyme).",
        )
    return key.encode("ascii")
