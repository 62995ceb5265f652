"""The secret that signs login tokens (CHAINLIT_AUTH_SECRET): where it is found and
whether it is strong enough. Used by `assistant serve` and `assistant doctor`."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings

MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 128


def secret_problem(secret: str | None) -> str | None:
    """Why a login-token secret (CHAINLIT_AUTH_SECRET) is too weak, in German; None if fine.

    Anyone who knows or guesses it can sign a token for any person and role, so it
    must be long and not a word: at least 32 characters and about 128 bits even if
    each character were guessed only from the characters it uses."""
    import math

    if not secret:
        return "CHAINLIT_AUTH_SECRET fehlt."
    bits = len(secret) * math.log2(max(len(set(secret)), 1))
    if len(secret) < MIN_SECRET_CHARS or bits < MIN_SECRET_BITS:
        return (
            f"CHAINLIT_AUTH_SECRET ist zu schwach ({len(secret)} Zeichen): mit ihm ließen sich "
            "Anmeldungen fälschen. Bitte einen zufälligen Wert mit mindestens 32 Zeichen setzen: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return None


def find_auth_secret(settings: Settings, env_files: tuple[Path, ...]) -> str | None:
    """The secret that signs login tokens: the environment, an .env file, else the one
    `assistant serve` keeps in the data dir (None if there is none yet)."""
    import os
    import re

    if secret := os.environ.get("CHAINLIT_AUTH_SECRET"):
        return secret
    for env_file in env_files:
        if env_file.exists():
            found = re.search(
                r"^\s*CHAINLIT_AUTH_SECRET\s*=\s*(\S+)", env_file.read_text(), re.MULTILINE
            )
            if found:
                return found.group(1).strip("'\"")
    path = settings.data_dir / "auth_secret"
    return path.read_text().strip() if path.exists() else None
