"""Council and open-data syncs as background jobs (issue 17, ASSISTANT_JOBS=queue), on
real SQLite and real PostgreSQL (TEST_POSTGRES_URL), against the replay servers of
../shared/oparl/karlsruhe and ../shared/opendata over real HTTP, with `assistant worker`
in its own process:

* `assistant oparl sync` in queue mode prints what the inline sync prints and exits alike
  (a completed run, and a run that stops with a German error);
* a worker killed mid-way through the Köln open-data sync: another worker takes the job
  over, the sync resumes and the index is the one an inline sync builds, nothing twice;
* several app processes running the council timer enqueue one job per endpoint, never
  a second while one is queued or running; the IT page and `oparl list` show the job;
* without a worker the CLI says in German that its job waits for one, then finishes.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import dead_url, make_settings, require, store_settings
from test_jobs_worker import assistant, env_of, stop, wait_for

from assistant.jobs import DONE, QUEUED, RUNNING
from assistant.services import Services

# ../shared beside the checkout (a worktree may sit one level deeper than the main one)
SHARED = next(
    (p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "oparl").is_dir()),
    Path("/nonexistent"),
)
KARLSRUHE, OPENDATA = SHARED / "oparl" / "karlsruhe", SHARED / "opendata"
STORES = ["sqlite", "postgresql"]
SYNC_ENV = {
    "ASSISTANT_SYNC_RATE": "0",
    "ASSISTANT_SYNC_TIMEOUT": "5",
    "ASSISTANT_SYNC_RETRIES": "1",
}


def serve(script: Path, probe: str, *args: str):
    """A replay server in its own process on a free port; (process, base URL)."""
    port = int(dead_url().rsplit(":", 1)[1])
    proc = subprocess.Popen(
        [sys.executable, str(script), "--root", str(script.parent / "data"), "--port", str(port),
         *args],
        env={**os.environ, "SERVE_QUIET": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + probe, timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{script} did not start")


@pytest.fixture(scope="module")
def servers():
    present = (KARLSRUHE / "serve.py").exists() and (OPENDATA / "serve.py").exists()
    require(present, "../shared replay servers not available")
    council, council_url = serve(KARLSRUHE / "serve.py", "/oparl/system", "--snapshot", "old")
    portal, portal_url = serve(OPENDATA / "serve.py", "/api/3/action/status_show", "--portal",
                               "koeln")  # fmt: skip
    yield {"oparl": council_url + "/oparl/system", "opendata": portal_url}
    for proc in (council, portal):
        os.kill(proc.pid, signal.SIGTERM)  # by PID, never by name
        proc.wait(timeout=10)


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    settings = store_settings(tmp_path, request.param, jobs="queue", job_poll_seconds=0.1)
    services = Services(settings)
    yield settings, services
    services.close()
    services.engine.dispose()


def run(env: dict, cwd: Path, *args: str, timeout: float = 300) -> tuple[int, str, str]:
    proc = assistant(env, cwd, *args)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def inline_env(data_dir: Path) -> dict:
    env = env_of(make_settings(data_dir.parent), ASSISTANT_JOBS="inline", **SYNC_ENV)
    return env | {"ASSISTANT_DATA_DIR": str(data_dir)}


def shown(text: str) -> list[str]:
    """What the CLI printed, without log records and with the run's seconds masked."""
    lines = [ln for ln in text.splitlines() if not re.match(r"\d{4}-\d\d-\d\d ", ln)]
    return [re.sub(r"in [\d,]+ s", "in … s", ln) for ln in lines]


def stable(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in ("run_id", "seconds")}


# --- the CLI: the same output in queue mode -------------------------------------------------


def test_oparl_sync_by_the_worker_prints_and_exits_as_inline(store, servers, tmp_path):
    settings, services = store
    url = servers["oparl"]
    queued = env_of(settings, **SYNC_ENV)
    here = inline_env(tmp_path / "inline")
    cases = [
        ("--name", "bonn", "--body", "Bonn"),  # completes: 1 meeting, 3 lists missing
        ("--name", "bonn", "--json"),  # incremental, as JSON
        ("--name", "ka", "--body", "Karlsruhe"),  # no such body: stops, exit 1, German
    ]
    worker = assistant(queued, tmp_path, "worker")
    try:
        for args in cases:
            first = [url] if "--body" in args else []
            want = run(here, tmp_path, "oparl", "sync", *first, *args)
            got = run(queued, tmp_path, "oparl", "sync", *first, *args)
            assert got[0] == want[0], got[2]
            if "--json" in args:
                assert stable(json.loads(got[1])) == stable(json.loads(want[1]))
            else:
                assert shown(got[1]) == shown(want[1]) and shown(got[2]) == shown(want[2])
    finally:
        err = stop(worker)
    assert want[0] == 1 and "ka: nicht abgeschlossen. Die Körperschaft „Karlsruhe“" in want[2]
    assert "Auftrag 3 (oparl_sync): fertig." in err
    assert services.jobs.counts() == {DONE: 3}
    assert services.jobs.get(3).result["status"] == "failed"
    assert [s["name"] for s in services.council.status()] == ["bonn", "ka"]
    assert services.council.status()[0]["objects"] == {"Body": 1, "Meeting": 1}


# --- a worker dies mid-sync --------------------------------------------------------------------


def units(services: Services) -> dict[str, list[str]]:
    """dataset id -> chunk texts of the Köln units (fails when a dataset is there twice)."""
    out: dict[str, list[str]] = {}
    for record in services.manifest.list():
        meta = record.meta or {}
        if meta.get("kind") == "opendata":
            assert meta["dataset_id"] not in out, "dataset indexed twice"
            chunks = services.lexical.chunks_of(record.doc_id, record.version)
            out[meta["dataset_id"]] = [c.text for c in chunks]
    return out


@pytest.fixture(scope="module")
def koeln_inline(servers, tmp_path_factory):
    """The Köln portal synced inline once: the index a sync by the worker must equal."""
    data = tmp_path_factory.mktemp("inline") / "data"
    code, out, err = run(inline_env(data), data.parent, "opendata", "sync",
                         servers["opendata"], "--name", "koeln", "--json")  # fmt: skip
    assert code == 0, err
    services = Services(make_settings(data.parent))
    try:
        objects = services.opendata.status()[0]["objects"]
        yield {"report": json.loads(out), "units": units(services), "objects": objects}
    finally:
        services.close()


def test_a_worker_killed_mid_sync_the_job_is_taken_over_and_nothing_is_twice(
    store, servers, koeln_inline, tmp_path
):
    settings, reader = store
    env = env_of(settings, ASSISTANT_JOB_STALE_SECONDS="2", **SYNC_ENV)
    sync = assistant(env, tmp_path, "opendata", "sync", servers["opendata"], "--name", "koeln",
                     "--json")  # fmt: skip
    first = assistant(env, tmp_path, "worker")
    second = None
    try:
        job = wait_for(lambda: _building(reader), 180)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert reader.jobs.get(job.id).state == RUNNING  # nobody finished it
        second = assistant(env, tmp_path, "worker")
        out, err = sync.communicate(timeout=300)
    finally:
        for proc in (first, sync):
            if proc.poll() is None:
                proc.kill()
        if second is not None:
            stop(second)
    assert sync.returncode == 0, err
    report = json.loads(out)
    assert report["status"] == "completed" and report["resumed"]  # went on from the checkpoint
    done = reader.jobs.get(job.id)
    assert done.state == DONE and done.attempts == 2 and done.worker != job.worker
    got = units(reader)
    assert got == koeln_inline["units"] and len(got) == 137
    visible = reader.manifest.visible()
    assert reader.lexical.versions() == {(d, r.version) for d, r in visible.items()}
    runs = reader.opendata.status()[0]
    assert runs["last_run"]["status"] == "completed"
    assert runs["objects"] == koeln_inline["objects"]  # datasets and resources, once each


def _building(services: Services):
    """The sync job, once the worker has written some units (mid-build)."""
    job = services.jobs.get(1)
    if job and job.state == RUNNING and (job.progress or {}).get("units", 0) >= 10:
        return job
    return None


# --- the app's timer -----------------------------------------------------------------------------


def test_app_timers_enqueue_one_job_per_endpoint_never_a_second(store, monkeypatch, tmp_path):
    from test_itpage import SECRET, client, login

    from assistant.web.councilsync import one_round

    settings, services = store
    for name in ("bonn", "ka"):  # registered only: the timer fetches nothing itself
        services.council.register(f"http://127.0.0.1:9/{name}/oparl/system", name=name)
    apps = [Services(settings) for _ in range(4)]  # four app processes, own connections
    start = threading.Barrier(len(apps))
    added: list[dict] = []

    def timer(app: Services) -> None:
        start.wait()
        for _ in range(10):
            added.append(one_round(app))

    threads = [threading.Thread(target=timer, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pending = services.jobs.pending("oparl_sync")
    assert sorted(j.payload["source"] for j in pending) == ["bonn", "ka"]
    assert sum(sum(a.values()) for a in added) == 2 and services.jobs.counts() == {QUEUED: 2}
    assert services.manifest.list() == [] and services.council.status()[0]["last_run"] is None

    # A sync that runs longer than the interval: still no second job for it.
    running = services.jobs.claim("w1")
    waiting = next(j for j in pending if j.id != running.id)
    services.jobs.report(running.id, "w1", {"pages": 3, "objects": 40, "units": 2}, None)
    assert one_round(apps[0]) == {"bonn": False, "ka": False}
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", SECRET)
    c = client(services)
    login(c, "it")
    section = c.get("/it").text.split('id="ratsinfo"')[1]
    assert f"Abgleich läuft im Hintergrunddienst (Auftrag {running.id}): 3 Seiten" in section
    assert f"Abgleich wartet auf den Hintergrunddienst (Auftrag {waiting.id})" in section
    code, out, err = run(env_of(settings), tmp_path, "oparl", "list")
    assert code == 0, err
    assert (
        f"Abgleich läuft im Hintergrunddienst (Auftrag {running.id}): 3 Seiten, 40 Objekte, "
        "2 Einträge" in out
    )
    listed = json.loads(run(env_of(settings), tmp_path, "oparl", "list", "--json")[1])
    assert {s["name"]: s["job"]["state"] for s in listed} == {
        running.payload["source"]: RUNNING,
        waiting.payload["source"]: QUEUED,
    }
    # Once it is done, the next round enqueues that endpoint again.
    services.jobs.finish(running.id, "w1", {"status": "completed"})
    again = running.payload["source"]
    assert one_round(apps[1]) == {"bonn": again == "bonn", "ka": again == "ka"}
    for app in apps:
        app.close()
        app.engine.dispose()


# --- no worker -------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["oparl", "ingest"])
def test_without_a_worker_the_cli_says_its_job_waits_then_finishes(
    command, store, servers, tmp_path
):
    """`assistant ingest` and a sync alike (the ingest's note never came before: the
    waiting loop only looked when the job's row changed)."""
    settings, services = store
    env = env_of(settings, **SYNC_ENV)
    if command == "oparl":
        args = ("oparl", "sync", servers["oparl"], "--name", "bonn", "--body", "Bonn")
        done = "bonn: Abgleich (vollständig) abgeschlossen"
    else:
        (tmp_path / "docs").mkdir()
        (tmp_path / "docs" / "a.md").write_text("# Regel\n\nDer Wasserturm.\n", "utf-8")
        args, done = ("ingest", str(tmp_path / "docs")), "1 neu"
    cli = assistant(env, tmp_path, *args)
    wait_for(lambda: services.jobs.get(1), 60)
    time.sleep(6)  # the note comes after 5 s without a worker
    assert cli.poll() is None and services.jobs.get(1).state == QUEUED
    worker = assistant(env, tmp_path, "worker")
    try:
        out, err = cli.communicate(timeout=120)
    finally:
        stop(worker)
    assert "Auftrag 1 wartet auf den Hintergrunddienst (assistant worker) …" in err
    assert cli.returncode == 0 and done in out + err
