"""Make `unstructured` 0.27 work offline and without torch — in this one small place.

Why this module exists: four things `unstructured` does that an on-premises
installation without internet must not, and what we do instead.

1. **Telemetry.** `import unstructured` sends a "library loaded" ping to
   packages.unstructured.io (10 s timeout) and every `partition_*` call sends
   another, unless `DO_NOT_TRACK` or `SCARF_NO_ANALYTICS` is set. Offline that
   costs up to 10 s per process; online it reports usage. `ensure_offline()`
   sets both variables (and silences the advertising banner) *before* the first
   `import unstructured`, which is why nothing in this package imports it at
   module level.

2. **The spaCy model download.** Every text partitioner (md, html, docx, eml,
   txt) classifies text through `unstructured.nlp.tokenize`, whose `_get_nlp()`
   loads `en_core_web_sm` and, when it is missing, downloads the wheel from
   GitHub and installs it into site-packages — at run time. We replace exactly
   that function (the narrowest hook: all of `sent_tokenize`, `word_tokenize`
   and `pos_tag` go through it) with a blank German spaCy pipeline plus the
   rule-based `sentencizer`, both part of the spaCy package. Sentence counts and
   word tokens, which the heuristics need, come out right; POS tags stay empty.
   That is why `parse` passes `languages=["deu"]`: unstructured's English-only
   verb check is then skipped instead of failing on every German sentence.
   `_install_spacy_model` is replaced too, so no code path can ever download.

3. **`partition_pdf` imports `unstructured_inference`** (torch, transformers,
   opencv: gigabytes) even with strategy="fast". We never call it.
   `partition_pdf_text` does what the fast strategy does: pdfminer.six reads the
   text layer page by page, each paragraph becomes an element through
   unstructured's own `element_from_text`, and each element carries
   `page_number` — plus font size and weight (ad-hoc metadata `font_size`,
   `font_bold`), which `parse` uses to tell headings from body text.

4. **`partition_odt` needs pandoc** (via pypandoc, not installed) to convert ODT
   to DOCX first. `partition_odt_xml` reads the ODF XML with odfpy and builds the
   same element types unstructured would: `Title` with `category_depth` from
   `text:outline-level`, `NarrativeText`, `ListItem`, `Table` with `text_as_html`.

Markdown and plain text without bullet characters do not go through unstructured at
all (`markdown.py`, `plaintext.py`): its heuristics ran spaCy over every paragraph and
its import alone took seconds (issue 12). So `ensure_offline()` is called by each
reader that does use unstructured, right before its first import, not for every file.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from unstructured.documents.elements import Element

log = logging.getLogger(__name__)

_TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
}
_lock = threading.Lock()
_done = False


def ensure_offline() -> None:
    """Switch off telemetry and model downloads of `unstructured`. Idempotent, thread-safe."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        if "unstructured" in sys.modules:
            log.warning(
                "unstructured was imported before ensure_offline(); its load ping may have run"
            )
        for name, value in _TELEMETRY_OFF.items():
            if not os.environ.get(name, "").strip():
                os.environ[name] = value
        from unstructured.nlp import tokenize

        tokenize._get_nlp = blank_pipeline
        tokenize._install_spacy_model = _refuse_download
        _done = True


@functools.lru_cache(maxsize=1)
def blank_pipeline() -> Language:
    """German tokenizer + rule-based sentence splitter; no model files, nothing to download."""
    import spacy

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    return nlp


def _refuse_download() -> None:
    raise RuntimeError(
        "unstructured tried to download a spaCy model; Amtswissen must run offline "
        "(assistant.ingest.offline.ensure_offline replaces the loader)"
    )


# --- PDF: pdfminer text layer → unstructured elements ------------------------------------------

# A line that starts a new paragraph whatever the spacing: "(2)", "3.", "b)", bullets.
_STARTS_ITEM = re.compile(r"^(\(\d+[a-z]?\)|\d+\.(?!\d)|[a-z]{1,2}\)|[•▪◦‣·\-–])\s")
_HYPHEN_END = re.compile(r"[a-zäöüß]-$")
# "Reinigungs-, Räum- und ..." keeps its hyphen: the next word is a conjunction.
_KEEP_HYPHEN_BEFORE = {"und", "oder", "bzw", "sowie", "bis"}
_BOLD_FONT = re.compile(r"bold|black|heavy|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(seite\s*)?[-–]?\s*\d+\s*([-–]|(von|/)\s*\d+)?$", re.IGNORECASE)
_MARGIN = 0.1  # top/bottom share of the page where running heads and page numbers live
_COLUMN_GAP = 2.0  # a gap wider than this many font sizes separates table cells, not words


@dataclass
class _Row:
    """Text on one baseline. pdfminer splits justified lines and table rows into pieces."""

    cells: list[str]
    top: float  # from the top of the page, in points
    bottom: float
    size: float
    bold: bool

    @property
    def table(self) -> bool:
        return len(self.cells) > 1


@dataclass
class _Paragraph:
    rows: list[_Row]
    page_height: float

    @property
    def table(self) -> bool:
        return self.rows[0].table

    @property
    def text(self) -> str:
        if self.table:
            return "\n".join(" | ".join(row.cells) for row in self.rows)
        return _join_lines([" ".join(row.cells) for row in self.rows])

    @property
    def in_margin(self) -> bool:
        centre = (self.rows[0].top + self.rows[-1].bottom) / 2 / self.page_height
        return centre < _MARGIN or centre > 1 - _MARGIN


@dataclass
class PdfText:
    """The text layer of a PDF as unstructured elements."""

    elements: list[Element]
    pages: int
    empty_pages: list[int] = field(default_factory=list)


def partition_pdf_text(path: Path, *, password: str = "") -> PdfText:
    """Elements of every page's text layer, each with `metadata.page_number` (1-based)."""
    ensure_offline()
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    layouts = extract_pages(path, password=password, laparams=LAParams())
    pages = [_page_paragraphs(layout) for layout in layouts]
    chrome = _running_chrome(pages)
    result = PdfText(elements=[], pages=len(pages))
    for number, paragraphs in enumerate(pages, start=1):
        kept = [p for p in paragraphs if not (p.in_margin and _chrome_key(p.text) in chrome)]
        if not kept:
            result.empty_pages.append(number)
        result.elements.extend(_pdf_element(p, number) for p in kept)
    return result


def _page_paragraphs(layout: Any) -> list[_Paragraph]:
    rows = _page_rows(layout)
    leading = _usual_gap(rows)
    paragraphs: list[_Paragraph] = []
    for previous, row in zip([None, *rows], rows, strict=False):
        if previous is None or _starts_paragraph(previous, row, leading):
            paragraphs.append(_Paragraph([row], layout.height))
        else:
            paragraphs[-1].rows.append(row)
    return paragraphs


def _page_rows(layout: Any) -> list[_Row]:
    """The page's text lines top to bottom, pieces on one baseline joined into one row."""
    from pdfminer.layout import LTTextContainer, LTTextLine

    lines = [
        line
        for box in layout
        if isinstance(box, LTTextContainer)
        for line in box
        if isinstance(line, LTTextLine) and line.get_text().strip()
    ]
    groups: list[list[Any]] = []
    for line in sorted(lines, key=lambda ln: (-ln.y1, ln.x0)):
        same = [g for g in groups[-3:] if abs(g[0].y0 - line.y0) < 0.4 * g[0].height]
        if same:
            same[0].append(line)
        else:
            groups.append([line])
    return [_row(sorted(g, key=lambda ln: ln.x0), layout.height) for g in groups]


def _row(lines: list[Any], page_height: float) -> _Row:
    fonts = [_line_font(line) for line in lines]
    cells = [_clean(lines[0].get_text())]
    for previous, line, (size, _) in zip(lines, lines[1:], fonts[1:], strict=False):
        if line.x0 - previous.x1 > _COLUMN_GAP * (size or 10):
            cells.append(_clean(line.get_text()))
        else:
            cells[-1] = f"{cells[-1]} {_clean(line.get_text())}"
    size, bold = max(zip(fonts, lines, strict=True), key=lambda f: len(f[1].get_text()))[0]
    top = page_height - max(line.y1 for line in lines)
    return _Row(cells, top, page_height - min(line.y0 for line in lines), size, bold)


def _starts_paragraph(previous: _Row, row: _Row, leading: float) -> bool:
    if previous.table or row.table:
        return not (previous.table and row.table)  # table rows stay together
    gap = row.top - previous.bottom
    return (
        (row.size, row.bold) != (previous.size, previous.bold)
        or bool(_STARTS_ITEM.match(row.cells[0]))
        or gap > leading + 0.3 * (row.bottom - row.top)
        or gap < -1  # went back up: another column or a floating box
    )


def _usual_gap(rows: list[_Row]) -> float:
    """The most common space between consecutive lines: the line spacing of body text."""
    gaps = Counter(round(b.top - a.bottom) for a, b in pairwise(rows))
    positive = [(count, gap) for gap, count in gaps.items() if gap >= 0]
    return float(max(positive)[1]) if positive else 0.0


def _line_font(line: Any) -> tuple[float, bool]:
    """The dominant font size (rounded to 0.5 pt) and weight of one text line."""
    from pdfminer.layout import LTChar

    chars = [c for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
    if not chars:
        return 0.0, False
    size = Counter(round(c.size * 2) / 2 for c in chars).most_common(1)[0][0]
    bold = sum(bool(_BOLD_FONT.search(c.fontname)) for c in chars) * 2 > len(chars)
    return size, bold


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined; a word hyphenated at a line end is rejoined."""
    text = lines[0]
    for line in lines[1:]:
        next_word = line.split(" ", 1)[0].rstrip(",.;:")
        if (
            _HYPHEN_END.search(text)
            and next_word[:1].islower()
            and (next_word not in _KEEP_HYPHEN_BEFORE)
        ):
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return text


def _chrome_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.casefold()).strip()


def _running_chrome(pages: list[list[_Paragraph]]) -> set[str]:
    """Margin texts that repeat on several pages (running heads, "Seite # von #")."""
    seen = Counter(
        key for page in pages for key in {_chrome_key(p.text) for p in page if p.in_margin}
    )
    # Why: a lone page number is chrome even on a one-page document; other margin text is
    # only dropped when it repeats, so a heading set close to the page edge survives.
    return {k for k, n in seen.items() if n >= 2 or _PAGE_NUMBER.match(k.replace("#", "1"))}


def _pdf_element(paragraph: _Paragraph, page: int) -> Element:
    from unstructured.documents.elements import ElementMetadata
    from unstructured.partition.text import element_from_text

    if paragraph.table:  # cells side by side: never a heading, never a sentence
        element = _table([row.cells for row in paragraph.rows])
    else:
        element = element_from_text(paragraph.text)
    element.metadata = ElementMetadata(
        page_number=page, languages=["deu"], text_as_html=element.metadata.text_as_html
    )
    element.metadata.detection_origin = "pdfminer"
    element.metadata.font_size = paragraph.rows[0].size
    element.metadata.font_bold = paragraph.rows[0].bold
    return element


def _table(rows: list[list[str]]) -> Element:
    """A `Table` element as unstructured builds it: plain text plus `text_as_html`."""
    from unstructured.documents.elements import ElementMetadata, Table

    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    text = " ".join(cell for row in rows for cell in row if cell)
    return Table(text, metadata=ElementMetadata(text_as_html=f"<table>{body}</table>"))


# --- ODT: odfpy → unstructured elements ----------------------------------------------------

_NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_DC = "http://purl.org/dc/elements/1.1/"
_SKIP = {(_NS_TEXT, "table-of-content"), (_NS_TEXT, "tracked-changes"), (_NS_TEXT, "note")}


def partition_odt_xml(path: Path) -> tuple[str, list[Element]]:
    """The metadata title and the elements of an ODT text document, read with odfpy."""
    ensure_offline()
    from odf.opendocument import load

    doc = load(str(path))
    return _odt_title(doc), list(_odt_elements(doc.text))


def _odt_title(doc: Any) -> str:
    for node in doc.meta.childNodes:
        if getattr(node, "qname", None) == (_NS_DC, "title"):
            return _odt_text(node)
    return ""


def _odt_text(node: Any) -> str:
    from odf import teletype

    return re.sub(r"\s+", " ", teletype.extractText(node)).strip()


def _odt_elements(node: Any) -> Iterator[Element]:
    from unstructured.documents.elements import ElementMetadata, NarrativeText, Title

    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (_NS_TEXT, "h"):
            level = int(child.getAttribute("outlinelevel") or 1)
            if text := _odt_text(child):
                yield Title(text, metadata=ElementMetadata(category_depth=level - 1))
        elif qname == (_NS_TEXT, "p"):
            if text := _odt_text(child):
                yield NarrativeText(text)
        elif qname == (_NS_TEXT, "list"):
            yield from _odt_list(child)
        elif qname == (_NS_TABLE, "table"):
            if table := _odt_table(child):
                yield table
        elif qname not in _SKIP and getattr(child, "childNodes", None):
            yield from _odt_elements(child)  # sections, frames, text boxes


def _odt_list(node: Any, depth: int = 0) -> Iterator[Element]:
    from unstructured.documents.elements import ElementMetadata, ListItem

    for item in node.childNodes:
        for child in getattr(item, "childNodes", []):
            qname = getattr(child, "qname", None)
            if qname == (_NS_TEXT, "list"):
                yield from _odt_list(child, depth + 1)
            elif qname in {(_NS_TEXT, "p"), (_NS_TEXT, "h")} and (text := _odt_text(child)):
                yield ListItem(text, metadata=ElementMetadata(category_depth=depth))


def _odt_table(node: Any) -> Element | None:
    rows = [
        [_odt_text(cell) for cell in _descendants(row, (_NS_TABLE, "table-cell"))]
        for row in _descendants(node, (_NS_TABLE, "table-row"))
    ]
    rows = [row for row in rows if any(row)]
    return _table(rows) if rows else None


def _descendants(node: Any, qname: tuple[str, str]) -> Iterator[Any]:
    """Matching descendants in document order, not descending into matches or nested tables."""
    for child in getattr(node, "childNodes", []):
        if getattr(child, "qname", None) == qname:
            yield child
        elif getattr(child, "qname", None) != (_NS_TABLE, "table"):
            yield from _descendants(child, qname)
