"""Start the Chainlit app (`assistant serve`): the CLI's launcher.

Chainlit reads `.chainlit/config.toml`, `chainlit.md` and `public/` from its app
root: the one site.py builds under the data dir from the shipped files and the
city's site dir (CHAINLIT_APP_ROOT), so no tracked file is edited for a city. This
module imports neither Chainlit nor the app: the CLI may use it.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import Settings

APP_FILE = Path(__file__).with_name("app.py")
PROJECT_ROOT = APP_FILE.parents[2]


def chainlit_command(host: str, port: int, headless: bool, debug: bool = False) -> list[str]:
    """`debug` (ASSISTANT_LOG_LEVEL=DEBUG): uvicorn's debug and access lines too (redacted
    like every record, see privacy/logfilter.py); otherwise Chainlit keeps them off.
    Chainlit's command line through server.py, which says the start-up line in German."""
    cmd = [
        sys.executable,
        "-m",
        "assistant.web.server",
        "run",
        str(APP_FILE),
        "--host",
        host,
        "--port",
        str(port),
    ]
    return cmd + (["--headless"] if headless else []) + (["--debug"] if debug else [])


def ensure_auth_secret(env_file: Path) -> bool:
    """Append a random CHAINLIT_AUTH_SECRET to `env_file` unless it has one; True if added."""
    text = env_file.read_text(encoding="utf-8") if env_file.exists() else ""
    if re.search(r"^\s*CHAINLIT_AUTH_SECRET\s*=\s*\S", text, re.MULTILINE):
        return False
    sep = "" if not text or text.endswith("\n") else "\n"
    line = f"CHAINLIT_AUTH_SECRET={secrets.token_urlsafe(48)}\n"
    env_file.write_text(f"{text}{sep}{line}", encoding="utf-8")
    env_file.chmod(0o600)
    return True


def _auth_secret(settings: Settings) -> str:
    """The secret that signs login tokens (access.secrets.find_auth_secret), else a new random one
    kept in the data dir. A weak one is refused: it would let anyone forge logins."""
    from assistant.access.secrets import find_auth_secret, secret_problem
    from assistant.errors import ConfigError

    secret = find_auth_secret(settings, (Path(".env"), PROJECT_ROOT / ".env"))
    if secret is None:
        path = settings.ensure_data_dir() / "auth_secret"
        _create_once(path, secrets.token_urlsafe(48))
        secret = path.read_text().strip()
    if problem := secret_problem(secret):
        raise ConfigError(problem, code="weak_secret")
    return secret


def _create_once(path: Path, text: str) -> None:
    """Write `path` unless it exists, atomically (a private file linked into place): app
    processes starting together all keep the first one's secret, or a login signed by one
    would be refused by the others."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process was first: its secret counts
    finally:
        tmp.unlink()


def site_environment(settings: Settings) -> dict[str, str]:
    """Chainlit's app root, built from the shipped files and the city's site dir (site.py);
    the site dir pinned as an absolute path for the app process (it runs elsewhere)."""
    from assistant.web.site import prepare_app_root

    env = {"CHAINLIT_APP_ROOT": str(prepare_app_root(settings))}
    if settings.site_dir is not None:
        env["ASSISTANT_SITE_DIR"] = str(settings.site_dir.resolve())
    return env


def run_app(settings: Settings, *, host: str, port: int, headless: bool = True) -> None:
    """Replace this process with the Chainlit server (refused with a weak secret)."""
    from assistant.host import tighten_permissions

    os.umask(0o077)  # inherited by the server: what it writes is the service's alone
    env = dict(os.environ)
    env["CHAINLIT_AUTH_SECRET"] = _auth_secret(settings)
    # The app process builds its own Settings; pin the data dir it must use.
    env["ASSISTANT_DATA_DIR"] = str(settings.data_dir.resolve())
    env.update(site_environment(settings))
    # After the app root is built in the data dir (its copies keep the checkout's 0644);
    # also what older versions left 0644. `assistant doctor` fails on either.
    tighten_permissions(settings.ensure_data_dir())
    os.chdir(PROJECT_ROOT)  # Chainlit's session files go to ./.files (git-ignored)
    debug = settings.log_level.upper() == "DEBUG"
    os.execvpe(sys.executable, chainlit_command(host, port, headless, debug), env)
