"""A robust reader for municipal statistics files (CSV, XLSX when openpyxl is installed).

Portals publish what their office software exports: UTF-8 with or without BOM or Windows-1252,
`;` or `,` or tab, decimal commas and thousands dots, title lines above the table, footnotes and
stray sum rows below it, area codes with leading zeros. Nothing here knows a file's column names;
every decision is made from the bytes and recorded in `ParsedTable.quirks` (German, shown to people).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.connectors.opendata.errors import OpendataError

CODE, INT, FLOAT, TEXT = "code", "int", "float", "text"
_DELIMITERS = (";", "\t", ",", "|")
_DELIMITER_NAMES = {";": "Semikolon", "\t": "Tabulator", ",": "Komma", "|": "senkrechter Strich"}
# Statistics offices' markers for "nothing", "unknown", "secret": empty, not text.
_MISSING = {"", "-", "–", "—", ".", "x", "X", "/", "…", "...", "k.A.", "k. A.", "n.v."}
_INT = re.compile(r"^[+-]?\d+$")
_DE_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_EN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_DE_EVIDENCE = re.compile(r"^[+-]?(\d+,\d+|\d{1,3}(\.\d{3}){2,}(,\d+)?|\d{1,3}(\.\d{3})+,\d+)$")
_EN_EVIDENCE = re.compile(r"^[+-]?(\d+\.(\d{1,2}|\d{4,})|\d{1,3}(,\d{3})+\.\d+)$")
_FOOTNOTE = re.compile(
    r"^(\*|\d\)|quelle|anmerkung|hinweis|stand|fußnote|erläuterung)", re.IGNORECASE
)
_HTML = re.compile(rb"<\s*(!doctype\s+html|html|head|body|title)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # CODE (string of digits, leading zeros kept) | INT | FLOAT | TEXT
    unit: str | None = None


@dataclass
class ParsedTable:
    columns: list[Column]
    rows: list[tuple]
    encoding: str = "utf-8"
    delimiter: str = ";"
    number_style: str = "de"
    title_lines: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)

    def column_index(self, name: str) -> int:
        for i, col in enumerate(self.columns):
            if col.name == name:
                return i
        for i, col in enumerate(self.columns):
            if col.name.casefold() == name.strip().casefold():
                return i
        raise OpendataError(
            f"Die Tabelle hat keine Spalte „{name}“.",
            code="opendata_column",
            hint="Spalten: " + ", ".join(c.name for c in self.columns[:40]),
        )


def parse_bytes(data: bytes, *, filename: str = "", number_style: str | None = None) -> ParsedTable:
    """Parse one downloaded resource; refuses HTML, empty files and unsupported formats in German."""
    if not data.strip():
        raise OpendataError("Die Datei ist leer.", code="opendata_empty")
    _refuse_html(data)
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith((".xlsx", ".xlsm")):
        return _parse_rows(
            _xlsx_rows(data),
            quirks=["Excel-Datei (XLSX), erstes Tabellenblatt"],
            number_style=number_style,
            encoding="xlsx",
            delimiter="",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0") or filename.lower().endswith(".xls"):
        raise OpendataError(
            "Alte Excel-Dateien (XLS) werden nicht unterstützt.",
            code="opendata_unsupported",
            hint="Bitte die Datei als CSV oder XLSX bereitstellen.",
        )
    text, encoding, quirks = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if b"\r" in data.replace(b"\r\n", b""):
        quirks.append(
            "gemischte Zeilenenden (CR und CRLF)" if b"\r\n" in data else "Zeilenenden nur CR"
        )
    delimiter = detect_delimiter(text)
    raw = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if any(c != c.strip() for row in raw[:30] for c in row if c.strip()):
        quirks.append("Zellen oder Spaltennamen mit Leerzeichen am Rand")
    rows = [[cell.strip() for cell in row] for row in raw]
    return _parse_rows(
        rows, quirks=quirks, number_style=number_style, encoding=encoding, delimiter=delimiter
    )


def _refuse_html(data: bytes) -> None:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and _HTML.search(head):
        raise OpendataError(
            "Die Datei ist keine Tabelle, sondern eine HTML-Seite (vermutlich eine Fehler- oder "
            "Anmeldeseite des Portals).",
            code="opendata_html",
            hint="Der Link des Datensatzes führt nicht (mehr) zur Datei.",
        )


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (Latin-1 for its gaps)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", ["UTF-8 mit BOM"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", ["UTF-16"]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", ["Zeichensatz Windows-1252/Latin-1 statt UTF-8"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1", ["Zeichensatz Latin-1 statt UTF-8"]


def detect_delimiter(text: str) -> str:
    """The delimiter that gives the most lines the same (>1) number of fields.

    A `,` inside decimal numbers ("3060,00") also splits consistently, but never the header line,
    so `;` still wins there; near ties go to `;` (the German default) before tab and comma.
    """
    lines = [line for line in text.split("\n")[:200] if line.strip()]
    best, best_score = ";", 0.0
    for rank, delim in enumerate(_DELIMITERS):
        counts = Counter(len(r) for r in csv.reader(lines, delimiter=delim))
        width, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width < 2:
            continue
        score = n * (1 - 0.05 * rank)
        if score > best_score:
            best, best_score = delim, score
    return best


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        import openpyxl  # optional: only when a portal serves XLSX
    except ImportError as exc:
        raise OpendataError(
            "Excel-Dateien (XLSX) werden in dieser Installation nicht unterstützt.",
            code="opendata_unsupported",
            hint="Bitte die CSV-Fassung des Datensatzes verwenden.",
        ) from exc
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    return [
        ["" if v is None else str(v).strip() for v in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def _width(row: list[str]) -> int:
    for i in range(len(row) - 1, -1, -1):
        if row[i]:
            return i + 1
    return 0


def _filled(row: list[str]) -> int:
    return sum(1 for c in row if c)


def _parse_rows(rows, *, quirks, number_style, encoding, delimiter) -> ParsedTable:
    rows = [r for r in rows if _width(r)]
    if not rows:
        raise OpendataError("Die Datei enthält keine Tabelle.", code="opendata_empty")
    widths = Counter(_width(r) for r in rows if _width(r) > 1)
    if not widths:
        raise OpendataError(
            "Die Datei enthält keine Tabelle (nur eine Spalte).", code="opendata_empty"
        )
    table_width = max(widths.items(), key=lambda kv: (kv[1], kv[0]))[0]
    start = next(i for i, r in enumerate(rows) if _filled(r) >= max(2, table_width // 2))
    title_lines = [" ".join(c for c in r if c) for r in rows[:start]]
    if title_lines:
        quirks.append(f"{len(title_lines)} Titelzeile(n) über der Tabelle")
    header, body = rows[start], rows[start + 1 :]
    header, body = _merge_second_header(header, body, quirks)
    body, footnotes = _split_footer(body, table_width, quirks)
    columns, body = _build_columns(header, body, quirks)
    style = number_style or _number_style(body, delimiter)
    typed = [_type_column([r[i] for r in body], style) for i in range(len(columns))]
    cols = [
        Column(name, kind, _unit_of(name)) for name, (kind, _) in zip(columns, typed, strict=True)
    ]
    values = [t[1] for t in typed]
    out_rows = [tuple(v[i] for v in values) for i in range(len(body))]
    if style == "de":
        quirks.extend(_german_number_quirks(body, typed))
    _note_codes(cols, quirks)
    return ParsedTable(cols, out_rows, encoding, delimiter, style, title_lines, footnotes, quirks)


def _german_number_quirks(body, typed) -> list[str]:
    numeric = [i for i, (kind, _) in enumerate(typed) if kind in (INT, FLOAT)]
    cells = [r[i] for r in body for i in numeric]
    found = []
    if any(re.match(r"^[+-]?[\d.]+,\d+$", c) for c in cells):
        found.append("Dezimalkomma")
    if any(re.match(r"^[+-]?\d{1,3}\.\d{3}", c) for c in cells):
        found.append("Tausenderpunkte")
    if any(c.startswith("-") for c in cells):
        found.append("negative Werte")
    return found


def _merge_second_header(header, body, quirks):
    """Two header rows ("Einwohner" over "insgesamt | weiblich"): no numbers in the second one."""
    if len(body) < 2:
        return header, body
    second = body[0]
    numbers = any(_DE_NUMBER.match(c) or _EN_NUMBER.match(c) for c in second if c)
    later_numbers = any(
        _DE_NUMBER.match(c) or _EN_NUMBER.match(c) for r in body[1:5] for c in r if c
    )
    if numbers or not later_numbers or _filled(second) < 2:
        return header, body
    merged, top = [], ""
    for i in range(max(len(header), len(second))):
        top = (header[i] if i < len(header) else "") or top
        sub = second[i] if i < len(second) else ""
        merged.append(f"{top} {sub}".strip() if sub and sub != top else top)
    quirks.append("zweizeiliger Tabellenkopf zusammengeführt")
    return merged, body[1:]


def _split_footer(body, table_width, quirks):
    """Footnotes and label-less sum rows at the end are not data."""
    footnotes: list[str] = []
    while body:
        row = body[-1]
        filled = _filled(row)
        stray_sum = not row[0] and filled <= max(1, table_width // 4)
        note = row[0] and filled == 1 and (table_width >= 4 or _FOOTNOTE.match(row[0]))
        if not (stray_sum or note):
            break
        body = body[:-1]
        if stray_sum:
            quirks.append("Zeile ohne Bezeichnung am Tabellenende entfernt (lose Summenzeile)")
        else:
            footnotes.insert(0, row[0])
    if footnotes:
        quirks.append(f"{len(footnotes)} Fußnote(n) unter der Tabelle")
    return body, footnotes


def _build_columns(header, body, quirks):
    width = max([len(header)] + [_width(r) for r in body])
    header = header + [""] * (width - len(header))
    body = [r + [""] * (width - len(r)) for r in body]
    keep, names, seen = [], [], Counter()
    for i, raw in enumerate(header):
        if not raw and not any(r[i] for r in body):
            continue  # a trailing delimiter on every line makes an empty, nameless column
        name = raw or f"Spalte {i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
        keep.append(i)
    if len(keep) < width:
        quirks.append("leere Spalte ohne Namen (Trennzeichen am Zeilenende) entfernt")
    return names, [[r[i] for i in keep] for r in body]


def _number_style(body, delimiter: str) -> str:
    de = en = 0
    for row in body[:300]:
        for cell in row:
            de += bool(_DE_EVIDENCE.match(cell))
            en += bool(_EN_EVIDENCE.match(cell))
    if de != en:
        return "de" if de > en else "en"
    return "en" if delimiter == "," else "de"


def _to_number(cell: str, style: str) -> float | int | None:
    pattern = _DE_NUMBER if style == "de" else _EN_NUMBER
    text = cell.rstrip("%").strip()
    if not pattern.match(text):
        return None
    if style == "de":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text) if "." in text else int(text)


def _type_column(cells: list[str], style: str) -> tuple[str, list]:
    present = [c for c in cells if c not in _MISSING]
    leading_zero = any(len(c.lstrip("+-")) > 1 and c.lstrip("+-").startswith("0") for c in present)
    if present and leading_zero and all(_INT.match(c) for c in present):
        return CODE, [None if c in _MISSING else c for c in cells]
    numbers = [None if c in _MISSING else _to_number(c, style) for c in cells]
    if present and all(
        n is not None for n, c in zip(numbers, cells, strict=True) if c not in _MISSING
    ):
        if all(float(n).is_integer() for n in numbers if n is not None):
            return INT, [None if n is None else int(n) for n in numbers]
        return FLOAT, [None if n is None else float(n) for n in numbers]
    return TEXT, [None if c == "" else c for c in cells]


def _unit_of(name: str) -> str | None:
    lowered = name.casefold()
    if "%" in name or "proz" in lowered or "anteil" in lowered or "quote" in lowered:
        return "%"
    return None


def _note_codes(cols: list[Column], quirks: list[str]) -> None:
    codes = [c.name for c in cols if c.kind == CODE]
    if codes:
        quirks.append("Schlüsselspalten mit führenden Nullen als Text: " + ", ".join(codes[:8]))
