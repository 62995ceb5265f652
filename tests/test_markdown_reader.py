"""Our Markdown reader (assistant/ingest/markdown.py) against the path it replaced.

The old path rendered Markdown with Python-Markdown and let unstructured's partition_md
type the paragraphs. It is still installed (other formats use unstructured), so it
serves as the oracle here: same blocks, hence the same sections, chunks and citations.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.ingest import offline, parse
from assistant.ingest.chunking import chunk_document
from assistant.ingest.markdown import markdown_blocks

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
LAWS = [
    "bundesrecht/bmg.md",
    "bundesrecht/baunvo.md",
    "bundesrecht/beeg.md",
    "bundesrecht/ozg.md",
    "bundesrecht/uhvorschg.md",
    "kommunal-badboll/BBO_Satzung_Streupflicht.md",
    "kommunal-badboll/BBO_Satzung_Verwaltungsgebuehren.md",
]


def old_blocks(body: str) -> list[parse.Block]:
    """What `parse._read_markdown` produced before: unstructured's partition_md."""
    offline.ensure_offline()
    from unstructured.partition.md import partition_md

    elements = partition_md(text=parse._prepare_markdown(body), languages=parse.LANGUAGES)
    return parse._blocks(elements)


def new_blocks(body: str) -> list[parse.Block]:
    return markdown_blocks(parse._prepare_markdown(body))


needs_corpora = pytest.mark.skipif(
    not (CORPORA / "bundesrecht").is_dir(), reason="shared corpora not present"
)


@needs_corpora
@pytest.mark.parametrize("name", LAWS)
def test_law_file_blocks_sections_and_chunks_equal_the_old_path(name):
    path = CORPORA / name
    title, body = parse._front_matter(path.read_text(encoding="utf-8"))
    old, new = old_blocks(body), new_blocks(body)
    assert new == old
    old_chunks = chunk_document(parse.ParsedDocument(title, old, None))
    new_chunks = chunk_document(parse.ParsedDocument(title, new, None))
    assert [(c.section, c.text) for c in new_chunks] == [(c.section, c.text) for c in old_chunks]


@needs_corpora
def test_wogg_headings_and_sections_equal_the_old_path():
    """The one law file whose blocks differ: stray "* *" bullets of a formula table in
    Anlage 3 are no longer kept in the text (the old path kept them in four items)."""
    title, body = parse._front_matter((CORPORA / "bundesrecht/wogg.md").read_text("utf-8"))
    old, new = old_blocks(body), new_blocks(body)
    assert [(b.kind, b.level, b.text) for b in new if b.kind == "heading"] == [
        (b.kind, b.level, b.text) for b in old if b.kind == "heading"
    ]
    assert len(new) == len(old)
    differing = [(a.text, b.text) for a, b in zip(old, new, strict=True) if a != b]
    assert all(o.lstrip("* ") == n for o, n in differing) and len(differing) <= 6
    sections = [
        {c.section for c in chunk_document(parse.ParsedDocument(title, blocks, None))}
        for blocks in (old, new)
    ]
    assert sections[0] == sections[1]


SNIPPETS = [
    "# Titel\n\nText mit **fett**, *kursiv*, `code`, [Link](https://x.de) und <b>Tag</b>k.",
    "Satz mit &amp; Entität, \\*Sternchen\\* und 1\\. Nummer.",
    "## Setext nicht\n\nÜberschrift\n===========\n\nUnter\n-----\n\nText.",
    "- eins\n- zwei\n\n- drei\n    weiter\n\n    Absatz im Punkt",
    "*    *   1.\n\n    *   Wohnbauflächen\n\n    *   (W)\n\n\n*    *   2.\n\n    *   gemischt",
    "Einleitung\n- kein Punkt, Fortsetzung\n\n> Zitat\n> zweite Zeile\n\nDanach.",
    "    eingerückter Code\n    zweite Zeile\n\nAbsatz.",
    "```\ngezäunter Code\n```\n\nText danach.",
    "| Leistung | Gebühr |\n|---|---:|\n| Auskunft `A` | 10 € |\n| **Kopie**<br>je Seite | |",
    "Text\n\n---\n\n-\n\n• Aufzählung mit Punkt\n\na) Buchstabe",
    (
        "1.  erster Punkt\n\n    a)  Unterpunkt\n\n        aa) tiefer\n\n\n"
        "        bb) noch tiefer\n\n    Schluss des Punktes."
    ),
]


@pytest.mark.parametrize("body", SNIPPETS)
def test_markdown_constructs_read_as_the_old_path_read_them(body):
    assert new_blocks(body) == old_blocks(body)


def test_reading_markdown_imports_neither_unstructured_nor_spacy(tmp_path):
    """The point of the reader: a Markdown-only ingest pays no start-up for them (issue 12)."""
    path = tmp_path / "satzung.md"
    path.write_text("# Satzung\n\n## § 1 Zweck\n\nDie Gemeinde erhebt eine Steuer.\n", "utf-8")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.ingest.parse import parse_file\n"
        f"doc = parse_file(Path({str(path)!r}), max_bytes=10**6, max_pages=10)\n"
        "assert [b.text for b in doc.blocks][-1] == 'Die Gemeinde erhebt eine Steuer.'\n"
        "print(sorted(m for m in ('unstructured', 'spacy', 'markdown') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


ADVERSARIAL = {
    "unclosed emphasis": "*a " * 30000,
    "unclosed strong": "**a " * 30000,
    "unclosed links": "[a](" * 30000,
    "unclosed code": "``a `" * 30000,
    "long closing hashes": "# " + "#" * 100000 + "a",
    "almost a rule": "-" * 100000 + "x",
    "deep quotes": "> " * 30000 + "Text",
    "deep lists": "- " * 30000 + "Text",
    "a run of spaces": "a" + " " * 100000 + "b",
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_input_is_read_in_linear_time(name):
    """An uploaded file must not stall ingest: these took 57–72 s for 100 kB with the
    first regular expressions (backtracking, recursion), now well under a second."""
    from assistant.ingest.plaintext import text_blocks

    started = time.perf_counter()
    blocks = markdown_blocks(ADVERSARIAL[name])
    text_blocks(ADVERSARIAL[name])
    assert time.perf_counter() - started < 5
    assert blocks and "".join(b.text for b in blocks).strip()
