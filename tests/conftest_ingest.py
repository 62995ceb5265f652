"""Real files of every supported format, generated in a temp dir (never copied corpora).

Imported by tests/test_parse.py, test_chunking.py and test_offline.py.
"""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

LIMIT = 50 * 1024 * 1024  # max_bytes for tests that do not test the limit
PAGES = 100


def pdf(path: Path, pages: list[list[tuple[str, str]]], *, title: str | None = None) -> Path:
    """A PDF with a text layer; each page is a list of (style, text), style h1|h2|p.

    Every page also gets a running footer "Seite n von N", as real documents do.
    """
    from fpdf import FPDF

    class _Paged(FPDF):
        def footer(self) -> None:
            self.set_y(-18)
            self.set_font("Helvetica", "", 9)
            self.cell(0, 5, f"Seite {self.page_no()} von {len(pages)}", align="C")

    doc = _Paged(format="A4")
    doc.set_margins(25, 25, 25)
    doc.set_auto_page_break(True, margin=25)
    if title:
        doc.set_title(title)
    styles = {"h1": ("B", 18), "h2": ("B", 14), "p": ("", 11)}
    for items in pages:
        doc.add_page()
        for style, text in items:
            weight, size = styles[style]
            doc.set_font("Helvetica", weight, size)
            doc.multi_cell(0, size * 0.55, text)
            doc.ln(size * 0.5)
    doc.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """An image-only PDF, like a scan without OCR: a picture of text, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(image)
    for y in range(30, 280, 24):
        draw.text((20, y), "Dienstanweisung ueber die Nutzung der Dienstwagen", fill="black")
    png = io.BytesIO()
    image.save(png, format="PNG")
    doc = FPDF()
    doc.add_page()
    doc.image(png, x=10, y=10, w=180)
    doc.output(str(path))
    return path


def encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = pdf(path.with_name("plain-" + path.name), [[("p", "Vertraulicher Inhalt.")]])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="geheim", algorithm="AES-128")
    with path.open("wb") as out:
        writer.write(out)
    return path


def docx(path: Path) -> Path:
    import docx as python_docx

    doc = python_docx.Document()
    doc.core_properties.title = "Richtlinie Dienstreisen"
    doc.add_heading("Richtlinie Dienstreisen", 0)
    doc.add_heading("1 Allgemeines", 1)
    doc.add_paragraph("Dienstreisen sind vorher schriftlich zu genehmigen.")
    doc.add_heading("1.1 Antrag", 2)
    doc.add_paragraph("Der Antrag ist über das Mitarbeiterportal zu stellen.")
    doc.add_paragraph("Reiseziel und Zweck", style="List Bullet")
    table = doc.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Art", "Satz"), ("Pkw", "0,30 €"), ("Rad", "0,10 €")]):
        row.cells[0].text, row.cells[1].text = cells
    doc.save(path)
    return path


def odt(path: Path) -> Path:
    from odf.dc import Title
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    doc = OpenDocumentText()
    doc.meta.addElement(Title(text="Dienstanweisung Arbeitszeit"))
    doc.text.addElement(H(outlinelevel=1, text="1. Geltungsbereich"))
    doc.text.addElement(P(text="Die Dienstanweisung gilt für alle Beschäftigten."))
    doc.text.addElement(H(outlinelevel=2, text="1.1 Ausnahmen"))
    items = List()
    for text in ("Auszubildende", "Praktikantinnen und Praktikanten"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    doc.text.addElement(items)
    table = Table(name="Zeiten")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for cells in (("Tag", "Kernzeit"), ("Montag", "9 bis 15 Uhr")):
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    doc.text.addElement(table)
    doc.save(str(path))
    return path


HTML = """<!doctype html><html><head><title>Bürgerbüro – Häufige Fragen</title>
<style>p { color: red }</style><script>var tracking = "geheim";</script></head>
<body><nav><a href="/">Startseite</a> <a href="/impressum">Impressum</a></nav>
<main><h1>Bürgerbüro</h1><h2>Personalausweis</h2>
<p>Der Personalausweis kostet 37 Euro, z. B. für Personen ab 24 Jahren.</p>
<h3>Vorläufiger Ausweis</h3><p>Ein vorläufiger Ausweis kostet 10 Euro.</p>
<ul><li>Lichtbild</li><li>alter Ausweis</li></ul>
<table><tr><th>Dokument</th><th>Gebühr</th></tr><tr><td>Reisepass</td><td>70 Euro</td></tr></table>
</main></body></html>"""

MARKDOWN = """---
title: Hundesteuersatzung Musterstadt
tags: [satzung, steuer]
---

# Satzung über die Erhebung der Hundesteuer

Ausfertigungsdatum
:   2023-12-07

## Abschnitt 1 - Allgemeines

### § 1 Steuergegenstand

Die Gemeinde erhebt die Hundesteuer nach dieser Satzung.

### § 2 Steuerpflichtiger

(1) Steuerpflichtig ist, wer einen Hund hält.

1.  Halter,

2.  Halterinnen.

| Hund | Steuer |
|---|---|
| Ersthund | 108 € |
| Zweithund | 216 € |
"""

TEXT = """Dienstanweisung Posteingang

Die Post wird täglich im Rathaus geöffnet.
Sie wird am selben Tag verteilt.

§ 3 Scannen
Eingehende Briefe werden gescannt und der E-Akte zugeordnet.

1. Briefe öffnen
2. Eingangsstempel setzen
"""


def eml(path: Path) -> Path:
    message = EmailMessage()
    message["Subject"] = "Rundschreiben 2/2025: Bürgerservice 115"
    message["From"] = "hauptamt@musterstadt.example"
    message["To"] = "alle@musterstadt.example"
    message.set_content(
        "Liebe Kolleginnen und Kollegen,\n\nab dem 1. April nimmt der Bürgerservice 115 "
        "alle allgemeinen Anrufe entgegen.\n\nViele Grüße\nIhr Hauptamt\n"
    )
    message.add_alternative("<p>HTML-Fassung des Rundschreibens.</p>", subtype="html")
    message.add_attachment(
        b"%PDF-1.4 Anhang", maintype="application", subtype="pdf", filename="anlage.pdf"
    )
    path.write_bytes(bytes(message))
    return path


def zip_bomb_docx(path: Path) -> Path:
    """A real DOCX plus one entry of 60 MiB zeros that compresses to a few dozen KiB."""
    docx(path)
    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/bomb.bin", "w") as entry,
    ):
        for _ in range(60):
            entry.write(block)
    return path


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path
