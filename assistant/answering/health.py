"""Is the chat model healthy? What the answers of every process have seen, in the store.

Ollama can be reachable (`/api/version` answers) and still hang in `/api/chat`.
Only answering sees that, so it records here when the model timed out or went
silent (`failed`) and when it answered again (`answered`); `assistant doctor` and
the IT page read `status()`. Two rows of the `state` table (unix seconds), so
there is no schema change and every process of one installation agrees.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assistant.db import state

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

FAILED, ANSWERED = "llm_timed_out_at", "llm_answered_at"
RECENT_S = 3600  # a timeout older than this says nothing about the model now
RECHECK_S = 60  # another process (the CLI) may have seen a timeout meanwhile


@dataclass(frozen=True)
class ModelHealth:
    degraded: bool
    since: datetime | None = None  # last timeout, when degraded

    def describe(self) -> str:
        """German, for the IT page and `doctor`."""
        if not self.degraded or self.since is None:
            return "Sprachmodell antwortet rechtzeitig."
        local = self.since.astimezone()
        return (
            f"Sprachmodell beeinträchtigt: zuletzt um {local:%H:%M} Uhr ({local:%d.%m.%Y}) "
            "keine rechtzeitige Antwort – Fragen werden so lange im Suchmodus beantwortet."
        )


class ModelHealthLog:
    def __init__(self, engine: Engine, clock=time.time):
        self.engine = engine
        self._clock = clock
        self._degraded: bool | None = None  # the last known state …
        self._known_at = 0.0  # … and when it was read or written

    def failed(self) -> None:
        """The model timed out or went silent mid-answer."""
        self._write(FAILED)
        self._degraded, self._known_at = True, self._clock()

    def answered(self) -> None:
        """An answer came in time; written only when the last state was a failure."""
        if self._degraded is None or self._clock() - self._known_at > RECHECK_S:
            self._degraded, self._known_at = self.status().degraded, self._clock()
        if self._degraded:
            self._write(ANSWERED)
            self._degraded, self._known_at = False, self._clock()

    def status(self) -> ModelHealth:
        with self.engine.connect() as conn:
            rows = dict(
                conn.execute(
                    sa.select(state.c.key, state.c.value).where(state.c.key.in_([FAILED, ANSWERED]))
                ).all()
            )
        failed, answered = rows.get(FAILED, 0), rows.get(ANSWERED, 0)
        degraded = failed > answered and self._clock() - failed < RECENT_S
        since = datetime.fromtimestamp(failed, UTC) if degraded else None
        return ModelHealth(degraded, since)

    def _write(self, key: str) -> None:
        now = int(self._clock())
        with self.engine.begin() as conn:
            updated = conn.execute(state.update().where(state.c.key == key).values(value=now))
            if not updated.rowcount:
                conn.execute(state.insert().values(key=key, value=now))
