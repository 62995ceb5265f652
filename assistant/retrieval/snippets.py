"""Snippets: the part of a passage that holds what was asked, cut where the text has seams.

A passage (chunk) keeps its structure as text: paragraphs apart by a blank line,
list items and table rows on lines of their own, table cells joined by " | "
(ingest/chunking.py). A snippet is a window of whole units of that text –
sentences, and tables (a table is one unit while it fits, else its rows, each
below the header row) – chosen to cover most of the question's words (German
analysis: stems and compound parts, so "ganztägig" finds the "Kalendertag" row).
Lines and blank lines stay, so the chat can show a table as a table; "…" marks
where text was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.retrieval.lexical.analysis import default_analyzer

SNIPPET_CHARS = 450
CELL = " | "
# A sentence ends at . ! ? before a capital, digit, § or opening bracket; not after an
# abbreviation, an initial or an ordinal ("z. B.", "Abs. 2", "1. April").
_BOUNDARY = re.compile(r"[.!?][\"'»«“”)\]]*\s+(?=[\"'„»(§\[]?[A-ZÄÖÜ0-9(§])")
_ABBREVIATIONS = frozenset(
    ("abs", "art", "bzw", "ca", "dr", "evtl", "ggf", "gem", "inkl", "max", "mind", "nr")
    + ("sog", "usw", "vgl", "zzgl")
)


@dataclass(frozen=True)
class _Unit:
    text: str
    joiner: str  # what stands between the previous unit and this one: " ", "\n", "\n\n"
    terms: frozenset[str]


def snippet(text: str, query: str = "", limit: int = SNIPPET_CHARS) -> str:
    """The window of `text` (at most about `limit` characters) that covers most of the
    words of `query`; the start of `text` when nothing matches."""
    text = text.strip()
    if len(text) <= limit:
        return text
    weights = default_analyzer().analyze_query(query) if query.strip() else {}
    units = _units(text)
    start, end = _best_window(units, weights, limit)
    if start == end:  # a single unit longer than the limit
        return _cut(units[start].text, weights, limit)
    body = units[start].text + "".join(u.joiner + u.text for u in units[start + 1 : end])
    return ("… " if start > 0 else "") + body + (" …" if end < len(units) else "")


def _units(text: str) -> list[_Unit]:
    analyzer = default_analyzer()
    units: list[_Unit] = []
    for p, paragraph in enumerate(re.split(r"\n\s*\n", text)):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        pieces: list[tuple[str, str]] = []  # (text, joiner)
        i = 0
        while i < len(lines):
            joiner = ("\n\n" if p else "") if i == 0 else "\n"
            if CELL in lines[i]:
                j = i
                while j < len(lines) and CELL in lines[j]:
                    j += 1
                pieces.extend(_table(lines[i:j], joiner))
                i = j
                continue
            for k, sentence in enumerate(split_sentences(lines[i])):
                pieces.append((sentence, joiner if k == 0 else " "))
            i += 1
        units.extend(_Unit(t, j, frozenset(analyzer.analyze(t))) for t, j in pieces)
    return units


def _table(rows: list[str], joiner: str) -> list[tuple[str, str]]:
    """The table as one unit while it fits a snippet, else one unit per row with the
    header row above it (a row alone would not say what its cells mean)."""
    whole = "\n".join(rows)
    if len(whole) <= SNIPPET_CHARS or len(rows) < 2:
        return [(whole, joiner)]
    header = rows[0]
    return [(f"{header}\n{row}", joiner if i == 0 else "\n") for i, row in enumerate(rows[1:])]


def _best_window(units: list[_Unit], weights: dict[str, float], limit: int) -> tuple[int, int]:
    """[start, end) of the units that fit `limit` and cover the most query weight (the
    earlier window on a tie)."""
    best = (-1.0, 0, 0)
    for start in range(len(units)):
        size, covered, end = len(units[start].text), set(units[start].terms), start + 1
        while end < len(units) and size + len(units[end].joiner) + len(units[end].text) <= limit:
            size += len(units[end].joiner) + len(units[end].text)
            covered |= units[end].terms
            end += 1
        score = sum(w for term, w in weights.items() if term in covered)
        if score > best[0] + 1e-9:
            best = (score, start, end)
        if end == len(units):
            break  # later windows only lose units at the front
    _, start, end = best
    if len(units[start].text) > limit:
        return start, start
    return start, end


def _cut(text: str, weights: dict[str, float], limit: int) -> str:
    """A long unit cut at word boundaries around its first matching word."""
    words = text.split()
    analyzer = default_analyzer()
    first = next((i for i, w in enumerate(words) if set(analyzer.analyze(w)) & set(weights)), 0)
    start = max(0, first - 8)
    out, size = [], 0
    for word in words[start:]:
        if size + len(word) + 1 > limit:
            break
        out.append(word)
        size += len(word) + 1
    body = " ".join(out)
    return ("… " if start else "") + body + (" …" if start + len(out) < len(words) else "")


def split_sentences(text: str) -> list[str]:
    """German sentences of one line; abbreviations, initials and ordinals end none."""
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        words = text[start : match.start()].split()
        word = words[-1].lstrip("(„\"'[") if words else ""
        if text[match.start()] == "." and (
            word.casefold() in _ABBREVIATIONS
            or len(word) == 1
            or "." in word
            or (word.isdigit() and len(word) <= 3)
        ):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    return [s for s in [*sentences, rest] if s]
