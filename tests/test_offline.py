"""unstructured works with the network cut off, loads no torch, and phones nobody.

The network tests run in a fresh interpreter: what matters happens at first import
(telemetry ping, model download), which an already warmed-up test process cannot show.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import conftest_ingest as make  # tests/ is on sys.path (pytest rootdir-relative import)
import pytest

from assistant.ingest import offline

ROOT = Path(__file__).resolve().parents[1]

# Cut the network before anything is imported: every attempt is recorded, then refused.
PRELUDE = """
import json, socket, sys, urllib.request
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[1:2] or args[:1])[:80])
    raise OSError("network is switched off in this test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
urllib.request.urlopen = refuse
"""

OFFLINE_RUN = (
    PRELUDE
    + """
from pathlib import Path
from assistant.ingest.parse import parse_file
from assistant.ingest.chunking import chunk_document
blocks = {}
for name in sys.argv[1:]:
    doc = parse_file(Path(name), max_bytes=50 * 1024 * 1024, max_pages=100)
    blocks[Path(name).suffix] = len(chunk_document(doc)) and len(doc.blocks)
heavy = ("torch", "unstructured_inference", "transformers", "cv2", "unstructured.partition.pdf")
print(json.dumps({
    "blocks": blocks,
    "attempts": attempts,
    "loaded": [m for m in heavy if m in sys.modules],
}))
"""
)

# The same work without ensure_offline(): proves the traps are real and the test can fail.
UNPROTECTED_RUN = (
    PRELUDE
    + """
import unstructured  # telemetry ping at import
from unstructured.partition.text import partition_text
try:
    partition_text(text="Die Meldebehörde prüft die Angaben. Dann entscheidet sie.")
    outcome = "partitioned"
except Exception as exc:
    outcome = type(exc).__name__
print(json.dumps({"attempts": attempts, "outcome": outcome}))
"""
)


def _run(script: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in offline._TELEMETRY_OFF}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def every_format(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("formats")
    pages = [
        [("h1", "Dienstanweisung"), ("p", "Gilt für alle.")],
        [("h2", "§ 2 Kasse"), ("p", "Bar.")],
    ]
    files = [
        make.pdf(d / "a.pdf", pages),
        make.docx(d / "a.docx"),
        make.odt(d / "a.odt"),
        make.write(d / "a.html", make.HTML),
        make.write(d / "a.md", make.MARKDOWN),
        make.write(d / "a.txt", make.TEXT),
        make.eml(d / "a.eml"),
    ]
    return [str(f) for f in files]


def test_every_format_parses_with_the_network_cut_off(every_format):
    result = _run(OFFLINE_RUN, *every_format)
    assert set(result["blocks"]) == {".pdf", ".docx", ".odt", ".html", ".md", ".txt", ".eml"}
    assert all(count > 0 for count in result["blocks"].values()), result["blocks"]
    assert result["attempts"] == []  # no telemetry ping, no model download
    assert result["loaded"] == []  # no torch, no unstructured_inference, no partition_pdf


def test_without_ensure_offline_unstructured_reaches_for_the_network():
    result = _run(UNPROTECTED_RUN)
    assert result["attempts"], "expected the telemetry ping or the spaCy download to try"
    assert result["outcome"] != "partitioned"  # en_core_web_sm cannot be downloaded


def test_ensure_offline_is_idempotent_and_installs_the_blank_german_pipeline():
    offline.ensure_offline()
    offline.ensure_offline()
    from unstructured.nlp import tokenize

    assert tokenize._get_nlp is offline.blank_pipeline
    nlp = tokenize._get_nlp()
    assert nlp is offline.blank_pipeline()
    assert (nlp.lang, nlp.pipe_names) == ("de", ["sentencizer"])
    assert tokenize.sent_tokenize("Der Antrag ist gestellt. Die Behörde entscheidet.") == [
        "Der Antrag ist gestellt.",
        "Die Behörde entscheidet.",
    ]
    with pytest.raises(RuntimeError, match="offline"):
        tokenize._install_spacy_model()
    assert os.environ["DO_NOT_TRACK"] and os.environ["SCARF_NO_ANALYTICS"]


def test_pdf_text_layer_elements_carry_page_numbers(tmp_path):
    pages = [[("p", "Erste Seite.")], [("h2", "§ 2 Zweite Seite")], [("p", "Dritte Seite.")]]
    result = offline.partition_pdf_text(make.pdf(tmp_path / "drei.pdf", pages))
    assert result.pages == 3 and result.empty_pages == []
    assert [(e.text, e.metadata.page_number) for e in result.elements] == [
        ("Erste Seite.", 1),
        ("§ 2 Zweite Seite", 2),
        ("Dritte Seite.", 3),
    ]
    assert result.elements[1].metadata.font_bold is True


def test_odt_is_read_without_pandoc(tmp_path):
    title, elements = offline.partition_odt_xml(make.odt(tmp_path / "a.odt"))
    assert title == "Dienstanweisung Arbeitszeit"
    assert [(e.category, e.metadata.category_depth) for e in elements if e.category == "Title"] == [
        ("Title", 0),
        ("Title", 1),
    ]
    assert (
        "<td>Montag</td>"
        in next(e for e in elements if e.category == "Table").metadata.text_as_html
    )
