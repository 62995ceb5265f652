"""The processes of bench/load.py: fake Ollama, app workers behind HAProxy, job worker,
and a sampler of their memory and of PostgreSQL's connections."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Self

import psutil
import psycopg
from browser_util import ROOT, free_port, start_app

HAPROXY = """\
global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 600s
    timeout server 600s
    timeout tunnel 3600s
frontend chat
    bind 127.0.0.1:{port}
    default_backend app
backend app
    balance roundrobin
    # sticky: Chainlit keeps a chat's session in the process that opened it
    cookie AMTSWISSEN_WORKER insert indirect nocache httponly
{servers}
"""


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def reset_database(url: str) -> None:
    """An empty schema: the database is this bench's alone."""
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def pg_scalar(url: str, sql: str) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        return conn.execute(sql).fetchone()[0]


def count_errors(logs: list[Path], mark: str = " - ERROR - ") -> int:
    """Lines of the app logs with `mark` (a failed chat-history write is only a WARNING
    in the app, but the person's history then misses that message)."""
    return sum(
        1 for log in logs for line in log.read_text(errors="replace").splitlines() if mark in line
    )


class Fake:
    """bench/_load_fake.py as a subprocess; `dump()` returns what it streamed since."""

    def __init__(self, tmp: Path, first_token: float, tokens_per_s: float):
        self.port_file, self.log_file = tmp / "fake.port", tmp / "fake.json"
        cmd = [sys.executable, str(ROOT / "bench" / "_load_fake.py"), str(self.port_file)]
        cmd += [str(self.log_file), "--first-token", str(first_token)]
        self.process = subprocess.Popen([*cmd, "--tokens-per-s", str(tokens_per_s)])

    def __enter__(self) -> Self:
        deadline = time.monotonic() + 60
        while not self.port_file.exists() or not self.port_file.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the fake Ollama did not start")
            time.sleep(0.1)
        self.url = f"http://127.0.0.1:{self.port_file.read_text()}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def dump(self) -> list[dict]:
        self.log_file.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 60
        while not self.log_file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Ollama wrote no log")
            time.sleep(0.05)
        return json.loads(self.log_file.read_text())


class Cluster:
    """`workers` × `assistant serve` on one data dir and database, HAProxy in front."""

    job_worker_pid: int | None = None

    def __init__(self, tmp: Path, env: dict[str, str], workers: int):
        self.tmp, self.env, self.workers = tmp, env, workers

    @staticmethod
    def job_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
        out = log.open("w")
        cmd = [sys.executable, "-m", "assistant", "worker"]
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        Cluster.job_worker_pid = process.pid
        return process

    def __enter__(self) -> Self:
        self.apps = []
        try:
            for w in range(self.workers):
                log = self.tmp / f"app-{self.workers}-{w}.log"
                self.apps.append(start_app(self.env, log, timeout=300))
            port = free_port()
            servers = "\n".join(
                f"    server w{i} {app.url.removeprefix('http://')} cookie w{i}"
                for i, app in enumerate(self.apps)
            )
            config = self.tmp / "haproxy.cfg"
            config.write_text(HAPROXY.format(port=port, servers=servers))
            self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", str(config)])
            self.url = f"http://127.0.0.1:{port}"
            _wait_for(f"{self.url}/health")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if getattr(self, "haproxy", None) is not None:
            self.haproxy.terminate()
            self.haproxy.wait(timeout=20)
        for app in self.apps:
            app.stop(allow_errors=True)

    @property
    def pids(self) -> list[int]:
        return [app.process.pid for app in self.apps]

    @property
    def logs(self) -> list[Path]:
        return [app.log for app in self.apps]


def _wait_for(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


class Sampler:
    """Peak RSS of each app worker and of the job worker, peak PostgreSQL connections."""

    def __init__(self, pids: list[int], database_url: str, others: dict[str, int]):
        self.processes = [psutil.Process(pid) for pid in pids]
        # CPU seconds of each part while the load runs: who used the 2 shared cores
        self.parts = {"app workers": self.processes}
        self.parts |= {name: [psutil.Process(pid)] for name, pid in others.items()}
        self.job = psutil.Process(Cluster.job_worker_pid) if Cluster.job_worker_pid else None
        self.url = _libpq(database_url)
        self.rss_peak = [0] * len(pids)
        self.job_worker_peak = 0
        self.pg_peak = 0
        self.stop = threading.Event()

    def __enter__(self) -> Self:
        self.cpu_before = {name: _cpu(ps) for name, ps in self.parts.items()}
        self.host_before, self.started = psutil.cpu_times(), time.monotonic()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.cpu_s = {n: _cpu(ps) - self.cpu_before[n] for n, ps in self.parts.items()}
        host = psutil.cpu_times()
        idle = (host.idle + host.iowait) - (self.host_before.idle + self.host_before.iowait)
        seconds = (time.monotonic() - self.started) * psutil.cpu_count()
        self.host_busy = 1 - idle / seconds  # of both cores, everyone's work included

    def _run(self) -> None:
        database = self.url.rsplit("/", 1)[1]
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                for i, p in enumerate(self.processes):
                    self.rss_peak[i] = max(self.rss_peak[i], p.memory_info().rss)
                if self.job:
                    self.job_worker_peak = max(self.job_worker_peak, self.job.memory_info().rss)
                # minus this sampler's own connection
                count = conn.execute(sql, (database,)).fetchone()[0] - 1
                self.pg_peak = max(self.pg_peak, count)
                self.stop.wait(0.5)


def _cpu(processes: list[psutil.Process]) -> float:
    """User + system CPU seconds of the processes themselves (the load generator's
    children are the other parts)."""
    times = [p.cpu_times() for p in processes]
    return sum(t.user + t.system for t in times)
