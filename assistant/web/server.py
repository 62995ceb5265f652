"""The chat server process: Chainlit's own command line, started by `assistant serve`.

The launcher (launcher.py) replaces the CLI with `python -m assistant.web.server run
app.py …`. The one change to Chainlit's command: its start-up line, "Your app is
available at http://localhost:8000", is said in German with the address as given to
`assistant serve` (http://127.0.0.1:8000 by default, the one the README names), not
with a host name the server never bound to; and said once: uvicorn's own "Uvicorn
running on …" (logged with ASSISTANT_LOG_LEVEL=DEBUG) is dropped.
"""

from __future__ import annotations

import logging
import os

from chainlit.cli import cli
from chainlit.config import config

CHAINLIT_START_LINE = "Your app is available at"
UVICORN_START_LINE = "Uvicorn running on"


def address() -> str:
    run = config.run
    scheme = "https" if run.ssl_cert else "http"
    return f"{scheme}://{run.host}:{run.port}{os.environ.get('CHAINLIT_ROOT_PATH', '')}"


class GermanStartLine(logging.Filter):
    """Rewrites Chainlit's start-up record; every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(CHAINLIT_START_LINE):
            record.msg, record.args = f"Der Chat ist bereit: {address()}", ()
        return True


class NoSecondStartLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(UVICORN_START_LINE)


def main() -> None:
    logging.getLogger("chainlit").addFilter(GermanStartLine())
    logging.getLogger("uvicorn.error").addFilter(NoSecondStartLine())
    cli(prog_name="chainlit")


if __name__ == "__main__":
    main()
