"""The job queue on PostgreSQL: jobs per second claimed and finished by 1 and 2 workers.

    TEST_POSTGRES_URL=postgresql+psycopg://… python bench/jobs.py [--jobs 1000] [--work-ms 0 10]

The database named by the URL is emptied first (use a scratch database). Each worker is
its own process with its own connection and loops `JobQueue.claim` → `finish` (the
worker's own path, without a handler) until the queue is empty. `--work-ms` adds a
sleep per job, standing in for a job's own work: with 0 the figure is the queue's own
cost, with 10 ms it shows whether two workers really run side by side (SKIP LOCKED: a
claimed row is skipped, not waited for). Printed per setting: jobs/s with 1 and with 2
workers and their ratio, in the same run. The database server shares the host's cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from assistant.db import migrate
from assistant.jobs import JobQueue


def fresh(url: str, jobs: int) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    queue = JobQueue(engine)
    for n in range(jobs):
        queue.enqueue("noop", {"n": n})
    engine.dispose()


def work(url: str, name: str, work_s: float, start, counts) -> None:
    engine = sa.create_engine(url)
    queue = JobQueue(engine)
    start.wait()
    done = 0
    while (job := queue.claim(name)) is not None:
        if work_s:
            time.sleep(work_s)
        queue.finish(job.id, name, {"ok": True})
        done += 1
    counts[name] = done
    engine.dispose()


def run(url: str, jobs: int, workers: int, work_s: float) -> tuple[float, dict]:
    fresh(url, jobs)
    start = multiprocessing.Event()
    counts = multiprocessing.Manager().dict()
    procs = [
        multiprocessing.Process(target=work, args=(url, f"w{i}", work_s, start, counts))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # every worker connected and waiting
    began = time.perf_counter()
    start.set()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - began
    total = sum(counts.values())
    assert total == jobs, (total, jobs)  # every job exactly once
    return jobs / elapsed, dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--work-ms", type=float, nargs="+", default=[0.0, 10.0])
    args = parser.parse_args()
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        sys.exit("TEST_POSTGRES_URL fehlt (eine leere PostgreSQL-Datenbank).")
    print(f"{args.jobs} jobs per run, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'work/job':>9} {'1 worker':>12} {'2 workers':>12} {'ratio':>6}  split of 2")
    for work_ms in args.work_ms:
        one, _ = run(url, args.jobs, 1, work_ms / 1000)
        two, split = run(url, args.jobs, 2, work_ms / 1000)
        print(
            f"{work_ms:>7.0f}ms {one:>8.0f} j/s {two:>8.0f} j/s {two / one:>6.2f}  "
            f"{sorted(split.values())}"
        )


if __name__ == "__main__":
    main()
