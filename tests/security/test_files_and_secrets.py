"""Item 8 of issue 11: nothing under the data dir is readable by other local users, and a
weak CHAINLIT_AUTH_SECRET is refused by `doctor` and `serve` (other commands need none)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

from browser_util import ROOT
from secapp import password, served_app
from served import Chat, token

app = served_app  # the fixture: this module's served app (secapp.py)


def test_data_dir_is_the_services_alone(app):
    chat = Chat(app.url, token(app.url, "anna", password("anna"), "127.0.0.41"))
    chat.ask("Wie beantrage ich Urlaub?")  # the chat history and the audit log are written
    chat.close()
    paths = [app.data_dir, *app.data_dir.rglob("*")]
    assert any(p.name.endswith(".db") for p in paths)
    loose = [
        f"{p.relative_to(app.data_dir)} {stat.filemode(p.stat().st_mode)}"
        for p in paths
        if p.stat().st_mode & 0o077
    ]
    assert not loose, loose


def _assistant(app, *args: str, secret: str) -> subprocess.CompletedProcess:
    env = {**app.env, "CHAINLIT_AUTH_SECRET": secret}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_weak_secret_is_refused_by_serve_and_doctor_only(app):
    serve = _assistant(app, "serve", "--port", "1", secret="x")
    assert serve.returncode == 1 and "zu schwach" in serve.stderr
    doctor = _assistant(app, "doctor", "--json", secret="x")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)}
    assert doctor.returncode == 1 and checks["auth_secret"]["status"] == "fail"
    assert _assistant(app, "users", "list", "--json", secret="x").returncode == 0
    good = _assistant(app, "doctor", "--json", secret=app.env["CHAINLIT_AUTH_SECRET"])
    assert {c["name"]: c for c in json.loads(good.stdout)}["auth_secret"]["status"] == "ok"
