"""The chat history's writes: kept in order per conversation, tried again, never lost silently.

Chainlit persists a message with `asyncio.create_task(data_layer.create_step(...))` and
its final text with another task for `update_step` – fire and forget. Two things went
wrong under load (bench/load.py, 200 sessions on one worker: 221 writes lost):

* **Lost writes.** With the event loop seconds behind, a task holds its pooled
  connection across many loop turns, and others wait for the pool longer than
  `pool_timeout`; Chainlit's layer logged a warning and dropped the write, so the
  person's history missed messages. A transient failure (pool timeout, a connection
  dropped by a database restart, SQLite's "database is locked") is now tried again
  with a growing pause; only after the last try is the write reported lost, as an
  ERROR with a running count (no text of the message – it may hold personal data).
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

from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

TRIES = 5  # pauses 0.5, 1, 2, 4 s: a database restart of a few seconds loses nothing
FIRST_PAUSE_S = 0.5


def transient(error: BaseException) -> bool:
    """A failure that the same statement may not meet a moment later."""
    from assistant.errors import StoreUnavailable

    if isinstance(error, sa_exc.TimeoutError | StoreUnavailable | TimeoutError | OSError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        # SQLSTATE class 08 (connection exception) and 57P0x (the server shutting down or
        # starting up): asyncpg's errors reach us as plain DBAPIError, with the state.
        state = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", ""))
        if state.startswith(("08", "57P")):
            return True
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
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
        if attempt >= self.tries or not transient(error):
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
        """The statement failed for good (a write is then missing from the history): say
        so loudly, with the type of the failure only."""
        self.lost += 1
        log.error(
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
