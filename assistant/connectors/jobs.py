"""Council and open-data syncs as background jobs (`ASSISTANT_JOBS=queue`).

One job syncs one registered source (`oparl_sync`, `opendata_sync`). The CLI registers
the source, enqueues and waits, and prints from the job row what it prints after a sync
of its own: the job's progress is the sync's pages, objects and units, its result the
run's report (`RunReport.to_dict()`, what `--json` prints) or, when the run could not
complete, the German error. The app's timer enqueues a job per endpoint unless one is
already queued or running (`JobQueue.enqueue_once`).

A job taken over from a dead worker runs the sync again, which resumes from the sync's
own checkpoints (engine.py): nothing is fetched or written twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.connectors.engine import RunReport, SyncIncomplete
from assistant.errors import AssistantError
from assistant.jobs import FAILED, Job, JobQueue

if TYPE_CHECKING:
    from assistant.connectors.service import ConnectorService

Report = Callable[[dict, dict], None]  # (progress, result so far)
PROGRESS_EVERY_S = 0.5  # a unit event each few milliseconds must not be a write each
FAILED_JOB = "Der Abgleich im Hintergrunddienst ist fehlgeschlagen."


def kind_of(service: ConnectorService) -> str:
    return f"{service.kind}_sync"


def payload(source: str, full: bool) -> dict:
    return {"source": source, "full": full}


class _Progress:
    """The sync's progress events, counted and stored in the job row now and then."""

    def __init__(self, report: Report):
        self.report = report
        self.state = {"pages": 0, "objects": 0, "units": 0, "count": None}
        self.sent = 0.0

    def __call__(self, event: str, data: dict) -> None:
        if event == "page":
            self.state["pages"] += 1
            self.state["objects"] += data.get("objects", 0)
            self.state["count"] = data.get("count", self.state["count"])
        elif event == "unit":
            self.state["units"] += 1
        if event == "page" or time.monotonic() - self.sent > PROGRESS_EVERY_S:
            self.flush()

    def flush(self) -> None:
        self.sent = time.monotonic()
        self.report(dict(self.state), None)


def run(service: ConnectorService, job: Job, report: Report) -> dict:
    """The worker's side: one run for the job's source. A run that could not complete is
    a result too (the CLI exits 1 with its German error), not a failed job."""
    source = job.payload["source"]
    progress = _Progress(report)
    try:
        done = service.sync(source, full=bool(job.payload.get("full")), progress=progress)
    except SyncIncomplete as exc:
        return failed(source, str(exc))
    finally:
        progress.flush()
    return done.to_dict()


def failed(source: str, error: str) -> dict:
    """What `--json` prints for a run that did not complete."""
    return {"source": source, "status": "failed", "error": error}


def report_of(result: dict) -> RunReport:
    """The run's report from its stored form (raises SyncIncomplete for a failed run)."""
    if result.get("status") != "completed":
        raise SyncIncomplete(result.get("error") or FAILED_JOB)
    report = RunReport(result["source"], result["run_id"], result["full"])
    for key in ("resumed", "status", "counts", "requests", "cursor", "since", "problems"):
        setattr(report, key, result[key])
    report.error, report.seconds = result.get("error"), result.get("seconds", 0.0)
    return report


def submit_and_wait(
    queue: JobQueue,
    kind: str,
    job_payload: dict,
    on_progress: Callable[[dict], None],
    poll_s: float,
    on_waiting: Callable[[int], None] | None = None,
) -> RunReport:
    """Enqueue one source's sync and wait until the worker finished it (the units are
    searchable then); the report as `ConnectorService.sync` returns it, or SyncIncomplete."""
    job_id = queue.enqueue(kind, job_payload)

    def seen(job: Job) -> None:
        if job.progress:
            on_progress(job.progress)

    job = queue.wait(job_id, seen, poll_s=poll_s, on_unclaimed=on_waiting)
    if job.state == FAILED:
        raise AssistantError(job.error or FAILED_JOB, code="job_failed")
    return report_of(job.result or {})


def describe(job: Job) -> str:
    """A source's sync job in German, for the IT page and `… list`: waiting, or running
    with its counts so far."""
    if job.state != "running":
        return f"Abgleich wartet auf den Hintergrunddienst (Auftrag {job.id})"
    p = job.progress or {}
    pages, objects, units = (int(p.get(key) or 0) for key in ("pages", "objects", "units"))
    return (
        f"Abgleich läuft im Hintergrunddienst (Auftrag {job.id}): {pages} Seiten, "
        f"{objects} Objekte, {units} Einträge"
    )


def pending_by_source(queue: JobQueue, service: ConnectorService) -> dict[str, Job]:
    """Source name -> its sync job queued or running (the oldest, when there are more)."""
    pending = queue.pending(kind_of(service))
    return {job.payload.get("source"): job for job in reversed(pending)}


def enqueue_due(queue: JobQueue, service: ConnectorService) -> dict[str, bool]:
    """The timer's side: an incremental sync job for every registered source that has none
    queued or running; source name -> whether a job was added."""
    added = {}
    for source in service.sources():
        _, added[source.name] = queue.enqueue_once(
            kind_of(service), payload(source.name, False), same="source"
        )
    return added
