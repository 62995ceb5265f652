"""Open data in the chat, in a real browser (issue 16): the real open-data server
(../shared/opendata/serve.py, portal Köln) synced with `assistant opendata sync` into the
app's data dir, the sample figures configuration (docs/opendata/kennzahlen.yaml), then
`assistant serve` with the language model unreachable (search mode) and Debian's Chromium.

A statistics question gets the number in German notation, the row used as a table and the
source dataset with publisher and licence under it; a comparison of two Stadtbezirke also
gets a bar chart, an image the app serves itself (no third-party host) that loads and shows
both values. Expected values were read from the raw CSV (Bundestagswahl8_0.csv, Stadtbezirke:
Porz 76392, Chorweiler 52542 Wahlberechtigte), not from the code. A screenshot for people is
kept when AMTSWISSEN_SCREENSHOTS names a folder (docs/screens/opendata.png).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    ROOT,
    Recording,
    app_env,
    ask,
    cli,
    csp_violations,
    free_port,
    launch,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import dead_url, require

from assistant.web.opendata import CHART_NAME, LINK_LABEL

SHARED = ROOT.parent / "shared" / "opendata"
FIGURES = ROOT / "docs" / "opendata" / "kennzahlen.yaml"
DATASET = "Bundestagswahl8-Stadtbezirk"  # the catalogue's title of the Stadtbezirk results
PORZ, CHORWEILER = 76392, 52542


@pytest.fixture(scope="module")
def portal():
    """serve.py replaying the Köln catalogue and its CSV files; yields its URL."""
    require((SHARED / "serve.py").exists(), f"{SHARED} is not there")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "serve.py"), "--root", str(SHARED / "data"),
         "--port", str(port), "--portal", "koeln"],
        env={**os.environ, "SERVE_QUIET": "1"}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app(portal, tmp_path_factory):
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    tmp = tmp_path_factory.mktemp("opendata")
    env = app_env(
        tmp / "data", dead_url(),  # no language model: search mode
        ASSISTANT_SYNC_RATE="0", ASSISTANT_OPENDATA_FIGURES=str(FIGURES),
    )  # fmt: skip
    report = json.loads(cli(["opendata", "sync", portal, "--name", "koeln", "--json"], env))
    assert report["status"] == "completed" and report["counts"]["tables"] > 0, report
    app = start_app(env, tmp / "app.log")
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def browser(app, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    recording = Recording()
    with sync_playwright() as pw:
        context = launch(pw, tmp_path_factory.mktemp("profile"), recording)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(60_000)
        open_chat(page, app.url)
        yield page, recording
        context.close()


def answer_to(page, question: str):
    """Ask and return the answer's message once it is complete."""
    before = page.locator(ASSISTANT_MESSAGES).count()
    ask(page, question)
    answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={before}")
    answer.get_by_text("Quelle:", exact=False).first.wait_for()
    wait_until_done(page)
    return answer


def table_rows(answer) -> list[list[str]]:
    return answer.locator("table").first.evaluate(
        "t => [...t.querySelectorAll('tr')].map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def assert_source_line(answer, portal: str) -> None:
    text = " ".join(answer.inner_text().split())
    line = re.search(rf"Quelle: {re.escape(DATASET)}[^\n]*", text)
    assert line, text
    assert "Stadt Köln" in line.group(0) and "Lizenz: cc-by" in line.group(0), line.group(0)
    link = answer.get_by_role("link", name=LINK_LABEL).first
    assert link.get_attribute("href").startswith(f"{portal}/dataset/"), link.get_attribute("href")


def test_statistics_question_gets_number_table_and_source(app, browser, portal, tmp_path):
    page, _ = browser
    with screenshot_on_failure(page, tmp_path / "opendata-figure.png"):
        answer = answer_to(
            page, "Wie viele Wahlberechtigte gab es bei der Bundestagswahl 2013 im Kölner "
            "Stadtbezirk Porz?",
        )  # fmt: skip
        text = " ".join(answer.inner_text().split())
        assert "76.392 Wahlberechtigte" in text, text
        assert "Zeile Name = Porz, Spalte Wahlberechtigte" in text, text
        rows = table_rows(answer)
        assert rows[0] == ["Nr", "Name", "Wahlberechtigte"], rows
        assert rows[1:] == [["6", "Porz", "76.392"]], rows
        assert_source_line(answer, portal)
        assert "KI-generiert" not in text


def test_comparison_of_two_districts_gets_a_bar_chart(app, browser, portal, tmp_path):
    page, recording = browser
    with screenshot_on_failure(page, tmp_path / "opendata-compare.png"):
        answer = answer_to(
            page, "Wie viele Wahlberechtigte hatte der Stadtbezirk Porz bei der "
            "Bundestagswahl 2013 mehr als Chorweiler?",
        )  # fmt: skip
        text = " ".join(answer.inner_text().split())
        assert f"Differenz: +{PORZ - CHORWEILER:,} Wahlberechtigte".replace(",", ".") in text
        assert "Porz: 76.392" in text and "Chorweiler: 52.542" in text, text
        rows = table_rows(answer)
        assert sorted(rows[1:]) == [["5", "Chorweiler", "52.542"], ["6", "Porz", "76.392"]]
        assert_source_line(answer, portal)
        # The chart: an image of the answer, served by the app itself, that has loaded.
        chart = answer.locator(f"img[alt='{CHART_NAME}']")
        chart.wait_for(timeout=10_000)  # the answer is complete: the chart is there or not
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=chart.element_handle(),
            timeout=10_000,
        )
        # Shown large enough to read its labels (the SVG is 640 px wide, font 11 px).
        assert chart.evaluate("img => img.getBoundingClientRect().width") >= 500
        src = chart.evaluate("img => img.src")
        assert urlsplit(src).netloc == urlsplit(app.url).netloc, src
        svg = page.request.get(src)
        assert svg.ok and "svg" in svg.headers.get("content-type", ""), svg.headers
        bars = bar_heights(svg.text())
        assert len(bars) == 2 and abs(bars[1] / bars[0] - PORZ / CHORWEILER) < 0.01, bars
        assert "Chorweiler: 52.542" in svg.text() and "Porz: 76.392" in svg.text()
        keep(page, answer)
        assert recording.foreign(app.url) == []
        assert csp_violations(page) == []


def bar_heights(svg: str) -> list[float]:
    """Heights of the bars, left to right (the rects with a tooltip)."""
    return [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"[^>]*><title>', svg)]


def keep(page, top) -> None:
    """Screenshot for people (AMTSWISSEN_SCREENSHOTS), the answer scrolled to the top."""
    if folder := os.environ.get("AMTSWISSEN_SCREENSHOTS"):
        top.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / "opendata.png"))
