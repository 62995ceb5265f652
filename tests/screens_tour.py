"""Screenshot tour of the main screens, for people: PNGs under docs/screens/ (README there).

    .venv/bin/python tests/screens_tour.py [--out docs/screens]

Runs what the browser tests run – `assistant serve` with the sample knowledge
base, Debian's Chromium (`CHROMIUM_PATH`), the fake Ollama of tests/ – in a temp
directory, and saves: the login, the chat, an answer with clickable citations,
a source in the side panel, its PDF page, search mode, an upload report,
/dokumente and the IT page. Not a test (nothing is asserted beyond each screen
appearing); run it after changing what the screens show and look at the result.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from browser_util import (  # tests/ is not a package: on sys.path above
    ASSISTANT_MESSAGES,
    TEST_USER,
    USER_MESSAGES,
    Recording,
    add_user,
    app_env,
    ask,
    cli,
    ingest,
    launch,
    open_chat,
    start_app,
    wait_until_done,
)
from docgen import docx_bytes
from fake_ollama import running_fake_ollama

ROOT = HERE.parent
DOCUMENTS = ["dienstreiserichtlinie.pdf", "buergerbuero-faq.html", "mobiles-arbeiten.docx"]
MANAGER = ("wissensmanagement", "Wissen-Tour-2026")
IT_USER = ("it-betrieb", "IT-Tour-2026-x")
QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
SEARCH_QUESTION = "Wie viel Tagegeld gibt es bei einer mehrtägigen Dienstreise?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_fake_ollama() as ollama:
        tmp_path = Path(tmp)
        env = app_env(tmp_path / "data", ollama.url)
        ingest([ROOT / "knowledge" / name for name in DOCUMENTS], env, tmp_path / "ingest.log")
        add_user(env, *MANAGER, "--role", "wissensmanagement", "--group", "personal")
        add_user(env, *IT_USER, "--role", "it", "--group", "allgemein")
        cli(
            ["collections", "add", "personalamt", "--group", "personal", "--manager", MANAGER[0]],
            env,
        )
        app = start_app(env, tmp_path / "app.log")
        try:
            tour(app.url, ollama, tmp_path, out)
        finally:
            app.stop(allow_errors=True)
    print(f"Bildschirmfotos in {out}")


def tour(url: str, ollama, tmp: Path, out: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = launch(playwright, tmp / "profile", Recording())
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)

        def shot(name: str, *, whole: bool = False) -> None:
            page.wait_for_timeout(900)  # panels slide in, PDF pages draw
            page.screenshot(path=str(out / f"{name}.png"), full_page=whole)
            print(f"  {name}.png")

        page.goto(f"{url}/login")
        page.wait_for_selector("input[name='password'], #password")
        shot("01-anmeldung")

        open_chat(page, url, TEST_USER)
        shot("02-chat")

        answer = _ask(page, QUESTION)
        answer.get_by_text("KI-generiert", exact=False).wait_for()
        # The app names the panel again once its elements are drawn (panel.py); on a busy
        # host the browser may draw them later still and keep the last one's name.
        title = page.locator("#side-view-title", has_text="Quellen der Antwort")
        with contextlib.suppress(PlaywrightTimeout):
            title.wait_for(timeout=15_000)
        shot("03-antwort-mit-quellen")
        answer.locator("a.element-link").filter(has_text="[1]").first.click()
        page.locator("#side-view-content table").first.wait_for()
        shot("04-quelle")
        answer.locator("a.element-link", has_text="Original-PDF [1]").click()
        page.locator("#side-view-content .react-pdf__Page canvas").first.wait_for()
        shot("05-pdf-seite")

        ollama.stop()
        try:
            answer = _ask(page, SEARCH_QUESTION)
            answer.get_by_text("Suchmodus", exact=False).first.wait_for()
            answer.evaluate("e => e.scrollIntoView({block: 'start'})")
            shot("06-suchmodus")
        finally:
            ollama.start()

        page.context.clear_cookies()
        with page.expect_websocket(lambda ws: "socket.io" in ws.url):
            open_chat(page, url, MANAGER)
        document = tmp / "fortbildung-2027.docx"
        document.write_bytes(
            docx_bytes(
                "Dienstanweisung Fortbildungsbudget",
                [
                    ("§ 1 Budget", "Das Fortbildungsbudget beträgt 1.350 Euro je Beschäftigter."),
                    ("§ 2 Inkrafttreten", "Diese Dienstanweisung ist gültig ab 01.01.2027."),
                ],
            )
        )
        _attach(page, document, "Neue Dienstanweisung Fortbildung, gültig ab 01.01.2027")
        page.get_by_text("Bericht: Hochladen", exact=False).wait_for(timeout=180_000)
        wait_until_done(page, timeout=180_000)
        shot("07-hochladebericht")
        page.goto(f"{url}/dokumente")
        page.wait_for_load_state("networkidle")
        shot("08-dokumente")

        page.context.clear_cookies()
        open_chat(page, url, IT_USER)
        page.goto(f"{url}/it")
        page.wait_for_load_state("networkidle")
        shot("09-it-seite", whole=True)
        context.close()


def _ask(page, question: str):
    before = page.locator(ASSISTANT_MESSAGES).count()
    ask(page, question)
    answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
    answer.wait_for()
    wait_until_done(page, timeout=120_000)
    return answer


def _attach(page, path: Path, text: str) -> None:
    before = page.locator(USER_MESSAGES).count()
    page.locator("#upload-button-input").set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for()
    page.locator("#chat-input").fill(text)
    page.wait_for_function("() => !document.querySelector('#chat-submit')?.disabled")
    page.click("#chat-submit")
    page.locator(f"{USER_MESSAGES} >> nth={before}").wait_for()


if __name__ == "__main__":
    main()
