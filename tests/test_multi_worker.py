"""Two app processes behind HAProxy (deploy/haproxy.cfg), one job worker, one PostgreSQL,
one Chroma server, one data dir: the installation of docs/operations.md, for real.

A knowledge manager's browser is pinned to app1 by HAProxy's SERVERID cookie, a staff
member's to app2. Files the manager attaches through app1 (several, one after the other:
never "Session not found") are written by the job worker and found by the staff member
through app2. Chat, audit rows and feedback of both land in the one PostgreSQL. When app2
stops, app1 still takes attached files (Chainlit deleted its whole files folder on
shutdown, which was shared by all processes).

Skipped locally without PostgreSQL (TEST_POSTGRES_URL), a Chroma server
(TEST_CHROMA_URL), haproxy or Chromium; CI has all of them (.ci/run).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser_util import ASSISTANT_MESSAGES, add_user, ask, cli, wait_until_done
from cluster_util import SERVED_BY, Cluster, cluster_env, pinned, running_cluster, stop
from docgen import docx_bytes
from test_browser_km import attach

MANAGER = ("wissen-multi", "Wissen-Passwort-1")
STAFF = ("paula-multi", "Paula-Passwort-22")
TITLE = "Dienstanweisung Fortbildungsbudget"
FACT = "Das Fortbildungsbudget beträgt je Beschäftigter 1.350 Euro im Kalenderjahr."
QUESTION = "Wie hoch ist das Fortbildungsbudget je Beschäftigter?"


def test_concurrent_starts_keep_one_auth_secret(tmp_path, monkeypatch):
    """Two `assistant serve` starting together without a configured secret: the second
    must keep the first one's secret (it looked before the first had written it), or a
    login signed by one process is refused by the other."""
    from assistant.config import Settings
    from assistant.web import launcher

    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    first = launcher._auth_secret(settings)
    monkeypatch.setattr("assistant.access.secrets.find_auth_secret", lambda *_a: None)
    assert launcher._auth_secret(settings) == first
    assert (tmp_path / "auth_secret").read_text().strip() == first


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, ollama_server):
    tmp = tmp_path_factory.mktemp("multi")
    url, env = cluster_env(
        tmp, ollama_server, "multi", ASSISTANT_JOBS="queue", ASSISTANT_JOB_POLL_SECONDS="0.2"
    )
    add_user(env, *MANAGER, "--role", "wissensmanagement", "--group", "personal")
    add_user(env, *STAFF, "--group", "personal")
    cli(["collections", "add", "personalamt", "--group", "personal", "--manager", MANAGER[0]], env)
    with running_cluster(tmp, env, url, job_worker=True) as cluster:
        yield cluster
    logs = "\n".join((tmp / f"{n}.log").read_text(errors="replace") for n in ("app1", "app2"))
    assert "Session not found" not in logs


def upload(page, path: Path, served_by: str) -> str:
    """Attach `path` (the manager has one collection: no question), wait for its report."""
    reports = page.locator(ASSISTANT_MESSAGES, has_text="Bericht: Hochladen")
    before = reports.count()
    with page.expect_response(lambda r: "/project/file" in r.url) as uploaded:
        attach(page, path, "Neue Fassung")
    assert uploaded.value.ok and uploaded.value.headers.get(SERVED_BY.lower()) == served_by
    reports.nth(before).wait_for(timeout=120_000)
    wait_until_done(page, timeout=120_000)
    return reports.nth(before).inner_text()


def thumbs_up(page) -> None:
    page.locator(".positive-feedback-off").last.click()
    page.click("#submit-feedback")
    page.locator(".positive-feedback-on").last.wait_for(timeout=10_000)


def docx(cluster: Cluster, name: str, title: str, fact: str) -> Path:
    path = cluster.tmp / name
    path.write_bytes(docx_bytes(title, [("§ 1 Regel", fact), ("§ 2 Antrag", "Beim Amt.")]))
    return path


def test_uploads_through_app1_are_found_through_app2(cluster):
    files = [
        docx(cluster, "fortbildung.docx", TITLE, FACT),
        docx(cluster, "reise.docx", "Dienstanweisung Reisekosten", "Die Pauschale ist 0,30 Euro."),
        docx(cluster, "urlaub.docx", "Dienstanweisung Urlaub", "Der Urlaub beträgt 30 Tage."),
    ]
    with pinned(cluster, "app1", MANAGER, "manager") as page:
        for path in files:  # several files in one session, each through the proxy
            report = upload(page, path, "app1")
            assert path.name in report and "neu aufgenommen" in report, report
    with pinned(cluster, "app2", STAFF, "staff") as page:
        before = page.locator(ASSISTANT_MESSAGES).count()
        ask(page, QUESTION)
        answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
        answer.wait_for()
        wait_until_done(page, timeout=120_000)
        text = answer.inner_text()
        assert "1.350 Euro" in text and TITLE in text, text
        thumbs_up(page)


def test_chat_audit_and_feedback_of_both_land_in_one_postgresql(cluster):
    with pinned(cluster, "app1", MANAGER, "manager-ask") as page:
        ask(page, QUESTION)
        wait_until_done(page, timeout=120_000)
        thumbs_up(page)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        feedback = cluster.rows("SELECT count(*) FROM audit_log WHERE feedback = 1")[0][0]
        if feedback >= 2:
            break
        time.sleep(0.5)
    answers = cluster.rows("SELECT count(DISTINCT user_id) FROM audit_log")[0][0]
    authors = cluster.rows('SELECT count(DISTINCT "userIdentifier") FROM chat_threads')[0][0]
    assert (answers, authors, feedback) == (2, 2, 2)


def test_app1_keeps_taking_files_after_app2_stopped(cluster):
    """Chainlit removes its files folder on shutdown: the other process's folder stays."""
    stop(cluster.procs["app2"])
    path = docx(cluster, "dienstreise.docx", "Dienstanweisung Dienstreise", "Reisen sind gut.")
    with pinned(cluster, "app1", MANAGER, "manager-after") as page:
        report = upload(page, path, "app1")
    assert path.name in report and "neu aufgenommen" in report, report
