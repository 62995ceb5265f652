"""Passage text as Markdown: tables as tables, list items as list items, headings bold.

A chunk keeps the structure of its document as plain text (ingest/chunking.py):
paragraphs apart by a blank line, table rows one per line with cells joined by
" | ", list items one per line directly below each other, a heading on the
line above its text. Rendered as Markdown unchanged, single line breaks vanish:
a table became one run-on line and list items ran into each other without
their markers. This turns that text into Markdown that shows the structure.
"""

from __future__ import annotations

import re

from assistant.retrieval.snippets import CELL

_BULLET = re.compile(r"^[•▪◦‣·\-–*]\s+")
# A numbered heading as the chunker writes it: "§ 6 Tagegeld", "6.1 Höhe des Tagegeldes".
_NUMBERED_HEADING = re.compile(r"^(§+\s*\d+\w*|\d+(\.\d+)*\.?)\s+\S.{0,100}$")
_ELLIPSIS = "…"


def as_markdown(text: str, section: str = "", title: str = "") -> str:
    """Markdown of passage (or snippet) `text`. A heading of `section` ("§ 6 › 6.1 Höhe")
    at its start is left out: the source's label above it names the section already.
    The document's `title` is a heading where the passage repeats it (its first chunk)."""
    headings = {_key(p) for p in [*section.split("›"), title] if p.strip()}
    blocks: list[str] = []
    for p, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        blocks.extend(_paragraph(lines, headings, first=p == 0))
    return "\n\n".join(blocks)


def quoted(markdown: str) -> str:
    """`markdown` as a block quote (every line, blank ones too, so tables stay inside)."""
    return "\n".join(f"> {line}".rstrip() for line in markdown.splitlines())


def _paragraph(lines: list[str], headings: set[str], *, first: bool) -> list[str]:
    blocks: list[str] = []
    items: list[str] = []  # lines below each other: list items (the chunker's "\n" joiner)
    bulleted = False

    def flush() -> None:
        nonlocal bulleted
        if len(items) > 1 or bulleted:
            blocks.append("\n".join(f"- {item}" for item in items))
        elif items:
            blocks.append(items[0])
        items.clear()
        bulleted = False

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(_ELLIPSIS + " ") and CELL in line:  # a snippet that starts mid-table
            flush()
            blocks.append(_ELLIPSIS)
            lines[i] = line = line[2:]
        if CELL in line:
            flush()
            j = i
            while j < len(lines) and CELL in lines[j]:
                j += 1
            blocks.append(_table(lines[i:j]))
            i = j
            continue
        if first and not blocks and not items and _key(line) in headings:
            pass  # the label names it
        elif _key(line) in headings or (first and i == 0 and _is_heading(line)):
            flush()
            blocks.append(f"**{line}**")
        elif marker := _BULLET.match(line):
            if items and not bulleted and len(items) == 1:
                flush()  # a lead-in sentence before the bullets stays a paragraph
            items.append(line[marker.end() :])
            bulleted = True
        else:
            items.append(line)
        i += 1
    flush()
    return blocks


def _table(rows: list[str]) -> str:
    """A Markdown table; the first row is the header, short rows are padded."""
    cells = [[c.strip() for c in row.split(CELL.strip())] for row in rows]
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    tail = ""
    if cells[-1][-1].endswith(" " + _ELLIPSIS):  # a snippet that ends mid-table
        cells[-1][-1] = cells[-1][-1][: -len(_ELLIPSIS) - 1]
        tail = "\n\n" + _ELLIPSIS
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines) + tail


def _is_heading(line: str) -> bool:
    return bool(_NUMBERED_HEADING.match(line)) and not line.endswith((".", ":", ","))


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()
