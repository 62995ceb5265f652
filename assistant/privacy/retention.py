"""Retention of the chat history: conversations idle too long are deleted whole.

A thread goes once its last activity (the newest of the thread's `createdAt`
and its steps' `createdAt`/`end`) is older than `chat_retention_days`; with it
go its steps, elements (rows and the stored text files), feedbacks and step ->
audit links, in one transaction. The audit log keeps its own retention
(`retention_days`, audit.py).

    removed = apply_chat_retention(services)             # at start, with the setting
    removed = purge_chat_history(engine, 90, files_dir)  # `assistant logs purge`

Chainlit stores times as ISO text: steps in UTC, the thread's `createdAt` in the
server's local time (marked "Z" all the same); both are read as UTC, which is
hours off at most. A thread without any readable time is kept.

No Chainlit import here (it is slow and writes `.chainlit/` into the working
directory): the CLI uses this module, and chat_history.py takes the layout of
the store from it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assistant import db

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from assistant.services import Services

log = logging.getLogger(__name__)

CHAT_DB = "chat.db"  # SQLite: the chat tables get a file of their own in the data dir
ELEMENTS_DIR = "chat_elements"  # stored text elements, in the data dir
CHAT_TABLES = (
    db.chat_users,
    db.chat_threads,
    db.chat_steps,
    db.chat_elements,
    db.chat_feedbacks,
    db.chat_audit_links,
)
BATCH = 500  # thread ids per statement (SQLite's limit on bound parameters)
_KEY_PART = re.compile(r"[A-Za-z0-9_-]{1,100}")


def element_file(root: Path, object_key: str) -> Path:
    """Where an element's text lies: `<root>/<user id>/<element id>/content.txt`."""
    parts = [p for p in str(object_key).split("/") if p]
    if len(parts) < 2 or not all(_KEY_PART.fullmatch(p) for p in parts[:2]):
        raise ValueError("bad object key")
    return Path(root).joinpath(*parts[:2]) / "content.txt"


def apply_retention(services: Services) -> tuple[int, int]:
    """Both retentions, as the running app applies them daily: audit rows past
    `retention_days` and chats past `chat_retention_days` (0 keeps). Returns both counts."""
    days = services.settings.retention_days
    rows = services.audit.purge(days) if days > 0 else 0
    return rows, apply_chat_retention(services)


def apply_chat_retention(services: Services) -> int:
    """Purge with `chat_retention_days` (0 keeps everything); returns threads removed."""
    days = services.settings.chat_retention_days
    return purge_services_chat_history(services, days) if days > 0 else 0


def purge_services_chat_history(services: Services, older_than_days: int) -> int:
    """`purge_chat_history` on the chat store of these services; returns threads removed."""
    files_dir = services.settings.data_dir / ELEMENTS_DIR
    with chat_store(services) as engine:
        return purge_chat_history(engine, older_than_days, files_dir) if engine else 0


@contextmanager
def chat_store(services: Services) -> Iterator[Engine | None]:
    """A sync engine on the chat tables: `<data dir>/chat.db` on SQLite (None while there
    is no such file), else the app's store."""
    settings = services.settings
    if not settings.resolved_database_url().startswith("sqlite"):
        yield services.engine
        return
    path = settings.data_dir / CHAT_DB
    if not path.is_file():
        yield None
        return
    engine = sa.create_engine(f"sqlite:///{path.resolve()}", connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", db._sqlite_pragmas)
    try:
        yield engine
    finally:
        engine.dispose()


def purge_chat_history(engine: Engine, older_than_days: int, files_dir: Path | None) -> int:
    """Delete threads idle for more than this many days, with everything that hangs on
    them (see the module doc); returns how many threads went."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    with engine.begin() as conn:
        old = _idle_threads(conn, cutoff)
        keys = [key for i in range(0, len(old), BATCH) for key in _delete(conn, old[i : i + BATCH])]
    _delete_files(files_dir, keys)
    if old:
        log.info("chat history: purged %d threads idle for %d days", len(old), older_than_days)
    return len(old)


def _idle_threads(conn: Connection, cutoff: datetime) -> list[str]:
    threads, steps = db.chat_threads, db.chat_steps
    latest = (
        sa.select(
            steps.c.threadId.label("thread"),
            sa.func.max(steps.c.createdAt).label("created"),
            sa.func.max(steps.c.end).label("ended"),
        )
        .group_by(steps.c.threadId)
        .subquery()
    )
    stmt = sa.select(threads.c.id, threads.c.createdAt, latest.c.created, latest.c.ended)
    stmt = stmt.outerjoin(latest, latest.c.thread == threads.c.id)
    idle = []
    for thread_id, *times in conn.execute(stmt):
        seen = [t for t in map(_parse_time, times) if t is not None]
        if seen and max(seen) < cutoff:
            idle.append(thread_id)
    return idle


def _parse_time(value: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _delete(conn: Connection, thread_ids: list[str]) -> list[str]:
    """Delete these threads and what hangs on them; returns the elements' object keys."""
    threads, steps, elements = db.chat_threads, db.chat_steps, db.chat_elements
    feedbacks, links = db.chat_feedbacks, db.chat_audit_links
    step_ids = sa.select(steps.c.id).where(steps.c.threadId.in_(thread_ids))
    of_elements = sa.or_(elements.c.threadId.in_(thread_ids), elements.c.forId.in_(step_ids))
    keys = conn.execute(sa.select(elements.c.objectKey).where(of_elements)).scalars()
    keys = [k for k in keys if k]
    conn.execute(links.delete().where(links.c.step_id.in_(step_ids)))
    conn.execute(
        feedbacks.delete().where(
            sa.or_(feedbacks.c.threadId.in_(thread_ids), feedbacks.c.forId.in_(step_ids))
        )
    )
    conn.execute(elements.delete().where(of_elements))
    conn.execute(steps.delete().where(steps.c.threadId.in_(thread_ids)))
    conn.execute(threads.delete().where(threads.c.id.in_(thread_ids)))
    return keys


def _delete_files(files_dir: Path | None, keys: list[str]) -> None:
    """Element files of deleted rows (after the commit: a failed purge keeps them), and
    their folders once empty."""
    if files_dir is None:
        return
    failed = 0
    for key in keys:
        try:
            target = element_file(files_dir, key)
            target.unlink(missing_ok=True)
        except (OSError, ValueError):
            failed += 1
            continue
        for folder in (target.parent, target.parent.parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    if failed:
        log.warning("chat history: %d element files could not be deleted", failed)
