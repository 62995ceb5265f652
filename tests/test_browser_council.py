"""Council information in the chat, in a real browser (issue 15): `assistant oparl sync`
against the generated OParl server (tests/oparl_fixture.py, 20 papers) into the app's data
dir, then `assistant serve`, Debian's Chromium and the fake Ollama.

A question about a council decision gets an answer citing the paper [1]; its source shows
the reference, the type and date, the consultation path (committee, date, result) and a
link whose href is the unit's `url` and that reaches the council system. With the model
down, search mode lists the paper with its consultation path. A screenshot for people is
kept when AMTSWISSEN_SCREENSHOTS names a folder (docs/screens/council.png).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    Recording,
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
from fake_ollama_text import parse_context
from oparl_fixture import running_oparl

from assistant.web.council import LINK_LABEL, consultation_path

DECIDED = re.compile(r"beschlossen|abgelehnt")


@pytest.fixture(scope="module")
def council(tmp_path_factory, ollama_server):
    """The app over a synced council system; yields (app, oparl, the paper asked about)."""
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ollama_server.start()
    ollama_server.reset()
    tmp = tmp_path_factory.mktemp("council")
    env = app_env(tmp / "data", ollama_server.url, ASSISTANT_SYNC_RATE="0")
    with running_oparl(n_papers=20) as oparl:
        report = json.loads(
            cli(["oparl", "sync", oparl.url, "--name", "musterstadt", "--json"], env)
        )
        assert report["status"] == "completed" and report["counts"]["new"] > 0, report
        paper = decided_paper(env)
        app = start_app(env, tmp / "app.log")
        try:
            yield app, oparl, paper
        finally:
            app.stop()


def decided_paper(env) -> dict:
    """A paper (its hit as `assistant search --json` gives it) whose path holds a decision."""
    papers = json.loads(
        cli(["search", "Beschlussvorlage", "--type", "Beschlussvorlage", "-k", "20", "--json"], env)
    )
    for hit in papers:
        meta = hit.get("meta") or {}
        if meta.get("type") == "Paper" and any(
            DECIDED.search(line) for line in consultation_path(meta)
        ):
            return hit
    raise AssertionError("no decided paper among the synced units")


@pytest.fixture(scope="module")
def page(council, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = launch(pw, tmp_path_factory.mktemp("profile"), Recording())
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)
        open_chat(page, council[0].url)
        yield page
        context.close()


def cite_the_paper(reference: str):
    """The fake model: the paper's consultation path line that holds its result, citing it."""

    def answer(messages: list[dict]) -> str:
        items = parse_context(str(messages[-1].get("content") or ""))
        n = next(n for n, text in sorted(items.items()) if reference in text)
        line = next(line for line in items[n].splitlines() if DECIDED.search(line))
        return f"Laut Beratungsfolge: {line.strip()} [{n}]"

    return answer


def question(paper: dict) -> str:
    title = paper["title"].split(" – ", 1)[-1]
    return f"Was wurde zur Vorlage {paper['reference']} „{title}“ beschlossen?"


def test_answer_about_a_decision_cites_the_paper_with_its_link(
    council, page, ollama_server, tmp_path
):
    _, oparl, paper = council
    meta = paper["meta"]
    decision = next(line for line in consultation_path(meta) if DECIDED.search(line))
    ollama_server.answer = cite_the_paper(paper["reference"])
    try:
        with screenshot_on_failure(page, tmp_path / "council.png"):
            before = page.locator(ASSISTANT_MESSAGES).count()
            ask(page, question(paper))
            answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
            answer.get_by_text("Quellen", exact=True).wait_for()
            wait_until_done(page)
            text = " ".join(answer.inner_text().split())
            assert "Ungeprüfte Antwort" not in text, text  # the result is in the source
            assert "[1]" in text and f"[1] {paper['reference']}" in text, text
            assert meta["paper_type"] in text and decision in text, text
            link = answer.get_by_role("link", name=LINK_LABEL)
            assert link.count() == 1 and link.get_attribute("href") == meta["url"]
            # The side panel shows the same facts above the passage.
            answer.get_by_text("[1]", exact=True).first.click()
            panel = page.locator("#side-view-content")
            panel.get_by_text(decision, exact=False).first.wait_for()
            assert panel.get_by_role("link", name=LINK_LABEL).get_attribute("href") == meta["url"]
            keep(page, answer)
            # The link works: it opens the council system's page.
            oparl.reset_log()
            with page.context.expect_page() as opened:
                link.click()
            opened.value.wait_for_load_state()
            assert opened.value.url == meta["url"]
            opened.value.close()
            path = meta["url"].split(oparl.base, 1)[1]
            assert oparl.request_count(re.escape(path) + "$") >= 1
            assert csp_violations(page) == []
    finally:
        ollama_server.answer = None


def test_search_mode_lists_the_paper_with_its_consultation_path(
    council, page, ollama_server, tmp_path
):
    _, _, paper = council
    meta = paper["meta"]
    ollama_server.stop()
    try:
        with screenshot_on_failure(page, tmp_path / "council-search.png"):
            before = page.locator(ASSISTANT_MESSAGES).count()
            ask(page, question(paper))
            answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
            answer.get_by_text("Suchmodus – es wird keine KI-Antwort angezeigt").wait_for()
            wait_until_done(page)
            text = " ".join(answer.inner_text().split())
            assert f"[1] {paper['reference']}" in text, text
            for line in consultation_path(meta):  # the whole path: committee, date, result
                assert line in text, (line, text)
            assert "KI-generiert" not in text
            link = answer.get_by_role("link", name=LINK_LABEL).first
            assert link.get_attribute("href") == meta["url"]
    finally:
        ollama_server.start()


def keep(page, top) -> None:
    """Screenshot for people (AMTSWISSEN_SCREENSHOTS), the answer scrolled to the top."""
    if folder := os.environ.get("AMTSWISSEN_SCREENSHOTS"):
        top.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(800)  # let the side panel finish sliding in
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / "council.png"))
