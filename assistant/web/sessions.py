"""Login sessions in Chainlit: a token is only as good as the session in the account store.

Chainlit trusts its own signed token (cookie `access_token` or bearer) until it
expires, and `POST /auth/jwt` swaps a valid one for a fresh one – so without
this module, removed accounts and withdrawn roles lived on for the token's whole
life and beyond. `install_sessions` makes three changes before the server starts:

* Every token Chainlit decodes – for each of its HTTP routes (`get_current_user`),
  each socket connect and the token refresh – passes `http.person_of_token`: the
  account must still exist and the token's session counter must still be the
  person's counter in the store (`AccountService.current`); the user Chainlit
  gets carries the store's roles and groups. Otherwise the token is invalid
  (401, the socket is refused, the refresh too).
* Logout (`POST /logout`) ends every session of the person, not just this
  browser's cookie.
* While the store is down (a database restart) the check answers 503, not 401, and
  the page's `GET /user` is answered from the signed token (outage.py): the page
  keeps its person and retries.
* The cookie: `Secure` when `cookie_secure` (behind TLS), lifetime `session_hours`
  (a working day). `SessionRenewal` renews it on the page's requests once it is
  an hour old, so a day of work is not cut off, and a session that ended is never
  renewed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.errors import StoreUnavailable
from assistant.web.http import claimed_person, person_of_token
from assistant.web.outage import StoreOutage, note_outage

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from assistant.access.accounts import AccountService, User
    from assistant.config import Settings

RENEW_AFTER_S = 3600  # a token older than this is renewed on the next page request


def install_sessions(app: Any, settings: Settings, accounts: Callable[[], AccountService]):
    """Point Chainlit's token checks at the account store; set the cookie's flags and life."""
    import chainlit.auth
    import chainlit.auth.cookie
    import chainlit.server
    import jwt
    from chainlit.config import config
    from sqlalchemy.exc import InterfaceError, OperationalError
    from starlette.middleware import Middleware

    def decode_live(token: str):
        claimed = claimed_person(token)  # signature and expiry: no store needed
        if claimed is None:
            raise jwt.InvalidTokenError("no valid token")
        try:
            person = accounts().current(claimed)
        except (StoreUnavailable, OperationalError, InterfaceError):
            # The store is away (or went away mid-query): 503 instead of Chainlit's 401,
            # which would log the person out; `GET /user` alone answers with who the
            # (validly signed) token names, see outage.py.
            note_outage(chainlit_user(claimed).to_dict())
            raise jwt.InvalidTokenError("store unavailable") from None
        if person is None:
            raise jwt.InvalidTokenError("no live session")
        return chainlit_user(person)

    # Chainlit's two places that decode tokens (auth: routes and sockets; server: refresh).
    chainlit.auth.decode_jwt = decode_live
    chainlit.server.decode_jwt = decode_live
    chainlit.auth.cookie._cookie_secure = settings.cookie_secure or (
        chainlit.auth.cookie._cookie_samesite == "none"
    )
    config.project.user_session_timeout = int(settings.session_hours * 3600)
    config.code.on_logout = _logout(accounts)
    if not any(m.cls is StoreOutage for m in app.user_middleware):
        app.user_middleware.append(Middleware(StoreOutage))
    if not any(m.cls is SessionRenewal for m in app.user_middleware):
        app.user_middleware.append(Middleware(SessionRenewal, accounts=accounts))


def chainlit_user(person: User):
    from chainlit.user import User as ChainlitUser

    return ChainlitUser(identifier=person.name, metadata=person.to_metadata())


def _logout(accounts: Callable[[], AccountService]):
    async def logout(request, response) -> dict:
        import anyio

        from assistant.web.http import login_token

        person = await anyio.to_thread.run_sync(person_of_token, login_token(request), accounts())
        if person is not None:
            await anyio.to_thread.run_sync(accounts().end_sessions, person.name)
        return {"success": True}

    return logout


class SessionRenewal:
    """Pure ASGI: a fresh cookie for a live session whose token is over an hour old."""

    def __init__(self, app: ASGIApp, accounts: Callable[[], AccountService]):
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _renewable_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        request = Request(scope)
        renewed: dict[str, str] = {}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and not renewed.get("done"):
                renewed["done"] = "1"
                if cookie := await self._renewed_cookie(request, message):
                    message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        await self.app(scope, receive, wrapped)

    async def _renewed_cookie(self, request, start: Message) -> bytes | None:
        import anyio
        from chainlit.auth import create_jwt
        from chainlit.auth.cookie import get_token_from_cookies

        token = get_token_from_cookies(dict(request.cookies))
        if not token or _status_sets_cookie(start) or not _old(token):
            return None
        try:
            person = await anyio.to_thread.run_sync(person_of_token, token, self.accounts())
        except StoreUnavailable:
            return None  # renewed on a later request
        if person is None:
            return None
        from starlette.responses import Response

        holder = Response()
        from chainlit.auth.cookie import set_auth_cookie

        set_auth_cookie(request, holder, create_jwt(chainlit_user(person)))
        cookies = [v for k, v in holder.raw_headers if k == b"set-cookie"]
        return cookies[0] if len(cookies) == 1 else None


def _renewable_path(path: str) -> bool:
    """Requests of the page itself: not login/logout (they set the cookie), not assets."""
    return not path.startswith(("/login", "/logout", "/auth/", "/assets/", "/public/", "/ws/"))


def _status_sets_cookie(start: Message) -> bool:
    return any(k.lower() == b"set-cookie" for k, _ in start.get("headers", []))


def _old(token: str) -> bool:
    from assistant.access.accounts import token_claims

    issued = token_claims(token).get("iat")
    return isinstance(issued, int | float) and time.time() - issued > RENEW_AFTER_S
