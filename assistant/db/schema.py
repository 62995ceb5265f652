"""The relational schema: every table, and the numbered migrations that build it.

Migrations are plain functions registered in order with `@migration` (the pattern of
simonw/llm); each runs once, in its own transaction, and is recorded in `_migrations`
(the runner is in engine.py).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("doc_id", sa.String(200), primary_key=True),
    sa.Column("collection", sa.String(100), nullable=False, index=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("pages", sa.Integer),
    sa.Column("bytes", sa.Integer),
    sa.Column("format", sa.String(20)),
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_until", sa.Date),
    sa.Column("doc_date", sa.Date),  # the date the document states ("Stand"), ingest/docdate.py
    # Fields of a unit from a connector (council paper, open-data set): reference, type,
    # date, url, ... — shown with the hit and used by search filters. None for files.
    sa.Column("meta", sa.JSON),
)

# A row exists while a document version is being written or removed; crash
# recovery finishes (or undoes) whatever the row names. See ingest/pipeline.py.
ingest_journal = sa.Table(
    "ingest_journal",
    metadata,
    sa.Column("doc_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
)

# Single-row counters; `manifest_generation` tells searchers to reload the manifest.
state = sa.Table(
    "state",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

_migrations_table = sa.Table(
    "_migrations",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)

MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = []


def migration(fn: Callable[[Connection], None]) -> Callable[[Connection], None]:
    """Register a migration; the number is the order of registration."""
    MIGRATIONS.append((len(MIGRATIONS) + 1, fn.__name__, fn))
    return fn


@migration
def m001_manifest(conn: Connection) -> None:
    for table in (documents, ingest_journal, state):
        table.create(conn)


# One row per answer. Every text column holds redacted text only; the only
# writer is `assistant.privacy.audit.AuditLog`, which redacts inside itself.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("user_id", sa.String(64), nullable=False, index=True),  # keyed hash
    sa.Column("roles", sa.String(500), nullable=False, default=""),
    sa.Column("conversation_id", sa.String(100)),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("standalone_question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("citations", sa.JSON, nullable=False),  # [{n, doc_id, version, score}]
    sa.Column("model", sa.String(200)),
    sa.Column("prompt_version", sa.String(100)),
    sa.Column("mode", sa.String(20), nullable=False),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.Column("unverified", sa.Boolean, nullable=False),
    sa.Column("timings", sa.JSON, nullable=False),
    sa.Column("pii_counts", sa.JSON, nullable=False),
    sa.Column("redaction_failed", sa.Boolean, nullable=False, default=False),
    sa.Column("feedback", sa.SmallInteger),  # +1 / -1 / NULL
    sa.Column("feedback_comment", sa.Text),
    sa.Column("feedback_at", sa.DateTime(timezone=True)),
    # Marks of the answer, e.g. "instruction_like_sources" (answering/injection.py).
    sa.Column("flags", sa.JSON),
)


@migration
def m002_audit(conn: Connection) -> None:
    audit_log.create(conn)


# Accounts, collections and login/upload rate limits (assistant/access/accounts.py,
# assistant/access/collections.py, assistant/ingest/upload.py). Lists are JSON arrays.
users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("password_hash", sa.String(300)),  # NULL: no password login (header/OIDC)
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

collections = sa.Table(
    "collections",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("read_groups", sa.JSON, nullable=False),  # group names, or ["alle"]
    sa.Column("managers", sa.JSON, nullable=False),  # user names
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# One row per failed login, keyed by "pair:<name>|<address>" and "client:<address>"
# (assistant/access/logins.py).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(300), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

# One row per uploaded file (for the per-user upload rate limit).
upload_events = sa.Table(
    "upload_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(200), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)


@migration
def m003_accounts(conn: Connection) -> None:
    for table in (users, collections, login_failures, upload_events):
        table.create(conn)


# Chainlit's chat history (assistant/web/chat_history.py): the tables of Chainlit's
# SQLAlchemyDataLayer, prefixed `chat_` (`users` is the accounts table). Every
# text column holds redacted text only; ids are Chainlit's UUID strings;
# JSON is stored as text, as Chainlit writes it.
def _chat_id(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.String(100), **kw)


chat_users = sa.Table(
    "chat_users",
    metadata,
    _chat_id("id", primary_key=True),
    sa.Column("identifier", sa.String(200), nullable=False, unique=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("createdAt", sa.String(40)),
)

chat_threads = sa.Table(
    "chat_threads",
    metadata,
    _chat_id("id", primary_key=True),
    sa.Column("createdAt", sa.String(40)),
    sa.Column("name", sa.Text),
    _chat_id("userId", index=True),
    sa.Column("userIdentifier", sa.String(200)),
    sa.Column("tags", sa.Text),
    sa.Column("metadata", sa.Text),
)

chat_steps = sa.Table(
    "chat_steps",
    metadata,
    _chat_id("id", primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("type", sa.String(50), nullable=False),
    _chat_id("threadId", nullable=False, index=True),
    _chat_id("parentId"),
    sa.Column("streaming", sa.Boolean, nullable=False),
    sa.Column("waitForAnswer", sa.Boolean),
    sa.Column("isError", sa.Boolean),
    sa.Column("metadata", sa.Text),
    sa.Column("tags", sa.Text),
    sa.Column("input", sa.Text),
    sa.Column("output", sa.Text),
    sa.Column("createdAt", sa.String(40)),
    sa.Column("command", sa.Text),
    sa.Column("start", sa.String(40)),
    sa.Column("end", sa.String(40)),
    sa.Column("generation", sa.Text),
    sa.Column("showInput", sa.Text),
    sa.Column("language", sa.String(50)),
    sa.Column("indent", sa.Integer),
    sa.Column("defaultOpen", sa.Boolean),
    sa.Column("autoCollapse", sa.Boolean),
)

chat_elements = sa.Table(
    "chat_elements",
    metadata,
    _chat_id("id", primary_key=True),
    _chat_id("threadId", index=True),
    sa.Column("type", sa.String(50)),
    sa.Column("url", sa.Text),
    sa.Column("chainlitKey", sa.Text),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("display", sa.String(20)),
    sa.Column("objectKey", sa.Text),
    sa.Column("size", sa.String(20)),
    sa.Column("page", sa.Integer),
    sa.Column("language", sa.String(50)),
    _chat_id("forId"),
    sa.Column("mime", sa.String(200)),
    sa.Column("props", sa.Text),
    sa.Column("autoPlay", sa.Boolean),
    sa.Column("playerConfig", sa.Text),
)

chat_feedbacks = sa.Table(
    "chat_feedbacks",
    metadata,
    _chat_id("id", primary_key=True),
    _chat_id("forId", nullable=False, index=True),
    _chat_id("threadId"),
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
)

# Which audit row an answer message (Chainlit step) belongs to, for feedback.
chat_audit_links = sa.Table(
    "chat_audit_links",
    metadata,
    _chat_id("step_id", primary_key=True),
    sa.Column("audit_id", sa.Integer, nullable=False),
)


@migration
def m004_chat_history(conn: Connection) -> None:
    for table in (
        chat_users,
        chat_threads,
        chat_steps,
        chat_elements,
        chat_feedbacks,
        chat_audit_links,
    ):
        table.create(conn)


# Login sessions (assistant/access/accounts.py): one counter per person. A login token
# carries the counter of its login; raising it (logout, changed roles, groups or password,
# removal) ends every session of that person at once. Rows also for proxy and OIDC logins,
# which have no row in `users`.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("username", sa.String(200), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)


@migration
def m005_sessions(conn: Connection) -> None:
    sessions.create(conn)


@migration
def m006_audit_flags(conn: Connection) -> None:
    # m002 creates the table from its current definition: a new store has the column.
    if "flags" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}:
        conn.execute(sa.text("ALTER TABLE audit_log ADD COLUMN flags JSON"))


@migration
def m007_document_date(conn: Connection) -> None:
    # m001 creates the table from its current definition: a new store has the column.
    if "doc_date" not in {c["name"] for c in sa.inspect(conn).get_columns("documents")}:
        conn.execute(sa.text("ALTER TABLE documents ADD COLUMN doc_date DATE"))


@migration
def m008_document_meta(conn: Connection) -> None:
    if "meta" not in {c["name"] for c in sa.inspect(conn).get_columns("documents")}:
        conn.execute(sa.text("ALTER TABLE documents ADD COLUMN meta JSON"))


# --- connectors' sync state (assistant/connectors/engine.py) -----------------------------
sync_sources = sa.Table(  # one registered endpoint (an OParl system, a CKAN portal)
    "sync_sources",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # "oparl" | "opendata"
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("collection", sa.String(100), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sync_runs = sa.Table(  # one sync run: what it did, and the server cursor it reached
    "sync_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(20), nullable=False),  # running|completed|failed
    sa.Column("full", sa.Boolean, nullable=False),
    sa.Column("cursor", sa.String(64)),  # newest server `modified` seen (completed runs)
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("requests", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),  # German, no personal data
)

sync_checkpoints = sa.Table(  # where an interrupted run resumes (list -> next page URL)
    "sync_checkpoints",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

sync_objects = sa.Table(  # the remote objects as last fetched, and the unit built from each
    "sync_objects",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("object_id", sa.String(500), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("modified", sa.String(64)),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON),  # None once deleted
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("dirty", sa.Boolean, nullable=False, default=True, index=True),
    sa.Column("seen_run", sa.Integer),
    sa.Column("doc_id", sa.String(200)),
)

sync_links = sa.Table(  # unit A shows something of object B: re-render A when B changes
    "sync_links",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("from_id", sa.String(500), primary_key=True),
    sa.Column("to_id", sa.String(500), primary_key=True, index=True),
)


@migration
def m009_sync(conn: Connection) -> None:
    for table in (sync_sources, sync_runs, sync_checkpoints, sync_objects, sync_links):
        table.create(conn, checkfirst=True)


# Background jobs (assistant/jobs/queue.py, run by `assistant worker`). The payload names
# paths, a collection, doc ids: never personal data; `error` is German, without document text.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),  # upload | ingest | oparl_sync | …
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # queued | running | done | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("progress", sa.JSON),  # {"done": n, "total": m}
    sa.Column("result", sa.JSON),  # per kind; filled as the job goes on
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("worker", sa.String(200)),  # host:pid of the worker that runs (ran) it
    sa.Column("heartbeat", sa.DateTime(timezone=True)),
    sa.Index("ix_jobs_state_id", "state", "id"),
)


@migration
def m010_jobs(conn: Connection) -> None:
    jobs.create(conn, checkfirst=True)
