"""`POST /login` for password accounts, ahead of Chainlit's own.

Chainlit's login route turns every failure of the password callback into the
same "credentialssignin" answer, so a locked person would read the ordinary
wrong-password text. This route runs the same check (`AccountService.authenticate`:
locks before hashing, bounded hashing; a lock seen in the last seconds is answered
from memory, after a pause of a second) and answers a lock with 429, a
`Retry-After` header and the key of a German text that says the login is locked
and for how long at most (`auth.login.errors.locked_<minutes>` in
`.chainlit/translations/de-DE.json`; the login page shows translated keys only).
A lock reads the same for existing and unknown names. A success goes on as in
Chainlit: the token carries the person's session counter (sessions.py).
"""

# No `from __future__ import annotations`: FastAPI reads the route's annotations at runtime.
import asyncio
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

if TYPE_CHECKING:
    from assistant.services import Services


# A locked attempt is answered after this pause (async: no thread, no memory to speak of),
# so each connection of a flood gets one try a second instead of hundreds.
LOCKED_DELAY_S = 1.0
# The lock texts the login page knows (minutes; the remaining time is rounded up to one).
LOCK_STEPS = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240)


def lock_key(until: datetime) -> str:
    """The translation key of a lock that ends at `until`."""
    minutes = max(1, math.ceil((until - datetime.now(UTC)).total_seconds() / 60))
    step = next((s for s in LOCK_STEPS if s >= minutes), LOCK_STEPS[-1])
    return f"locked_{step}"


def register_login_route(app: Any, services: "Services") -> None:
    """Mount `POST /login` ahead of Chainlit's route of the same path."""

    async def login(request: Request, form: OAuth2PasswordRequestForm = Depends()):  # noqa: B008
        import anyio
        from chainlit.server import _authenticate_user

        from assistant.access.accounts import BUSY, locked, user_key
        from assistant.web.sessions import chainlit_user

        client = request.client.host if request.client else None
        accounts = services.accounts
        # A flood against a known lock: answered from memory, no thread, no log line
        # (each log record goes through the redaction filter).
        if until := accounts.limits.known_lock(user_key(form.username), client):
            result = locked(until)
        else:
            result = await anyio.to_thread.run_sync(
                accounts.authenticate, form.username, form.password, client
            )
        if result.locked and result.until is not None:
            await asyncio.sleep(LOCKED_DELAY_S)  # a flood against a lock: one try per second
            wait = max(1, int((result.until - datetime.now(UTC)).total_seconds()))
            raise HTTPException(
                429, detail=lock_key(result.until), headers={"Retry-After": str(wait)}
            )
        if result.message == BUSY:
            raise HTTPException(503, detail="busy", headers={"Retry-After": "60"})
        if result.user is None:
            raise HTTPException(401, detail="credentialssignin")
        return await _authenticate_user(request, chainlit_user(result.user))

    app.add_api_route("/login", login, methods=["POST"], name="amtswissen_login")
    app.router.routes.insert(0, app.router.routes.pop())
