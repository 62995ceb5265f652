"""Limits on what one chat session sends, enforced where the message arrives.

Chainlit stores a person's message (the chat history redacts it) and names the
thread after it *before* our `on_message` handler runs. So the limits are
checked one step earlier, in the socket.io handlers `client_message` and
`edit_message`: a too long message or one over the per-person rate gets a
German notice and goes no further – no storing, no redaction, no model.

The transport must let such a message arrive to be refused: Engine.IO closes the
socket, without a word to the person, on a packet over `max_http_buffer_size`
(1 MB by default). It is raised to uvicorn's own websocket limit (16 MiB), so a
pasted document reaches this check instead of silently cutting the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import chainlit as cl
import chainlit.socket  # registers the handlers wrapped here
from chainlit.context import init_ws_context
from chainlit.server import sio
from chainlit.session import WebsocketSession

from assistant.answering.limits import check_question
from assistant.errors import InputError

log = logging.getLogger("assistant.web.limits")
SOCKET_MAX_BYTES = 16 * 1024 * 1024  # uvicorn's default ws_max_size
GUARDED_EVENTS = ("client_message", "edit_message")


def install(services: Callable) -> None:
    """Wrap the socket handlers that receive a person's text (once per process)."""
    sio.eio.max_http_buffer_size = SOCKET_MAX_BYTES
    handlers = sio.handlers["/"]
    for event in GUARDED_EVENTS:
        handler = handlers[event]
        if not getattr(handler, "guarded", False):
            handlers[event] = _guard(handler, services)


def _guard(handler, services: Callable):
    async def guarded(sid, payload, *args):
        session = WebsocketSession.get(sid)
        if session is None:
            return await handler(sid, payload, *args)
        try:
            _check(services(), session, payload)
        except InputError as exc:
            log.warning("chat message refused: %s", exc.code)
            await _notify(session, exc)
            return None
        return await handler(sid, payload, *args)

    guarded.guarded = True  # type: ignore[attr-defined]
    return guarded


def _check(services, session: WebsocketSession, payload) -> None:
    message = payload.get("message") if isinstance(payload, dict) else None
    text = message.get("output") if isinstance(message, dict) else None
    text = text if isinstance(text, str) else ""
    if len(text) > services.settings.max_question_chars:
        check_question(text, services.settings)  # raises: too long
    person = session.user.identifier if session.user else f"session:{session.id}"
    services.message_rate.admit(person)


async def _notify(session: WebsocketSession, exc: InputError) -> None:
    """The refusal as a message of the assistant; like the refused message, not stored.
    Framed as a task, as Chainlit frames every answer, so the page leaves its busy state."""
    context = init_ws_context(session)
    notice = cl.Message(content=f"{exc.message} {exc.hint or ''}".strip())
    notice.persisted = True  # nothing to store: the person's message was not stored either
    await context.emitter.task_start()
    try:
        await notice.send()
    finally:
        await context.emitter.task_end()
