"""German for the few texts Chainlit's server itself sends into the chat in English.

The page's own texts come from .chainlit/translations/de-DE.json and
public/amtswissen.js; these come from Chainlit's Python side:

* the stop button: Chainlit posts "Task manually stopped." as a chat message
  (socket.py `stop`); our handler does the same with a German text;
* a conversation that cannot be reopened: "Thread not found." (socket.py
  `connection_successful`), shown by the page as the reason.
"""

from __future__ import annotations

import chainlit.socket  # noqa: F401 - registers the handlers replaced here
from chainlit.config import config
from chainlit.context import init_ws_context
from chainlit.emitter import ChainlitEmitter
from chainlit.message import Message
from chainlit.server import sio
from chainlit.session import WebsocketSession

STOPPED = "Angehalten – die Antwort wurde auf Ihren Wunsch abgebrochen."
THREAD_NOT_FOUND = "Dieser Chat ist nicht mehr vorhanden (gelöscht oder abgelaufen)."
_GERMAN = {"Thread not found.": THREAD_NOT_FOUND}


async def stop(sid: str) -> None:
    """Chainlit's `stop` handler, with a German message."""
    if session := WebsocketSession.get(sid):
        init_ws_context(session)
        await Message(content=STOPPED).send()
        if session.current_task:
            session.current_task.cancel()
        if config.code.on_stop:
            await config.code.on_stop()


def install() -> None:
    """Replace the handlers once per process, before the server takes a socket."""
    sio.handlers["/"]["stop"] = stop
    original = ChainlitEmitter.send_resume_thread_error
    if getattr(original, "german", False):
        return

    async def send_resume_thread_error(self, error: str):
        return await original(self, _GERMAN.get(error, error))

    send_resume_thread_error.german = True  # type: ignore[attr-defined]
    ChainlitEmitter.send_resume_thread_error = send_resume_thread_error  # type: ignore[method-assign]
