"""Parse one file into a title and typed blocks — or refuse it with a clear German message.

Checks run cheapest first, and nothing is parsed that was not checked: extension →
size (from the directory entry, before reading) → empty → real content type
(libmagic) → container checks (zip bomb, PDF password and page count) →
reading: Markdown with our own reader (`markdown`), the other formats with
`unstructured` (through `offline`, imported only when such a file comes) → "is there any text".
Every refusal is an `IngestError` with a stable `code` (see `parse_file`).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.ingest import headings, offline

log = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".pdf", ".docx", ".odt", ".html", ".htm", ".md", ".markdown", ".txt", ".eml"}
)
LANGUAGES = ["deu"]  # also switches off unstructured's English-only verb heuristic


@dataclass
class Block:
    text: str
    kind: str  # "heading" | "text" | "list" | "table"
    page: int | None  # 1-based page for PDFs, None otherwise
    level: int | None  # heading depth (1 = top) when kind == "heading"


@dataclass
class ParsedDocument:
    title: str
    blocks: list[Block]
    pages: int | None
    warnings: list[str] = field(default_factory=list)  # German


def parse_file(path: Path, *, max_bytes: int, max_pages: int) -> ParsedDocument:
    """Read `path` into a `ParsedDocument`.

    Raises `IngestError` with code `unsupported`, `unreadable`, `too_large`, `empty`,
    `mismatch`, `zip_bomb`, `encrypted`, `too_many_pages`, `corrupt`, `no_text` or `encoding`.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        raise _error("unsupported", path, ext=ext or "ohne Endung")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _error("unreadable", path) from exc
    if size > max_bytes:
        raise _error("too_large", path, mb=_mb(size), max_mb=_mb(max_bytes))
    if size == 0:
        raise _error("empty", path)
    _check_content_type(path, ext)
    try:
        doc = _READERS[ext](path, max_pages)
    except IngestError:
        raise
    except Exception as exc:  # any parser failure on a type-checked file means damage
        log.warning("parser failed on a %s file: %s", ext, type(exc).__name__)
        raise _error("corrupt", path) from exc
    if not any(block.text.strip() for block in doc.blocks):
        raise _error("no_text" if ext == ".pdf" else "empty", path)
    return doc


# --- errors --------------------------------------------------------------------------------

# code: (message, hint) — German, shown to people as they are.
_MESSAGES = {
    "unsupported": (
        "Das Dateiformat „{ext}“ von „{name}“ wird nicht unterstützt.",
        "Bitte als PDF, DOCX, ODT, HTML, Markdown, TXT oder E-Mail (EML) speichern.",
    ),
    "unreadable": (
        "Die Datei „{name}“ kann nicht geöffnet werden.",
        "Bitte prüfen, ob die Datei existiert und lesbar ist.",
    ),
    "too_large": (
        "Die Datei „{name}“ ist mit {mb} MB zu groß (erlaubt: höchstens {max_mb} MB).",
        "Bitte die Datei aufteilen oder verkleinern (z. B. Bilder komprimieren).",
    ),
    "empty": (
        "Die Datei „{name}“ ist leer oder enthält keinen lesbaren Text.",
        "Bitte prüfen, ob die richtige Datei gewählt wurde.",
    ),
    "mismatch": (
        "Der Inhalt von „{name}“ passt nicht zur Endung {ext}: die Datei ist {actual}.",
        "Bitte im Originalprogramm im richtigen Format speichern{fix} und erneut hochladen.",
    ),
    "zip_bomb": (
        "Die Datei „{name}“ würde entpackt unverhältnismäßig groß; sie wird abgelehnt.",
        "Bitte im Originalprogramm öffnen und neu speichern; bei Zweifeln die IT fragen.",
    ),
    "encrypted": (
        "Die PDF-Datei „{name}“ ist passwortgeschützt und kann nicht gelesen werden.",
        "Bitte ohne Kennwortschutz speichern (im PDF-Programm) und erneut hochladen.",
    ),
    "too_many_pages": (
        "Die PDF-Datei „{name}“ hat {pages} Seiten; erlaubt sind höchstens {max_pages}.",
        "Bitte das Dokument aufteilen und die Teile einzeln hochladen.",
    ),
    "corrupt": (
        "Die Datei „{name}“ ist beschädigt oder kann nicht gelesen werden.",
        "Bitte im Originalprogramm öffnen, neu speichern oder exportieren und erneut hochladen.",
    ),
    "no_text": (
        (
            "Die PDF-Datei „{name}“ ist ein Scan ohne Text, also kein Textlayer – "
            "bitte eine OCR-Version hochladen."
        ),
        "Eine Texterkennung (OCR) bieten z. B. das Scan-Programm oder das PDF-Programm an.",
    ),
    "encoding": (
        "Die Textdatei „{name}“ ist nicht UTF-8-kodiert; die Kodierung wird nicht geraten.",
        "Bitte als UTF-8 speichern (im Editor „Speichern unter“ → Codierung „UTF-8“).",
    ),
}


def _error(code: str, path: Path, **values: Any) -> IngestError:
    message, hint = _MESSAGES[code]
    values = {"name": path.name, **values}
    return IngestError(message.format(**values), code=code, hint=hint.format(**values))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


# --- content type and containers ----------------------------------------------------------

_DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ODT_MIME = "application/vnd.oasis.opendocument.text"
_FAMILIES = {
    "application/pdf": "pdf",
    _DOCX_MIME: "docx",
    _ODT_MIME: "odt",
    "application/zip": "zip",
    "application/msword": "doc",
}
_TEXTUAL = {"application/octet-stream", "application/json", "application/xml", "inode/x-empty"}
_DESCRIPTIONS = {
    "pdf": ("ein PDF-Dokument", ".pdf"),
    "docx": ("ein Word-Dokument (DOCX)", ".docx"),
    "odt": ("ein OpenDocument-Text (ODT)", ".odt"),
    "zip": ("ein ZIP-Archiv", ""),
    "doc": ("ein altes Word-Dokument (DOC)", ".docx"),
    "image": ("ein Bild", ".pdf"),
    "text": ("eine Textdatei", ".txt"),
}
_EXPECTED = {".pdf": {"pdf"}, ".docx": {"docx", "zip"}, ".odt": {"odt", "zip"}}
# Office files are small XML in a zip; these bounds are far beyond any real document.
_ZIP_MAX_TOTAL = 512 * 1024 * 1024
_ZIP_MAX_ENTRIES = 10_000
_ZIP_MAX_RATIO = 100
_ZIP_RATIO_FLOOR = 10 * 1024 * 1024  # ratios only matter once an entry is this large


def _check_content_type(path: Path, ext: str) -> None:
    import magic

    mime = magic.from_file(str(path), mime=True)
    family = _family(mime)
    expected = _EXPECTED.get(ext, {"text"})
    if family == "text" and ext in _EXPECTED and mime == "application/octet-stream":
        raise _error("corrupt", path)  # unknown bytes with an office/PDF name: damaged
    if family not in expected:
        raise _mismatch(path, ext, family, mime)
    if family in {"docx", "odt", "zip"}:
        _check_zip(path, ext)


def _family(mime: str) -> str:
    if mime in _FAMILIES:
        return _FAMILIES[mime]
    if mime.startswith(("text/", "message/")) or mime in _TEXTUAL:
        return "text"
    if mime.startswith("image/"):
        return "image"
    return "other"


def _mismatch(path: Path, ext: str, family: str, mime: str) -> IngestError:
    actual, right = _DESCRIPTIONS.get(family, (f"vom Typ {mime}", ""))
    fix = f" (Endung {right})" if right else ""
    return _error("mismatch", path, ext=ext, actual=actual, fix=fix)


def _check_zip(path: Path, ext: str) -> None:
    """Refuse zip bombs from the directory alone, then check the package really is `ext`."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            if (
                len(infos) > _ZIP_MAX_ENTRIES
                or total > _ZIP_MAX_TOTAL
                or any(
                    info.file_size > _ZIP_RATIO_FLOOR
                    and info.file_size > _ZIP_MAX_RATIO * max(info.compress_size, 1)
                    for info in infos
                )
            ):
                raise _error("zip_bomb", path)
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except zipfile.BadZipFile as exc:
        raise _error("corrupt", path) from exc
    is_docx = "word/document.xml" in names
    is_odt = mimetype.strip() == _ODT_MIME.encode() and "content.xml" in names
    if ext == ".docx" and not is_docx:
        raise _mismatch(path, ext, "odt" if is_odt else "zip", "application/zip")
    if ext == ".odt" and not is_odt:
        raise _mismatch(path, ext, "docx" if is_docx else "zip", "application/zip")


def _decode(path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is refused, not guessed."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _error("encoding", path) from exc
    if "\x00" in text:  # UTF-16 without BOM decodes as "valid" UTF-8 full of NULs
        raise _error("encoding", path)
    return text


# --- readers -------------------------------------------------------------------------------


def _read_pdf(path: Path, max_pages: int) -> ParsedDocument:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise _error("encrypted", path)
    pages = len(reader.pages)
    if pages > max_pages:
        raise _error("too_many_pages", path, pages=pages, max_pages=max_pages)
    title = _pdf_title(reader)
    pdf = offline.partition_pdf_text(path)
    if not pdf.elements:
        raise _error("no_text", path)
    warnings = [_empty_pages_warning(pdf.empty_pages)] if pdf.empty_pages else []
    elements = headings.german_headings(pdf.elements, fonts=True)
    return ParsedDocument(title or path.stem, _blocks(elements, paged=True), pages, warnings)


def _pdf_title(reader: Any) -> str:
    raw = str((reader.metadata or {}).get("/Title") or "").strip()
    junk = raw.casefold().startswith(("microsoft word -", "untitled", "unbenannt"))
    if junk or re.search(r"\.(docx?|odt|pdf|rtf|txt)$", raw, re.IGNORECASE):
        return ""
    return raw


def _empty_pages_warning(pages: list[int]) -> str:
    listed = ", ".join(str(p) for p in pages[:10]) + (" …" if len(pages) > 10 else "")
    word = "Seite" if len(pages) == 1 else "Seiten"
    return (
        f"{word} {listed} ohne Text (vermutlich gescannt) – dieser Inhalt ist nicht "
        "durchsuchbar. Für vollständige Antworten bitte eine OCR-Version hochladen."
    )


def _read_docx(path: Path, _max_pages: int) -> ParsedDocument:
    offline.ensure_offline()  # before the first import of unstructured
    from lxml import etree
    from unstructured.partition.docx import partition_docx

    with zipfile.ZipFile(path) as archive:
        core = (
            archive.read("docProps/core.xml") if "docProps/core.xml" in archive.namelist() else b""
        )
    titles = etree.fromstring(core).xpath("//*[local-name()='title']/text()") if core else []
    elements = partition_docx(filename=str(path), languages=LANGUAGES, infer_table_structure=True)
    return ParsedDocument(_first(titles) or path.stem, _blocks(elements), None)


def _read_odt(path: Path, _max_pages: int) -> ParsedDocument:
    title, elements = offline.partition_odt_xml(path)
    return ParsedDocument(title or path.stem, _blocks(elements), None)


def _read_html(path: Path, _max_pages: int) -> ParsedDocument:
    offline.ensure_offline()
    from bs4 import BeautifulSoup
    from unstructured.partition.html import partition_html

    soup = BeautifulSoup(_decode(path), "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "nav", "noscript", "template", "svg", "iframe"]):
        tag.decompose()
    for tag in soup(["header", "footer", "aside"]):
        if tag.parent is not None and not tag.find_parent(["main", "article"]):
            tag.decompose()  # page chrome; inside an article they may carry its heading
    elements = partition_html(text=str(soup), languages=LANGUAGES)
    return ParsedDocument(title or path.stem, _blocks(elements), None)


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_DEFINITION = re.compile(r"^([^\s:#>|-][^\n]*)\n:[ \t]+", re.MULTILINE)
_ORDERED_ITEM = re.compile(r"^([ \t]*)(\d+)\.([ \t]+\S)")


def _read_markdown(path: Path, _max_pages: int) -> ParsedDocument:
    # Our own reader, not unstructured's partition_md: see markdown.py for why.
    from assistant.ingest.markdown import markdown_blocks

    meta, body = _front_matter(_decode(path))
    heading = re.search(r"^# +(.+?)[ #]*$", body, re.MULTILINE)
    title = meta or (heading.group(1).strip() if heading else "") or path.stem
    if not body.strip():
        raise _error("empty", path)
    return ParsedDocument(title, markdown_blocks(_prepare_markdown(body)), None)


def _front_matter(text: str) -> tuple[str, str]:
    """(title from YAML front matter, the rest); front matter is metadata, not text."""
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        return "", text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        data = None
    data = data if isinstance(data, dict) else {}
    titles = [str(v) for k, v in data.items() if str(k).casefold() in {"title", "titel"} and v]
    return _first(titles), text[match.end() :]


def _prepare_markdown(body: str) -> str:
    """Keep what Markdown would drop: definition terms and the numbers of numbered items."""
    body = _DEFINITION.sub(r"\1: ", body)  # "Ausfertigungsdatum\n:   2013" → "…: 2013"
    lines, previous_item = body.split("\n"), True
    for i, line in enumerate(lines):
        starts_item = (previous_item or not lines[i - 1].strip()) and _ORDERED_ITEM.match(line)
        if starts_item:  # "3. Doktorgrad" must keep its "3." – laws cite "Nr. 3"
            lines[i] = _ORDERED_ITEM.sub(r"\1- \2\\.\3", line, count=1)
        previous_item = bool(starts_item) or (previous_item and not line.strip())
    return "\n".join(lines)


def _read_text(path: Path, _max_pages: int) -> ParsedDocument:
    from assistant.ingest.plaintext import text_blocks

    text = headings.separate_legal_headings(_decode(path))
    if not text.strip():
        raise _error("empty", path)
    blocks = text_blocks(text)  # our own reader; None for bullet lists (see plaintext.py)
    if blocks is None:
        offline.ensure_offline()
        from unstructured.partition.text import partition_text

        elements = partition_text(text=text, languages=LANGUAGES)
        blocks = _blocks(headings.german_headings(elements, fonts=False))
    # Plain text has no metadata; a heading as its very first line is the title people see.
    title = blocks[0].text if blocks and blocks[0].kind == "heading" else path.stem
    return ParsedDocument(title, blocks, None)


def _read_eml(path: Path, _max_pages: int) -> ParsedDocument:
    offline.ensure_offline()
    from unstructured.partition.email import partition_email

    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if not any(message[h] for h in ("From", "To", "Subject", "Date", "Message-ID")):
        raise _mismatch(path, ".eml", "text", "text/plain")
    warnings = [
        f"Anhang „{part.get_filename() or 'ohne Namen'}“ wurde nicht übernommen – "
        "Anhänge bitte einzeln hochladen."
        for part in message.iter_attachments()
    ]
    elements = partition_email(
        filename=str(path),
        content_source="text/plain",
        process_attachments=False,
        languages=LANGUAGES,
    )
    title = str(message["Subject"] or "").strip() or path.stem
    # A greeting line is no heading: in mail only legal patterns (§ …) make one.
    elements = headings.german_headings(elements, fonts=False, guess=False)
    return ParsedDocument(title, _blocks(elements), None, warnings)


_READERS: dict[str, Callable[[Path, int], ParsedDocument]] = {
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".odt": _read_odt,
    ".html": _read_html,
    ".htm": _read_html,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_text,
    ".eml": _read_eml,
}


def _first(values: list[str]) -> str:
    return next((v.strip() for v in values if v and v.strip()), "")


# --- elements → blocks ---------------------------------------------------------------------

_DROP = {"Header", "Footer", "PageBreak", "PageNumber", "Image", "Figure"}
_LIST_MARKER = re.compile(r"^(\d+\.|[a-z]{1,2}\)|[•▪◦‣·\-–])\s")


def _blocks(elements: list[Any], *, paged: bool = False) -> list[Block]:
    """Blocks from elements; only PDF elements carry a meaningful page number."""
    blocks = (_block(e, e.metadata.page_number if paged else None) for e in elements)
    return [b for b in blocks if b]


def _block(element: Any, page: int | None) -> Block | None:
    category = element.category
    text = re.sub(r"\s+", " ", element.text or "").strip()
    if category in _DROP or not text:
        return None
    if category == "Table":
        return Block(_table_rows(element) or text, "table", page, None)
    if category == "Title":
        return Block(text, "heading", page, (element.metadata.category_depth or 0) + 1)
    kind = "list" if category == "ListItem" or _LIST_MARKER.match(text) else "text"
    return Block(text, kind, page, None)


def _table_rows(element: Any) -> str:
    """One line per row, cells separated by " | "."""
    from lxml import html as lxml_html

    markup = getattr(element.metadata, "text_as_html", None)
    if not markup:
        return ""
    rows = []
    for row in lxml_html.fromstring(markup).iter("tr"):
        cells = [
            re.sub(r"\s+", " ", c.text_content()).strip() for c in row if c.tag in ("td", "th")
        ]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)
