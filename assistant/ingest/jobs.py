"""`assistant ingest` as a background job (`ASSISTANT_JOBS=queue`).

The CLI enqueues the files and waits; the worker (assistant/jobs/worker.py) ingests them
one by one and stores each file's result in the job row as it goes, so the CLI prints
the same progress and report as when it ingests itself. A job taken over from a dead
worker goes on after the last stored result: the file that was being written then is
ingested again, which is safe because every document is written all or nothing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import IngestError
from assistant.ingest.pipeline import FileResult, IngestReport
from assistant.jobs import FAILED, Job, JobQueue

if TYPE_CHECKING:
    from assistant.ingest.pipeline import Ingestor

KIND = "ingest"
Report = Callable[[dict, dict], None]  # (progress, result so far)


def payload(files: list[Path], collection, valid_from, valid_until) -> dict:
    """Absolute paths and the options: nothing personal goes into the queue."""
    return {
        "paths": [str(p.resolve()) for p in files],
        "collection": collection,
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
    }


def done_so_far(job: Job) -> list[dict]:
    return list((job.result or {}).get("files", []))


def run(ingestor: Ingestor, job: Job, report: Report) -> dict:
    """The worker's side: ingest what the job names, after what an earlier try finished."""
    p = job.payload
    paths = [Path(x) for x in p["paths"]]
    results = done_so_far(job)
    validity = {k: p[k] and date.fromisoformat(p[k]) for k in ("valid_from", "valid_until")}
    for path in paths[len(results) :]:
        result = ingestor.ingest_file(path, p["collection"], **validity)
        results.append(dataclasses.asdict(result))
        report({"done": len(results), "total": len(paths)}, {"files": results})
    return {"files": results}


def to_result(data: dict) -> FileResult:
    return FileResult(**data)


def submit_and_wait(
    queue: JobQueue,
    files: list[Path],
    job_payload: dict,
    on_result: Callable[[FileResult], None],
    poll_s: float,
    on_waiting: Callable[[int], None] | None = None,
) -> IngestReport:
    """Enqueue, then report each file's result as the worker stores it (under the path as
    given here); returns when the job is finished, so the documents are searchable."""
    began = time.monotonic()
    job_id = queue.enqueue(KIND, job_payload)
    report = IngestReport()

    def seen(job: Job) -> None:
        for data in done_so_far(job)[len(report.results) :]:
            shown = str(files[len(report.results)])
            report.results.append(dataclasses.replace(to_result(data), path=shown))
            on_result(report.results[-1])

    job = queue.wait(job_id, seen, poll_s=poll_s, on_unclaimed=on_waiting)
    if job.state == FAILED:
        raise IngestError(job.error or "Der Auftrag ist fehlgeschlagen.", code="job_failed")
    report.seconds = time.monotonic() - began
    return report
