"""The served chat app redacts its log like the CLI: one logging setup for both processes.

`assistant serve` replaces itself with Chainlit, a process of its own. Here it
runs with ASSISTANT_LOG_LEVEL=DEBUG (uvicorn's debug and access lines on) and
with a careless log call in the answer path (tests/careless/sitecustomize.py:
the question logged through our logger and through uvicorn's, Chainlit's and
engineio's, each with the handlers Chainlit and uvicorn installed, and an
exception quoting it). A question full of personal data is asked in a real
browser and the IT page is requested with personal data in its query string;
then the app's whole output is searched for every raw value.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_util import (
    CHROMIUM,
    Recording,
    app_env,
    ask,
    launch,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import require
from test_audit import PII, PII_QUESTION
from test_no_pii_on_disk import leaks_in

CARELESS = Path(__file__).with_name("careless")
ACCESS_MSG = '%s - "%s %s HTTP/%s" %d'  # as uvicorn logs a request
QUERY = {"q": f"Frau {PII['PERSON']}", "iban": PII["IBAN"], "tel": PII["PHONE"]}


@pytest.fixture(scope="module")
def served_log(tmp_path_factory, ollama_server) -> str:
    """Everything the app process wrote (stdout and stderr) while it served the requests."""
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    ollama_server.start()
    ollama_server.reset()
    ollama_server.answer, ollama_server.delay, ollama_server.token_delay = None, 0.0, 0.0
    tmp = tmp_path_factory.mktemp("served-log")
    pythonpath = os.pathsep.join(p for p in (str(CARELESS), os.environ.get("PYTHONPATH")) if p)
    env = app_env(
        tmp / "data", ollama_server.url, ASSISTANT_LOG_LEVEL="DEBUG", PYTHONPATH=pythonpath
    )
    server = start_app(env, tmp / "app.log")
    try:
        _get(f"{server.url}/it?{urllib.parse.urlencode(QUERY)}")  # not logged in: refused
        with sync_playwright() as playwright:
            context = launch(playwright, tmp / "profile", Recording())
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)
            with screenshot_on_failure(page, tmp / "chat.png"):
                open_chat(page, server.url)
                ask(page, PII_QUESTION)
                wait_until_done(page, timeout=120_000)
            context.close()
    finally:
        server.stop(allow_errors=True)  # the careless engineio line is an ERROR on purpose
    return server.log.read_text(encoding="utf-8", errors="replace")


def _get(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=30).close()
    except urllib.error.HTTPError:
        pass


def test_the_careless_lines_were_written(served_log):
    """Else the test below would pass for nothing."""
    for marker in (
        "careless_answer_record",
        "careless_uvicorn_record",
        "careless_chainlit_record",
        "careless_engineio_record",
        "careless_exception_record",
        "ValueError: cannot parse",
        '"GET /it?q=<REDACTED>&iban=<REDACTED>&tel=<REDACTED> HTTP/1.1"',
    ):
        assert marker in served_log, marker
    assert "Traceback (most recent call last)" in served_log  # frames stay readable
    assert "DEBUG" in served_log  # the debug lines were on


def test_no_raw_value_in_the_served_apps_log(served_log):
    encoded = [urllib.parse.quote_plus(v) for v in QUERY.values()]
    encoded += [urllib.parse.quote(v) for v in QUERY.values()]
    found = leaks_in(served_log.encode("utf-8")) + [v for v in encoded if v in served_log]
    lines = [line for line in served_log.splitlines() if any(v in line for v in found)]
    assert not found, f"raw in the app's log: {found}\n" + "\n".join(lines[:20])
    assert "<PERSON" in served_log and "<IBAN" in served_log  # redacted, not dropped


def test_an_access_line_keeps_uvicorns_format_with_the_query_masked():
    """uvicorn's access formatter unpacks the record's arguments: they stay, redacted."""
    import logging

    from uvicorn.logging import AccessFormatter

    from assistant.privacy import build_redactor
    from assistant.privacy.logfilter import RedactingFilter

    path = f"/it/Frau%20{PII['PERSON'].replace(' ', '%20')}?{urllib.parse.urlencode(QUERY)}"
    args = ("10.1.2.3:5000", "GET", path, "1.1", 303)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, ACCESS_MSG, args, None)
    assert RedactingFilter(build_redactor).filter(record)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s").format(record)
    assert line.endswith("?q=<REDACTED>&iban=<REDACTED>&tel=<REDACTED> HTTP/1.1 303 See Other"), (
        line
    )
    assert "/it/Frau <PERSON>" in line and "Mustermann" not in line, line


def test_an_access_line_is_masked_when_the_redactor_fails():
    import logging

    from uvicorn.logging import AccessFormatter

    from assistant.privacy.logfilter import RedactingFilter

    def broken():
        raise RuntimeError("analyzer did not load")

    args = ("10.1.2.3:5000", "GET", f"/it?{urllib.parse.urlencode(QUERY)}", "1.1", 200)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, ACCESS_MSG, args, None)
    assert RedactingFilter(broken).filter(record)
    line = AccessFormatter("%(request_line)s %(status_code)s").format(record)
    assert line == "<REDACTED> <REDACTED> HTTP/<REDACTED> 200 OK", line


def test_the_start_line_is_german_and_said_once_with_the_readmes_address(served_log):
    """Chainlit said "Your app is available at http://localhost:8000" (issue 13, item 4);
    the README names http://127.0.0.1:8000. Said once, even with uvicorn's debug lines on."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "http://127.0.0.1:8000" in readme
    said = [line for line in served_log.splitlines() if "Der Chat ist bereit: " in line]
    assert len(said) == 1 and re.search(r"bereit: http://127\.0\.0\.1:\d+$", said[0]), said
    assert "Your app is available" not in served_log and "Uvicorn running on" not in served_log


def test_a_taken_port_is_named_in_german_and_never_called_ready(tmp_path):
    """A walkthrough found "Der Chat ist bereit: http://127.0.0.1:8765" and then "[Errno 98]
    … ('<IP_ADDRESS>', 8765): address already in use": "bereit" before the bind, and the
    clash hidden by the redaction. The address the service binds is configuration, not
    personal data: said in full, with what to do, and the start fails."""
    import socket
    import subprocess
    import sys

    from browser_util import ROOT

    env = app_env(tmp_path / "data", "http://127.0.0.1:9")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said[-3000:]
    assert f"Port {port} auf 127.0.0.1 ist schon belegt" in said, said[-3000:]
    assert "assistant serve --port" in said
    assert "bereit" not in said and "Errno" not in said and "<IP_ADDRESS>" not in said
