"""`assistant worker` as its own process (ASSISTANT_JOBS=queue), on real SQLite and real
PostgreSQL (TEST_POSTGRES_URL): `assistant ingest` returns when the worker made the
files searchable, and this (reader) process finds them without reopening anything; a
worker killed mid-ingest leaves no half document, and another worker finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import dead_url, store_settings

from assistant.jobs import DONE, RUNNING
from assistant.models import Scope
from assistant.services import Services

STORES = ["sqlite", "postgresql"]


def env_of(settings, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_OLLAMA_BASE_URL": dead_url(),
        "ASSISTANT_JOBS": "queue",
        "ASSISTANT_JOB_POLL_SECONDS": "0.1",
    }
    if settings.database_url:
        env["ASSISTANT_DATABASE_URL"] = settings.database_url
    return env | extra


def assistant(env, cwd, *args, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


WORDS = ["Zitronenfalter", "Kettenkarussell", "Wasserturm", "Laubbläser"] + [
    "Feuerlöscher",
    "Kleingarten",
    "Brunnenpflege",
    "Glockenspiel",
]


def write_files(folder: Path, n: int, sections: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        body = "\n\n".join(
            f"## § {s} Abschnitt\n\n"
            + f"Der {WORDS[i]} wird im Abschnitt {s} für die Vergabe der Parkausweise geregelt. "
            * 12
            for s in range(1, sections + 1)
        )
        path = folder / f"anweisung{i}.md"
        path.write_text(f"# Dienstanweisung {i}\n\n{body}\n", encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    settings = store_settings(tmp_path, request.param, jobs="queue", job_poll_seconds=0.1)
    services = Services(settings)
    yield settings, services
    services.close()
    services.engine.dispose()


def find(services, word: str) -> list[str]:
    return [h.title for h in services.search.search(word, 5, Scope.everything()).hits]


def stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return err


def test_ingest_in_queue_mode_returns_when_the_worker_made_it_searchable(store, tmp_path):
    settings, reader = store
    files = write_files(tmp_path / "docs", 2)
    assert find(reader, WORDS[0]) == []  # the reader's index is open before the ingest
    worker = assistant(env_of(settings), tmp_path, "worker")
    try:
        ingest = assistant(env_of(settings), tmp_path, "ingest", str(tmp_path / "docs"), "--json")
        out, err = ingest.communicate(timeout=120)
        assert ingest.returncode == 0, err
        report = json.loads(out)
        assert report["counts"]["added"] == 2 and report["ok"]
        assert [f["path"] for f in report["files"]] == [str(p) for p in files]
        # The reader process, opened before, finds both at once (no restart, no reopen).
        for i in range(2):
            assert find(reader, WORDS[i]) == [f"Dienstanweisung {i}"] * 3
        assert reader.jobs.counts() == {DONE: 1}
        again = assistant(env_of(settings), tmp_path, "ingest", str(files[0]), "--json")
        out, _ = again.communicate(timeout=120)
        assert json.loads(out)["counts"]["unchanged"] == 1
    finally:
        err = stop(worker)
    assert "Auftrag 1 (ingest): fertig." in err and "Hintergrunddienst beendet" in err


def test_a_worker_killed_mid_ingest_leaves_no_half_document_and_the_job_finishes(store, tmp_path):
    settings, reader = store
    write_files(tmp_path / "docs", 8, sections=40)
    env = env_of(settings, ASSISTANT_JOB_STALE_SECONDS="2")
    half: list[str] = []
    checking = threading.Event()

    def check_whole() -> None:  # a reader watching all the time
        while not checking.is_set():
            for doc_id, record in reader.manifest.visible().items():
                if len(reader.lexical.chunks_of(doc_id, record.version)) != record.chunks:
                    half.append(doc_id)
            time.sleep(0.02)

    watcher = threading.Thread(target=check_whole)
    watcher.start()
    ingest = assistant(env, tmp_path, "ingest", str(tmp_path / "docs"), "--json")
    first = assistant(env, tmp_path, "worker")
    try:
        job = wait_for(lambda: _running_with_progress(reader), 120)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert reader.jobs.get(job.id).state == RUNNING  # nobody finished it
        second = assistant(env, tmp_path, "worker")
        out, err = ingest.communicate(timeout=240)
    finally:
        checking.set()
        watcher.join()
        for proc in (first, ingest):
            if proc.poll() is None:
                proc.kill()
    stop(second)
    assert ingest.returncode == 0, err
    assert json.loads(out)["counts"]["added"] == 8
    done = reader.jobs.get(job.id)
    assert done.state == DONE and done.attempts == 2 and done.worker != job.worker
    assert half == []
    visible = reader.manifest.visible()
    assert len(visible) == 8
    # Only the visible versions are in the index (a half-written one was cleaned up).
    assert reader.lexical.versions() == {(d, r.version) for d, r in visible.items()}


def _running_with_progress(services, job_id: int = 1):
    job = services.jobs.get(job_id)
    if job and job.state == RUNNING and (job.progress or {}).get("done", 0) >= 1:
        return job
    return None


def wait_for(probe, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_an_upload_in_queue_mode_returns_at_once_and_its_result_arrives(tmp_path):
    from assistant.access.accounts import User
    from assistant.access.collections import CollectionService
    from assistant.ingest.upload import UploadService

    settings = store_settings(tmp_path, jobs="queue", upload_max_files_per_hour=1)
    services = Services(settings)
    CollectionService(services.engine, settings).grant("allgemein", managers=["wissen"])
    service = UploadService(services, CollectionService(services.engine, settings))
    manager = User("wissen", ("wissensmanagement",), ("allgemein",))
    [first, second] = write_files(tmp_path / "chat-tmp", 2)
    began = time.monotonic()
    ticket = service.submit(manager, "allgemein", [("Regel (neu).md", first), ("b.md", second)])
    assert time.monotonic() - began < 5  # nothing was parsed or written
    first.unlink()  # the chat's temporary file may go: the upload has its own copy
    job, results = service.progress(ticket)
    assert job.state == "queued" and results[0] is None and not services.manifest.list()
    assert results[1].code == "rate_limit" and "„b.md“ wurde nicht übernommen" in results[1].message
    assert job.payload["collection"] == "allgemein" and "wissen" not in json.dumps(job.payload)
    worker = assistant(env_of(settings), tmp_path, "worker")
    try:
        job = wait_for(lambda: (j := service.progress(ticket)[0]).finished and j or None, 120)
    finally:
        stop(worker)
    job, results = service.progress(ticket)
    assert job.state == "done" and results[0].status == "added"
    assert results[0].path == "Regel (neu).md" and results[1].code == "rate_limit"
    assert find(services, WORDS[0]) == ["Dienstanweisung 0"] * 3
    services.close()


def test_sigterm_finishes_the_current_job_and_a_second_one_gives_it_back(tmp_path):
    settings = store_settings(tmp_path, jobs="queue", job_poll_seconds=0.1)
    services = Services(settings)
    from assistant.ingest import jobs

    def enqueue(folder: str, sections: int = 40) -> int:
        files = write_files(tmp_path / folder, 6, sections=sections)
        return services.jobs.enqueue("ingest", jobs.payload(files, None, None, None))

    first = enqueue("a")
    worker = assistant(env_of(settings), tmp_path, "worker")
    wait_for(lambda: _running_with_progress(services, first), 120)
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=120)  # no second signal: `stop` would send one
    assert worker.returncode == 0 and "Beende nach dem laufenden Auftrag 1" in err
    assert services.jobs.get(first).state == DONE
    assert len(services.jobs.get(first).result["files"]) == 6

    second = enqueue("b", 400)  # long enough that the second signal lands mid-job on a fast host
    worker = assistant(env_of(settings), tmp_path, "worker")
    wait_for(lambda: _running_with_progress(services, second), 120)
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    err = stop(worker)
    assert worker.returncode == 130 and "wieder in der Warteschlange" in err
    back = services.jobs.get(second)
    assert (back.state, back.attempts, back.worker) == ("queued", 0, None)
    services.close()
