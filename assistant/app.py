"""Chainlit handlers — thin: translate between the chat and the answer service.

Started by `assistant serve` (see web.py), which runs Chainlit from the project
root. The services are built once per process at start-up; a message goes
`prepare` (worker thread) → streamed model text → `finish`, or the search-mode
`fallback` when the model fails; ui.py renders the `Answer`. Every failure
reaches the person as a German message, and the log gets the exception type
and ids only, never text of a question or an answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from functools import lru_cache

import chainlit as cl
from chainlit.server import app as chainlit_app

from assistant import ui
from assistant.config import Settings
from assistant.errors import AssistantError, LLMError
from assistant.services import Services
from assistant.web import install_privacy

log = logging.getLogger("assistant.app")
HISTORY_TURNS = 6  # question/answer pairs kept for condensing follow-up questions
HISTORY_CHARS = 1500  # of one answer in the history

install_privacy(chainlit_app)


@lru_cache(maxsize=1)
def services() -> Services:
    settings = Settings()
    logging.getLogger("assistant").setLevel(settings.log_level.upper())
    for noisy in ("chromadb", "httpx", "unstructured"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return Services(settings)


def user_collections() -> list[str] | None:
    """The collections this user may see. No login yet: all (None); the login issue fills this."""
    return None


def guarded(handler):
    """German message instead of a stack trace; the log gets type, place and ids only."""

    @functools.wraps(handler)
    async def wrapper(*args, **kwargs):
        try:
            return await handler(*args, **kwargs)
        except AssistantError as exc:
            log.warning("%s: %s (%s)", handler.__name__, type(exc).__name__, exc.code)
            await cl.Message(content=ui.error_text(exc)).send()
        except Exception as exc:  # noqa: BLE001 - every failure must reach people in German
            log.error("%s: %s at %s", handler.__name__, type(exc).__name__, _where(exc))
            await cl.Message(content=ui.error_text()).send()

    return wrapper


@cl.data_layer
def no_data_layer() -> None:
    """No chat persistence through Chainlit (it would pick Literal AI from LITERAL_API_KEY)."""


@cl.on_app_startup
async def warm_up() -> None:
    """Load indexes and the embedding model before the first question, and log the mode."""
    try:
        await cl.make_async(_warm_up)()
    except Exception as exc:  # noqa: BLE001 - the app still starts; a message shows the error
        log.error("warm-up failed: %s at %s", type(exc).__name__, _where(exc))


def _warm_up() -> None:
    from assistant.llm import check_ollama

    s = services()
    s.search.search("Dienstreise", 1)
    s.answers  # noqa: B018 - builds the chat model and loads the prompts
    status = check_ollama(s.settings)
    mode = "llm" if status.reachable and status.model_present else "search mode"
    log.info("ready: model=%s, mode at start: %s", s.settings.ollama_model or "-", mode)


@cl.set_starters
async def starters(_user=None, _language=None) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=message) for label, message in ui.STARTERS]


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])


@cl.on_message
@guarded
async def on_message(message: cl.Message) -> None:
    question = message.content.strip()
    if not question:
        await cl.Message(content=ui.EMPTY_QUESTION).send()
        return
    await _clear_sources()
    history = cl.user_session.get("history") or []
    answers = services().answers
    prepared = await cl.make_async(answers.prepare)(question, history, user_collections())
    reply = cl.Message(content="")
    answer = prepared.final or await _stream(answers, prepared, reply)
    rendered = ui.render_answer(answer)
    reply.content = rendered.content
    await reply.send()
    await _show_sources(reply, rendered)
    _remember(history, question, answer.answer)


async def _stream(answers, prepared, reply: cl.Message):
    """The model's answer token by token; search mode (with its notice) if the model fails."""
    parts: list[str] = []
    try:
        async for delta in answers.astream(prepared):
            parts.append(delta)
            await reply.stream_token(delta)
    except LLMError as exc:
        log.warning("model failed, search mode: %s (%s)", type(exc).__name__, exc.code)
        return answers.fallback(prepared, exc)
    return answers.finish(prepared, "".join(parts))


async def _show_sources(reply: cl.Message, rendered: ui.Rendered) -> None:
    """Attach the sources one by one, so the side panel lists them in citation order."""
    for element in rendered.elements:
        await element.send(for_id=reply.id)
    cl.user_session.set("sources", rendered.elements)
    if rendered.elements:
        await cl.ElementSidebar.set_title(rendered.sources_title)


async def _clear_sources() -> None:
    """Take the previous answer's sources out of the side panel.

    Chainlit's panel shows every side element of the conversation; without
    this, the sources of the new answer would sit below all earlier ones.
    The earlier answers keep their source list as text.
    """
    shown = cl.user_session.get("sources") or []
    await asyncio.gather(*(element.remove() for element in shown))
    cl.user_session.set("sources", [])


def _remember(history: list, question: str, answer: str) -> None:
    history += [("user", question), ("assistant", answer[:HISTORY_CHARS])]
    cl.user_session.set("history", history[-2 * HISTORY_TURNS :])


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
