"""The app's own council sync (`ASSISTANT_OPARL_SYNC_MINUTES`, 0 = off).

Every so many minutes the app syncs each registered council endpoint (OParl) in a
worker thread — the background path uploads take (knowledge.py). The indexes have one
writer per process: each batch of units the sync writes, and each removal, takes the lock
that uploads and retiring take (`ingest.upload.ingest_lock`), so an upload waits at most
for one batch, never for a whole sync (fetching, at about a request a second, holds no
lock). The endpoints' state (last successful sync, counts, errors) is in the sync tables
that the IT page and `assistant oparl list` show.

With `ASSISTANT_JOBS=queue` the app writes no index: each round enqueues an incremental
sync job per endpoint for `assistant worker` (connectors/jobs.py), unless one is already
queued or running — a sync longer than the interval, or several app processes running
this timer, do not pile up jobs (`JobQueue.enqueue_once` is safe across processes).

Without the setting, a systemd timer or cron job runs `assistant oparl sync --all`
(docs/operations.md); the two should not both be on for the same endpoints.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.ingest.upload import ingest_lock

if TYPE_CHECKING:
    from assistant.connectors.oparl import CouncilService
    from assistant.ingest.pipeline import Ingestor
    from assistant.services import Services

log = logging.getLogger("assistant.web.councilsync")


class LockedIngestor:
    """The ingestor whose writes take the index writers' lock; reads pass through."""

    def __init__(self, ingestor: Ingestor, lock: threading.Lock = ingest_lock):
        self._ingestor, self._lock = ingestor, lock

    def ingest_units(self, units, on_result=None):
        units = list(units)  # built before the lock: an upload waits for the write only
        with self._lock:
            return self._ingestor.ingest_units(units, on_result)

    def remove(self, doc_id: str):
        with self._lock:
            return self._ingestor.remove(doc_id)

    def __getattr__(self, name: str):
        return getattr(self._ingestor, name)


def council_service(services: Services) -> CouncilService:
    """`services.council`'s endpoints and store, writing through the shared lock."""
    from assistant.connectors.oparl import CouncilService

    locked = LockedIngestor(services.ingestor)
    return CouncilService(
        services.settings, services.sync_store, lambda: locked, lambda: services.collections
    )


def sync_all(services: Services) -> dict[str, str]:
    """Sync every registered endpoint once; endpoint name -> "completed" or "failed".
    A failed run is recorded (and resumable); the others go on."""
    council = council_service(services)
    outcome: dict[str, str] = {}
    for source in council.sources():
        try:
            report = council.sync(source.name)
        except AssistantError as exc:  # recorded in the run row, in German, for the IT page
            log.warning("council sync %s failed: %s", source.name, exc.code)
            outcome[source.name] = "failed"
            continue
        except Exception as exc:  # noqa: BLE001 - one endpoint must not stop the others
            log.error("council sync %s failed: %s", source.name, type(exc).__name__)
            outcome[source.name] = "failed"
            continue
        counts = {k: v for k, v in report.counts.items() if v}
        log.info("council sync %s: completed %s", source.name, counts)
        outcome[source.name] = "completed"
    return outcome


def enqueue_all(services: Services) -> dict[str, bool]:
    """ASSISTANT_JOBS=queue: a sync job per endpoint that has none queued or running;
    endpoint name -> whether a job was added."""
    from assistant.connectors import jobs

    added = jobs.enqueue_due(services.jobs, services.council)
    log.info("council sync: %d jobs queued, %d already pending", sum(added.values()),
             len(added) - sum(added.values()))  # fmt: skip
    return added


def one_round(services: Services) -> dict:
    """What the timer does each time: enqueue for the worker, or sync here."""
    if services.settings.jobs == "queue":
        return enqueue_all(services)
    return sync_all(services)


async def every(services: Services, minutes: int) -> None:
    """Sync all endpoints now, then every `minutes` (the app's lifetime)."""
    while True:
        try:
            await asyncio.to_thread(one_round, services)
        except Exception as exc:  # noqa: BLE001 - the timer goes on; the next round retries
            log.error("council sync round failed: %s", type(exc).__name__)
        await asyncio.sleep(minutes * 60)
