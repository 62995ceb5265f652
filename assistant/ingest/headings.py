"""Which lines of a German document are headings, and how deep — where no markup says so.

Markdown, HTML, DOCX and ODT mark headings; the PDF text layer, plain text and e-mail
bodies do not, and unstructured's guess (`Title`) is tuned for English: without a POS
tagger (see `offline`) it calls most short German lines titles. Here a heading needs a
heading's shape plus evidence: a larger or bold font (PDF), a legal pattern (Teil,
Abschnitt, §, Artikel) or, where allowed, unstructured's guess. Depth follows font size
first, then the legal hierarchy (Teil › Abschnitt › Unterabschnitt › §), then numbering
("1.2" under "1.").
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unstructured.documents.elements import Element

_LEGAL_RANKS = [
    (re.compile(r"^(Teil|Buch|Kapitel)\s+\S+"), 1),
    (re.compile(r"^Abschnitt\s+\S+"), 2),
    (re.compile(r"^(Unterabschnitt|Titel)\s+\S+"), 3),
    (re.compile(r"^(§§?\s*\d+[a-z]?|Art(ikel|\.)\s*\d+[a-z]?)\b"), 4),
]
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+[^\W\d]")
_LEGAL_LINE = re.compile(r"^(§§?\s*\d+[a-z]?|Abschnitt\s+\S+)\b")
_NO_HEADING = {"Header", "Footer", "PageBreak", "PageNumber", "Image", "Table"}


def german_headings(elements: list[Element], *, fonts: bool, guess: bool = True) -> list[Element]:
    """Elements with headings re-decided: headings become `Title` with `category_depth`,
    every other `Title` becomes `NarrativeText`. `fonts`: elements carry `font_size` and
    `font_bold` (PDF); `guess`: trust unstructured's `Title` guess (plain text)."""
    from unstructured.documents.elements import NarrativeText, Title

    result: list[Element] = []
    for element, depth in zip(elements, heading_depths(elements, fonts, guess), strict=True):
        if depth is not None:
            element = Title(element.text, metadata=element.metadata)
            element.metadata.category_depth = depth
        elif element.category == "Title":
            element = NarrativeText(element.text, metadata=element.metadata)
        result.append(element)
    return result


def heading_depths(elements: list[Any], fonts: bool, guess: bool = True) -> list[int | None]:
    """The depth (0 = top) of each element that is a heading, None for the others.
    Elements need `text`, `category` and `metadata` (unstructured's, or look-alikes)."""
    body = _body_font_size(elements) if fonts else 0.0
    following = [*elements[1:], None]
    keys = [
        _heading_key(e, n, body, fonts, guess) for e, n in zip(elements, following, strict=True)
    ]
    depth = {key: i for i, key in enumerate(sorted({k for k in keys if k is not None}))}
    return [None if key is None else depth[key] for key in keys]


def _heading_key(
    element: Element, following: Element | None, body: float, fonts: bool, guess: bool
) -> tuple | None:
    """Sort key of a heading (bigger font first, then legal rank) or None for body text."""
    text = re.sub(r"\s+", " ", element.text or "").strip()
    if element.category in _NO_HEADING or not heading_shape(text):
        return None
    rank = heading_rank(text)
    size = getattr(element.metadata, "font_size", 0.0) or 0.0
    larger = fonts and size >= body + 1
    bold = fonts and bool(getattr(element.metadata, "font_bold", False))
    guessed = guess and not fonts and element.category == "Title"
    legal = rank is not None and rank < 10
    if not (larger or bold or guessed or legal or _numbered_heading(text, rank, following)):
        return None
    return (-size if larger else 0.0, rank or 0)


def _numbered_heading(text: str, rank: int | None, following: Element | None) -> bool:
    """ "2. Erreichbarkeit" heads a section when body text follows; in a run of numbered
    lines ("1. Briefe öffnen", "2. Stempeln") it is a list item."""
    if rank is None or following is None or following.category == "ListItem":
        return False
    after = re.sub(r"\s+", " ", following.text or "").strip()
    after_rank = heading_rank(after)
    if after_rank is not None:  # "3. Bedarf" directly followed by "3.1 Ermittlung"
        return after_rank > rank
    return not heading_shape(after)


def heading_shape(text: str) -> bool:
    """Short, no sentence or list punctuation: could be a heading."""
    return (
        0 < len(text) <= 150
        and len(text.split()) <= 20
        and not text.endswith((".", ",", ";", ":"))
        and any(c.isalpha() for c in text)
        and not re.match(r"^[a-z]{1,2}\)\s", text)
    )


def heading_rank(text: str) -> int | None:
    """Depth of a German legal/numbered heading pattern (Teil 1 … § 4, 1.2 → 11), else None."""
    for pattern, rank in _LEGAL_RANKS:
        if pattern.match(text):
            return rank
    numbered = _NUMBERED.match(text)
    return 10 + numbered.group(1).count(".") if numbered else None


def _body_font_size(elements: list[Element]) -> float:
    """The font size that carries most characters: the body text."""
    weights: Counter[float] = Counter()
    for element in elements:
        weights[getattr(element.metadata, "font_size", 0.0) or 0.0] += len(element.text or "")
    return weights.most_common(1)[0][0] if weights else 0.0


def separate_legal_headings(text: str) -> str:
    """Give "§ 3 Anmeldung" lines of plain text their own paragraph, as a heading has.

    Only where a heading can stand — after a blank line or a finished sentence — so a
    wrapped line that happens to start with "§ 5 Abs. 2 …" stays in its paragraph.
    """
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        previous = lines[i - 1].rstrip() if i else ""
        stripped = line.strip()
        can_stand = not previous or previous.endswith((".", "!", "?", ":"))
        if can_stand and _LEGAL_LINE.match(stripped) and heading_shape(stripped):
            out.extend(["", stripped, ""])
        else:
            out.append(line)
    return "\n".join(out)
