"""The job queue on real SQLite and real PostgreSQL (TEST_POSTGRES_URL): enqueue, claim,
report, finish; a dead worker's job is taken over; two workers never get the same job."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from conftest import store_settings

from assistant.jobs import DONE, FAILED, QUEUED, RUNNING, JobQueue
from assistant.services import Services

STORES = ["sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def services(request, tmp_path):
    s = Services(store_settings(tmp_path, request.param, job_stale_seconds=1.0))
    yield s
    s.close()
    s.engine.dispose()


def test_enqueue_claim_report_finish(services):
    queue = services.jobs
    first = queue.enqueue("ingest", {"paths": ["/srv/a.md"], "collection": "allgemein"})
    second = queue.enqueue("upload", {"files": [], "collection": "allgemein"})
    assert queue.get(first).state == QUEUED and queue.counts() == {QUEUED: 2}

    job = queue.claim("w1")
    assert (job.id, job.state, job.attempts, job.worker) == (first, RUNNING, 1, "w1")
    assert job.payload == {"paths": ["/srv/a.md"], "collection": "allgemein"}
    assert queue.claim("w2", ("ingest",)) is None  # the only ingest job is taken
    assert queue.report(first, "w1", {"done": 1, "total": 1}, {"files": [{"status": "added"}]})
    assert not queue.report(first, "w2", {"done": 9}, None)  # not w2's job
    assert queue.finish(first, "w1")
    done = queue.get(first)
    assert (done.state, done.progress, done.result) == (
        DONE,
        {"done": 1, "total": 1},
        {"files": [{"status": "added"}]},
    )
    assert not queue.finish(first, "w1")  # finished once

    other = queue.claim("w2")
    assert other.id == second
    assert queue.fail(second, "w2", "Die Datei fehlt.")
    assert (queue.get(second).state, queue.get(second).error) == (FAILED, "Die Datei fehlt.")
    assert queue.claim("w1") is None


def test_a_dead_workers_job_is_taken_over_and_the_dead_one_cannot_write(services):
    queue = services.jobs
    job_id = queue.enqueue("ingest", {"paths": []})
    assert queue.claim("dead").id == job_id
    assert queue.claim("alive") is None  # heartbeat is fresh
    time.sleep(1.3)  # job_stale_seconds=1
    taken = queue.claim("alive")
    assert (taken.id, taken.attempts, taken.worker) == (job_id, 2, "alive")
    assert not queue.heartbeat(job_id, "dead") and not queue.finish(job_id, "dead")
    assert queue.finish(job_id, "alive", {"ok": True})
    assert queue.get(job_id).result == {"ok": True}


def test_a_job_that_keeps_dying_fails_in_german(services):
    queue = services.jobs
    job_id = queue.enqueue("ingest", {"paths": []})
    for n in range(3):
        assert queue.claim(f"w{n}").id == job_id
        time.sleep(1.2)
    assert queue.claim("w9") is None
    job = queue.get(job_id)
    assert job.state == FAILED and "3-mal begonnen" in job.error


def test_release_puts_the_job_back_without_counting_an_attempt(services):
    queue = services.jobs
    job_id = queue.enqueue("ingest", {"paths": []})
    queue.claim("w1")
    assert queue.release(job_id, "w1")
    job = queue.get(job_id)
    assert (job.state, job.attempts, job.worker) == (QUEUED, 0, None)
    assert queue.claim("w2").attempts == 1


def test_two_workers_never_run_the_same_job_on_postgresql(tmp_path):
    """Eight threads, each its own connection, claim 200 jobs as fast as they can:
    every job is claimed exactly once (SKIP LOCKED), none is left."""
    settings = store_settings(tmp_path, "postgresql")
    services = Services(settings)
    queue = services.jobs
    for n in range(200):
        queue.enqueue("noop", {"n": n})
    claimed: dict[str, list[int]] = {}
    engine = sa.create_engine(settings.database_url, pool_size=10)

    def work(name: str) -> None:
        mine = claimed.setdefault(name, [])
        own = JobQueue(engine)
        while (job := own.claim(name)) is not None:
            mine.append(job.id)
            own.finish(job.id, name)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [j for ids in claimed.values() for j in ids]
    assert len(every) == 200 and len(set(every)) == 200
    assert sum(1 for ids in claimed.values() if ids) >= 2  # they really ran side by side
    assert queue.counts() == {DONE: 200}
    engine.dispose()
    services.engine.dispose()


def test_enqueue_once_adds_one_job_however_many_producers_race(tmp_path):
    """Eight producers, each its own engine (as separate app processes), released together
    to enqueue the same source's sync, twenty times: one job each time (on PostgreSQL
    without the advisory lock 174 extra jobs in 40 such rounds slipped through)."""
    from assistant.db import build_engine

    for store in STORES:
        settings = store_settings(tmp_path / store, store)
        engines = [build_engine(settings) for _ in range(8)]
        for n in range(20):
            start, added = threading.Barrier(len(engines)), []

            def produce(engine, n=n, start=start, added=added) -> None:
                start.wait()
                job = JobQueue(engine).enqueue_once("oparl_sync", {"source": f"s{n}"}, "source")
                added.append(job)

            threads = [threading.Thread(target=produce, args=(e,)) for e in engines]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sum(new for _, new in added) == 1, (store, n)
            assert len({job_id for job_id, _ in added}) == 1
        assert JobQueue(engines[0]).counts() == {QUEUED: 20}
        for engine in engines:
            engine.dispose()


def test_enqueue_once_counts_queued_and_running_jobs_only(services):
    queue = services.jobs
    first, added = queue.enqueue_once("oparl_sync", {"source": "ka", "full": False}, "source")
    assert added and queue.enqueue_once("oparl_sync", {"source": "ka", "full": True}, "source") == (
        first,
        False,
    )
    assert queue.enqueue_once("opendata_sync", {"source": "ka"}, "source")[1]  # another kind
    assert queue.enqueue_once("oparl_sync", {"source": "bonn"}, "source")[1]
    queue.claim("w1", ("oparl_sync",))
    assert queue.enqueue_once("oparl_sync", {"source": "ka"}, "source") == (first, False)
    assert [j.payload["source"] for j in queue.pending("oparl_sync")] == ["ka", "bonn"]
    queue.finish(first, "w1")
    again, added = queue.enqueue_once("oparl_sync", {"source": "ka"}, "source")
    assert added and again != first
