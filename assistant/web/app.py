"""Chainlit handlers — thin: translate between the chat and the answer service.

Started by `assistant serve` (see web.py), which runs Chainlit from the project
root. People log in (password, trusted proxy header or OIDC – `auth_mode`);
every search is restricted to the collections their groups may read, and
knowledge managers attach files to upload them (upload.py does the work). The services are built once per process at start-up; a message goes
`prepare` (worker thread) → streamed model text → `finish`, or the search-mode
`fallback` when the model fails; ui.py renders the `Answer`. Every failure
reaches the person as a German message, and the log gets the exception type
and ids only, never text of a question or an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import traceback
from functools import lru_cache
from pathlib import Path

import chainlit as cl
from chainlit.server import app as chainlit_app

from assistant.access.accounts import (
    AccountService,
    User,
    token_claims,
    user_from_claims,
    user_from_headers,
)
from assistant.access.collections import CollectionService
from assistant.config import Settings
from assistant.errors import AssistantError, LLMError
from assistant.privacy.logfilter import quiet_libraries
from assistant.services import Services
from assistant.web import ui
from assistant.web.middleware import client_address, install_privacy

log = logging.getLogger("assistant.web.app")
quiet_libraries()  # before anything imports Presidio or Chroma
HISTORY_TURNS = 6  # question/answer pairs kept for condensing follow-up questions
HISTORY_CHARS = 1500  # of one answer in the history
RETENTION_INTERVAL_S = 24 * 3600
SIDEBAR_TITLE_DELAY_S = 0.8
_background: set[asyncio.Task] = set()  # tasks the loop must not garbage-collect
RETIRE_ACTION = "zurueckziehen"
DOCS_COMMAND = {"id": ui.DOCS_COMMAND, "icon": "folder-open",
                "description": "Meine Dokumente: Version, Stand, Rückmeldungen, zurückziehen"}

install_privacy(chainlit_app)


@lru_cache(maxsize=1)
def services() -> Services:
    settings = Settings()
    logging.getLogger("assistant").setLevel(settings.log_level.upper())
    return Services(settings)


@lru_cache(maxsize=1)
def accounts() -> AccountService:
    return AccountService(services().engine, services().settings)


@lru_cache(maxsize=1)
def collections() -> CollectionService:
    return CollectionService(services().engine, services().settings)


def current_user() -> User | None:
    """The logged-in person; password accounts are re-read, so changes apply at once."""
    session_user = cl.user_session.get("user")
    if session_user is None:
        return None
    user = User.from_metadata(session_user.identifier, session_user.metadata)
    return accounts().get(user.name) if user.source == "password" else user


def user_collections() -> list[str]:
    """The collections this user may read (none without a user)."""
    user = current_user()
    return collections().allowed_collections(user) if user else []


def _chainlit_user(user: User | None) -> cl.User | None:
    return cl.User(identifier=user.name, metadata=user.to_metadata()) if user else None


def _files_in_data_dir() -> None:
    """Chainlit keeps attached files under ./.files and deletes that folder on shutdown;
    under the data dir instead, so all state moves with ASSISTANT_DATA_DIR and two
    instances started from one checkout do not delete each other's uploads."""
    import chainlit.config
    import chainlit.server

    folder = services().settings.ensure_data_dir().resolve() / "chat-files"
    folder.mkdir(exist_ok=True)
    chainlit.config.FILES_DIRECTORY = chainlit.server.FILES_DIRECTORY = folder


_files_in_data_dir()
_MODE = services().settings.auth_mode

if _MODE == "password":

    @cl.password_auth_callback
    async def password_login(username: str, password: str) -> cl.User | None:
        client = client_address.get()
        result = await cl.make_async(accounts().authenticate)(username, password, client)
        if result.locked:
            log.warning("login refused: rate limit reached")
        return _chainlit_user(result.user)

elif _MODE == "header":

    @cl.header_auth_callback
    async def header_login(headers) -> cl.User | None:
        return _chainlit_user(user_from_headers(headers, services().settings))

elif _MODE == "oidc":

    @cl.oauth_callback
    async def oidc_login(provider_id, token, raw_user_data, default_user, id_token=None):
        # Chainlit's generic provider passes no id token, and Keycloak puts the realm
        # roles into the access token only: its claims count too (userinfo wins).
        claims = {**token_claims(token), **token_claims(id_token), **(raw_user_data or {})}
        user = user_from_claims(default_user.identifier, claims, services().settings)
        return _chainlit_user(user)


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


def _register_routes() -> None:
    """The IT review page (/it) and stored history elements, ahead of Chainlit's catch-all."""
    from assistant.web.chat_history import register_history_routes
    from assistant.web.itpage import register_it_routes

    register_it_routes(chainlit_app, services())
    register_history_routes(chainlit_app)


_register_routes()


@cl.on_app_startup
async def warm_up() -> None:
    """Start the daily retention (audit rows, chats), load indexes and the embedding model
    before the first question, and log the mode."""
    _spawn(_retention_daily())
    try:
        await cl.make_async(_warm_up)()
    except Exception as exc:  # noqa: BLE001 - the app still starts; a message shows the error
        log.error("warm-up failed: %s at %s", type(exc).__name__, _where(exc))


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
    from assistant.answering.llm import check_ollama

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
    user = current_user()
    if user and upload_service().may_upload(user):
        await cl.context.emitter.set_commands([DOCS_COMMAND])


@cl.on_chat_resume
async def resume(thread) -> None:
    """A past conversation goes on. Chainlit restored the session from the thread's
    metadata, so the history there is the redacted one: follow-ups condense against it.
    Metadata is written when a session ends; after a crash the stored messages serve."""
    pairs = cl.user_session.get("history") or []
    history = [tuple(p) for p in pairs if isinstance(p, list | tuple) and len(p) == 2]
    if not history:
        history = [(r, t[:HISTORY_CHARS]) for r, t in ui.history_from_steps(thread.get("steps") or [])]
    cl.user_session.set("history", history[-2 * HISTORY_TURNS :])
    cl.user_session.set("sources", [])  # the stored ones are plain data, not elements
    user = current_user()
    if user and upload_service().may_upload(user):
        await cl.context.emitter.set_commands([DOCS_COMMAND])


@cl.on_message
@guarded
async def on_message(message: cl.Message) -> None:
    files = [e for e in message.elements or [] if getattr(e, "path", None)]
    if files:
        await _upload(message, files, current_user())
        return
    if message.command == ui.DOCS_COMMAND or message.content.strip() == f"/{ui.DOCS_COMMAND}":
        await _show_documents(current_user())
        return
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
    rendered = ui.render_answer(answer, services().manifest.visible())
    reply.content = rendered.content
    await reply.send()
    await _show_sources(reply, rendered)
    _remember(history, question, answer.answer)
    await _audit(answer, reply)


async def _audit(answer, reply: cl.Message) -> None:
    """One redacted audit row per answer; feedback on the answer reaches that row."""
    from assistant.web.chat_history import remember_audit_id, thread_placeholders

    user = current_user()
    thread_id = cl.context.session.thread_id
    audit_id = await cl.make_async(services().audit.record_answer)(
        answer, user=user.name if user else "unbekannt", roles=user.roles if user else (),
        conversation_id=thread_id, placeholders=thread_placeholders(thread_id),
    )  # fmt: skip
    # A thread: the write waits for SQLite locks that the chat's async writes on this
    # event loop hold; blocking the loop here would wait on them forever ("database is locked").
    await asyncio.to_thread(remember_audit_id, reply.id, audit_id)


@cl.action_callback(RETIRE_ACTION)
@guarded
async def on_retire(action: cl.Action) -> None:
    await _retire(action, current_user())


@lru_cache(maxsize=1)
def upload_service():
    from assistant.ingest.upload import UploadService

    return UploadService(services(), collections())


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
        # The browser renames the panel after the last side element it rendered
        # ("Original-PDF [5]") once the elements are drawn, which can come after the
        # title above: say it again when they are.
        _spawn(_title_again(rendered.sources_title))


def _spawn(coroutine) -> None:
    """Run in the background; keep a reference until done (the loop holds tasks weakly)."""
    task = asyncio.create_task(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _title_again(title: str, delay: float = SIDEBAR_TITLE_DELAY_S) -> None:
    await asyncio.sleep(delay)
    with contextlib.suppress(Exception):  # the person may have left meanwhile
        await cl.ElementSidebar.set_title(title)


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


# --- knowledge management: upload, document list, retire --------------------------


async def _upload(message: cl.Message, files: list, user: User | None) -> None:
    """Attached files go into a collection the person manages; a report per file."""
    from assistant.ingest.upload import NO_UPLOAD, parse_validity

    service = upload_service()
    if user is None or not service.may_upload(user):
        await cl.Message(content=NO_UPLOAD).send()
        return
    valid_from, valid_until = parse_validity(message.content or "")
    collection = await _pick_collection(service.targets(user))
    if collection is None:
        await cl.Message(content=ui.UPLOAD_PICK_TIMEOUT).send()
        return
    progress = cl.Message(content=ui.upload_progress(collection, 0, len(files), files[0].name))
    await progress.send()
    results = []
    for i, element in enumerate(files):
        progress.content = ui.upload_progress(collection, i, len(files), element.name)
        await progress.update()
        report = await cl.make_async(service.upload)(  # a worker thread: other chats go on
            user, collection, [(element.name, Path(element.path))],
            valid_from=valid_from, valid_until=valid_until,
        )  # fmt: skip
        results += report.results
    progress.content = ui.upload_report(collection, results)
    await progress.update()


async def _pick_collection(targets: list[str]) -> str | None:
    if len(targets) == 1:
        return targets[0]
    actions = [cl.Action(name="sammlung", payload={"name": t}, label=t) for t in targets]
    ask = cl.AskActionMessage(content=ui.UPLOAD_PICK, actions=actions, timeout=300)
    answer = await ask.send()
    picked = answer.get("payload", {}).get("name") if answer else None
    await _settle(ask, f"Sammlung: {picked}" if picked else ui.UPLOAD_PICK_TIMEOUT)
    return picked


async def _settle(ask: cl.AskActionMessage, content: str) -> None:
    """Replace Chainlit's English note on the answered question ("Selected: …") with German."""
    ask.content = content
    await ask.update()


async def _show_documents(user: User | None) -> None:
    service = upload_service()
    if user is None or not service.may_upload(user):
        await cl.Message(content=ui.NOTHING_MANAGED).send()
        return
    documents = await cl.make_async(service.documents)(user)
    actions = [cl.Action(name=RETIRE_ACTION, payload={"doc_id": d.record.doc_id},
                         label=ui.retire_label(d.record), icon="trash-2")
               for d in documents]  # fmt: skip
    await cl.Message(content=ui.document_list(documents), actions=actions).send()


async def _retire(action: cl.Action, user: User | None) -> None:
    service = upload_service()
    record = services().manifest.get(action.payload.get("doc_id", ""))
    if user is None or record is None:
        await cl.Message(content="Dieses Dokument gibt es nicht (mehr).").send()
        return
    service.check(user, record.collection)
    confirm = cl.AskActionMessage(
        content=ui.RETIRE_CONFIRM.format(title=record.title, version=record.version),
        actions=[cl.Action(name="ja", payload={"ok": True}, label="Ja, zurückziehen"),
                 cl.Action(name="nein", payload={"ok": False}, label="Abbrechen")],
        timeout=120,
    )  # fmt: skip
    answer = await confirm.send()
    ok = bool(answer and answer.get("payload", {}).get("ok"))
    await _settle(confirm, f"„{record.title}“ zurückziehen: {'ja' if ok else 'nein'}")
    if not ok:
        await cl.Message(content="Nichts geändert.").send()
        return
    await cl.make_async(service.retire)(user, record.doc_id)
    await action.remove()
    await cl.Message(content=f"„{record.title}“ wurde zurückgezogen und wird nicht mehr gefunden.").send()


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
