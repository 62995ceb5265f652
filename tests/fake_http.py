"""What the network-edge fakes share: a threaded HTTP server on a free loopback port.

`FakeOllama` and `FakeOidc` are dataclasses built on `LoopbackFake`; each brings its
own server class and handler, this brings the port, the serving thread and the stop.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer


@dataclass(eq=False)
class LoopbackFake:
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def _listen(self, server: ThreadingHTTPServer) -> None:
        """Serve `server` (bound to 127.0.0.1:`port`, 0 = any free one) in a daemon thread."""
        self._server = server
        self.port = server.server_address[1]
        # A short poll interval makes stop() quick: tests start and stop a lot.
        serve = functools.partial(server.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()

    def _close(self, after_shutdown: Callable[[], None] | None = None) -> None:
        """Stop serving; `after_shutdown` runs before the socket closes (e.g. to cut
        connections that are still streaming)."""
        server, self._server = self._server, None
        if not server:
            return
        server.shutdown()
        if after_shutdown:
            after_shutdown()
        server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
