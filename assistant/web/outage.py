"""The database server is away for a moment (restart, failover): 503 and German, not 401.

Every request of the page looks its person up in the account store (sessions.py).
While PostgreSQL restarts that lookup fails; Chainlit turns any failure of its token
check into 401, and on 401 the page drops its user and shows the login form – a
restart of the database would log everyone out. `StoreOutage` (pure ASGI) turns such
a 401, and `StoreUnavailable` raised by any of our routes (login, /it, /dokumente),
into 503 with `Retry-After`: the page keeps its user and retries, the login form
shows a German text (`storeUnavailable` in de-DE.json), and no stack trace is logged.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import TYPE_CHECKING

from assistant.errors import StoreUnavailable

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

DETAIL = "storeUnavailable"  # key of the login form's German text
RETRY_AFTER_S = 10

# Per request: a mutable mark that the token check found the store down (a dict, so that
# a mark set in a copied context – a thread, a task – is seen here too).
_seen: ContextVar[dict | None] = ContextVar("store_outage", default=None)


def note_outage() -> None:
    """The current request's token check failed because the store is down."""
    if (seen := _seen.get()) is not None:
        seen["down"] = True


class StoreOutage:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = {"down": False, "started": False, "replaced": False}
        token = _seen.set(seen)

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["started"] = True
                if message["status"] == 401 and seen["down"]:
                    seen["replaced"] = True
                    await _unavailable(scope, send)
                    return
            if not seen["replaced"]:  # the 401's body is dropped with it
                await send(message)

        try:
            await self.app(scope, receive, wrapped)
        except StoreUnavailable:
            if seen["started"]:
                raise
            await _unavailable(scope, send)
        finally:
            _seen.reset(token)


async def _unavailable(scope: Scope, send: Send) -> None:
    """503: German text for a page, the login form's key (and the text) for the app."""
    error = StoreUnavailable()
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    if b"text/html" in accept:
        body, kind = f"{error.message} {error.hint}".encode(), b"text/plain; charset=utf-8"
    else:
        data = {"detail": DETAIL, "message": f"{error.message} {error.hint}"}
        body, kind = json.dumps(data, ensure_ascii=False).encode(), b"application/json"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(RETRY_AFTER_S).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})
