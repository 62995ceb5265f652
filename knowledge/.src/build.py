#!/usr/bin/env python3
"""Regenerate the sample knowledge base ``knowledge/`` from ``knowledge/.src/*.md``.

Usage (from the repository root)::

    .venv/bin/python knowledge/.src/build.py            # build every document
    .venv/bin/python knowledge/.src/build.py ki-leitlinie.md   # only some sources

Every source is a Markdown file with a small front matter block::

    ---
    title: Dienstreiserichtlinie der Stadtverwaltung Musterstadt
    subject: Genehmigung und Abrechnung von Dienstreisen
    date: 2024-11-15
    output: dienstreiserichtlinie.pdf
    ---

The file extension of ``output`` selects the writer: .pdf (fpdf2), .docx
(python-docx), .odt (odfpy), .html, .md, .txt or .eml (``from``, ``to`` and
``message_id`` are then read from the front matter as well).

Supported Markdown subset (deliberately small, no inline markup):
``#`` document title, ``##`` section, ``###`` subsection, paragraphs (one per
line or several lines without a blank line in between), ``- `` bullet lists,
``> `` quotations and pipe tables (header row, separator row, body rows).

The output is deterministic: all timestamps (PDF creation date, DOCX/ODT
metadata, ZIP entry times, e-mail Date header) come from the ``date`` field.
"""

from __future__ import annotations

import html
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

SRC_DIR = Path(__file__).resolve().parent
OUT_DIR = SRC_DIR.parent

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "": FONT_DIR / "DejaVuSans.ttf",
    "B": FONT_DIR / "DejaVuSans-Bold.ttf",
    "I": FONT_DIR / "DejaVuSans-Oblique.ttf",
}

AUTHOR = "Stadtverwaltung Musterstadt"
CREATOR = "Amtswissen knowledge/.src/build.py"
MONTHS_DE = [
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
]


# --------------------------------------------------------------------------
# Source model and parser
# --------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "h", "p", "ul", "quote", "table"
    text: str = ""
    level: int = 0  # headings: 1 = title, 2 = section, 3 = subsection
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # tables: rows[0] is the header


@dataclass
class Source:
    path: Path
    meta: dict[str, str]
    body: str
    blocks: list[Block]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def output(self) -> Path:
        return OUT_DIR / self.meta["output"]

    @property
    def date(self) -> datetime:
        return datetime.strptime(self.meta.get("date", "2025-01-01"), "%Y-%m-%d").replace(
            hour=9, tzinfo=timezone.utc
        )

    @property
    def date_de(self) -> str:
        d = self.date
        return f"{d.day}. {MONTHS_DE[d.month - 1]} {d.year}"

    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "h"]


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [cell.strip() for cell in line.split("|")]


def parse_source(path: Path) -> Source:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise SystemExit(f"{path.name}: front matter ('---') fehlt")
    head, body = text[4:].split("\n---\n", 1)
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    for key in ("title", "output"):
        if key not in meta:
            raise SystemExit(f"{path.name}: front matter ohne '{key}'")
    body = body.lstrip("\n")

    blocks: list[Block] = []
    para: list[str] = []

    def flush_para() -> None:
        # two trailing spaces force a line break (e.g. in a signature)
        if para:
            text = ""
            for n, part in enumerate(para):
                text += part.rstrip()
                if n < len(para) - 1:
                    text += "\n" if part.endswith("  ") else " "
            blocks.append(Block("p", text))
            para.clear()

    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush_para()
            i += 1
            continue
        line = line.rstrip() if not line.endswith("  ") else line
        m = re.match(r"^(#{1,3}) (.+)$", line.rstrip())
        if m:
            flush_para()
            blocks.append(Block("h", m.group(2).strip(), level=len(m.group(1))))
            i += 1
            continue
        if line.startswith("- "):
            flush_para()
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(lines[i][2:].strip())
                i += 1
            blocks.append(Block("ul", items=items))
            continue
        if line.startswith(">"):
            flush_para()
            quote = []
            while i < len(lines) and lines[i].startswith(">"):
                quote.append(lines[i][1:].strip())
                i += 1
            blocks.append(Block("quote", " ".join(quote)))
            continue
        if line.startswith("|"):
            flush_para()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = _split_row(lines[i])
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            width = len(rows[0])
            for r in rows:
                if len(r) != width:
                    raise SystemExit(f"{path.name}: Tabellenzeile mit {len(r)} statt {width} Spalten: {r}")
            blocks.append(Block("table", rows=rows))
            continue
        para.append(line.lstrip())
        i += 1
    flush_para()
    return Source(path, meta, body, blocks)


def load_sources(names: list[str] | None = None) -> list[Source]:
    paths = sorted(p for p in SRC_DIR.glob("*.md") if p.name != "README.md")
    if names:
        paths = [p for p in paths if p.name in names or p.stem in names]
    return [parse_source(p) for p in paths]


# --------------------------------------------------------------------------
# Plain text (TXT and e-mail body); also the reference text for checks
# --------------------------------------------------------------------------


def render_plain(src: Source) -> str:
    out: list[str] = []
    for b in src.blocks:
        if b.kind == "h":
            if b.level == 1:
                out += [b.text, "=" * len(b.text), ""]
            else:
                if out and out[-1] != "":
                    out.append("")
                out += [b.text, ""]
        elif b.kind == "p":
            out += [b.text, ""]
        elif b.kind == "quote":
            out += [f"    {b.text}", ""]
        elif b.kind == "ul":
            out += [f"- {item}" for item in b.items] + [""]
        elif b.kind == "table":
            widths = [max(len(r[c]) for r in b.rows) for c in range(len(b.rows[0]))]
            for n, r in enumerate(b.rows):
                out.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
                if n == 0:
                    out.append("  ".join("-" * w for w in widths))
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def write_txt(src: Source) -> None:
    src.output.write_text(render_plain(src), encoding="utf-8")


def write_md(src: Source) -> None:
    src.output.write_text(src.body.rstrip("\n") + "\n", encoding="utf-8")


def write_eml(src: Source) -> None:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = src.meta["from"]
    msg["To"] = src.meta["to"]
    msg["Subject"] = src.title
    msg["Date"] = format_datetime(src.date)
    msg["Message-ID"] = src.meta["message_id"]
    msg["Organization"] = AUTHOR
    msg.set_content(render_plain(src), subtype="plain", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = "de-DE"  # after set_content, which resets content headers
    src.output.write_bytes(msg.as_bytes(policy=policy.SMTP))


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------

HTML_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 52rem; margin: 2rem auto; line-height: 1.5; color: #1a1a1a; }
.kopf { border-bottom: 2px solid #004b87; color: #004b87; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #999; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; }
blockquote { border-left: 4px solid #999; margin-left: 0; padding-left: 1rem; font-style: italic; }
.fuss { border-top: 1px solid #999; font-size: 0.85rem; color: #555; margin-top: 2rem; }
""".strip()


def write_html(src: Source) -> None:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(src.title)}</title>",
        f'<meta name="author" content="{e(AUTHOR)}">',
        f'<meta name="description" content="{e(src.meta.get("subject", src.title))}">',
        f'<meta name="date" content="{src.date.date().isoformat()}">',
        f"<style>\n{HTML_STYLE}\n</style>",
        "</head>",
        "<body>",
        '<div class="kopf">Intranet der Stadtverwaltung Musterstadt</div>',
        "<main>",
    ]
    for b in src.blocks:
        if b.kind == "h":
            parts.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif b.kind == "p":
            parts.append("<p>" + e(b.text).replace("\n", "<br>\n") + "</p>")
        elif b.kind == "quote":
            parts.append(f"<blockquote><p>{e(b.text)}</p></blockquote>")
        elif b.kind == "ul":
            parts.append("<ul>")
            parts += [f"<li>{e(item)}</li>" for item in b.items]
            parts.append("</ul>")
        elif b.kind == "table":
            parts.append("<table>")
            parts.append("<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in b.rows[0]) + "</tr></thead>")
            parts.append("<tbody>")
            for r in b.rows[1:]:
                parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
            parts.append("</tbody>")
            parts.append("</table>")
    parts += [
        "</main>",
        f'<div class="fuss">{e(AUTHOR)} · Stand: {e(src.date_de)}</div>',
        "</body>",
        "</html>",
    ]
    src.output.write_text("\n".join(parts) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# ZIP normalisation (DOCX, ODT): fixed entry times, same order and compression
# --------------------------------------------------------------------------


def normalize_zip(path: Path, when: datetime) -> None:
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zout:
        for info, data in entries:
            new = zipfile.ZipInfo(info.filename, date_time=stamp)
            new.compress_type = info.compress_type
            new.create_system = 3
            new.external_attr = 0o644 << 16
            zout.writestr(new, data)
    path.write_bytes(buf.getvalue())


# --------------------------------------------------------------------------
# DOCX (python-docx)
# --------------------------------------------------------------------------


def write_docx(src: Source) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    cp = doc.core_properties
    cp.title = src.title
    cp.subject = src.meta.get("subject", "")
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.language = "de-DE"
    cp.keywords = src.meta.get("keywords", "")
    cp.created = src.date.replace(tzinfo=None)
    cp.modified = src.date.replace(tzinfo=None)
    cp.revision = 1

    normal = doc.styles["Normal"]
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "de-DE")
    rpr.append(lang)

    # footer: "Titel – Seite N"
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{src.meta.get('short', src.title)} – Seite ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    footer._p.append(fld)

    for b in src.blocks:
        if b.kind == "h":
            doc.add_heading(b.text, level={1: 0, 2: 1, 3: 2}[b.level])
        elif b.kind == "p":
            doc.add_paragraph(b.text)
        elif b.kind == "quote":
            doc.add_paragraph(b.text, style="Quote")
        elif b.kind == "ul":
            for item in b.items:
                doc.add_paragraph(item, style="List Bullet")
        elif b.kind == "table":
            table = doc.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(b.rows):
                for c, cell_text in enumerate(row):
                    cell = table.cell(r, c)
                    cell.text = cell_text
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
            # mark the first row as header row (repeats on page breaks)
            tr_pr = table.rows[0]._tr.get_or_add_trPr()
            hdr = OxmlElement("w:tblHeader")
            tr_pr.append(hdr)
            doc.add_paragraph()
    doc.save(src.output)
    normalize_zip(src.output, src.date)


# --------------------------------------------------------------------------
# ODT (odfpy)
# --------------------------------------------------------------------------


def write_odt(src: Source) -> None:
    from odf import dc, meta, teletype
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ListLevelProperties,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import H, List, ListItem, ListLevelStyleBullet, ListStyle, P

    doc = OpenDocumentText()
    iso = src.date.strftime("%Y-%m-%dT%H:%M:%S")
    doc.meta.addElement(dc.Title(text=src.title))
    doc.meta.addElement(dc.Subject(text=src.meta.get("subject", "")))
    doc.meta.addElement(dc.Creator(text=AUTHOR))
    doc.meta.addElement(dc.Date(text=iso))
    doc.meta.addElement(dc.Language(text="de-DE"))
    doc.meta.addElement(meta.InitialCreator(text=AUTHOR))
    doc.meta.addElement(meta.CreationDate(text=iso))

    font = "DejaVu Sans"
    standard = Style(name="Standard", family="paragraph")
    standard.addElement(TextProperties(fontname=font, fontfamily=font, fontsize="11pt", language="de", country="DE"))
    doc.styles.addElement(standard)

    body_style = Style(name="Text_20_body", displayname="Text body", family="paragraph", parentstylename="Standard")
    body_style.addElement(ParagraphProperties(margintop="0cm", marginbottom="0.21cm", lineheight="120%"))
    doc.styles.addElement(body_style)

    title_style = Style(name="Title", family="paragraph", parentstylename="Standard", nextstylename="Text_20_body")
    title_style.addElement(ParagraphProperties(textalign="center", marginbottom="0.42cm"))
    title_style.addElement(TextProperties(fontsize="18pt", fontweight="bold"))
    doc.styles.addElement(title_style)

    heading = Style(name="Heading", family="paragraph", parentstylename="Standard", nextstylename="Text_20_body")
    heading.addElement(ParagraphProperties(margintop="0.42cm", marginbottom="0.21cm", keepwithnext="always"))
    heading.addElement(TextProperties(fontweight="bold"))
    doc.styles.addElement(heading)

    h_styles = {}
    for level, size in ((1, "14pt"), (2, "12pt")):
        st = Style(
            name=f"Heading_20_{level}",
            displayname=f"Heading {level}",
            family="paragraph",
            parentstylename="Heading",
            nextstylename="Text_20_body",
            defaultoutlinelevel=str(level),
        )
        st.addElement(TextProperties(fontsize=size, fontweight="bold"))
        doc.styles.addElement(st)
        h_styles[level] = st

    quote_style = Style(name="Quotations", family="paragraph", parentstylename="Standard")
    quote_style.addElement(ParagraphProperties(marginleft="1cm", marginright="1cm", marginbottom="0.21cm"))
    quote_style.addElement(TextProperties(fontstyle="italic"))
    doc.styles.addElement(quote_style)

    cell_head = Style(name="Table_20_Heading", displayname="Table Heading", family="paragraph", parentstylename="Standard")
    cell_head.addElement(TextProperties(fontweight="bold"))
    doc.styles.addElement(cell_head)
    cell_text = Style(name="Table_20_Contents", displayname="Table Contents", family="paragraph", parentstylename="Standard")
    doc.styles.addElement(cell_text)

    bullets = ListStyle(name="Aufzaehlung")
    bl = ListLevelStyleBullet(level=1, bulletchar="•")
    bl.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.5cm"))
    bullets.addElement(bl)
    doc.automaticstyles.addElement(bullets)

    tab_style = Style(name="Tabelle", family="table")
    tab_style.addElement(TableProperties(width="17cm", align="margins"))
    doc.automaticstyles.addElement(tab_style)
    cell_style = Style(name="Tabelle.Zelle", family="table-cell")
    cell_style.addElement(TableCellProperties(border="0.5pt solid #000000", padding="0.1cm"))
    doc.automaticstyles.addElement(cell_style)

    for b in src.blocks:
        if b.kind == "h":
            if b.level == 1:
                doc.text.addElement(P(stylename=title_style, text=b.text))
            else:
                lvl = b.level - 1
                doc.text.addElement(H(outlinelevel=lvl, stylename=h_styles[lvl], text=b.text))
        elif b.kind == "p":
            para = P(stylename=body_style)
            teletype.addTextToElement(para, b.text)
            doc.text.addElement(para)
        elif b.kind == "quote":
            doc.text.addElement(P(stylename=quote_style, text=b.text))
        elif b.kind == "ul":
            lst = List(stylename=bullets)
            for item in b.items:
                li = ListItem()
                li.addElement(P(stylename=body_style, text=item))
                lst.addElement(li)
            doc.text.addElement(lst)
        elif b.kind == "table":
            n = len(b.rows[0])
            col_style = Style(name=f"Tabelle.Spalte{n}", family="table-column")
            col_style.addElement(TableColumnProperties(columnwidth=f"{17 / n:.2f}cm"))
            doc.automaticstyles.addElement(col_style)
            table = Table(stylename=tab_style)
            table.addElement(TableColumn(numbercolumnsrepeated=n, stylename=col_style))
            head = TableHeaderRows()
            for r, row in enumerate(b.rows):
                tr = TableRow()
                for cell_value in row:
                    tc = TableCell(stylename=cell_style, valuetype="string")
                    tc.addElement(P(stylename=cell_head if r == 0 else cell_text, text=cell_value))
                    tr.addElement(tc)
                if r == 0:
                    head.addElement(tr)
                    table.addElement(head)
                else:
                    table.addElement(tr)
            doc.text.addElement(table)
    doc.save(str(src.output))
    normalize_zip(src.output, src.date)


# --------------------------------------------------------------------------
# PDF (fpdf2)
# --------------------------------------------------------------------------


def write_pdf(src: Source) -> None:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    missing = [str(p) for p in FONTS.values() if not p.exists()]
    if missing:
        raise SystemExit(
            "Schriftart nicht gefunden: " + ", ".join(missing)
            + "\nBitte installieren: apt-get update && apt-get install -y fonts-dejavu-core"
        )

    short = src.meta.get("short", src.title)

    class GuidelinePDF(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"Stadtverwaltung Musterstadt – {short}", align="L")
            self.ln(6)
            self.set_draw_color(0, 75, 135)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 10, f"Seite {self.page_no()} von {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = GuidelinePDF(format="A4")
    for style, path in FONTS.items():
        pdf.add_font("DejaVu", style, str(path))
    pdf.set_title(src.title)
    pdf.set_subject(src.meta.get("subject", ""))
    pdf.set_author(AUTHOR)
    pdf.set_creator(CREATOR)
    pdf.set_keywords(src.meta.get("keywords", ""))
    pdf.set_lang("de-DE")
    pdf.set_creation_date(src.date)
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()

    lh = 5.6  # line height for 10.5 pt body text

    def table_widths(pdf: FPDF, rows: list[list[str]]) -> tuple[float, ...]:
        """Column widths (mm) so that no word, e-mail address or amount is split."""
        pad = 4.0
        n = len(rows[0])

        def sw(text: str, row: int) -> float:  # the header row is set in bold
            pdf.set_font("DejaVu", "B" if row == 0 else "", pdf.font_size_pt)
            width = pdf.get_string_width(text)
            pdf.set_font("DejaVu", "", pdf.font_size_pt)
            return width

        min_w = [
            max(sw(tok, i) for i, r in enumerate(rows) for tok in (r[c].split() or [""])) + pad for c in range(n)
        ]
        want = [min(max(sw(r[c], i) for i, r in enumerate(rows)) + pad, pdf.epw * 0.6) for c in range(n)]
        want = [max(w, m) for w, m in zip(want, min_w)]
        if sum(want) <= pdf.epw:  # everything fits on one line: spread the rest evenly
            extra = (pdf.epw - sum(want)) / n
            return tuple(w + extra for w in want)
        spare = pdf.epw - sum(min_w)
        if spare <= 0:
            raise SystemExit(f"{src.path.name}: Tabelle zu breit für die Seite: {rows[0]}")
        grow = [w - m for w, m in zip(want, min_w)]
        return tuple(m + spare * g / sum(grow) for m, g in zip(min_w, grow))

    def ensure_space(mm: float) -> None:
        if pdf.get_y() + mm > pdf.page_break_trigger:
            pdf.add_page()

    for b in src.blocks:
        if b.kind == "h":
            if b.level == 1:
                pdf.set_font("DejaVu", "B", 17)
                pdf.multi_cell(0, 8, b.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(3)
            elif b.level == 2:
                ensure_space(32)
                pdf.ln(3)
                pdf.start_section(b.text, level=0)
                pdf.set_font("DejaVu", "B", 13)
                pdf.multi_cell(0, 7, b.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1.5)
            else:
                ensure_space(26)
                pdf.ln(1)
                pdf.start_section(b.text, level=1)
                pdf.set_font("DejaVu", "B", 11)
                pdf.multi_cell(0, 6, b.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1)
        elif b.kind == "p":
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(0, lh, b.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2.2)
        elif b.kind == "quote":
            pdf.set_font("DejaVu", "I", 10.5)
            pdf.set_x(pdf.l_margin + 8)
            pdf.multi_cell(pdf.epw - 16, lh, b.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2.2)
        elif b.kind == "ul":
            pdf.set_font("DejaVu", "", 10.5)
            for item in b.items:
                ensure_space(lh * 2)
                pdf.set_x(pdf.l_margin + 3)
                pdf.cell(5, lh, "•")
                pdf.multi_cell(pdf.epw - 8, lh, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(0.8)
            pdf.ln(1.6)
        elif b.kind == "table":
            ensure_space(25)
            pdf.set_font("DejaVu", "", 9.5)
            with pdf.table(
                col_widths=table_widths(pdf, b.rows),
                text_align="LEFT",
                line_height=5,
                padding=1.5,
                headings_style=FontFace(emphasis="BOLD", fill_color=(225, 233, 242)),
                borders_layout="ALL",
            ) as table:
                for row in b.rows:
                    tr = table.row()
                    for cell_value in row:
                        tr.cell(cell_value)
            pdf.ln(3)
    pdf.output(str(src.output))


WRITERS = {
    ".pdf": write_pdf,
    ".docx": write_docx,
    ".odt": write_odt,
    ".html": write_html,
    ".md": write_md,
    ".txt": write_txt,
    ".eml": write_eml,
}


def main(argv: list[str]) -> int:
    sources = load_sources(argv or None)
    if not sources:
        print("Keine Quellen gefunden.", file=sys.stderr)
        return 1
    for src in sources:
        writer = WRITERS.get(src.output.suffix)
        if writer is None:
            raise SystemExit(f"{src.path.name}: unbekanntes Ausgabeformat {src.output.suffix}")
        writer(src)
        print(f"{src.path.name:42} -> {src.output.name} ({src.output.stat().st_size:,} Bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
