"""parse_file on real files of every format, generated in tmp_path: good ones and bad ones."""

from __future__ import annotations

import codecs
from pathlib import Path

import conftest_ingest as make  # tests/ is on sys.path (pytest rootdir-relative import)
import pytest

from assistant.errors import IngestError
from assistant.ingest.parse import SUPPORTED_EXTENSIONS, Block, parse_file

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

THREE_PAGES = [
    [
        ("h1", "Dienstanweisung Kasse"),
        ("p", "Diese Anweisung gilt für alle Ämter. Sie regelt Bargeld."),
    ],
    [("h2", "§ 2 Zuständigkeit"), ("p", "Zuständig ist die Stadtkasse, z. B. bei Barzahlung.")],
    [("p", "Die Anweisung tritt am 1. Januar 2025 in Kraft.")],
]


def parse(path: Path, **limits: int):
    return parse_file(
        path, max_bytes=limits.get("max_bytes", make.LIMIT), max_pages=limits.get("max_pages", 100)
    )


def headings(doc) -> list[tuple[int | None, str]]:
    return [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]


def kinds(doc) -> set[str]:
    return {b.kind for b in doc.blocks}


# --- bad inputs: one row each, code + a German message that names the file and a way out ---


def _pdf_named_docx(d: Path) -> Path:
    return make.pdf(d / "bescheid.docx", THREE_PAGES[:1])


def _corrupt_pdf(d: Path) -> Path:
    return make.write(
        d / "kaputt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog" + bytes(range(256)) * 8
    )


def _truncated_docx(d: Path) -> Path:
    data = make.docx(d / "tmp.docx").read_bytes()
    return make.write(d / "abgeschnitten.docx", data[: len(data) // 2])


def _odt_named_docx(d: Path) -> Path:
    return make.write(d / "vorlage.docx", make.odt(d / "x.odt").read_bytes())


def _oversize(d: Path) -> Path:
    path = d / "riesig.txt"
    with path.open("wb") as out:
        out.truncate(3 * 1024**3)  # sparse: 3 GiB that only exist if someone reads them
    return path


BAD = [
    ("empty", lambda d: make.write(d / "leer.txt", b""), {}, "leer"),
    ("empty", lambda d: make.write(d / "nur-metadaten.md", "---\ntitle: X\n---\n"), {}, "leer"),
    ("unsupported", lambda d: make.write(d / "tabelle.xlsx", b"PK\x03\x04"), {}, ".xlsx"),
    ("unsupported", lambda d: make.write(d / "README", "Text"), {}, "ohne Endung"),
    ("mismatch", _pdf_named_docx, {}, "PDF-Dokument"),
    ("mismatch", _odt_named_docx, {}, "OpenDocument"),
    ("mismatch", lambda d: make.write(d / "seite.pdf", make.HTML), {}, ".pdf"),
    ("mismatch", lambda d: make.write(d / "brief.eml", "Nur Text ohne Kopfzeilen."), {}, ".eml"),
    ("corrupt", _corrupt_pdf, {}, "beschädigt"),
    ("corrupt", _truncated_docx, {}, "beschädigt"),
    ("encrypted", lambda d: make.encrypted_pdf(d / "geheim.pdf"), {}, "passwortgeschützt"),
    (
        "no_text",
        lambda d: make.scanned_pdf(d / "scan.pdf"),
        {},
        "kein Textlayer – bitte eine OCR-Version hochladen",
    ),
    (
        "encoding",
        lambda d: make.write(d / "alt.txt", "Gebühren für Bürger".encode("latin-1")),
        {},
        "UTF-8",
    ),
    ("encoding", lambda d: make.write(d / "utf16.md", "# Straße".encode("utf-16-le")), {}, "UTF-8"),
    (
        "too_large",
        lambda d: make.write(d / "gross.txt", "x" * 2000),
        {"max_bytes": 1000},
        "zu groß",
    ),
    ("too_large", _oversize, {}, "zu groß"),
    (
        "too_many_pages",
        lambda d: make.pdf(d / "lang.pdf", THREE_PAGES),
        {"max_pages": 2},
        "3 Seiten",
    ),
    (
        "zip_bomb",
        lambda d: make.zip_bomb_docx(d / "bombe.docx"),
        {"max_bytes": 10 * make.LIMIT},
        "entpackt",
    ),
]


@pytest.mark.parametrize(
    ("code", "factory", "limits", "phrase"), BAD, ids=[f"{r[0]}-{i}" for i, r in enumerate(BAD)]
)
def test_bad_input_is_refused_with_code_and_german_message(tmp_path, code, factory, limits, phrase):
    path = factory(tmp_path)
    with pytest.raises(IngestError) as caught:
        parse(path, **limits)
    error = caught.value
    assert error.code == code
    assert path.name in error.message or code == "unsupported"
    assert phrase in str(error)
    assert error.message[0].isupper() and error.message.endswith(".")
    assert error.hint and error.hint.startswith(("Bitte", "Eine")), error.hint


def test_size_is_checked_before_anything_is_read(tmp_path, monkeypatch):
    path = _oversize(tmp_path)

    def forbidden(*args, **kwargs):
        raise AssertionError("content was read before the size check")

    monkeypatch.setattr(Path, "read_bytes", forbidden)
    monkeypatch.setattr("magic.from_file", forbidden)
    with pytest.raises(IngestError) as caught:
        parse(path)
    assert caught.value.code == "too_large"


def test_supported_extensions():
    assert SUPPORTED_EXTENSIONS == {
        ".pdf",
        ".docx",
        ".odt",
        ".html",
        ".htm",
        ".md",
        ".markdown",
        ".txt",
        ".eml",
    }


# --- good inputs -------------------------------------------------------------------------------


def test_pdf_pages_headings_and_running_footer(tmp_path):
    doc = parse(make.pdf(tmp_path / "kasse.pdf", THREE_PAGES, title="Dienstanweisung Kasse"))
    assert doc.title == "Dienstanweisung Kasse"
    assert doc.pages == 3
    assert doc.warnings == []
    assert [(b.level, b.text, b.page) for b in doc.blocks if b.kind == "heading"] == [
        (1, "Dienstanweisung Kasse", 1),
        (2, "§ 2 Zuständigkeit", 2),
    ]
    body = {b.text: b.page for b in doc.blocks if b.kind == "text"}
    assert body["Zuständig ist die Stadtkasse, z. B. bei Barzahlung."] == 2
    assert body["Die Anweisung tritt am 1. Januar 2025 in Kraft."] == 3
    assert not any("Seite" in b.text for b in doc.blocks)  # "Seite n von 3" is page chrome


def test_pdf_without_metadata_title_uses_file_stem_and_warns_about_image_pages(tmp_path):
    text_pdf = make.pdf(tmp_path / "text.pdf", THREE_PAGES[:1])
    scan_pdf = make.scanned_pdf(tmp_path / "scan.pdf")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for source in (text_pdf, scan_pdf):
        writer.add_page(PdfReader(source).pages[0])
    merged = tmp_path / "teilweise-gescannt.pdf"
    with merged.open("wb") as out:
        writer.write(out)
    doc = parse(merged)
    assert doc.title == "teilweise-gescannt"
    assert doc.pages == 2
    assert len(doc.warnings) == 1 and "Seite 2" in doc.warnings[0] and "OCR" in doc.warnings[0]


def test_pdf_hyphenated_line_ends_are_rejoined(tmp_path):
    long = (
        "Die Meldebehörde prüft die Angaben. " * 3
        + "Die Aufbewahrungs- und Löschfristen gelten. " * 3
    )
    doc = parse(make.pdf(tmp_path / "lang.pdf", [[("p", long)]]))
    text = " ".join(b.text for b in doc.blocks)
    assert "Aufbewahrungs- und Löschfristen" in text
    assert "  " not in text


def test_docx_title_headings_list_and_table(tmp_path):
    doc = parse(make.docx(tmp_path / "reise.docx"))
    assert doc.title == "Richtlinie Dienstreisen"
    assert doc.pages is None
    assert (1, "1 Allgemeines") in headings(doc)
    assert (2, "1.1 Antrag") in headings(doc)
    assert Block("Reiseziel und Zweck", "list", None, None) in doc.blocks
    assert Block("Art | Satz\nPkw | 0,30 €\nRad | 0,10 €", "table", None, None) in doc.blocks


def test_odt_title_outline_levels_list_and_table(tmp_path):
    doc = parse(make.odt(tmp_path / "arbeitszeit.odt"))
    assert doc.title == "Dienstanweisung Arbeitszeit"
    assert headings(doc) == [(1, "1. Geltungsbereich"), (2, "1.1 Ausnahmen")]
    assert [b.text for b in doc.blocks if b.kind == "list"] == [
        "Auszubildende",
        "Praktikantinnen und Praktikanten",
    ]
    assert Block("Tag | Kernzeit\nMontag | 9 bis 15 Uhr", "table", None, None) in doc.blocks


def test_html_drops_script_style_nav_and_keeps_headings_and_tables(tmp_path):
    doc = parse(make.write(tmp_path / "faq.html", make.HTML))
    assert doc.title == "Bürgerbüro – Häufige Fragen"
    assert headings(doc) == [(1, "Bürgerbüro"), (2, "Personalausweis"), (3, "Vorläufiger Ausweis")]
    everything = " ".join(b.text for b in doc.blocks)
    assert "tracking" not in everything and "color" not in everything
    assert "Startseite" not in everything and "Impressum" not in everything
    assert Block("Dokument | Gebühr\nReisepass | 70 Euro", "table", None, None) in doc.blocks
    assert kinds(doc) == {"heading", "text", "list", "table"}


def test_markdown_front_matter_is_metadata_and_structure_survives(tmp_path):
    doc = parse(make.write(tmp_path / "hundesteuer.md", make.MARKDOWN))
    assert doc.title == "Hundesteuersatzung Musterstadt"
    everything = " ".join(b.text for b in doc.blocks)
    assert "tags" not in everything and "satzung, steuer" not in everything
    assert headings(doc) == [
        (1, "Satzung über die Erhebung der Hundesteuer"),
        (2, "Abschnitt 1 - Allgemeines"),
        (3, "§ 1 Steuergegenstand"),
        (3, "§ 2 Steuerpflichtiger"),
    ]
    assert Block("Ausfertigungsdatum: 2023-12-07", "text", None, None) in doc.blocks
    assert [b.text for b in doc.blocks if b.kind == "list"] == ["1. Halter,", "2. Halterinnen."]
    assert (
        Block("Hund | Steuer\nErsthund | 108 €\nZweithund | 216 €", "table", None, None)
        in doc.blocks
    )


def test_markdown_title_falls_back_to_first_heading_then_stem(tmp_path):
    assert (
        parse(make.write(tmp_path / "a.md", "Vorwort.\n\n# Leitlinie KI\n\nText.")).title
        == "Leitlinie KI"
    )
    assert parse(make.write(tmp_path / "ohne-titel.markdown", "Nur Text.")).title == "ohne-titel"


def test_plain_text_paragraphs_legal_headings_and_lists(tmp_path):
    doc = parse(make.write(tmp_path / "posteingang.txt", make.TEXT))
    assert doc.title == "Dienstanweisung Posteingang"  # first line is a heading: the title
    assert headings(doc) == [(1, "Dienstanweisung Posteingang"), (2, "§ 3 Scannen")]
    assert (
        Block(
            "Die Post wird täglich im Rathaus geöffnet. Sie wird am selben Tag verteilt.",
            "text",
            None,
            None,
        )
        in doc.blocks
    )
    assert [b.text for b in doc.blocks if b.kind == "list"] == [
        "1. Briefe öffnen",
        "2. Eingangsstempel setzen",
    ]


def test_plain_text_without_a_heading_first_is_titled_by_file_stem(tmp_path):
    doc = parse(
        make.write(tmp_path / "notiz.txt", "Die Post wird täglich geöffnet.\n\n§ 3 Scannen\n")
    )
    assert doc.title == "notiz"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_text_with_byte_order_mark_is_accepted(tmp_path, bom, encoding):
    doc = parse(make.write(tmp_path / "bom.txt", bom + "Gebühren für Bürger.".encode(encoding)))
    assert [b.text for b in doc.blocks] == ["Gebühren für Bürger."]


def test_eml_subject_plain_body_and_attachment_warning(tmp_path):
    doc = parse(make.eml(tmp_path / "rundschreiben.eml"))
    assert doc.title == "Rundschreiben 2/2025: Bürgerservice 115"
    everything = " ".join(b.text for b in doc.blocks)
    assert "alle allgemeinen Anrufe entgegen" in everything
    assert "HTML-Fassung" not in everything and "%PDF" not in everything
    assert doc.warnings == [
        "Anhang „anlage.pdf“ wurde nicht übernommen – Anhänge bitte einzeln hochladen."
    ]
    assert "heading" not in kinds(doc)  # "Viele Grüße" is no heading


@pytest.mark.skipif(not (CORPORA / "bundesrecht").is_dir(), reason="shared corpora not present")
def test_bundesrecht_law_headings_have_levels():
    doc = parse(CORPORA / "bundesrecht" / "bmg.md")
    assert doc.title == "Bundesmeldegesetz"
    found = headings(doc)
    assert found[0] == (1, "Bundesmeldegesetz (BMG)")
    assert (2, "Abschnitt 3 - Allgemeine Meldepflichten") in found
    assert (3, "§ 17 Anmeldung, Abmeldung") in found
    assert Block("Ausfertigungsdatum: 2013-05-03", "text", None, None) in doc.blocks
    assert any(b.kind == "list" and b.text.startswith("3. Vornamen") for b in doc.blocks)


@pytest.mark.skipif(
    not (CORPORA / "kommunal-badboll").is_dir(), reason="shared corpora not present"
)
def test_municipal_statute_german_front_matter_title_and_paragraph_headings():
    doc = parse(CORPORA / "kommunal-badboll" / "BBO_Satzung_Streupflicht.md")
    assert doc.title.endswith("(Streupflichtsatzung)")
    assert (2, "§ 2 Verpflichtete") in headings(doc)
    fees = parse(CORPORA / "kommunal-badboll" / "BBO_Satzung_Verwaltungsgebuehren.md")
    assert any(
        b.kind == "table" and " | " in b.text and b.text.count("\n") > 10 for b in fees.blocks
    )
