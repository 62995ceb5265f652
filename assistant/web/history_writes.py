"""The chat history's writes: kept in order per conversation, tried again, never lost silently.

Chainlit persists a message with `asyncio.create_task(data_layer.create_step(...))` and
its final text with another task for `update_step` – fire and forget. Two things went
wrong under load (bench/load.py, 200 sessions on one worker: 221 writes lost):

* **Lost writes.** With the event loop seconds behind, a task holds its pooled
  connection across many loop turns, and others wait for the pool longer than
  `pool_timeout`; Chainlit's layer logged a warning and dropped the write, so the
  person's history missed messages. A transient failure (pool timeout, a connection
  dropped by a database restart, SQLite's "database is locked") is now tried again
  with a growing pause; only after the last try is the write reported lost, with a
  running count and no text of the message (it may hold personal data): an ERROR, or
  a WARNING while the database is away (that outage is reported already). A server
  that refuses connections is not waited for: the chat tells the person at once.
* **Order.** The update task can overtake the create task of the same message (the
  create's redaction takes longer, or it waits longer for the pool); the create's
  upsert then overwrites the final answer with the empty text it was created with.
  Writes of one conversation therefore pass a per-conversation lock in the order the
  tasks started (asyncio's locks are first come, first served).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

TRIES = 5  # pauses 0.5, 1, 2, 4 s
FIRST_PAUSE_S = 0.5

# Set in a request (task) once one of Chainlit's statements failed in it; see
# `_NoPersistedUserTraceback`.
_sql_failed: ContextVar[bool] = ContextVar("chat_sql_failed", default=False)


def away(error: BaseException) -> bool:
    """The database server refuses or drops connections: it is stopped or restarting."""
    from assistant.errors import StoreUnavailable

    if isinstance(error, OSError | StoreUnavailable):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        # SQLSTATE class 08 (connection exception) and 57P0x (the server shutting down or
        # starting up): asyncpg's errors reach us as plain DBAPIError, with the state.
        state = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", ""))
        return error.connection_invalidated or state.startswith(("08", "57P"))
    return False


def worth_retrying(error: BaseException) -> bool:
    """A failure that the same statement may not meet a moment later: the pool was busy,
    SQLite was locked, or a pooled connection died with a restart (a new one may work).
    Not a server that refuses to connect at all: then the chat says so at once, and the
    person must not wait for retries (some writes are awaited before the answer)."""
    if isinstance(error, OSError):
        return False
    if isinstance(error, sa_exc.TimeoutError | TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return away(error) or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    return False


class HistoryWrites:
    """Per-conversation order and the count of writes lost for good (per process)."""

    def __init__(self, tries: int = TRIES, first_pause_s: float = FIRST_PAUSE_S):
        self.tries = max(1, tries)
        self.first_pause_s = first_pause_s
        self.lost = 0
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def ordered(self, thread_id: str) -> AsyncIterator[None]:
        """Hold the conversation's lock; taken in the order the writers arrive."""
        lock = self._locks.setdefault(thread_id, asyncio.Lock())
        self._users[thread_id] = self._users.get(thread_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[thread_id] -= 1
            if not self._users[thread_id]:  # nobody waits: forget the lock
                del self._users[thread_id], self._locks[thread_id]

    async def pause_before_retry(self, attempt: int, error: BaseException) -> bool:
        """After failed try `attempt` (1-based): wait and say True if another try is due."""
        if attempt >= self.tries or not worth_retrying(error):
            return False
        log.info(
            "chat history: write failed (%s), try %d of %d follows",
            type(error).__name__,
            attempt + 1,
            self.tries,
        )
        await asyncio.sleep(self.first_pause_s * 2 ** (attempt - 1))
        return True

    def give_up(self, error: BaseException, attempts: int) -> None:
        """The write failed for good and is missing from the history: say so, with the
        type of the failure only. An ERROR when the pool was too small or the statement
        wrong; a WARNING while the database is away (that outage is reported already,
        docs/operations.md, and is not the operator's mistake)."""
        self.lost += 1
        log.log(
            logging.WARNING if away(error) else logging.ERROR,
            "chat history: SQL failed (%s%s) after %d tries; %d failed since start "
            "(see docs/operations.md, pool sizing)",
            type(error).__name__,
            _state(error),
            attempts,
            self.lost,
        )


def _state(error: BaseException) -> str:
    """The SQLSTATE of a database error, for the log (never its text: it may quote values)."""
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    return f", SQLSTATE {state}" if state else ""


def note_failed_statement() -> None:
    """One of the chat history's statements failed in the current request (task)."""
    _sql_failed.set(True)


def quiet_user_lookup_traceback() -> None:
    """Install `_NoPersistedUserTraceback` on Chainlit's logger (once)."""
    chainlit_logger = logging.getLogger("chainlit")
    if not any(isinstance(f, _NoPersistedUserTraceback) for f in chainlit_logger.filters):
        chainlit_logger.addFilter(_NoPersistedUserTraceback())


class _NoPersistedUserTraceback(logging.Filter):
    """Drops Chainlit's ERROR "Unable to get persisted_user from data layer" (with a stack
    trace) when one of our statements failed just before in the same request.

    Chainlit looks the person up in the chat tables on every request and socket connect
    and, when that yields nobody, goes on with the token's user – the request works. It
    yields nobody when `execute_sql` failed: PostgreSQL stopping or restarting between
    the account check and this lookup. That was already logged as a WARNING by type, and
    an operator must not get a stack trace for a database restart (docs/operations.md).
    Any other cause (no failed statement in this request) is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            _sql_failed.get() and str(record.msg).startswith("Unable to get persisted_user")
        )
