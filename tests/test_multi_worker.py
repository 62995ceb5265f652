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

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    ROOT,
    _tail,
    add_user,
    app_env,
    ask,
    browser_page,
    cli,
    free_port,
    open_chat,
    screenshot_on_failure,
    wait_until_done,
)
from conftest import drop_all, require
from docgen import docx_bytes
from test_browser_km import attach

MANAGER = ("wissen-multi", "Wissen-Passwort-1")
STAFF = ("paula-multi", "Paula-Passwort-22")
TITLE = "Dienstanweisung Fortbildungsbudget"
FACT = "Das Fortbildungsbudget beträgt je Beschäftigter 1.350 Euro im Kalenderjahr."
QUESTION = "Wie hoch ist das Fortbildungsbudget je Beschäftigter?"
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
SERVED_BY = "X-Served-By"  # added to the test's copy of the config only


def test_concurrent_starts_keep_one_auth_secret(tmp_path, monkeypatch):
    """Two `assistant serve` starting together without a configured secret: the second
    must keep the first one's secret (it looked before the first had written it), or a
    login signed by one process is refused by the other."""
    from assistant.config import Settings
    from assistant.web import launcher

    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    first = launcher._auth_secret(settings)
    monkeypatch.setattr("assistant.config.find_auth_secret", lambda *_a: None)
    assert launcher._auth_secret(settings) == first
    assert (tmp_path / "auth_secret").read_text().strip() == first


def _spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """In its own process group, so teardown reaches everything it started."""
    out = log.open("w")
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy after {timeout} s:\n{_tail(log)}")


def proxy_config(front: int, ports: dict[str, int]) -> str:
    """deploy/haproxy.cfg on free ports, plain HTTP (no certificate here), logging to
    stdout, and a header naming the server that answered (to check the pinning)."""
    lines = []
    for line in (ROOT / "deploy" / "haproxy.cfg").read_text().splitlines():
        if "ssl crt" in line or "redirect scheme https" in line or "log /dev/log" in line:
            continue
        line = line.replace("bind :80", f"bind 127.0.0.1:{front}")
        line = line.replace(" httponly secure", " httponly")  # plain HTTP in the test
        for name, port in ports.items():
            line = re.sub(rf"(server {name} 127\.0\.0\.1:)\d+", rf"\g<1>{port}", line)
        lines.append(line)
        if line.strip().startswith("cookie SERVERID"):
            lines.append(f"    http-response set-header {SERVED_BY} %[srv_name]")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, ollama_server):
    url = os.environ.get("TEST_POSTGRES_URL")
    chroma = os.environ.get("TEST_CHROMA_URL")
    require(bool(url), "TEST_POSTGRES_URL not set (PostgreSQL not started)")
    require(bool(chroma), "TEST_CHROMA_URL not set (no Chroma server)")
    require(HAPROXY is not None, "haproxy not installed (apt-get install haproxy)")
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    drop_all(url)
    ollama_server.start()
    ollama_server.reset()
    ollama_server.answer, ollama_server.delay, ollama_server.token_delay = None, 0.0, 0.0
    tmp = tmp_path_factory.mktemp("multi")
    env = app_env(
        tmp / "data",
        ollama_server.url,
        ASSISTANT_DATABASE_URL=url,
        ASSISTANT_CHROMA_URL=chroma,
        ASSISTANT_CHROMA_COLLECTION=f"multi_{uuid.uuid4().hex[:8]}",
        ASSISTANT_JOBS="queue",
        ASSISTANT_JOB_POLL_SECONDS="0.2",
        ASSISTANT_TRUSTED_PROXIES='["127.0.0.1"]',
    )
    add_user(env, *MANAGER, "--role", "wissensmanagement", "--group", "personal")
    add_user(env, *STAFF, "--group", "personal")
    cli(["collections", "add", "personalamt", "--group", "personal", "--manager", MANAGER[0]], env)
    ports = {"app1": free_port(), "app2": free_port()}
    front = free_port()
    (tmp / "haproxy.cfg").write_text(proxy_config(front, ports))
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["worker"] = _spawn([sys.executable, "-m", "assistant", "worker"], env, tmp / "w.log")
        for name, port in ports.items():  # started together, as systemd does
            cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
            procs[name] = _spawn(cmd, env, tmp / f"{name}.log")
        for name, port in ports.items():
            _wait_healthy(f"http://127.0.0.1:{port}", procs[name], tmp / f"{name}.log")
        cmd = [HAPROXY, "-db", "-f", str(tmp / "haproxy.cfg")]
        procs["proxy"] = _spawn(cmd, env, tmp / "haproxy.log")
        _wait_healthy(f"http://127.0.0.1:{front}", procs["proxy"], tmp / "haproxy.log")
        time.sleep(6)  # HAProxy's first health checks (inter 5s) mark both servers up
        yield Cluster(f"http://127.0.0.1:{front}", env, url, tmp, procs)
    finally:
        for proc in procs.values():
            _stop(proc, signal.SIGTERM)
    logs = "\n".join((tmp / f"{n}.log").read_text(errors="replace") for n in ports)
    assert "Session not found" not in logs


class Cluster:
    def __init__(self, url, env, db_url, tmp, procs):
        self.url, self.env, self.db_url, self.tmp, self.procs = url, env, db_url, tmp, procs

    def rows(self, query: str) -> list:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(query)))
        finally:
            engine.dispose()


@contextlib.contextmanager
def pinned(cluster: Cluster, server: str, user: tuple[str, str], name: str):
    """A browser whose requests HAProxy sends to `server` (its SERVERID cookie), logged in."""
    with browser_page(cluster.tmp / f"profile-{name}") as page:
        page.context.add_cookies([{"name": "SERVERID", "value": server, "url": cluster.url}])
        with screenshot_on_failure(page, cluster.tmp / f"{name}.png"):
            response = open_chat(page, cluster.url, user)
            assert response.headers.get(SERVED_BY.lower()) == server
            page.wait_for_timeout(2000)  # the server files uploads under the socket's session
            yield page


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
    _stop(cluster.procs["app2"])
    path = docx(cluster, "dienstreise.docx", "Dienstanweisung Dienstreise", "Reisen sind gut.")
    with pinned(cluster, "app1", MANAGER, "manager-after") as page:
        report = upload(page, path, "app1")
    assert path.name in report and "neu aufgenommen" in report, report
