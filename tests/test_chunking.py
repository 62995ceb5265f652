"""chunk_document: section paths, boundaries, sizes, overlap, sentences, tables, determinism."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import conftest_ingest as make  # tests/ is on sys.path (pytest rootdir-relative import)
import pytest

from assistant.ingest.chunking import chunk_document, split_sentences
from assistant.ingest.parse import Block, ParsedDocument, parse_file

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
BUNDESRECHT = sorted((CORPORA / "bundesrecht").glob("*.md"))
needs_corpora = pytest.mark.skipif(not BUNDESRECHT, reason="shared corpora not present")


def h(text: str, level: int, page: int | None = None) -> Block:
    return Block(text, "heading", page, level)


def t(text: str, page: int | None = None, kind: str = "text") -> Block:
    return Block(text, kind, page, None)


def numbered_sentences(n: int, words: int = 12) -> str:
    return " ".join(
        f"Satz {i} " + "enthält Regeln der Verwaltung " * (words // 4) + "." for i in range(n)
    )


LAW = ParsedDocument(
    title="Mustergesetz",
    blocks=[
        h("Mustergesetz (MG)", 1),
        t("Ausfertigungsdatum: 2024-01-01"),
        h("Abschnitt 1 - Allgemeines", 2),
        h("§ 1 Zweck", 3),
        t("Dieses Gesetz regelt die Meldepflicht."),
        h("§ 2 (weggefallen)", 3),
        h("§ 3 Begriffe", 3),
        t("(1) Wohnung ist jeder umschlossene Raum."),
        t("1. Hauptwohnung,", kind="list"),
        t("2. Nebenwohnung.", kind="list"),
        h("Abschnitt 2 - Pflichten", 2),
        h("§ 4 Anmeldung", 3),
        t("Wer eine Wohnung bezieht, hat sich anzumelden."),
    ],
    pages=None,
)


def test_sections_follow_headings_and_leave_out_the_title():
    chunks = chunk_document(LAW)
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Mustergesetz (MG)\nAusfertigungsdatum: 2024-01-01"),
        (
            "Abschnitt 1 - Allgemeines › § 1 Zweck",
            "§ 1 Zweck\nDieses Gesetz regelt die Meldepflicht.",
        ),
        ("Abschnitt 1 - Allgemeines › § 2 (weggefallen)", "§ 2 (weggefallen)"),
        (
            "Abschnitt 1 - Allgemeines › § 3 Begriffe",
            "§ 3 Begriffe\n(1) Wohnung ist jeder umschlossene Raum.\n\n1. Hauptwohnung,\n2. Nebenwohnung.",
        ),
        (
            "Abschnitt 2 - Pflichten › § 4 Anmeldung",
            "§ 4 Anmeldung\nWer eine Wohnung bezieht, hat sich anzumelden.",
        ),
    ]
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_title_heading_matching_the_title_is_left_out_even_among_siblings():
    doc = ParsedDocument(
        "Richtlinie Dienstreisen",
        [
            h("Richtlinie Dienstreisen", 1),
            h("1 Allgemeines", 1),
            t("Text eins."),
            h("2 Antrag", 1),
            t("Text zwei."),
        ],
        None,
    )
    assert [c.section for c in chunk_document(doc)] == ["1 Allgemeines", "2 Antrag"]


def test_a_real_top_level_chapter_stays_in_the_path():
    doc = ParsedDocument("Handbuch", [h("Teil A", 1), t("Eins."), h("Teil B", 1), t("Zwei.")], None)
    assert [c.section for c in chunk_document(doc)] == ["Teil A", "Teil B"]


def test_page_is_where_the_chunk_starts():
    doc = ParsedDocument(
        "Kasse",
        [
            h("§ 1 Kasse", 1, page=1),
            t("Erster Satz.", page=1),
            h("§ 2 Zuständigkeit", 1, page=2),
            t("Zweiter.", page=3),
        ],
        3,
    )
    assert [(c.section, c.page) for c in chunk_document(doc)] == [
        ("§ 1 Kasse", 1),
        ("§ 2 Zuständigkeit", 2),
    ]


def test_pdf_heading_on_page_two_gives_a_chunk_on_page_two(tmp_path):
    pages = [
        [("h1", "Dienstanweisung Kasse"), ("p", "Gilt für alle Ämter.")],
        [("h2", "§ 2 Zuständigkeit"), ("p", "Zuständig ist die Stadtkasse.")],
        [("p", "Tritt am 1. Januar 2025 in Kraft.")],
    ]
    doc = parse_file(
        make.pdf(tmp_path / "k.pdf", pages, title="Dienstanweisung Kasse"),
        max_bytes=make.LIMIT,
        max_pages=9,
    )
    chunk = next(c for c in chunk_document(doc) if c.section == "§ 2 Zuständigkeit")
    assert chunk.page == 2
    assert chunk.text.startswith("§ 2 Zuständigkeit\nZuständig ist die Stadtkasse.")


@pytest.mark.parametrize("size", [200, 600, 1200])
def test_no_chunk_exceeds_size_and_no_text_is_lost(size):
    body = numbered_sentences(60)
    doc = ParsedDocument(
        "D",
        [h("§ 1 Lang", 1), t(body), t("Kurzer Absatz."), h("§ 2 Kurz", 1), t("Ein Satz.")],
        None,
    )
    chunks = chunk_document(doc, size=size, overlap=size // 8)
    assert max(len(c.text) for c in chunks) <= size
    assert len({c.section for c in chunks}) == 2
    joined = " ".join(c.text for c in chunks if c.section == "§ 1 Lang")
    for i in range(60):
        assert f"Satz {i} " in joined
    assert chunks[-1].text == "§ 2 Kurz\nEin Satz."


def test_long_section_splits_at_sentences_with_overlap():
    doc = ParsedDocument("D", [h("§ 1 Lang", 1), t(numbered_sentences(40))], None)
    chunks = chunk_document(doc, size=400, overlap=120)
    assert len(chunks) > 3
    for previous, chunk in pairwise(chunks):
        first_sentence = split_sentences(chunk.text)[0]
        assert chunk.text.startswith("Satz ")  # starts at a sentence, not mid-word
        assert previous.text.endswith(first_sentence)  # the overlap repeats its tail
        assert len(first_sentence) <= 120
    assert chunks[0].text.startswith("§ 1 Lang\nSatz 0 ")


def test_without_overlap_nothing_repeats():
    doc = ParsedDocument("D", [h("§ 1 Lang", 1), t(numbered_sentences(40))], None)
    chunks = chunk_document(doc, size=400, overlap=0)
    texts = " ".join(c.text for c in chunks)
    assert all(texts.count(f"Satz {i} ") == 1 for i in range(40))


def test_long_paragraphs_break_at_paragraph_boundaries_first():
    paragraphs = [f"Absatz {i}. " + "Die Regel gilt ohne Ausnahme. " * 8 for i in range(6)]
    doc = ParsedDocument("D", [h("§ 1 X", 1), *[t(p.strip()) for p in paragraphs]], None)
    chunks = chunk_document(doc, size=600, overlap=0)
    for chunk in chunks:
        body = chunk.text.removeprefix("§ 1 X\n")
        assert body.startswith("Absatz ") and body.endswith("Ausnahme.")


def test_a_heading_is_never_alone_when_it_has_body_text():
    doc = ParsedDocument(
        "D", [h("§ 1 Langer Paragraph", 1), t(numbered_sentences(3, words=60))], None
    )
    chunks = chunk_document(doc, size=300, overlap=50)
    assert chunks[0].text.startswith("§ 1 Langer Paragraph\nSatz 0")
    assert all(c.text != "§ 1 Langer Paragraph" for c in chunks)
    assert max(len(c.text) for c in chunks) <= 300


SENTENCES = [
    ("Das gilt z. B. für Abs. 2 Nr. 3 und ggf. weitere Fälle. Dann folgt Satz zwei.", 2),
    ("Siehe § 26 Abs. 1 Satz 4 TV-L. Der Anspruch besteht.", 2),
    ("Er kam am 1. April 2013 an. Die Frist lief am 30. Juni ab.", 2),
    ("Das Gesetz vom 15.1.2021 gilt, d. h. sofort. Es ist bekannt.", 2),
    ("Zuständig ist die Abt. Bürgerservice bzw. das Amt. Fragen beantwortet Dr. Weber.", 2),
    ("Im Jahr 2013. Danach nicht mehr!", 2),
    ("Was gilt? Das Amt entscheidet. (2) Der Antrag ist schriftlich zu stellen.", 3),
    ("Kein Ende bei i.V.m. der Verordnung usw. und so fort.", 1),
]


@pytest.mark.parametrize(("text", "count"), SENTENCES)
def test_german_sentence_boundaries(text, count):
    sentences = split_sentences(text)
    assert len(sentences) == count, sentences
    assert " ".join(sentences) == text


def test_small_table_stays_whole():
    table = "Art | Betrag\nPkw | 0,30 €\nRad | 0,10 €"
    doc = ParsedDocument(
        "D", [h("§ 5 Kosten", 1), t("Es gelten:"), Block(table, "table", None, None)], None
    )
    assert chunk_document(doc)[0].text == f"§ 5 Kosten\nEs gelten:\n\n{table}"


def test_large_table_splits_by_rows_repeating_the_header():
    rows = [f"Gebühr {i:03d} | {i},00 € | Tarifstelle {i}" for i in range(80)]
    table = "\n".join(["Leistung | Betrag | Fundstelle", *rows])
    doc = ParsedDocument(
        "D", [h("Gebührenverzeichnis", 1), Block(table, "table", None, None)], None
    )
    chunks = chunk_document(doc, size=500, overlap=100)
    assert len(chunks) > 3 and max(len(c.text) for c in chunks) <= 500
    seen = []
    for chunk in chunks:
        lines = chunk.text.removeprefix("Gebührenverzeichnis\n").split("\n")
        assert lines[0] == "Leistung | Betrag | Fundstelle"
        seen.extend(lines[1:])
    assert seen == rows  # every row exactly once, in order, none cut


def test_output_is_deterministic():
    doc = ParsedDocument(
        "D", [h("§ 1 Lang", 1), t(numbered_sentences(50)), h("§ 2", 1), t("Ende.")], None
    )
    assert chunk_document(doc, size=500, overlap=80) == chunk_document(doc, size=500, overlap=80)


@pytest.mark.parametrize(("size", "overlap"), [(50, 0), (1200, 700), (1200, -1)])
def test_nonsense_settings_are_rejected(size, overlap):
    with pytest.raises(ValueError):
        chunk_document(LAW, size=size, overlap=overlap)


@needs_corpora
def test_bmg_section_paths():
    doc = parse_file(CORPORA / "bundesrecht" / "bmg.md", max_bytes=make.LIMIT, max_pages=make.PAGES)
    chunks = chunk_document(doc)
    section_17 = [c for c in chunks if c.section.endswith("§ 17 Anmeldung, Abmeldung")]
    assert section_17
    assert (
        section_17[0].section
        == "Abschnitt 3 - Allgemeine Meldepflichten › § 17 Anmeldung, Abmeldung"
    )
    assert section_17[0].text.startswith("§ 17 Anmeldung, Abmeldung\n(1) Wer eine Wohnung bezieht")
    assert not any("Bundesmeldegesetz" in c.section for c in chunks)
    assert any(c.section.endswith("§ 9 (weggefallen)") for c in chunks)  # tiny § is its own chunk
    nested = "Abschnitt 5 - Datenübermittlungen › Unterabschnitt 1 - Datenübermittlungen zwischen öffentlichen Stellen › § 33"
    assert any(c.section.startswith(nested) for c in chunks)


@needs_corpora
def test_all_federal_laws_respect_size_and_sections():
    for path in BUNDESRECHT:
        doc = parse_file(path, max_bytes=make.LIMIT, max_pages=make.PAGES)
        chunks = chunk_document(doc, size=1200, overlap=150)
        assert chunks and max(len(c.text) for c in chunks) <= 1200, path.name
        headings = {b.text for b in doc.blocks if b.kind == "heading"}
        for chunk in chunks:
            inner = [line for line in chunk.text.split("\n")[1:] if line in headings]
            assert not inner, (path.name, inner)  # never a second heading inside a chunk
