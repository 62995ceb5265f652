"""Start the Chainlit app (`assistant serve`).

Chainlit reads `.chainlit/config.toml` and `chainlit.md` from its working
directory, so the app runs from the project root that ships them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

APP_FILE = Path(__file__).with_name("app.py")
PROJECT_ROOT = APP_FILE.parent.parent


def chainlit_command(host: str, port: int, headless: bool) -> list[str]:
    cmd = [sys.executable, "-m", "chainlit", "run", str(APP_FILE), "--host", host,
           "--port", str(port)]
    return cmd + (["--headless"] if headless else [])


def run_app(settings: Settings, *, host: str, port: int, headless: bool = True) -> None:
    """Replace this process with the Chainlit server."""
    settings.ensure_data_dir()
    env = dict(os.environ)
    # Chainlit keeps uploaded files in ./.files; keep them inside the data dir.
    env.setdefault("ASSISTANT_DATA_DIR", str(settings.data_dir.resolve()))
    os.chdir(PROJECT_ROOT)
    os.execvpe(sys.executable, chainlit_command(host, port, headless), env)
