"""Two app processes behind HAProxy (deploy/haproxy.cfg), one PostgreSQL, one Chroma
server: the installation of docs/operations.md, for the multi-process tests
(test_multi_worker.py, test_worker_killed.py).

A browser is pinned to one process by HAProxy's SERVERID cookie; the test's copy of the
config adds a header naming the server that answered, so a test can check the pinning.
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
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from browser_util import (
    CHROMIUM,
    ROOT,
    _tail,
    app_env,
    browser_page,
    free_port,
    open_chat,
    screenshot_on_failure,
)
from conftest import drop_all, require

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
SERVED_BY = "X-Served-By"  # added to the test's copy of the config only


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """In its own process group, so teardown reaches everything it started."""
    out = log.open("w")
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
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


class Cluster:
    def __init__(self, url, env, db_url, tmp, procs, ports):
        self.url, self.env, self.db_url, self.tmp, self.procs = url, env, db_url, tmp, procs
        self.ports = ports

    def rows(self, query: str) -> list:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(query)))
        finally:
            engine.dispose()


def cluster_env(tmp: Path, ollama_server, name: str, **extra: str) -> tuple[str, dict[str, str]]:
    """Skips without PostgreSQL, a Chroma server, haproxy or Chromium. Empties the
    database, resets the fake Ollama and returns the database URL and the processes'
    environment (a Chroma collection of its own, HAProxy as the trusted proxy)."""
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
    env = app_env(
        tmp / "data",
        ollama_server.url,
        ASSISTANT_DATABASE_URL=url,
        ASSISTANT_CHROMA_URL=chroma,
        ASSISTANT_CHROMA_COLLECTION=f"{name}_{uuid.uuid4().hex[:8]}",
        ASSISTANT_TRUSTED_PROXIES='["127.0.0.1"]',
        **extra,
    )
    return url, env


@contextlib.contextmanager
def running_cluster(
    tmp: Path, env: dict[str, str], db_url: str, job_worker: bool = False
) -> Iterator[Cluster]:
    """app1 and app2 (`assistant serve`, started together as systemd does) behind HAProxy,
    and the job worker if asked; every process is stopped on exit."""
    ports = {"app1": free_port(), "app2": free_port()}
    front = free_port()
    (tmp / "haproxy.cfg").write_text(proxy_config(front, ports))
    procs: dict[str, subprocess.Popen] = {}
    try:
        if job_worker:
            cmd = [sys.executable, "-m", "assistant", "worker"]
            procs["worker"] = spawn(cmd, env, tmp / "w.log")
        for name, port in ports.items():
            cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
            procs[name] = spawn(cmd, env, tmp / f"{name}.log")
        for name, port in ports.items():
            wait_healthy(f"http://127.0.0.1:{port}", procs[name], tmp / f"{name}.log")
        cmd = [HAPROXY, "-db", "-f", str(tmp / "haproxy.cfg")]
        procs["proxy"] = spawn(cmd, env, tmp / "haproxy.log")
        wait_healthy(f"http://127.0.0.1:{front}", procs["proxy"], tmp / "haproxy.log")
        time.sleep(6)  # HAProxy's first health checks (inter 5s) mark both servers up
        yield Cluster(f"http://127.0.0.1:{front}", env, db_url, tmp, procs, ports)
    finally:
        for proc in procs.values():
            stop(proc, signal.SIGTERM)


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
