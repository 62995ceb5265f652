"""The chat server process: Chainlit's own command line, started by `assistant serve`.

The launcher (launcher.py) replaces the CLI with `python -m assistant.web.server run
app.py …`. The changes to Chainlit's command concern its start:

* "bereit" only once the socket is bound. Chainlit says "Your app is available at
  http://localhost:8000" from its app's start-up, before uvicorn binds the port, so a
  taken port read "ready" and then failed. Here uvicorn's server class says "Der Chat
  ist bereit: http://127.0.0.1:8000" (the address as given to `assistant serve`, the
  one the README names) after its bind; Chainlit's line and uvicorn's own "Uvicorn
  running on …" (logged with ASSISTANT_LOG_LEVEL=DEBUG) are dropped.
* `kill -USR1` prints the stacks of all threads (faulthandler) – for a hung server.
* A taken port stops the start with a German message naming host and port, exit 1,
  instead of uvicorn's "[Errno 98] … address already in use" after the app loaded.

Both lines go through the logger `assistant.web.server`, which the log redaction
trusts (privacy/logfilter.py TRUSTED): they carry only the address and port the
service was told to bind – configuration, not personal data – and redacted they
would read "<IP_ADDRESS>", useless to the admin who must find the clash.
"""

from __future__ import annotations

import errno
import faulthandler
import logging
import os
import signal
import socket
import sys

import uvicorn
from chainlit.cli import cli
from chainlit.config import config

CHAINLIT_START_LINE = "Your app is available at"
UVICORN_START_LINE = "Uvicorn running on"
# Named, not __name__: run with `python -m`, this module is __main__.
logger = logging.getLogger("assistant.web.server")


def address() -> str:
    run = config.run
    scheme = "https" if run.ssl_cert else "http"
    return f"{scheme}://{run.host}:{run.port}{os.environ.get('CHAINLIT_ROOT_PATH', '')}"


def port_taken(host: str, port: int) -> bool:
    """True if another process listens on `host`:`port`. Bound as asyncio binds (with
    SO_REUSEADDR), so a port a stopped server left in TIME_WAIT does not count."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # a wrong host name: uvicorn's bind reports it
    for family, kind, proto, _, where in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(where)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
    return False


class ReadyServer(uvicorn.Server):
    """uvicorn's server that checks the port before the app starts and says "bereit"
    only after its socket is bound."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        cfg = self.config
        plain = sockets is None and cfg.fd is None and cfg.uds is None  # as serve binds
        if plain and port_taken(cfg.host, cfg.port):
            logger.error(
                "Port %d auf %s ist schon belegt – läuft Amtswissen schon "
                "(systemctl status amtswissen)? Sonst einen freien Port wählen: "
                "assistant serve --port <Port>.",
                cfg.port,
                cfg.host,
            )
            sys.exit(1)
        await super().startup(sockets)
        if self.started:
            logger.info("Der Chat ist bereit: %s", address())


class NoStartLines(logging.Filter):
    """Drops Chainlit's early "available" line and uvicorn's "running on" line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith((CHAINLIT_START_LINE, UVICORN_START_LINE))


def main() -> None:
    # `kill -USR1 <pid>` prints every thread's stack to stderr (the service log) for a
    # server that hangs: file, line and function only, never a variable's value.
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    logging.getLogger("chainlit").addFilter(NoStartLines())
    logging.getLogger("uvicorn.error").addFilter(NoStartLines())
    # Chainlit builds `uvicorn.Server(config)` itself; this process is only its server.
    uvicorn.Server = ReadyServer
    cli(prog_name="chainlit")


if __name__ == "__main__":
    main()
