"""Chat history and the IT review page in a real browser: `assistant serve`, Debian's
Chromium, real logins.

A staff account asks a question full of personal data in the chat and gives a
thumbs down with a comment full of it too: no file under the data dir, and not
the app's log, holds any of the raw values, and the feedback is on the audit
row. An audit row is written the way an administrator's script would (`assistant
ask --user`, a question full of personal data); then an IT account opens
`/it` and sees it redacted, filters it and downloads the CSV, a staff account
gets the German 403 page, and a logged-out browser is sent to the login.
Nothing may leave the app's origin, and the page may not break its CSP.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    Recording,
    add_user,
    app_env,
    ask,
    cli,
    csp_violations,
    launch,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import require
from test_audit import PII, PII_QUESTION, raw_values

IT_USER = ("it-pruefung", "IT-Passwort-4711")
STAFF_USER = ("sachbearbeitung", "Staff-Passwort-0815")
QUESTION = (
    "Frau Erika Mustermann, IBAN DE02 1203 0000 0000 2020 51, Tel. 0611 7394825, "
    "fragt nach dem Tagegeld."
)
RAW = ("Mustermann", "Erika", "DE02", "7394825")


@pytest.fixture(scope="module")
def app(tmp_path_factory, ollama_server):
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ollama_server.start()
    ollama_server.reset()
    tmp = tmp_path_factory.mktemp("itapp")
    env = app_env(tmp / "data", ollama_server.url)
    add_user(env, *IT_USER, "--role", "it")
    add_user(env, *STAFF_USER, "--role", "mitarbeitende")
    server = start_app(env, tmp / "app.log")  # also creates the chat test account
    cli(["ask", QUESTION, "--user", "testperson"], env)
    server.env, server.data_dir = env, tmp / "data"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(app, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    recording = Recording()
    with sync_playwright() as pw:
        context = launch(pw, tmp_path_factory.mktemp("profile"), recording)
        page = context.pages[0] if context.pages else context.new_page()
        page.playwright = pw  # for a second browser with another locale
        yield page, recording
        context.close()


def log_in(page, url: str, user: tuple[str, str]) -> None:
    page.context.clear_cookies()
    name, password = user
    answer = page.request.post(f"{url}/login", form={"username": name, "password": password})
    assert answer.ok, f"login as {name} failed: {answer.status}"


def test_chat_history_and_feedback_hold_no_personal_data(app, browser, tmp_path):
    page, _ = browser
    page.context.clear_cookies()
    comment = f"Bitte Rückruf an Frau {PII['PERSON']}, Tel. {PII['PHONE']}"
    with screenshot_on_failure(page, tmp_path / "chat.png"):
        open_chat(page, app.url, STAFF_USER)
        ask(page, PII_QUESTION)
        wait_until_done(page)
        page.locator(ASSISTANT_MESSAGES).last.wait_for()
        page.locator(".negative-feedback-off").last.click()
        page.locator("textarea").last.fill(comment)
        page.click("#submit-feedback")
        page.locator(".negative-feedback-on").last.wait_for(timeout=10_000)
    entry = wait_for(lambda: feedback_entry(app.env))
    assert "<PERSON_1>" in entry["feedback_comment"] and "<PHONE" in entry["feedback_comment"]
    page.goto(f"{app.url}/it")  # leaving the chat persists the session (thread metadata)
    time.sleep(2)
    files = [p for p in app.data_dir.rglob("*") if p.is_file() and p.name != "pseudonym.key"]
    stored = "\n".join(p.read_bytes().decode("utf-8", "replace") for p in [*files, app.log])
    assert not [raw for raw in raw_values() if raw in stored]
    assert "<PERSON_1>" in stored and "<IBAN_1>" in stored


def feedback_entry(env) -> dict | None:
    entries = json.loads(cli(["logs", "list", "--json"], env) or "[]")
    return next((e for e in entries if e.get("feedback") == -1), None)


def wait_for(probe, timeout: float = 90):  # each probe starts the CLI: slow on a loaded host
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(0.5)
    raise AssertionError("not there in time")


def test_it_account_sees_the_review(app, browser, tmp_path):
    page, _ = browser
    log_in(page, app.url, IT_USER)
    with screenshot_on_failure(page, tmp_path / "it.png"):
        response = page.goto(f"{app.url}/it")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Protokoll und Nutzung (IT)"
        table = page.locator("#audit-table").inner_text()
        assert "<PERSON" in table and "<IBAN" in table and "<PHONE" in table
        assert not [raw for raw in RAW if raw in page.content()]
        assert "Antworten pro Tag" in page.content()
        assert csp_violations(page) == []


def test_it_account_filters_and_exports(app, browser, tmp_path):
    page, _ = browser
    log_in(page, app.url, IT_USER)
    page.goto(f"{app.url}/it")
    with screenshot_on_failure(page, tmp_path / "filter.png"):
        page.fill("input[name='q']", "kein Treffer hier")
        page.click("form.filters button[type='submit']")
        page.wait_for_url("**/it?*q=kein+Treffer+hier*")
        assert page.get_by_text("Keine Einträge für diese Filter.").is_visible()
        page.fill("input[name='q']", "Tagegeld")
        page.click("form.filters button[type='submit']")
        page.wait_for_url("**/it?*q=Tagegeld*")
        assert "<PERSON" in page.locator("#audit-table").inner_text()
        href = page.get_by_text("als CSV herunterladen").get_attribute("href")
        export = page.request.get(f"{app.url}{href}")
        assert export.status == 200 and export.headers["content-type"].startswith("text/csv")
        assert "Tagegeld" in export.text() and "Mustermann" not in export.text()
        assert csp_violations(page) == []


def test_date_filter_is_german_whatever_the_browser_locale(app, browser, tmp_path):
    """Issue 13, item 16: `type=date` showed mm/dd/yyyy in an English browser."""
    english = browser[0].playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
    )
    context = english.new_context(locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    try:
        log_in(page, app.url, IT_USER)
        page.goto(f"{app.url}/it")
        with screenshot_on_failure(page, tmp_path / "en-US.png"):
            field = page.get_by_label("Seit (TT.MM.JJJJ)")
            assert field.get_attribute("type") == "text"
            assert field.get_attribute("placeholder") == "TT.MM.JJJJ"
            field.fill("12/01/2020")  # what an English browser's date picker would give
            page.click("form.filters button[type='submit']")  # the browser keeps the form
            assert field.evaluate("el => el.validity.patternMismatch") and "since" not in page.url
            # and without the browser's check the server says it in German
            page.goto(f"{app.url}/it?since=12%2F01%2F2020")
            assert "kein Datum" in page.inner_text("main")
            page.get_by_label("Seit (TT.MM.JJJJ)").fill("01.12.2020")
            page.click("form.filters button[type='submit']")
            page.wait_for_url("**/it?since=01.12.2020*")
            assert "Kennzahlen seit 01.12.2020" in page.inner_text("main")
            # times in Berlin whatever the browser's zone: the server renders them
            assert "Zeit (UTC)" not in page.content() and "Europe/Berlin" in page.content()
    finally:
        context.close()
        english.close()


def test_it_page_leads_back_and_logs_out(app, browser, tmp_path):
    page, _ = browser
    log_in(page, app.url, IT_USER)
    page.goto(f"{app.url}/it")
    with screenshot_on_failure(page, tmp_path / "nav.png"):
        assert page.get_by_role("link", name="Zum Chat").get_attribute("href") == "/"
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith('"Segoe UI"'), font  # the app's fonts (public/amtswissen.css)
        assert page.locator("svg[role='img']").count() == 2  # questions and feedback per day
        page.get_by_role("button", name="Abmelden").click()
        page.wait_for_selector("#password, input[name='password']", timeout=30_000)
        page.goto(f"{app.url}/it")  # the session has ended: back to the login
        page.wait_for_selector("#password, input[name='password']", timeout=30_000)
        assert "/login" in page.url


def test_staff_account_gets_403(app, browser, tmp_path):
    page, _ = browser
    log_in(page, app.url, STAFF_USER)
    with screenshot_on_failure(page, tmp_path / "staff.png"):
        response = page.goto(f"{app.url}/it")
        assert response.status == 403
        assert page.locator("h1").inner_text() == "Kein Zugriff"
        assert "Tagegeld" not in page.content()
        assert page.request.get(f"{app.url}/it/export.csv").status == 403


def test_logged_out_browser_is_sent_to_login(app, browser, tmp_path):
    page, _ = browser
    page.context.clear_cookies()
    with screenshot_on_failure(page, tmp_path / "logout.png"):
        page.goto(f"{app.url}/it")
        page.wait_for_selector("#password, input[name='password']", timeout=30_000)
        assert "/login" in page.url
        assert page.request.get(f"{app.url}/it/export.csv").status == 401


def test_it_account_purges_old_entries(app, browser, tmp_path):
    """Last: it deletes what the tests above looked at."""
    import sqlite3

    page, _ = browser
    with sqlite3.connect(app.data_dir / "amtswissen.db") as db:  # as if written 40 days ago
        db.execute("UPDATE audit_log SET created_at = datetime('now', '-40 days')")
    log_in(page, app.url, IT_USER)
    page.goto(f"{app.url}/it")
    with screenshot_on_failure(page, tmp_path / "purge.png"):
        page.fill("input[name='days']", "30")
        page.check("input[name='confirm']")
        page.click("form[action='/it/purge'] button")
        page.get_by_role("status").wait_for()
        note = page.get_by_role("status").inner_text()
        assert note.startswith("Gelöscht: ") and "älter als 30 Tage" in note, note
        assert not note.startswith("Gelöscht: 0 "), note
        assert page.get_by_text("Keine Einträge für diese Filter.").is_visible()
    assert json.loads(cli(["logs", "--json"], app.env)) == []


def test_nothing_left_the_origin(app, browser):
    _, recording = browser
    assert recording.foreign(app.url) == []
