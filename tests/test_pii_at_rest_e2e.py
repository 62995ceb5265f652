"""Acceptance test (issue 10): no personal value of realistic staff messages at rest.

Staff messages in every style staff really write (tests/staff_messages_at_rest.py)
go through both channels of the product, with real components and a fake Ollama
that echoes the question into the answer:

* the CLI: each message with `assistant ask --user …` (the real click CLI,
  in-process, so the suite stays quick);
* the browser chat (`assistant serve`, Debian's Chromium): a question, its
  follow-up, a thumbs down with a comment, a knowledge manager's upload with a
  message, the conversation reopened from the history, and the IT page (audit
  review, filter, CSV export).

Then every byte under the data dir (SQLite databases with their WAL, Chroma, the
lexical index, stored chat elements), the app's log, the CLI's log, the ingest
log and what the IT page and the reopened conversation show are searched for
each raw value: as typed, in lower case and without spaces (also as JSON escapes
it, `\\u00f6`). The failure lists every raw value found and where.

Run it alone:  CHROMIUM_PATH=/usr/bin/chromium .venv/bin/pytest -q tests/test_pii_at_rest_e2e.py
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    TEST_USER,
    USER_MESSAGES,
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
from docgen import GOOD_MD, GOOD_TXT, docx_bytes
from staff_messages_at_rest import (
    CHAT_FOLLOW_UP,
    CHAT_MESSAGES,
    CHAT_QUESTION,
    CLI_MESSAGES,
    FEEDBACK_COMMENT,
    UPLOAD_TEXT,
    Message,
)

CLI_LOGIN = "sachbearbeitung12"
MANAGER = ("wissen-e2e", "Wissen-Passwort-e2e-1")
IT_USER = ("it-e2e", "IT-Passwort-e2e-4711")
UPLOAD_TITLE = "Dienstanweisung Telearbeit"


@dataclass
class Run:
    """What the flows left behind, to be searched."""

    data_dir: Path
    logs: list[Path]
    shown: dict[str, str] = field(default_factory=dict)  # stored data as pages show it
    live: dict[str, str] = field(default_factory=dict)  # the live chat: not at rest
    cli_answers: list[dict] = field(default_factory=list)

    def places(self) -> dict[str, bytes]:
        found = {
            f"data/{p.relative_to(self.data_dir)}": p.read_bytes()
            for p in sorted(self.data_dir.rglob("*"))
            if p.is_file()
        }
        found.update({f"log/{p.name}": p.read_bytes() for p in self.logs if p.exists()})
        found.update({f"shown/{k}": v.encode("utf-8") for k, v in self.shown.items()})
        return found


def _cli(env: dict[str, str], *args: str, input: str | None = None):
    """The real click CLI in this process, in the test's environment only."""
    from click.testing import CliRunner

    from assistant.cli import cli

    unset = {k: None for k in os.environ if k.startswith("ASSISTANT_") and k not in env}
    result = CliRunner().invoke(
        cli, list(args), input=input, env={**unset, **env}, catch_exceptions=False
    )
    assert result.exit_code == 0, (args, result.output, result.stderr)
    with (Path(env["ASSISTANT_DATA_DIR"]).parent / "cli-stderr.log").open("a") as log:
        log.write(result.stderr)  # what the CLI wrote to the terminal besides its answer
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory, ollama_server) -> Run:
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    tmp = tmp_path_factory.mktemp("at-rest")
    ollama_server.start()
    ollama_server.reset()
    ollama_server.delay = ollama_server.first_token_delay = ollama_server.token_delay = 0.0
    # The model repeats the end of its prompt (the question) and cites [1]: the raw
    # values are in every answer, so the stored answers are searched too.
    ollama_server.answer = lambda messages: messages[-1]["content"][-300:] + " [1]"
    env = app_env(tmp / "data", ollama_server.url, ASSISTANT_MIN_TERM_COVERAGE="0")
    result = Run(tmp / "data", [tmp / "cli.log", tmp / "cli-stderr.log", tmp / "app.log"])
    try:
        with contextlib.chdir(tmp):  # no developer's .env
            _cli_flows(env, tmp, result)
        _browser_flows(env, tmp, result)
    finally:
        ollama_server.answer = None
    return result


def _cli_flows(env: dict[str, str], tmp: Path, result: Run) -> None:
    kb = tmp / "kb"
    kb.mkdir()
    (kb / "hunde.md").write_text(GOOD_MD, encoding="utf-8")
    (kb / "schluessel.txt").write_text(GOOD_TXT, encoding="utf-8")
    handler = logging.FileHandler(tmp / "cli.log", encoding="utf-8")  # the CLI's log
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        _cli(env, "ingest", str(kb))
        _cli(env, "users", "add", CLI_LOGIN, "--no-password", "--group", "allgemein")
        _cli(env, "users", "add", MANAGER[0], "--password-stdin", "--role", "wissensmanagement",
             "--group", "personal", input=MANAGER[1] + "\n")  # fmt: skip
        _cli(env, "users", "add", IT_USER[0], "--password-stdin", "--role", "it",
             input=IT_USER[1] + "\n")  # fmt: skip
        _cli(env, "collections", "add", "personalamt", "--group", "personal",
             "--manager", MANAGER[0])  # fmt: skip
        for message in CLI_MESSAGES:
            answer = _cli(env, "ask", "--user", CLI_LOGIN, "--json", message.text)
            result.cli_answers.append(json.loads(answer.stdout))
        result.shown["assistant logs export"] = _cli(
            env, "logs", "export", "--format", "csv"
        ).stdout
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def _browser_flows(env: dict[str, str], tmp: Path, result: Run) -> None:
    from playwright.sync_api import sync_playwright

    server = start_app(env, tmp / "app.log")
    try:
        with sync_playwright() as playwright:
            context = launch(playwright, tmp / "profile", Recording())
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)
            with screenshot_on_failure(page, tmp / "chat.png"):
                _chat(page, server.url, result)
            with screenshot_on_failure(page, tmp / "upload.png"):
                _upload(page, server.url, tmp, result)
            with screenshot_on_failure(page, tmp / "it.png"):
                _it_page(page, server.url, result)
            context.close()
    finally:
        # Errors in the app's log are its own finding; this test reports raw values.
        server.stop(allow_errors=True)


def _chat(page, url: str, result: Run) -> None:
    """Question, follow-up, thumbs down with a comment, then the chat reopened."""
    open_chat(page, url, TEST_USER)
    for message in (CHAT_QUESTION, CHAT_FOLLOW_UP):
        before = page.locator(ASSISTANT_MESSAGES).count()
        ask(page, message.text)
        page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}").wait_for()
        wait_until_done(page, timeout=120_000)
    page.locator(".negative-feedback-off").last.click()
    page.locator("textarea").last.fill(FEEDBACK_COMMENT.text)
    page.click("#submit-feedback")
    page.locator(".negative-feedback-on").last.wait_for(timeout=10_000)
    thread_url = page.url
    assert "/thread/" in thread_url, thread_url
    page.goto(url)  # leaving the chat stores its session (thread metadata)
    page.wait_for_selector("#chat-input")
    page.wait_for_timeout(1500)
    page.goto(thread_url)  # back in it from the history
    page.locator(ASSISTANT_MESSAGES).first.wait_for()
    page.wait_for_selector("#chat-input:not([disabled])")
    page.wait_for_timeout(1500)
    result.shown["reopened conversation"] = page.locator("body").inner_text()


def _upload(page, url: str, tmp: Path, result: Run) -> None:
    """A knowledge manager attaches a (clean) DOCX and writes personal data beside it."""
    docx = tmp / "telearbeit.docx"
    docx.write_bytes(docx_bytes(UPLOAD_TITLE, [("§ 1 Umfang", "Telearbeit ist möglich.")]))
    page.context.clear_cookies()
    with page.expect_websocket(lambda ws: "socket.io" in ws.url):
        open_chat(page, url, MANAGER)
    page.wait_for_timeout(2000)  # the server files uploads under the socket's session
    before = page.locator(USER_MESSAGES).count()
    with page.expect_response(
        lambda r: "/project/file" in r.url and r.request.method == "POST", timeout=30_000
    ) as uploaded:
        page.locator("#upload-button-input").set_input_files(str(docx))
    assert uploaded.value.ok, (uploaded.value.status, uploaded.value.text())
    page.get_by_text(docx.name).first.wait_for()
    page.wait_for_timeout(1500)  # the composer files the server's id a moment after
    page.locator("#chat-input").fill(UPLOAD_TEXT.text)
    page.wait_for_function("() => !document.querySelector('#chat-submit')?.disabled")
    page.click("#chat-submit")
    page.locator(f"{USER_MESSAGES} >> nth={before}").wait_for()
    page.get_by_text("Bericht: Hochladen in „personalamt“").wait_for(timeout=120_000)
    wait_until_done(page, timeout=120_000)
    page.wait_for_timeout(1000)
    result.live["upload chat"] = page.locator("body").inner_text()


def _it_page(page, url: str, result: Run) -> None:
    page.context.clear_cookies()
    answer = page.request.post(
        f"{url}/login", form={"username": IT_USER[0], "password": IT_USER[1]}
    )
    assert answer.ok, answer.status
    response = page.goto(f"{url}/it")
    assert response.status == 200
    result.shown["/it"] = page.locator("body").inner_text()
    page.fill("input[name='q']", "hund")
    page.click("form.filters button[type='submit']")  # the header has a button too
    page.wait_for_url("**/it?*q=hund*")
    result.shown["/it?q=hund"] = page.locator("body").inner_text()
    export = page.request.get(f"{url}/it/export.csv")
    assert export.status == 200
    result.shown["/it/export.csv"] = export.text()


# --- searching ---------------------------------------------------------------------------


def spellings(value: str) -> set[str]:
    """As typed, lower case, without spaces; and each as JSON escapes it (`\\u00f6`)."""
    forms = {value.lower(), value.lower().replace(" ", "")}
    return forms | {json.dumps(f)[1:-1] for f in forms}


def pattern(value: str) -> re.Pattern[str]:
    """Case-insensitive, not inside a longer word (`emma` is no find in `Dilemma`)."""
    alternatives = "|".join(re.escape(s) for s in sorted(spellings(value), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def raw_at_rest(places: dict[str, bytes], messages: list[Message]) -> dict[str, list[str]]:
    """Each raw value found, with the places it was found in."""
    texts = {name: data.decode("utf-8", "replace") for name, data in places.items()}
    found: dict[str, list[str]] = {}
    for message in messages:
        for value in message.values:
            regex = pattern(value)
            where = [name for name, text in texts.items() if regex.search(text)]
            if where:
                found[value] = where
    return found


def test_every_value_is_in_its_message_and_searchable():
    for message in [*CLI_MESSAGES, *CHAT_MESSAGES]:
        for value in message.values:
            assert value in message.text, (value, message.text)
            assert pattern(value).search(message.text.lower()), value
    assert not pattern("emma").search("im Dilemma") and pattern("öztürk").search(
        '"\\u00f6zt\\u00fcrk"'
    )


def test_the_flows_ran(run):
    """Else the search below would pass for nothing."""
    import sqlite3

    assert len(run.cli_answers) == len(CLI_MESSAGES)
    assert all(p.exists() for p in run.logs), run.logs
    assert all(a["mode"] == "llm" for a in run.cli_answers), [a["mode"] for a in run.cli_answers]
    with sqlite3.connect(run.data_dir / "amtswissen.db") as db:
        rows = db.execute("SELECT question, feedback, feedback_comment FROM audit_log").fetchall()
    assert len(rows) == len(CLI_MESSAGES) + 2, len(rows)  # the chat's question and follow-up
    assert [r for r in rows if r[1] == -1 and r[2]], "the feedback comment is on its audit row"
    masked = [q for q, *_ in rows if q.strip() == "<REDACTED>"]  # a failed redaction
    assert not masked, f"{len(masked)} questions masked whole: nothing left to search in"
    places = run.places()
    assert any(k.endswith("chat.db") for k in places) and "data/amtswissen.db" in places
    chat = b"".join(v for k, v in places.items() if "/chat.db" in k).decode("utf-8", "replace")
    for stored in ("hund mit ins büro", "der arbeitet bei uns im bauhof", "stimmt nicht, herr",
                   "neue dienstanweisung, rückfragen", "Bericht: Hochladen"):  # fmt: skip
        assert stored in chat, f"not in the chat history: {stored}"
    assert "hund" in run.shown["reopened conversation"].lower()
    assert "Bericht: Hochladen" in run.live["upload chat"]
    # The search finds what is there: the live chat shows the manager what they typed.
    live = {"live": run.live["upload chat"].encode("utf-8")}
    assert set(raw_at_rest(live, [UPLOAD_TEXT])) == set(UPLOAD_TEXT.values)
    assert "<PERSON" in run.shown["/it"] and "Protokoll" in run.shown["/it"]


def test_no_raw_personal_value_at_rest(run):
    messages = [*CLI_MESSAGES, *CHAT_MESSAGES]
    found = raw_at_rest(run.places(), messages)
    total = sum(len(m.values) for m in messages)
    report = "\n".join(f"  {value!r}: {', '.join(where)}" for value, where in found.items())
    (run.data_dir.parent / "raw_at_rest.json").write_text(
        json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"\n{len(found)} of {total} personal values found raw at rest:\n{report}")
    assert not found, f"{len(found)} of {total} personal values found raw at rest:\n{report}"
