"""German everywhere, and a file attached at once: the main screens in a real browser.

One app (`assistant serve`, Debian's Chromium, fake Ollama) with the sample
Dienstreiserichtlinie, a staff account, a knowledge manager and an IT account.

* A file attached before the chat's socket is up (held back here on purpose) is
  taken – Chainlit refused it with a red English "Session not found" toast.
* IT staff in search mode are told why and how to fix it; staff get the plain
  sentence instead (test_browser.py).
* A walk through the main screens – login, chat with its menus, dialogs and
  tooltips, an answer with its sources panel and PDF page, an upload with its
  report, /dokumente and the IT page – collects every text a person can see or
  hear (screen-reader labels, tooltips, placeholders) and fails on known English
  UI words.
"""

from __future__ import annotations

import os
import re

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    TEST_USER,
    USER_MESSAGES,
    add_user,
    app_env,
    ask,
    browser_page,
    cli,
    ingest,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import KNOWLEDGE, require
from docgen import docx_bytes

from assistant.web.server_texts import STOPPED
from assistant.web.ui import SEARCH_MODE_STAFF

MANAGER = ("wissen-de", "Wissen-Passwort-de1")
IT_USER = ("it-de", "IT-Passwort-de-42")
QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
# Words of an English UI (case-sensitive, whole words) that German screens must not
# show: Chainlit's built page has many of them, some only in tooltips or for screen readers.
ENGLISH_WORDS = (
    "Toggle theme Theme Settings Search Upload Cancel Submit Logout Readme Close Loading "
    "Download Print Previous Next Copy Copied Confirm Delete Rename Share Sidebar Send Stop "
    "Attach Today Yesterday Error Session failed Password Username Email Welcome Continue "
    "Back Open View Output Tasks Please Show Hide Help Profile Dark Light Select Choose Drop "
    "Files Zoom Page Task stopped"
)
ENGLISH_PHRASES = ("New Chat", "New chat", "Log out", "Sign in", "Sign out", "not found")
ENGLISH_PHRASES += ("Are you sure", "Built with", "Type your")
ENGLISH = [*ENGLISH_WORDS.split(), *ENGLISH_PHRASES]
_ENGLISH = re.compile(r"\b(" + "|".join(map(re.escape, ENGLISH)) + r")\b")
# Everything a person sees or a screen reader says: visible text, hidden labels,
# tooltips, placeholders, alternative texts, the window title.
COLLECT_TEXTS = """() => {
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('*')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
    if (el.classList && el.classList.contains('sr-only')) texts.push(el.textContent);
    if (el.matches('input[type=submit], input[type=button]')) texts.push(el.value);
  }
  return texts;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, ollama_server):
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ollama_server.start()
    ollama_server.reset()
    ollama_server.answer, ollama_server.delay, ollama_server.token_delay = None, 0.0, 0.0
    tmp = tmp_path_factory.mktemp("german")
    env = app_env(tmp / "data", ollama_server.url)
    ingest([KNOWLEDGE / "dienstreiserichtlinie.pdf"], env, tmp / "ingest.log")
    add_user(env, *MANAGER, "--role", "wissensmanagement", "--group", "personal")
    add_user(env, *IT_USER, "--role", "it", "--group", "allgemein")
    cli(["collections", "add", "personalamt", "--group", "personal", "--manager", MANAGER[0]], env)
    # A second one: the upload asks which (a manager of one collection is not asked).
    cli(
        ["collections", "add", "rundschreiben", "--group", "allgemein", "--manager", MANAGER[0]],
        env,
    )
    server = start_app(env, tmp / "app.log")
    server.tmp = tmp
    server.docx = tmp / "fortbildung.docx"
    server.docx.write_bytes(
        docx_bytes(
            "Dienstanweisung Fortbildung",
            [("§ 1 Budget", "Das Fortbildungsbudget beträgt 1.350 Euro im Kalenderjahr.")],
        )
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(app, tmp_path_factory):
    with browser_page(tmp_path_factory.mktemp("german-profile")) as page:
        yield page


def test_a_file_attached_before_the_chat_is_connected_is_taken(app, browser):
    """The socket is held back until the file is on its way: the upload waits for the
    session instead of failing with "Session not found"."""
    page = browser
    held = []
    # The page connects its socket once this request is answered: held back here.
    page.route("**/set-session-cookie", lambda route: held.append(route))
    try:
        with screenshot_on_failure(page, app.tmp / "early-upload.png"):
            page.context.clear_cookies()
            login = page.request.post(
                f"{app.url}/login", form={"username": MANAGER[0], "password": MANAGER[1]}
            )
            assert login.ok, login.text()
            page.goto(app.url)
            page.wait_for_function("() => !!document.querySelector('#upload-button-input')")
            with page.expect_response(
                lambda r: "/project/file" in r.url and r.request.method == "POST"
            ) as uploaded:
                page.locator("#upload-button-input").set_input_files(str(app.docx))
                page.wait_for_timeout(1500)  # the file is sent; the session does not exist yet
                assert held, "the page did not ask for its session cookie"
                for route in held:
                    route.continue_()
            response = uploaded.value
            assert response.ok, (response.status, response.text())
            page.get_by_text(app.docx.name).first.wait_for()  # in the composer, no toast
            assert page.locator("[data-sonner-toast]").count() == 0, page.inner_text("body")
    finally:
        page.unroute("**/set-session-cookie")


def test_it_staff_in_search_mode_learn_why_and_what_to_do(app, browser, fake_ollama):
    page = browser
    fake_ollama.stop()
    try:
        with screenshot_on_failure(page, app.tmp / "it-search-mode.png"):
            _as(page, app.url, IT_USER)
            before = page.locator(ASSISTANT_MESSAGES).count()
            ask(page, QUESTION)
            answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
            answer.get_by_text("Suchmodus", exact=False).first.wait_for()
            wait_until_done(page)
            text = answer.inner_text()
            assert "ist nicht erreichbar" in text and "ollama serve" in text, text
            assert "ASSISTANT_OLLAMA_BASE_URL" in text, text
            assert " ".join(SEARCH_MODE_STAFF.split()) not in " ".join(text.split()), text
    finally:
        fake_ollama.start()


def test_the_main_screens_speak_german(app, browser, fake_ollama):
    page = browser
    found: dict[str, set[str]] = {}

    def check(screen: str) -> None:
        page.wait_for_timeout(300)
        for text in page.evaluate(COLLECT_TEXTS):
            for word in _ENGLISH.findall(text or ""):
                found.setdefault(screen, set()).add(f"{word!r} in {_around(text, word)!r}")

    with screenshot_on_failure(page, app.tmp / "walk.png"):
        # The login form.
        page.context.clear_cookies()
        page.goto(f"{app.url}/login")
        page.wait_for_selector("#password, input[name='password']")
        check("Anmeldung")

        # The chat: start screen, header, sidebar, composer and what they open.
        _as(page, app.url, TEST_USER)
        check("Chat")
        _hover_tooltips(page, check, "Chat (Tooltips)")
        for opener, screen in [
            ("#theme-toggle", "Farbschema-Menü"),
            ("#user-nav-button", "Benutzermenü"),
            ("#readme-button", "Hinweise"),
            ("#search-chats-button", "Chats durchsuchen"),
        ]:
            if page.locator(opener).count():
                page.locator(opener).first.click()
                page.wait_for_timeout(500)
                check(screen)
                _close_overlays(page)

        # An answer, its sources panel, one source, the PDF page; the thread's menu and the
        # new-chat confirmation.
        before = page.locator(ASSISTANT_MESSAGES).count()
        ask(page, QUESTION)
        answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
        answer.get_by_text("KI-generiert", exact=False).wait_for()
        wait_until_done(page)
        page.locator("#side-view-content").wait_for()
        check("Antwort mit Quellen")
        answer.locator("a.element-link", has_text="Original-PDF").first.click()
        page.locator("#side-view-content .react-pdf__Page canvas").first.wait_for()
        page.locator("#side-view-content .side-pdf").first.hover()
        check("PDF-Seite")
        _hover_tooltips(page, check, "PDF-Seite (Tooltips)", "#side-view-content button")
        # Stopping an answer half-way: Chainlit's server posts its own message.
        fake_ollama.token_delay = 0.3
        try:
            ask(page, QUESTION)
            page.locator("#stop-button").click()
            wait_until_done(page)
        finally:
            fake_ollama.token_delay = 0.0
        page.wait_for_timeout(1000)  # the server's message about it
        check("Antwort angehalten")
        stopped = page.locator(ASSISTANT_MESSAGES).last.inner_text()
        if page.locator("#thread-options").count():
            page.locator("#thread-options").first.click(force=True)
            page.wait_for_timeout(500)
            check("Chat-Menü")
            _close_overlays(page)
        page.locator("#new-chat-button").first.click()
        page.wait_for_timeout(500)
        check("Neuer Chat (Rückfrage)")
        _close_overlays(page)

        # The knowledge manager: an upload and its report, then /dokumente.
        _as(page, app.url, MANAGER)
        if page.locator("#command-button").count():
            page.locator("#command-button").first.click()
            page.wait_for_timeout(500)
            check("Befehle")
            _close_overlays(page)
        _attach(page, app.docx, "Neue Dienstanweisung", lambda: check("Datei im Eingabefeld"))
        check("Hochladen (Datei angehängt)")
        page.get_by_text("In welche Sammlung").wait_for()  # two collections: asked which
        check("Hochladen (Sammlung wählen)")
        page.get_by_role("button", name="personalamt").click()
        page.get_by_text("Bericht: Hochladen", exact=False).wait_for(timeout=120_000)
        wait_until_done(page, timeout=120_000)
        check("Hochladebericht")
        page.goto(f"{app.url}/dokumente")
        page.wait_for_load_state()
        check("/dokumente")

        # IT: the review page.
        _as(page, app.url, IT_USER)
        page.goto(f"{app.url}/it")
        page.wait_for_load_state()
        check("IT-Seite")

    report = "\n".join(f"{screen}: {', '.join(sorted(hits))}" for screen, hits in found.items())
    assert not found, "English on German screens:\n" + report
    assert STOPPED in stopped, stopped


def _as(page, url, user) -> None:
    page.context.clear_cookies()
    with page.expect_websocket(lambda ws: "socket.io" in ws.url):
        open_chat(page, url, user)


def _attach(page, path, text: str, attached=lambda: None) -> None:
    """Attach a file and send it with `text`, right after the page loaded (issue 13, 11);
    `attached` runs while the file waits in the composer."""
    before = page.locator(USER_MESSAGES).count()
    with page.expect_response(
        lambda r: "/project/file" in r.url and r.request.method == "POST"
    ) as uploaded:
        page.locator("#upload-button-input").set_input_files(str(path))
    assert uploaded.value.ok, (uploaded.value.status, uploaded.value.text())
    page.get_by_text(path.name).first.wait_for()
    attached()
    page.locator("#chat-input").fill(text)
    page.wait_for_function("() => !document.querySelector('#chat-submit')?.disabled")
    page.click("#chat-submit")
    page.locator(f"{USER_MESSAGES} >> nth={before}").wait_for()


def _close_overlays(page) -> None:
    """Close an open menu or dialog (Escape; a click beside it if a menu keeps focus)."""
    for _ in range(3):
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        if not page.locator("[role=menu]:visible, [role=dialog]:visible").count():
            break
        page.mouse.click(5, 890)
    page.wait_for_function("() => getComputedStyle(document.body).pointerEvents !== 'none'")


def _hover_tooltips(page, check, screen: str, selector: str = "button:visible") -> None:
    """Hover each button: tooltips appear only then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    buttons = page.locator(selector)
    for i in range(min(buttons.count(), 30)):
        button = buttons.nth(i)
        if not button.is_visible() or not button.is_enabled():
            continue
        try:
            button.hover(timeout=2000)
        except PlaywrightTimeout:  # covered by another element: no tooltip for a mouse either
            continue
        page.wait_for_timeout(350)
        if page.locator("[role=tooltip]").count():
            check(screen)
    page.mouse.move(1, 1)


def _around(text: str, word: str, width: int = 40) -> str:
    at = text.find(word)
    return " ".join(text[max(0, at - width) : at + len(word) + width].split())
