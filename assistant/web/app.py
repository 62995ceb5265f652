"""Chainlit handlers – thin: translate between the chat and the services.

Chainlit imports this module: it is the entry point of the app process
(`assistant serve`, web/launcher.py). At import it reads the settings once and
registers the handlers Chainlit needs before it starts (login by `auth_mode`,
data layer, middleware); the services are built at app start-up, lazily, like
the CLI's. A question goes through `Assistant` (answering/ask.py) in its three
steps – prepare (worker thread), streamed model text, complete (search mode when
the model fails, audit row) – and ui.py renders the answer. Knowledge managers'
uploads and document list are in knowledge.py. Every failure reaches the person
as a German message; the log gets the exception type and place, never text.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import traceback
from functools import lru_cache

import chainlit as cl
from chainlit.server import app as chainlit_app

from assistant.access.accounts import User, token_claims, user_from_claims, user_from_headers
from assistant.answering.ask import HISTORY_CHARS, HISTORY_TURNS, Conversation
from assistant.config import Settings
from assistant.errors import AssistantError, StoreUnavailable
from assistant.privacy.logfilter import quiet_libraries, setup_logging
from assistant.services import Services
from assistant.web import (
    attachments,
    council,
    interruption,
    knowledge,
    limits,
    panel,
    server_texts,
    ui,
)
from assistant.web.middleware import client_address, install_privacy
from assistant.web.sessions import install_sessions
from assistant.web.site import load_site

log = logging.getLogger("assistant.web.app")
quiet_libraries()  # before anything imports Presidio or Chroma
os.umask(0o077)  # every file this process writes (data dir, chat files) is the service's alone
RETENTION_INTERVAL_S = 24 * 3600
SETTINGS = Settings()  # once, in this process's entry point
SITE = load_site(SETTINGS)  # the city's name, start questions, tip, link hosts
# Who may say through X-Forwarded-For who the client is: only the configured proxies
# (uvicorn reads this when Chainlit builds its server, after importing this module).
os.environ["FORWARDED_ALLOW_IPS"] = ",".join(SETTINGS.trusted_proxies)
install_privacy(chainlit_app)  # middleware must be in place before the server starts
attachments.install(chainlit_app)  # a file attached before the socket is up waits for it
install_sessions(chainlit_app, SETTINGS, lambda: services().accounts)


@lru_cache(maxsize=1)
def services() -> Services:
    """The app's services, built on first use (at start-up, see `start_up`)."""
    return Services(SETTINGS)


limits.install(services)  # message length and rate, checked before Chainlit stores a message
server_texts.install()  # German for what Chainlit's server posts in English (stop button)


def session_person() -> User | None:
    """Who logged in to this chat session (as the login recorded it)."""
    user = cl.user_session.get("user")
    return User.from_metadata(user.identifier, user.metadata) if user else None


def current_person() -> User | None:
    """The session's person as the account store knows them now (None: removed)."""
    return services().accounts.current(session_person())


def _chainlit_user(user: User | None) -> cl.User | None:
    """The login's user as Chainlit keeps it: with the person's session counter."""
    if user is None:
        return None
    user = services().accounts.with_session(user)
    return cl.User(identifier=user.name, metadata=user.to_metadata())


if SETTINGS.auth_mode == "password":

    @cl.password_auth_callback
    async def password_login(username: str, password: str) -> cl.User | None:
        """Registers the password form; `POST /login` itself is web/login.py's route."""
        client = client_address.get()
        result = await cl.make_async(services().accounts.authenticate)(username, password, client)
        if result.locked:
            log.warning("login refused: locked")
        return await cl.make_async(_chainlit_user)(result.user)

elif SETTINGS.auth_mode == "header":

    @cl.header_auth_callback
    async def header_login(headers) -> cl.User | None:
        return await cl.make_async(_chainlit_user)(user_from_headers(headers, SETTINGS))

elif SETTINGS.auth_mode == "oidc":

    @cl.oauth_callback
    async def oidc_login(provider_id, token, raw_user_data, default_user, id_token=None):
        # Chainlit's generic provider passes no id token, and Keycloak puts the realm
        # roles into the access token only: its claims count too (userinfo wins).
        claims = {**token_claims(token), **token_claims(id_token), **(raw_user_data or {})}
        user = user_from_claims(default_user.identifier, claims, SETTINGS)
        return await cl.make_async(_chainlit_user)(user)


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
def data_layer():
    """Chat history in the app's own store, redacted before every write (chat_history.py);
    never Chainlit's cloud layers (Literal AI from LITERAL_API_KEY)."""
    from assistant.web.chat_history import build_data_layer

    return build_data_layer(services())


@cl.on_app_startup
async def start_up() -> None:
    """Wire the services into the server (routes, attachment folder), start the daily
    retention, and load indexes and models before the first question."""
    from assistant.web.routes import mount

    # The CLI's logging setup, before the server takes a request: from here on every
    # record of this process (ours, Chainlit's, uvicorn's…) is redacted before a handler
    # sees it. Not at import: tests import this module without serving it.
    setup_logging(SETTINGS.log_level, lambda: services().redactor)

    mount(chainlit_app, services())
    panel.spawn(_retention_daily())
    try:
        await cl.make_async(_warm_up)()
    except Exception as exc:  # noqa: BLE001 - the app still starts; a message shows the error
        log.error("warm-up failed: %s at %s", type(exc).__name__, _where(exc))
    if SETTINGS.oparl_sync_minutes:  # council endpoints, one writer with uploads
        from assistant.web import councilsync

        panel.spawn(councilsync.every(services(), SETTINGS.oparl_sync_minutes))


async def _retention_daily() -> None:
    """Retention also in an app that runs for weeks: at start, then once a day."""
    from assistant.privacy.retention import apply_retention

    while True:
        try:
            rows, threads = await cl.make_async(apply_retention)(services())
            log.info("retention: %d audit rows, %d chats removed", rows, threads)
        except Exception as exc:  # noqa: BLE001 - the app goes on; the next round retries
            log.error("retention failed: %s at %s", type(exc).__name__, _where(exc))
        await asyncio.sleep(RETENTION_INTERVAL_S)


def _warm_up() -> None:
    from assistant.llm.ollama import check_ollama
    from assistant.models import Scope

    s = services()
    s.search.search("Dienstreise", 1, Scope.everything())  # loads the index, no person's request
    s.answers  # noqa: B018 - builds the chat model and loads the prompts
    status = check_ollama(s.settings)
    mode = "llm" if status.reachable and status.model_present else "search mode"
    log.info("ready: model=%s, mode at start: %s", s.settings.ollama_model or "-", mode)


@cl.set_starters
async def starters(_user=None, _language=None) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=message) for label, message in SITE.starters]


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    person = await cl.make_async(current_person)()
    await knowledge.offer_commands(services(), person)
    await _offer_council_filters(person)


@cl.on_chat_resume
async def resume(thread) -> None:
    """A past conversation goes on. Chainlit restored the session from the thread's
    metadata, so the history there is the redacted one: follow-ups condense against it.
    Metadata is written when a session ends; after a crash the stored messages serve,
    and an answer cut off by a process that died gets a notice (web/interruption.py)."""
    cut_off = await interruption.tell_if_cut_off(thread)
    pairs = [] if cut_off else cl.user_session.get("history") or []
    history = [tuple(p) for p in pairs if isinstance(p, list | tuple) and len(p) == 2]
    if not history:
        history = [
            (r, t[:HISTORY_CHARS]) for r, t in ui.history_from_steps(thread.get("steps") or [])
        ]
    cl.user_session.set("history", history[-2 * HISTORY_TURNS :])
    cl.user_session.set("sources", [])  # the stored ones are plain data, not elements
    person = await cl.make_async(current_person)()
    await knowledge.offer_commands(services(), person)
    await _offer_council_filters(person)


async def _offer_council_filters(person) -> None:
    """Chat settings that filter council data – only when the person may read some."""
    found = await cl.make_async(council.options)(services(), person)
    cl.user_session.set("filters", None)
    if found is not None:
        await cl.ChatSettings(council.widgets(found)).send()


@cl.on_settings_update
async def settings_changed(values: dict) -> None:
    cl.user_session.set("filters", council.filters_from(values))


@cl.on_message
@guarded
async def on_message(message: cl.Message) -> None:
    files = [e for e in message.elements or [] if getattr(e, "path", None)]
    if files:
        await knowledge.upload(services(), message, files, await cl.make_async(current_person)())
    elif message.command == ui.DOCS_COMMAND or message.content.strip() == f"/{ui.DOCS_COMMAND}":
        await knowledge.show_documents(services(), await cl.make_async(current_person)())
    elif not message.content.strip():
        await cl.Message(content=ui.EMPTY_QUESTION).send()
    else:
        await answer(message.content.strip())


async def answer(question: str) -> None:
    """A question, through the one use case: prepare, stream, complete; then render."""
    from assistant.web.chat_history import remember_audit_id

    assistant = services().assistant
    await panel.clear()
    conversation = Conversation(cl.context.session.thread_id, cl.user_session.get("history") or [])
    reply = cl.Message(content="", metadata={"kind": ui.ANSWER})  # stored as quoted text
    filters = cl.user_session.get("filters")
    turn = await _prepare_and_stream(assistant, reply, question, conversation, filters)
    if turn.error is not None:
        log.warning(
            "model failed, search mode: %s (%s)", type(turn.error).__name__, turn.error.code
        )
    result = await cl.make_async(assistant.complete)(turn)
    # The audit row is written: from here on the answer reaches the person even if the
    # database goes away meanwhile; its council link hosts and its feedback link may be
    # missing then, but it is not replaced by "Datenbank nicht erreichbar" (nor lost).
    rendered = await _render(result, turn, filters)
    reply.content = rendered.content
    await reply.send()
    await panel.show(reply, rendered)
    cl.user_session.set("history", conversation.history)
    try:
        # A thread: the write waits for SQLite locks that the chat's async writes on this
        # event loop hold; blocking the loop here would wait on them forever.
        await asyncio.to_thread(remember_audit_id, reply.id, result.audit_id)
    except StoreUnavailable:
        log.warning("answer %s without its feedback link: store_unavailable", result.audit_id)


async def _render(result, turn, filters):
    """The answer as chat content, led by a note on the chat-settings filters (why
    documents outside them are missing)."""
    try:
        hosts = await cl.make_async(council.allowed_hosts)(services(), SITE.link_allowed_hosts)
    except StoreUnavailable:  # the city's own hosts only, for this answer
        hosts = tuple(SITE.link_allowed_hosts)
    rendered = ui.render_answer(
        result.answer,
        services().manifest.visible(),
        hosts,
        SITE.nothing_found_tip,
        technical=ui.technical(turn.person),
    )
    if note := council.describe(filters):
        rendered.content = f"{note}\n\n{rendered.content}"
    return rendered


async def _prepare_and_stream(
    assistant, reply: cl.Message, question: str, conversation, filters=None
):
    """Prepare and stream the model's text into `reply`; while the model has not begun,
    a notice after `llm_wait_notice_s` says that it is working (its first token replaces it)."""
    waiting = asyncio.create_task(_waiting_notice(reply, SETTINGS.llm_wait_notice_s))
    try:
        turn = await cl.make_async(assistant.prepare)(
            session_person(), question, conversation, filters=filters
        )
        first, attempt = True, 0
        async for delta in assistant.astream(turn):
            # A new attempt (another Ollama server after one failed) replaces the text shown.
            restarted, attempt = turn.attempt != attempt, turn.attempt
            if first:
                await _settle(waiting)
            if first or restarted:
                replace = restarted or reply.content == ui.MODEL_PREPARING
                await reply.stream_token(delta, is_sequence=replace)
                first = False
            else:
                await reply.stream_token(delta)
    except BaseException:
        await _settle(waiting)
        if reply.streaming:  # the notice must not stay when the question failed
            await reply.remove()
        raise
    await _settle(waiting)
    return turn


async def _waiting_notice(reply: cl.Message, delay: float) -> None:
    """A slow model (a CPU-only Ollama needs up to a minute): say that it is working."""
    await asyncio.sleep(delay)
    if not reply.content:
        await reply.stream_token(ui.MODEL_PREPARING)


async def _settle(task: asyncio.Task) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


@cl.action_callback(knowledge.RETIRE_ACTION)
@guarded
async def on_retire(action: cl.Action) -> None:
    await knowledge.retire(services(), action, await cl.make_async(current_person)())


def _where(exc: BaseException) -> str:
    """The innermost frame, and the innermost one of our own code when that is elsewhere:
    a library's line alone does not say which of our calls failed."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    place = f"{frames[-1].filename}:{frames[-1].lineno}"
    ours = [f for f in frames if f"{os.sep}assistant{os.sep}" in f.filename]
    if ours and ours[-1] is not frames[-1]:
        place += f" via {ours[-1].filename}:{ours[-1].lineno} ({ours[-1].name})"
    return place
