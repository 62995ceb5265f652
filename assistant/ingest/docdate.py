"""A document's own date ("Stand"): what the document states, never the day it was read in.

Sources showed the ingestion date as "Stand", which is wrong for every document
read in after it was written (issue 13, item 14). The date comes from, in order:

1. the text: "Stand: 01.03.2025", "Stand 7. April 2025", "Stand vom 1.3.2025" –
   what readers of the document see, so it wins over metadata;
2. the file's metadata: Markdown front matter (`stand`, `datum`, `date`), PDF
   `/ModDate` or `/CreationDate`, DOCX `dcterms:modified`/`created`, ODT
   `dc:date`/`meta:creation-date`, an e-mail's `Date` header.

Dates in the future or before 1950 are ignored (a wrong clock or a template's
placeholder, not the document's date). None when nothing states a date: the
chat then says "aufgenommen am …" (web/docdates.py).
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("januar", "jan"),
            ("februar", "feb"),
            ("märz", "maerz", "mär", "mrz"),
            ("april", "apr"),
            ("mai",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("dezember", "dez"),
        ),
        1,
    )
    for name in names
}
_DAY = r"(?P<d>\d{1,2})\.\s*(?:(?P<m>\d{1,2})\.|(?P<month>[A-Za-zÄÖÜäöü]+)\.?)\s*(?P<y>\d{4})"
# "Stand" as a word of its own ("Bestand", "Standort" do not match), then the date.
_STAND = re.compile(rf"(?<![\w-])Stand(?:\s+vom)?\s*:?\s*{_DAY}")
_SCAN_CHARS = 200_000
PYTHON_DOCX_TEMPLATE = "2013-12-23T23:15:00"  # the date python-docx's empty template carries  # a "Stand" line sits near the top or the bottom, not deep inside


def document_date(path: Path, text: str, today: date | None = None) -> date | None:
    """The date the document states for itself, or None."""
    today = today or datetime.now(UTC).date()
    for found in (_from_text(text), _from_metadata(path)):
        if found and date(1950, 1, 1) <= found <= today:
            return found
    return None


def _from_text(text: str) -> date | None:
    for match in _STAND.finditer(text[:_SCAN_CHARS]):
        if day := _date_of(match):
            return day
    return None


def _date_of(match: re.Match) -> date | None:
    month = int(match["m"]) if match["m"] else MONTHS.get((match["month"] or "").casefold())
    try:
        return date(int(match["y"]), month, int(match["d"])) if month else None
    except ValueError:  # "31.02.2025": not a date
        return None


def _from_metadata(path: Path) -> date | None:
    reader = {
        ".pdf": _pdf,
        ".docx": _docx,
        ".odt": _odt,
        ".md": _front_matter,
        ".markdown": _front_matter,
        ".eml": _eml,
    }.get(path.suffix.lower())
    if reader is None:
        return None
    try:
        return reader(path)
    except Exception:  # noqa: BLE001 - metadata is a bonus: a broken field means no date
        return None


def _pdf(path: Path) -> date | None:
    from pypdf import PdfReader

    meta = PdfReader(str(path)).metadata or {}
    for key in ("/ModDate", "/CreationDate"):
        if found := re.match(r"D:(\d{4})(\d{2})(\d{2})", str(meta.get(key) or "")):
            return date(int(found[1]), int(found[2]), int(found[3]))
    return None


def _docx(path: Path) -> date | None:
    return _xml_date(path, "docProps/core.xml", ("modified", "created"))


def _odt(path: Path) -> date | None:
    return _xml_date(path, "meta.xml", ("date", "creation-date"))


def _xml_date(path: Path, member: str, names: tuple[str, ...]) -> date | None:
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read(member))
    for name in names:
        for value in root.xpath(f"//*[local-name()='{name}']/text()"):
            if value.strip().startswith(PYTHON_DOCX_TEMPLATE):
                continue  # python-docx's blank template, not the document's date
            if found := re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip()):
                return date(int(found[1]), int(found[2]), int(found[3]))
    return None


def _front_matter(path: Path) -> date | None:
    import yaml

    text = path.read_text(encoding="utf-8", errors="replace")
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    data = yaml.safe_load(match.group(1)) if match else None
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        if str(key).casefold() in ("stand", "datum", "date"):
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if found := re.search(_DAY, str(value)):
                return _date_of(found)
    return None


def _eml(path: Path) -> date | None:
    from email import message_from_bytes
    from email.utils import parsedate_to_datetime

    header = message_from_bytes(path.read_bytes()).get("Date")
    return parsedate_to_datetime(str(header)).date() if header else None
