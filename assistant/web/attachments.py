"""Attaching a file right after the page loads: no race, and every refusal in German.

The browser makes up its chat session's id itself and sends a chosen file at once
to `POST /project/file?session_id=…`; the server only knows that session once the
socket has connected, a moment later (longer on a busy host). Chainlit answered
such an early file with 404 "Session not found", which the page showed as a red
English toast. `AttachmentMiddleware` lets the request wait until the session is
there (at most `WAIT_S`), and puts a German text into every refusal of the upload
route (the page shows the response's `detail` after "Hochladen fehlgeschlagen").
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATH = "/project/file"
WAIT_S = 15.0
POLL_S = 0.1
NO_SESSION = (
    "Die Verbindung zum Chat steht noch nicht. Bitte laden Sie die Seite neu und hängen "
    "Sie die Datei dann erneut an."
)
# Chainlit's refusals of the upload route (server.py: upload_file, validate_file_upload).
GERMAN = {
    "session not found": NO_SESSION,
    "you are not authorized to upload files for this session": (
        "Sie dürfen in dieser Sitzung keine Dateien hochladen. Bitte melden Sie sich neu an."
    ),
    "file upload is not enabled": "Das Anhängen von Dateien ist abgeschaltet.",
    "file type not allowed": (
        "Diese Dateiart wird nicht angenommen (erlaubt: PDF, DOCX, ODT, HTML, Markdown, "
        "Text, E-Mail)."
    ),
    "file size too large": "Die Datei ist zu groß.",
    "parent message not found": "Die Nachricht zu dieser Datei gibt es nicht mehr.",
}
FALLBACK = "Die Datei konnte nicht angenommen werden. Bitte versuchen Sie es erneut."


class AttachmentMiddleware:
    """Pure ASGI, only for `POST /project/file`: wait for the session, German refusals."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_upload(scope):
            await self.app(scope, receive, send)
            return
        session_id = parse_qs(scope.get("query_string", b"").decode()).get("session_id", [""])[0]
        await wait_for_session(session_id)
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                held["start"] = message  # the refusal's text is replaced once it is complete
                return
            if message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    await _send_german(send, held["start"], b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, wrapped)


async def wait_for_session(session_id: str, wait_s: float = WAIT_S) -> bool:
    """Whether the chat session `session_id` exists, waiting up to `wait_s` for its socket."""
    from chainlit.session import WebsocketSession

    deadline = time.monotonic() + wait_s
    while WebsocketSession.get_by_id(session_id) is None:
        if not session_id or time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_S)
    return True


def german_detail(body: bytes) -> str:
    """The German text for a refusal's JSON body (`{"detail": "…"}`)."""
    try:
        detail = json.loads(body.decode("utf-8")).get("detail")
    except (ValueError, AttributeError, UnicodeDecodeError):
        detail = None
    return GERMAN.get(str(detail or "").strip().casefold(), FALLBACK)


async def _send_german(send: Send, start: Message, body: bytes) -> None:
    data = json.dumps({"detail": german_detail(body)}, ensure_ascii=False).encode("utf-8")
    skip = {b"content-length", b"content-type"}
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in skip]
    headers += [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
    ]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": data, "more_body": False})


def _is_upload(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope.get("method") == "POST"
        and scope.get("path", "").rstrip("/") == UPLOAD_PATH
    )


def install(app: Any) -> None:
    """Add the middleware to Chainlit's FastAPI app before it starts."""
    from starlette.middleware import Middleware

    if getattr(app, "middleware_stack", None) is not None:
        raise RuntimeError("attachments.install must run before the server starts")
    if not any(m.cls is AttachmentMiddleware for m in app.user_middleware):
        app.user_middleware.append(Middleware(AttachmentMiddleware))
