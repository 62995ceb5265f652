"""`assistant worker`: runs the background jobs, the one writer of the indexes.

Jobs: chat uploads, `assistant ingest`, council (OParl) and open-data syncs.

One job at a time: claim (queue.py), run the kind's handler, store the result. Which
service runs which kind is wiring (`services.JOB_HANDLERS`), passed in by the CLI, so this
module imports no service and stays in the core layer beside the queue.
While a job runs, a thread sends heartbeats; a worker that dies stops sending them and
another worker takes the job over after `job_stale_seconds`. Jobs that write the indexes
run under an exclusive lock file in the data dir, so on one host even several workers
write one at a time, and the journal of an interrupted write (Ingestor.recover) is
cleaned up before the next job writes.

SIGTERM or Ctrl-C: the current job is finished, then the worker stops. A second signal
puts the job back into the queue at once (it is run again from its last stored result;
every document is written all or nothing).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.jobs import Job
    from assistant.services import Services

log = logging.getLogger(__name__)
# (services, job, report(progress, result)) → the job's result
Handler = Callable[["Services", "Job", Callable[[dict, dict], None]], dict]
INTERNAL = (
    "Interner Fehler im Hintergrunddienst ({kind}). Der Auftrag wurde nicht beendet; "
    "bitte IT informieren."
)


@contextmanager
def writer_lock(services: Services) -> Iterator[None]:
    """One index writer per data dir at a time (the lock goes with the process)."""
    path = services.settings.ensure_data_dir() / "writer.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            services.ingestor.recover()  # a dead writer's half version goes first
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Worker:
    def __init__(
        self,
        services: Services,
        handlers: Mapping[str, tuple[Handler, bool]],
        name: str | None = None,
    ):
        """`handlers`: job kind → (handler, writes the indexes)."""
        self.services = services
        self.handlers = handlers
        self.queue = services.jobs
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False
        self.current: Job | None = None

    def run(self, on_job: Callable[[Job], None] | None = None, drain: bool = False) -> int:
        """Claim and run jobs until stopped (`drain`: until the queue is empty); returns
        how many ran."""
        count = 0
        poll = self.services.settings.job_poll_seconds
        while not self.stopping:
            job = self.queue.claim(self.name, tuple(self.handlers))
            if job is None and drain:
                break
            if job is None:
                time.sleep(poll)
                continue
            self.execute(job)
            count += 1
            if on_job:
                on_job(self.queue.get(job.id) or job)
        return count

    def execute(self, job: Job) -> None:
        handler, writes = self.handlers[job.kind]
        self.current = job
        beat = _Heartbeat(self.queue, job.id, self.name, self.queue.stale_s / 4)
        try:
            with beat, writer_lock(self.services) if writes else _nothing():
                result = handler(self.services, job, self._reporter(job))
            self.queue.finish(job.id, self.name, result)
        except KeyboardInterrupt:
            self.queue.release(job.id, self.name)
            raise
        except AssistantError as exc:
            self.queue.fail(job.id, self.name, str(exc))
        except Exception as exc:  # noqa: BLE001 - the job fails, the worker goes on
            log.error("job %s (%s) failed: %s", job.id, job.kind, type(exc).__name__)
            self.queue.fail(job.id, self.name, INTERNAL.format(kind=type(exc).__name__))
        finally:
            self.current = None

    def _reporter(self, job: Job) -> Callable[[dict, dict], None]:
        def report(progress: dict, result: dict) -> None:
            self.queue.report(job.id, self.name, progress, result)

        return report


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class _Heartbeat:
    """A thread that keeps the job's heartbeat fresh while the job runs."""

    def __init__(self, queue, job_id: int, worker: str, every_s: float):
        self.args, self.every_s = (job_id, worker), every_s
        self.queue = queue
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="job-heartbeat")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                if not self.queue.heartbeat(*self.args):
                    log.warning("job %s is no longer this worker's", self.args[0])
            except Exception as exc:  # noqa: BLE001 - the database may be back next beat
                log.warning("heartbeat failed: %s", type(exc).__name__)


def install_signals(worker: Worker, say: Callable[[str], None]) -> Callable[[], None]:
    """First SIGTERM/SIGINT: finish the current job, then stop. Second: give it back.
    Returns what puts the previous handlers back."""

    def first(signum, _frame) -> None:
        if worker.stopping:
            raise KeyboardInterrupt
        worker.stopping = True
        if worker.current is not None:
            say(
                f"Beende nach dem laufenden Auftrag {worker.current.id} "
                "(noch einmal Strg+C: Auftrag zurück in die Warteschlange)."
            )

    before = {sig: signal.signal(sig, first) for sig in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(sig, handler) for sig, handler in before.items()]
