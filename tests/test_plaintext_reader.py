"""Our plain-text reader (assistant/ingest/plaintext.py) against the path it replaced.

unstructured's partition_text (still used for text with bullet characters) is the
oracle: the same blocks — paragraphs, list items, headings with their levels — and so
the same sections and chunks. Court decisions of the corpus are the real material.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import conftest_ingest as make
import pytest

from assistant.ingest import headings, offline, parse
from assistant.ingest.chunking import chunk_document
from assistant.ingest.plaintext import text_blocks

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def old_blocks(text: str) -> list[parse.Block]:
    offline.ensure_offline()
    from unstructured.partition.text import partition_text

    elements = partition_text(text=text, languages=parse.LANGUAGES)
    return parse._blocks(headings.german_headings(elements, fonts=False))


def _files() -> list[Path]:
    decisions = sorted((CORPORA / "urteile").glob("*.txt"))[::10]  # 20 of the 200
    return [*decisions, CORPORA / "bundesrecht" / "LICENSE_repo_Unlicense.txt"]


TEXTS = [
    make.TEXT,
    "Anschrift\nStadt Musterstadt\nRathausplatz 1\n12345 Musterstadt\n",
    (
        "Bescheid vom 3. März\n\nDer Antrag wird abgelehnt. Die Frist beträgt einen Monat.\n\n"
        "Rechtsbehelfsbelehrung\n\nGegen diesen Bescheid kann Widerspruch erhoben werden."
    ),
    "Zeile eins ohne Leerzeilen\nZeile zwei mit mehr als fünf Wörtern hier\n3. Punkt\nEnde",
    "1. Allgemeines\n\nDie Regel gilt für alle.\n\n1.1 Zweck\n\nSie dient dem Schutz.\n",
    "info@stadt.de\n\nKONTAKT!\n\nSehr geehrte Damen und Herren, bitte beachten Sie dies.",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_constructs_read_as_the_old_path_read_them(text):
    text = headings.separate_legal_headings(text)
    assert text_blocks(text) == old_blocks(text)


@pytest.mark.skipif(not (CORPORA / "urteile").is_dir(), reason="shared corpora not present")
def test_court_decisions_give_the_same_blocks_and_chunks_as_the_old_path():
    compared = 0
    for path in _files():
        text = headings.separate_legal_headings(path.read_text(encoding="utf-8"))
        new = text_blocks(text)
        if new is None:
            continue  # bullet characters: unstructured reads it, as before
        old = old_blocks(text)
        assert new == old, path.name
        chunks = [
            [(c.section, c.text) for c in chunk_document(parse.ParsedDocument("T", b, None))]
            for b in (old, new)
        ]
        assert chunks[0] == chunks[1], path.name
        compared += 1
    assert compared >= 15


def test_bullet_lists_are_left_to_unstructured(tmp_path):
    text = "Mitzubringen sind:\n• Personalausweis\n• Meldebescheinigung\n"
    assert text_blocks(text) is None
    doc = parse.parse_file(make.write(tmp_path / "liste.txt", text), max_bytes=10**6, max_pages=9)
    assert doc.blocks == old_blocks(text)
    assert [b.kind for b in doc.blocks].count("list") == 2


def test_reading_plain_text_imports_neither_unstructured_nor_spacy(tmp_path):
    path = make.write(tmp_path / "posteingang.txt", make.TEXT)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.ingest.parse import parse_file\n"
        f"doc = parse_file(Path({str(path)!r}), max_bytes=10**6, max_pages=10)\n"
        "assert doc.title == 'Dienstanweisung Posteingang'\n"
        "print(sorted(m for m in ('unstructured', 'spacy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
