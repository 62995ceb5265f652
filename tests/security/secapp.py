"""The served app every probe of tests/security/ runs against (`assistant serve`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # browser_util, fake_ollama

from browser_util import add_user, app_env, cli, start_app

USERS = {
    "itu": ("It-Passwort-0001", "--role", "it"),
    "itu2": ("It-Passwort-0002", "--role", "it"),
    "itu3": ("It-Passwort-0003", "--role", "it"),
    "anna": ("Anna-Passwort-01", "--group", "allgemein"),
    "bernd": ("Bernd-Passwort-1", "--group", "allgemein"),
    "clara": ("Clara-Passwort-1", "--group", "allgemein"),
}
TRUSTED_PROXY = "127.0.0.2"  # the stand-in for nginx: the only peer whose headers count
MAX_FAILURES_PER_ADDRESS = 6


def password(name: str) -> str:
    return USERS[name][0]


@pytest.fixture(scope="module")
def served_app(tmp_path_factory, ollama_server):
    ollama_server.start()
    ollama_server.reset()
    tmp = tmp_path_factory.mktemp("secapp")
    env = app_env(
        tmp / "data",
        ollama_server.url,
        ASSISTANT_TRUSTED_PROXIES=f'["{TRUSTED_PROXY}"]',
        ASSISTANT_COOKIE_SECURE="true",
        ASSISTANT_LOGIN_MAX_FAILURES_PER_ADDRESS=str(MAX_FAILURES_PER_ADDRESS),
    )
    for name, (pw, *options) in USERS.items():
        add_user(env, name, pw, *options)
    os.umask(0o022)  # as a careless shell would have it: the app must not rely on it
    server = start_app(env, tmp / "app.log")
    server.env, server.data_dir = env, tmp / "data"
    yield server
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


def run_cli(app, *args: str, stdin: str | None = None) -> str:
    return cli(list(args), app.env, stdin=stdin)
