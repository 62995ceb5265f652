"""The database server is away for a moment (restart, failover): 503 and German, not 401.

Every request of the page looks its person up in the account store (sessions.py).
While PostgreSQL restarts that lookup fails; Chainlit turns any failure of its token
check into 401, and on 401 the page drops its user and shows the login form – a
restart of the database would log everyone out. `StoreOutage` (pure ASGI) turns such
a 401, and `StoreUnavailable` raised by any of our routes (login, /it, /dokumente),
into 503 with `Retry-After`: the page keeps its user and retries, the login form
shows a German text (`storeUnavailable` in de-DE.json), and no stack trace is logged.

One request is different: `GET /user`. Chainlit's page (react-client `useUser`) drops
its user on *any* failure of that request, 503 included, and then sends the browser to
the login form, which asks `/user` again and stays there while the store is away
(issue 17: whenever the page re-read `/user` – on focus, or when a part of the page
was drawn anew – during the outage, the person was logged out). So while the store
cannot be asked, `GET /user` answers 200 with the person the token names (its
signature and expiry checked, sessions.py). That is safe: the answer only repeats the
token's own claims, which its holder can read anyway, and grants nothing – every
request that does something (socket, messages, threads, files, /it) is still checked
against the store and refused with 503 meanwhile. Once the store answers, an ended
session (logout, removal, changed rights) gets its 401 from `/user` again.
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


def note_outage(claimed: dict | None = None) -> None:
    """The current request's token check failed because the store is down; `claimed`:
    the user (Chainlit's JSON) that the request's validly signed token names."""
    if (seen := _seen.get()) is not None:
        seen["down"] = True
        seen["claimed"] = claimed


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
                    if _asks_for_user(scope) and seen.get("claimed"):
                        await _claimed_user(seen["claimed"], send)
                    else:
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


def _asks_for_user(scope: Scope) -> bool:
    """The page's `GET /user` (Chainlit's route: who is logged in)."""
    return scope.get("method") == "GET" and scope.get("path") == "/user"


async def _claimed_user(claimed: dict, send: Send) -> None:
    """200 with the token's own user: the page keeps its person through the outage."""
    await _send(send, 200, json.dumps(claimed, ensure_ascii=False).encode(), b"application/json")


async def _unavailable(scope: Scope, send: Send) -> None:
    """503: German text for a page, the login form's key (and the text) for the app."""
    error = StoreUnavailable()
    accept = dict(scope.get("headers") or []).get(b"accept", b"")
    if b"text/html" in accept:
        body, kind = f"{error.message} {error.hint}".encode(), b"text/plain; charset=utf-8"
    else:
        data = {"detail": DETAIL, "message": f"{error.message} {error.hint}"}
        body, kind = json.dumps(data, ensure_ascii=False).encode(), b"application/json"
    await _send(send, 503, body, kind, [(b"retry-after", str(RETRY_AFTER_S).encode())])


async def _send(send: Send, status: int, body: bytes, kind: bytes, extra=()) -> None:
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
