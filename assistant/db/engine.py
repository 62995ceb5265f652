"""The engine of the relational store, and the runner of the migrations (schema.py).

SQLite in the data dir by default, PostgreSQL by URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from assistant.db.schema import MIGRATIONS, _migrations_table

if TYPE_CHECKING:
    from assistant.config import Settings


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets searches read while an ingest writes; busy_timeout waits for locks.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def build_engine(settings: Settings) -> Engine:
    """Engine for the configured store, migrated to the newest schema."""
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        settings.ensure_data_dir()
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # pre-ping: after a server restart every pooled connection is dead; each is
        # tested when taken from the pool and replaced, so the process works on at once.
        engine = sa.create_engine(url, pool_pre_ping=True, **pool_options(settings))
        event.listen(engine, "handle_error", _unavailable)
    migrate(engine)
    return engine


def pool_options(settings: Settings) -> dict:
    """Pool sizing of a server database's engines (the app's and the chat history's)."""
    return {
        "pool_size": settings.database_pool_size,
        "max_overflow": settings.database_pool_overflow,
        "pool_timeout": settings.database_pool_timeout,
    }


def _unavailable(context: sa.engine.ExceptionContext) -> BaseException | None:
    """A server that cannot be reached becomes our German `StoreUnavailable` (the channels
    show its message, and the driver's text – host, port, the SQL and its parameters –
    never reaches a person or a log). The pre-ping's own failure stays SQLAlchemy's: the
    pool catches it to reconnect."""
    from assistant.errors import StoreUnavailable

    if context.is_pre_ping:
        return None
    connecting = context.connection is None and context.statement is None
    # SQLSTATE class 08 (connection exception) and 57P0x (the server shutting down, not yet
    # accepting connections) mean the server is away, whatever the driver calls the error.
    state = str(getattr(context.original_exception, "sqlstate", None) or "")
    if (
        context.is_disconnect
        or state.startswith(("08", "57P"))
        or (connecting and isinstance(context.sqlalchemy_exception, sa.exc.OperationalError))
    ):
        return StoreUnavailable()
    return None


class SchemaAheadError(RuntimeError):
    """The database has migrations this version does not know: a newer release ran on it."""

    def __init__(self, known: int, found: int):
        super().__init__(f"schema {found}, this version knows {known}")
        self.known, self.found = known, found


# Key of the PostgreSQL advisory lock held while migrating (any constant, ours alone).
MIGRATION_LOCK_KEY = 0x416D7473


def migrate(engine: Engine) -> list[str]:
    """Apply pending migrations; returns the names applied. Refuses a database that a
    newer release migrated (an older version must not run on tables it does not know:
    going back means restoring the backup from before the update)."""
    with _one_migrator(engine):
        return _migrate(engine)


@contextmanager
def _one_migrator(engine: Engine) -> Iterator[None]:
    """On PostgreSQL one process migrates at a time: several app workers start together,
    and without the lock two of them create the same table (the loser fails to start).
    The others wait, then find the migrations done. The lock has a connection of its
    own, outside the pool: a pool of one must still migrate."""
    if engine.dialect.name != "postgresql":
        yield
        return
    locker = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    event.listen(locker, "handle_error", _unavailable)  # German, as for the engine itself
    with locker.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            conn.commit()
    locker.dispose()


def _migrate(engine: Engine) -> list[str]:
    with engine.begin() as conn:
        _migrations_table.create(conn, checkfirst=True)
        done = {row.id for row in conn.execute(sa.select(_migrations_table.c.id))}
    if ahead := sorted(n for n in done if n > len(MIGRATIONS)):
        raise SchemaAheadError(len(MIGRATIONS), ahead[-1])
    applied = []
    for number, name, fn in MIGRATIONS:
        if number in done:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(_migrations_table.insert().values(id=number, name=name))
        applied.append(name)
    return applied
