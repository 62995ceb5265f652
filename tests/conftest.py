"""Shared fixtures: real components on tiny data, fakes only at the network edge.

`AMTSWISSEN_REQUIRE_ALL=1` (set by .ci/run) turns "service not available here"
skips (PostgreSQL, Chroma server, Chromium) into failures, so CI cannot pass
by skipping.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
KNOWLEDGE = ROOT / "knowledge"

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/fake_ollama.py


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing locally; fail in CI where it must exist."""
    if condition:
        return
    if os.environ.get("AMTSWISSEN_REQUIRE_ALL"):
        pytest.fail(f"required in CI but missing: {reason}")
    pytest.skip(reason)


def dead_url() -> str:
    """An http URL on loopback where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def make_settings(tmp: Path, **overrides):
    from assistant.config import Settings

    values = {"data_dir": tmp / "data", "ollama_base_url": dead_url(), "_env_file": None}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


def store_settings(tmp: Path, store: str = "sqlite", **overrides):
    """Settings on SQLite, or on an emptied PostgreSQL (`TEST_POSTGRES_URL`: skipped
    locally when missing, required in CI)."""
    if store == "sqlite":
        return make_settings(tmp, **overrides)
    url = os.environ.get("TEST_POSTGRES_URL")
    require(bool(url), "TEST_POSTGRES_URL not set (PostgreSQL not started)")
    drop_all(url)
    return make_settings(tmp, database_url=url, **overrides)


def drop_all(url: str) -> None:
    """An empty PostgreSQL schema: every test starts from nothing."""
    import sqlalchemy as sa

    eng = sa.create_engine(url)
    with eng.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture
def services(settings):
    from assistant.services import Services

    s = Services(settings)
    yield s
    s.close()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Environment for the real CLI: its own data dir, no .env of the developer."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_OLLAMA_BASE_URL": dead_url()}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def run_cli(cli_env):
    """Invoke the real click CLI in-process; returns the click Result."""
    from click.testing import CliRunner

    from assistant.cli import cli

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt to a non-loopback address raises."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(self, address)
        raise OSError(f"network access blocked in tests: {address}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


@pytest.fixture(scope="session")
def ollama_server():
    """One fake Ollama server for the session (module fixtures use this one)."""
    from fake_ollama import running_fake_ollama

    with running_fake_ollama() as fake:
        yield fake


@pytest.fixture
def fake_ollama(ollama_server):
    """The session's fake Ollama, running and back to its defaults for each test."""
    from fake_ollama import DEFAULT_MODELS

    ollama_server.start()
    ollama_server.reset()
    ollama_server.models = list(DEFAULT_MODELS)
    ollama_server.answer = None
    ollama_server.delay = ollama_server.first_token_delay = ollama_server.token_delay = 0.0
    ollama_server.stall_after = None
    return ollama_server
