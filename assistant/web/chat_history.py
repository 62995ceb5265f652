"""Chat history for Chainlit, redacted before every write.

`RedactedDataLayer` is Chainlit's `SQLAlchemyDataLayer` with every text that
people can type or read passed through the redactor first: step input, output
and (for tool steps) name, the thread name (Chainlit names a thread after its
first message), thread metadata (Chainlit persists the user session there),
text elements and feedback comments. Redaction goes through the services'
`ConversationRedactor`, shared with the audit log: one placeholder map per
thread, so the same person is `<PERSON_1>` throughout a conversation and in its
audit rows, and each text is redacted once; if redaction fails the text is
masked whole.

Feedback also goes to the audit log: the app calls
`remember_audit_id(step_id, audit_id)` after the answer's audit row is written,
and a thumbs up/down on that answer then lands on its audit row.

    cl.data_layer(lambda: build_data_layer(services))

Tables are `chat_*` (migration m004_chat_history in db.py; `users` belongs to
the accounts). Chainlit's SQL names them without prefix, so `execute_sql`
rewrites the table names. Only text elements are stored (redacted, under the
data dir); PDFs and other files are not copied. Old conversations are deleted
after `chat_retention_days` (privacy/retention.py). A failed statement (the store
away for a moment) is logged as one WARNING by type, never with the SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiofiles
import sqlalchemy as sa
from chainlit.data import get_data_layer
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.data.storage_clients.base import BaseStorageClient
from chainlit.user import User
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from assistant.privacy.redact import ConversationRedactor
from assistant.privacy.results import PlaceholderMap
from assistant.privacy.retention import CHAT_DB, CHAT_TABLES, ELEMENTS_DIR, element_file
from assistant.web.history_writes import (
    HistoryWrites,
    note_failed_statement,
    quiet_user_lookup_traceback,
)
from assistant.web.ui import ANSWER

if TYPE_CHECKING:
    from chainlit.element import Element
    from chainlit.step import StepDict
    from chainlit.types import Feedback
    from chainlit.user import PersistedUser

    from assistant.services import Services

log = logging.getLogger(__name__)

TABLES = ("users", "threads", "steps", "elements", "feedbacks")
_TABLE_REF = re.compile(r"\b(FROM|JOIN|INTO|UPDATE)(\s+)(" + "|".join(TABLES) + r")\b")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
STEP_COLUMNS = {
    "id",
    "name",
    "type",
    "threadId",
    "parentId",
    "streaming",
    "waitForAnswer",
    "isError",
    "metadata",
    "input",
    "output",
    "createdAt",
    "command",
    "start",
    "end",
    "generation",
    "showInput",
    "language",
    "defaultOpen",
    "autoCollapse",
}
MESSAGE_TYPES = ("user_message", "assistant_message")  # named after the author, not by text
# Keys of the user session that Chainlit refills on every access: not persisted.
SESSION_SKIP = {"user", "env", "http_referer", "languages", "id"}
SESSION_KEEP = {"chat_profile", "client_type", "is_shared", "shared_at"}  # no free text
USER_META_SKIP = {"email", "name", "given_name", "family_name", "picture", "image"}


class RedactedDataLayer(SQLAlchemyDataLayer):
    """Chainlit's SQL data layer, redacting before it writes; see the module doc."""

    def __init__(
        self,
        conninfo: str,
        redactor,
        audit=None,
        engine=None,
        files_dir=None,
        conversations: ConversationRedactor | None = None,
        **kw,
    ):
        storage = LocalStorage(files_dir) if files_dir else None
        pool = kw.pop("pool", None)
        super().__init__(conninfo, storage_provider=storage, **kw)
        if pool:  # Chainlit's engine has SQLAlchemy's default pool; ours is sized
            self.engine = create_async_engine(
                conninfo, connect_args=kw.get("connect_args") or {}, pool_pre_ping=True, **pool
            )
            self.async_session = async_sessionmaker(bind=self.engine, expire_on_commit=False)
        self.writes = HistoryWrites()
        # Shared with the audit log (Services.conversations); a redactor alone makes one.
        self.conversations = (
            conversations if conversations is not None else ConversationRedactor(redactor)
        )
        self.audit = audit
        self.sync_engine = engine  # for the step -> audit row links
        quiet_user_lookup_traceback()

    # --- redaction -------------------------------------------------------------

    def placeholders(self, thread_id: str | None) -> PlaceholderMap:
        """The thread's placeholder map (the audit log's rows of the thread use it too)."""
        return self.conversations.placeholders(thread_id)

    def redact_text(self, value: Any, thread_id: str | None, quoted: bool = False) -> Any:
        """Redacted text; masked whole on any failure. Non-strings pass unchanged.
        `quoted`: the assistant's text (answers, passages), see `Redactor.redact`."""
        if not isinstance(value, str) or not value.strip():
            return value
        return self.conversations.redact(value, thread_id, where="chat history", quoted=quoted).text

    async def _redact(self, value: Any, thread_id: str | None, quoted: bool = False) -> Any:
        if not isinstance(value, str) or not value.strip():
            return value
        return await asyncio.to_thread(self.redact_text, value, thread_id, quoted)

    async def _redact_tree(self, value: Any, thread_id: str | None, key: str = "") -> Any:
        """Every string inside dicts and lists redacted (keys kept)."""
        if isinstance(value, dict):
            return {k: await self._redact_tree(v, thread_id, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [await self._redact_tree(v, thread_id, key) for v in value]
        return await self._redact(value, thread_id)

    # --- SQL -------------------------------------------------------------------

    async def execute_sql(self, query: str, parameters: dict):
        """Chainlit's SQL on the `chat_*` tables. A write is tried again on transient
        failures (history_writes.py); a read fails at once. A failure for good is logged
        by type only and gives None, as Chainlit expects."""
        query = _TABLE_REF.sub(lambda m: f"{m[1]}{m[2]}chat_{m[3]}", query)
        write = not query.lstrip().upper().startswith("SELECT")
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._execute_once(query, parameters)
            except Exception as exc:  # noqa: BLE001 - Chainlit expects None
                note_failed_statement()
                if not write:  # a read is not worth a wait: the page asks again
                    log.warning("chat history: SQL failed: %s", type(exc).__name__)
                    return None
                if not await self.writes.pause_before_retry(attempt, exc):
                    self.writes.give_up(exc, attempt)
                    return None

    async def _execute_once(self, query: str, parameters: dict):
        async with self.async_session() as session:
            try:
                await session.begin()
                result = await session.execute(text(query), parameters)
                await session.commit()
            except BaseException:
                with contextlib.suppress(Exception):  # a dead connection cannot roll back
                    await session.rollback()
                raise
            if result.returns_rows:
                return self.clean_result([dict(row._mapping) for row in result.fetchall()])
            return result.rowcount

    # --- users -----------------------------------------------------------------

    async def create_user(self, user: User) -> PersistedUser | None:
        meta = {k: v for k, v in (user.metadata or {}).items() if k not in USER_META_SKIP}
        return await super().create_user(
            User(identifier=user.identifier, display_name=user.display_name, metadata=meta)
        )

    # --- threads and steps -------------------------------------------------------

    async def update_thread(self, thread_id, name=None, user_id=None, metadata=None, tags=None):
        if not _safe_id(thread_id):
            log.warning("chat history: thread id refused")
            return
        if name is not None:
            name = await self._redact(name, thread_id)
        if metadata is not None:
            metadata = await self._session_metadata(metadata, thread_id)
        await super().update_thread(thread_id, name=name, user_id=user_id, metadata=metadata)

    async def _session_metadata(self, metadata: dict, thread_id: str) -> dict:
        out: dict[str, Any] = {}
        for key, value in metadata.items():
            if key in SESSION_SKIP:
                continue
            keep = key in SESSION_KEEP or value is None
            out[key] = value if keep else await self._redact_tree(value, thread_id, key)
        return out

    async def create_step(self, step_dict: StepDict):
        await self._write_step(step_dict)

    async def update_step(self, step_dict: StepDict):
        await self._write_step(step_dict)

    async def _write_step(self, step_dict: StepDict) -> None:
        thread_id = step_dict.get("threadId")
        if not _safe_id(thread_id):
            log.warning("chat history: step with bad thread id refused")
            return
        async with self.writes.ordered(thread_id):  # an update never overtakes its create
            await self._write_step_now(step_dict, thread_id)

    async def _write_step_now(self, step_dict: StepDict, thread_id: str) -> None:
        step: dict = {k: v for k, v in step_dict.items() if k in STEP_COLUMNS}
        # An answer is the assistant's text (see Redactor.redact); other messages of the
        # assistant quote what people typed (file names in upload reports).
        quoted = (step.get("metadata") or {}).get("kind") == ANSWER
        for key in ("input", "output"):
            step[key] = await self._redact(step.get(key), thread_id, quoted)
        if step.get("type") not in MESSAGE_TYPES:
            step["name"] = await self._redact(step.get("name"), thread_id)
        for key in ("metadata", "generation"):
            if step.get(key):
                step[key] = await self._redact_tree(step[key], thread_id)
        await SQLAlchemyDataLayer.create_step(self, step)  # type: ignore[arg-type]

    # --- feedback ------------------------------------------------------------------

    async def upsert_feedback(self, feedback: Feedback) -> str:
        thread_id = feedback.threadId or await self.thread_of_step(feedback.forId)
        raw_comment = feedback.comment
        comment = await self._redact(raw_comment, thread_id)
        feedback_id = await super().upsert_feedback(replace(feedback, comment=comment))
        value = 1 if feedback.value == 1 else -1  # Chainlit: 1 thumbs up, 0 thumbs down
        await self._audit_feedback(feedback.forId, value, raw_comment, thread_id)
        return feedback_id

    async def delete_feedback(self, feedback_id: str) -> bool:
        rows = await self.execute_sql(
            'SELECT "forId" FROM feedbacks WHERE "id" = :id', {"id": feedback_id}
        )
        ok = await super().delete_feedback(feedback_id)
        if isinstance(rows, list) and rows:
            await self._audit_feedback(rows[0]["forId"], None, None, None)
        return ok

    async def _audit_feedback(self, step_id, value, comment, thread_id) -> None:
        audit_id = await asyncio.to_thread(self.audit_id_for, step_id)
        if audit_id is None or self.audit is None:
            return
        try:  # the audit log redacts with the placeholders of the row's conversation
            await asyncio.to_thread(self.audit.record_feedback, audit_id, value, comment)
        except Exception as exc:  # noqa: BLE001 - the chat keeps its feedback anyway
            log.error("chat history: audit feedback failed: %s", type(exc).__name__)

    async def thread_of_step(self, step_id: str) -> str | None:
        rows = await self.execute_sql(
            'SELECT "threadId" FROM steps WHERE "id" = :id', {"id": step_id}
        )
        return rows[0]["threadId"] if isinstance(rows, list) and rows else None

    # --- step -> audit row -------------------------------------------------------------

    def remember_audit_id(self, step_id: str, audit_id: int) -> None:
        """Link an answer message (Chainlit step id) to its audit row."""
        from assistant.db import chat_audit_links

        with self.sync_engine.begin() as conn:
            conn.execute(
                chat_audit_links.delete().where(chat_audit_links.c.step_id == str(step_id))
            )
            conn.execute(chat_audit_links.insert().values(step_id=str(step_id), audit_id=audit_id))

    def audit_id_for(self, step_id: str) -> int | None:
        """The audit row of this answer, or of the answer inside this run step.

        Chainlit puts the thumbs on the run step of `on_message`, whose child is the answer.
        """
        from assistant.db import chat_audit_links as links
        from assistant.db import chat_steps

        if self.sync_engine is None:
            return None
        child = sa.select(chat_steps.c.id).where(chat_steps.c.parentId == str(step_id))
        stmt = (
            sa.select(links.c.audit_id)
            .where(sa.or_(links.c.step_id == str(step_id), links.c.step_id.in_(child)))
            .order_by(links.c.audit_id.desc())
            .limit(1)
        )
        with self.sync_engine.connect() as conn:
            found = conn.execute(stmt).scalar()
        return int(found) if found is not None else None

    # --- elements ----------------------------------------------------------------------

    async def create_element(self, element: Element):
        """Text elements only, redacted; files and PDFs are not copied into the history."""
        if element.type != "text" or not element.for_id or not _safe_id(element.thread_id):
            return
        content = element.content
        if content is None and element.path:
            async with aiofiles.open(element.path, encoding="utf-8", errors="replace") as f:
                content = await f.read()
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        # Text elements are the cited passages (ui.py): knowledge-base text.
        redacted = await self._redact(content or "", element.thread_id, quoted=True)
        name = await self._redact(element.name, element.thread_id)
        clone = _text_element(element, redacted, name)
        await super().create_element(clone)


def _safe_id(value: Any) -> bool:
    # Chainlit inlines thread ids into SQL (get_all_user_threads); allow plain ids only.
    return isinstance(value, str) and bool(_SAFE_ID.fullmatch(value))


def _text_element(element: Element, content: str, name: str) -> Element:
    from chainlit.element import Text

    return Text(
        id=element.id,
        thread_id=element.thread_id,
        for_id=element.for_id,
        name=name or "Text",
        content=content,
        display=element.display,
        language=getattr(element, "language", None),
        mime="text/plain",
    )


class LocalStorage(BaseStorageClient):
    """Element files in a folder of the data dir; read back through `/verlauf/element/`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, object_key: str) -> Path:
        return element_file(self.root, object_key)

    async def upload_file(
        self, object_key, data, mime="text/plain", overwrite=True, content_disposition=None
    ) -> dict:
        target = self.path(object_key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        payload = data.encode("utf-8") if isinstance(data, str) else data
        async with aiofiles.open(target, "wb") as f:
            await f.write(payload)
        return {"object_key": object_key, "url": await self.get_read_url(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        target = self.path(object_key)
        await asyncio.to_thread(target.unlink, missing_ok=True)
        return True

    async def get_read_url(self, object_key: str) -> str:
        return "/verlauf/element/" + "/".join(str(object_key).split("/")[:2])

    async def close(self) -> None:
        return None


# --- wiring ----------------------------------------------------------------------------


def async_url(url: str) -> str:
    """The async driver's URL for a store URL (aiosqlite, asyncpg)."""
    scheme, _, rest = url.partition("://")
    if scheme.startswith("sqlite"):
        return f"sqlite+aiosqlite://{rest}"
    if scheme.startswith("postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"no async driver for {scheme!r}")


def build_data_layer(services: Services) -> RedactedDataLayer:
    """The redacting data layer on the app's store (migrated first)."""
    engine = services.engine  # runs the migrations, m004_chat_history included
    url = async_url(services.settings.resolved_database_url())
    connect_args: dict = {}
    pool = None
    if not url.startswith("sqlite"):
        from assistant.db import pool_options

        pool = pool_options(services.settings)
    else:
        # SQLite allows one writer per file: the chat's async writes and the app's sync
        # writes (audit, accounts) on one file fail with "database is locked" under load.
        # On SQLite the chat history therefore gets a file of its own.
        url, engine = _sqlite_chat_store(services)
        url = async_url(url)
        connect_args = {"timeout": 30}
    return RedactedDataLayer(
        url,
        redactor=lambda: services.redactor,
        conversations=services.conversations,
        audit=services.audit,
        engine=engine,
        files_dir=services.settings.ensure_data_dir() / ELEMENTS_DIR,
        connect_args=connect_args,
        pool=pool,
    )


def _sqlite_chat_store(services: Services):
    """The chat tables and the step -> audit links in `<data dir>/chat.db` (created if
    missing); returns its URL and a sync engine on it."""
    import sqlalchemy as sa

    from assistant import db

    path = (services.settings.ensure_data_dir() / CHAT_DB).resolve()
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", db._sqlite_pragmas)
    with engine.begin() as conn:
        for table in CHAT_TABLES:
            table.create(conn, checkfirst=True)
    return url, engine


def remember_audit_id(step_id: str, audit_id: int) -> None:
    """Called by the app after `record_answer`: feedback on this message reaches the audit row."""
    layer = get_data_layer()
    if isinstance(layer, RedactedDataLayer):
        layer.remember_audit_id(step_id, audit_id)


def element_text(layer: RedactedDataLayer, object_key: str) -> str | None:
    """Stored (redacted) text of an element, or None."""
    if layer.storage_provider is None:
        return None
    try:
        target = layer.storage_provider.path(object_key)  # type: ignore[attr-defined]
    except ValueError:
        return None
    return target.read_text(encoding="utf-8") if target.is_file() else None


def register_history_routes(app: Any, services: Services) -> None:
    """Mount `/verlauf/element/{user}/{element}`: a stored text element, for its owner only."""
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from assistant.web.http import current_person

    async def element(request) -> PlainTextResponse:
        person = await asyncio.to_thread(current_person, request, services.accounts)
        layer = get_data_layer()
        if person is None or not isinstance(layer, RedactedDataLayer):
            return PlainTextResponse("Nicht angemeldet.", status_code=401)
        owner, element_id = request.path_params["owner"], request.path_params["element"]
        persisted = await layer.get_user(person.name)
        if persisted is None or persisted.id != owner:
            return PlainTextResponse("Kein Zugriff.", status_code=403)
        content = await asyncio.to_thread(element_text, layer, f"{owner}/{element_id}")
        if content is None:
            return PlainTextResponse("Nicht gefunden.", status_code=404)
        return PlainTextResponse(content, headers={"cache-control": "no-store"})

    app.router.routes.insert(0, Route("/verlauf/element/{owner}/{element}", element))
