"""Facts of the host the service runs on, and what the service does to it: the CPU's
features (the embedded e5 engine is compiled for AVX2) and the data dir's file modes.

Kept apart from the settings (config.py), which read them; nothing here reads settings.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(path: Path = CPUINFO) -> set[str] | None:
    """The CPU feature flags, or None where they cannot be read (not Linux)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return None


def has_avx2() -> bool:
    """Whether the embedded e5 engine (compiled for AVX2) can run here; unknown counts as yes."""
    flags = cpu_flags()
    return flags is None or "avx2" in flags


def tighten_permissions(root: Path) -> int:
    """Everything under the data dir for the service's user only: directories 0700, files
    0600 (databases and indexes hold what people asked). Returns how many were changed."""
    changed = 0
    if not root.exists():
        return 0
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = (mode & 0o700) | (0o700 if path.is_dir() else 0)
        if mode != wanted:
            os.chmod(path, wanted)
            changed += 1
    return changed
