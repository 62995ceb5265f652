"""An Ollama server of the pool dies while the chat streams its answer, in a real browser.

`assistant serve` runs with two fake Ollama servers (`ASSISTANT_OLLAMA_BASE_URLS`); the
first one the pool picks dies after a few tokens. The answer is asked again on the other
server, and the chat replaces the half answer it showed instead of appending the new one
to it: no moment shows the answer's beginning twice, and the final answer is whole, and
the audit log holds one row for the question.
"""

from __future__ import annotations

import json
import os

from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    Recording,
    app_env,
    ask,
    cli,
    ingest,
    launch,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import KNOWLEDGE, require
from fake_ollama import running_fake_ollama

QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
# Every text the newest answer shows while it streams, in order.
OBSERVE = """sel => {
  window.__texts = [];
  const seen = () => {
    const all = document.querySelectorAll(sel);
    const m = all[all.length - 1];
    const t = m ? m.innerText : '';
    if (t && window.__texts[window.__texts.length - 1] !== t) window.__texts.push(t);
  };
  new MutationObserver(seen).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def test_half_answer_of_a_dying_server_is_replaced_by_the_other_servers(tmp_path):
    from playwright.sync_api import sync_playwright

    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    document = KNOWLEDGE / "dienstreiserichtlinie.pdf"
    require(document.exists(), "sample documents in knowledge/ are missing")
    with (
        running_fake_ollama(token_delay=0.08) as first,
        running_fake_ollama(token_delay=0.08) as second,
    ):
        env = app_env(
            tmp_path / "data", first.url, ASSISTANT_OLLAMA_BASE_URLS=f"{first.url},{second.url}"
        )
        ingest([document], env, tmp_path / "ingest.log")
        server = start_app(env, tmp_path / "app.log")
        try:
            # Both idle: the pool's round robin begins with the first server.
            first.die_mid_stream(after=8)
            with sync_playwright() as playwright:
                context = launch(playwright, tmp_path / "profile", Recording())
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(30_000)
                with screenshot_on_failure(page, tmp_path / "pool.png"):
                    open_chat(page, server.url)
                    page.evaluate(OBSERVE, ASSISTANT_MESSAGES)
                    ask(page, QUESTION)
                    wait_until_done(page)
                    page.locator(ASSISTANT_MESSAGES).last.get_by_text("Quellen").first.wait_for()
                    texts = page.evaluate("window.__texts")
                    final = page.locator(ASSISTANT_MESSAGES).last.inner_text()
                context.close()
            # One question, one audit row: the cut-off attempt left none of its own.
            rows = json.loads(cli(["logs", "list", "--json"], env))
        finally:
            server.stop()
        assert len(rows) == 1 and rows[0]["mode"] == "llm", rows
        assert not first.running, "the first server was not the one asked"
        assert len(first.requests_to("/api/chat")) == 1
        assert len(second.requests_to("/api/chat")) == 1
    assert "Tagegeld" in final and "[1]" in final, final
    head = final.strip()[:12]
    streamed = [t for t in texts if "KI-generiert" not in t]  # before the rendered answer
    assert any(head in t for t in streamed), texts  # the half answer was on screen
    doubled = [t for t in streamed if t.count(head) > 1]
    assert not doubled, doubled
