"""The job queue: rows in the relational store, claimed by `assistant worker`.

A claim takes the oldest job that is queued, or running under a worker whose heartbeat
is older than `stale_s` (that worker died: its job is taken over). Two workers never
get the same job:

* PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` — a row another worker is claiming
  is skipped, not waited for — then the UPDATE in the same transaction;
* SQLite: one `UPDATE … WHERE id = (SELECT …) AND <still claimable> RETURNING id`.
  SQLite has one writer at a time, so the statement reads and writes under the same
  lock (a SELECT then UPDATE in a read transaction could fail to upgrade its lock).

Every write of a running job names its worker, so a worker that was declared dead
and comes back cannot overwrite the job's new owner.

`enqueue_once` adds a job only when no job of its kind for the same thing (a payload
field, e.g. the sync's source) is queued or running — several app processes run the
same timer. The check and the insert are one `INSERT … SELECT … WHERE NOT EXISTS`;
on SQLite that statement holds the one write lock throughout, on PostgreSQL (where two
transactions could each see no job and both insert) a transaction-scoped advisory lock
per kind serialises the producers first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assistant.db import jobs

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ATTEMPTS = 3
NO_WORKER_NOTE_S = 5.0  # a job nobody started for this long: tell whoever waits
ENQUEUE_LOCK = 0x6A6F6273  # "jobs": the first key of enqueue_once's advisory locks
GAVE_UP = (
    "Der Auftrag wurde {n}-mal begonnen und jedes Mal abgebrochen (Hintergrunddienst "
    "beendet?). Er wird nicht noch einmal versucht; bitte IT informieren."
)


@dataclass
class Job:
    id: int
    kind: str
    payload: dict
    state: str
    attempts: int = 0
    progress: dict | None = None
    result: Any = None
    error: str | None = None
    worker: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)


def _now() -> datetime:
    return datetime.now(UTC)


def _job(row) -> Job:
    return Job(
        row.id,
        row.kind,
        row.payload or {},
        row.state,
        row.attempts,
        row.progress,
        row.result,
        row.error,
        row.worker,
    )


class JobQueue:
    def __init__(self, engine: Engine, stale_s: float = 60.0):
        self.engine = engine
        self.stale_s = stale_s

    # --- producers -------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict) -> int:
        values = {"kind": kind, "payload": payload, "state": QUEUED, "attempts": 0}
        with self.engine.begin() as conn:
            inserted = conn.execute(jobs.insert().values(**values, created_at=_now()))
            return int(inserted.inserted_primary_key[0])

    def enqueue_once(self, kind: str, payload: dict, same: str) -> tuple[int, bool]:
        """Enqueue unless a queued or running job of `kind` has the same `payload[same]`:
        (that job's id, False); else (the new id, True). Safe across processes."""
        pending = sa.select(jobs.c.id).where(
            jobs.c.kind == kind,
            jobs.c.state.in_((QUEUED, RUNNING)),
            jobs.c.payload[same].as_string() == str(payload[same]),
        )
        row = sa.select(
            sa.literal(kind, sa.String),
            sa.literal(payload, jobs.c.payload.type),
            sa.literal(QUEUED, sa.String),
            sa.literal(0, sa.Integer),
            sa.literal(_now(), jobs.c.created_at.type),
        ).where(~pending.exists())
        columns = ["kind", "payload", "state", "attempts", "created_at"]
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                key = sa.func.hashtext(kind)
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ENQUEUE_LOCK, key)))
            added = conn.execute(
                jobs.insert().from_select(columns, row).returning(jobs.c.id)
            ).scalar()
            if added is not None:
                return int(added), True
            return int(conn.execute(pending.order_by(jobs.c.id).limit(1)).scalar_one()), False

    def pending(self, kind: str) -> list[Job]:
        """The queued and running jobs of `kind`, oldest first."""
        query = (
            sa.select(jobs)
            .where(jobs.c.kind == kind, jobs.c.state.in_((QUEUED, RUNNING)))
            .order_by(jobs.c.id)
        )
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]

    def get(self, job_id: int) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def wait(
        self,
        job_id: int,
        on_change: Callable[[Job], None] | None = None,
        poll_s: float = 0.2,
        timeout_s: float | None = None,
        on_unclaimed: Callable[[int], None] | None = None,
        unclaimed_s: float = NO_WORKER_NOTE_S,
    ) -> Job:
        """Poll the job's row until it is done or failed; `on_change` sees each new state,
        `on_unclaimed` is told once when no worker has started the job after `unclaimed_s`
        (none running?)."""
        began = time.monotonic()
        deadline = None if timeout_s is None else began + timeout_s
        seen, noted = None, on_unclaimed is None
        while True:
            job = self.get(job_id)
            if job is None:
                raise LookupError(job_id)
            key = (job.state, job.attempts, repr(job.progress), repr(job.result))
            if on_change and key != seen:
                on_change(job)
            seen = key
            if job.finished or (deadline is not None and time.monotonic() > deadline):
                return job
            if not noted and job.attempts == 0 and time.monotonic() - began > unclaimed_s:
                noted = True
                on_unclaimed(job_id)
            time.sleep(poll_s)

    def counts(self) -> dict[str, int]:
        query = sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state)
        with self.engine.connect() as conn:
            return {state: int(n) for state, n in conn.execute(query)}

    # --- workers ---------------------------------------------------------------
    def claim(self, worker: str, kinds: tuple[str, ...] | None = None) -> Job | None:
        """The next job for `worker` (now running under it), or None."""
        now = _now()
        claimable = sa.or_(
            jobs.c.state == QUEUED,
            sa.and_(jobs.c.state == RUNNING, jobs.c.heartbeat < now - self._stale()),
        )
        if kinds:
            claimable = sa.and_(claimable, jobs.c.kind.in_(kinds))
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                job_id = self._pick_skip_locked(conn, claimable)
            else:
                job_id = sa.select(jobs.c.id).where(claimable).order_by(jobs.c.id).limit(1)
                job_id = job_id.scalar_subquery()
            claimed = conn.execute(
                jobs.update()
                .where(jobs.c.id == job_id, claimable)
                .values(
                    state=RUNNING,
                    worker=worker,
                    attempts=jobs.c.attempts + 1,
                    started_at=now,
                    heartbeat=now,
                )
                .returning(jobs)
            ).first()
        if claimed is None:
            return None
        job = _job(claimed)
        if job.attempts > MAX_ATTEMPTS:
            self.fail(job.id, worker, GAVE_UP.format(n=MAX_ATTEMPTS))
            return self.claim(worker, kinds)
        return job

    @staticmethod
    def _pick_skip_locked(conn: Connection, claimable) -> int | None:
        query = (
            sa.select(jobs.c.id)
            .where(claimable)
            .order_by(jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return conn.execute(query).scalar()

    def heartbeat(self, job_id: int, worker: str) -> bool:
        """Still alive; False when the job is no longer this worker's."""
        return self._update(job_id, worker, heartbeat=_now())

    def report(self, job_id: int, worker: str, progress=None, result=None) -> bool:
        """Progress (and the results so far) for those who wait."""
        values: dict[str, Any] = {"heartbeat": _now()}
        if progress is not None:
            values["progress"] = progress
        if result is not None:
            values["result"] = result
        return self._update(job_id, worker, **values)

    def finish(self, job_id: int, worker: str, result=None) -> bool:
        values: dict[str, Any] = {"state": DONE, "finished_at": _now()}
        if result is not None:
            values["result"] = result
        return self._update(job_id, worker, **values)

    def fail(self, job_id: int, worker: str, error: str) -> bool:
        return self._update(job_id, worker, state=FAILED, error=error, finished_at=_now())

    def release(self, job_id: int, worker: str) -> bool:
        """Back into the queue (the worker stops before the job is done); this start does
        not count as an attempt."""
        values = {"state": QUEUED, "worker": None, "heartbeat": None}
        return self._update(job_id, worker, attempts=jobs.c.attempts - 1, **values)

    def _update(self, job_id: int, owner: str, **values) -> bool:
        query = (
            jobs.update()
            .where(jobs.c.id == job_id, jobs.c.worker == owner, jobs.c.state == RUNNING)
            .values(**values)
        )
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount == 1

    def _stale(self) -> timedelta:
        return timedelta(seconds=self.stale_s)
