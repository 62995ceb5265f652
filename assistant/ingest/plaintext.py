"""Plain text → blocks without unstructured, for text without bullet characters.

unstructured's `partition_text` (the old path) costs a one-time import of unstructured
and spaCy (several seconds per process) and a spaCy run per paragraph, for decisions
that are simple rules here. This module follows those rules for the common case —
text without bullet glyphs — and says "not mine" (None) otherwise, so `parse` keeps
unstructured for bullet lists, whose grouping rules are intricate:

* paragraphs: when at least a tenth of the (first 2,000) lines are blank, blank lines
  separate paragraphs and a paragraph's lines are joined — unless every line has fewer
  than five words (an address block, "Apache License / Version 2.0"): then each line
  stands alone. Otherwise every line is a paragraph of its own;
* "3. Text" / "3) Text" → list item;
* a heading candidate ("Title") is short (≤ 12 words), not a run of sentences, mostly
  letters and does not end with a comma; `headings.heading_depths` then decides
  with the German rules as before (a "Title" guess alone counts as evidence).

Tests compare the result with the old path on the court decisions of the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from assistant.ingest.chunking import split_sentences
from assistant.ingest.headings import heading_depths
from assistant.ingest.parse import Block

# Bullet glyphs of unstructured (and "e " from OCR); any of them: not handled here.
_BULLETS = re.compile(r"[\x95•‣⁃ㅤ⁌⁍∙○●◘◦☙❥❧⦾⦿\uf0b7*·]|^[ \t]*(?:[-–]|e)(?:[ \t]|$)", re.MULTILINE)
_LINES = re.compile(r"(?<=\n)")
_NUMBERED = re.compile(r"^\d+(\.|\))\s(.+)")
_EMAIL = re.compile(r"[a-z0-9\.\-+_]+@[a-z0-9\.\-+_]+\.[a-z]+")
_ENDS_IN_PUNCT = re.compile(r"[^\w\s]\Z")
_LIST_MARKER = re.compile(r"^(\d+\.|[a-z]{1,2}\)|[•▪◦‣·\-–])\s")
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


@dataclass
class _Element:
    """What `headings.heading_depths` reads of an unstructured element."""

    text: str
    category: str
    metadata: Any = field(default_factory=SimpleNamespace)


def text_blocks(text: str) -> list[Block] | None:
    """Blocks of plain text, or None when it has bullet characters (unstructured reads it)."""
    if _BULLETS.search(text):
        return None
    elements = [_element(p) for p in _paragraphs(text)]
    blocks = []
    for element, depth in zip(elements, heading_depths(elements, fonts=False), strict=True):
        text = _SPACE.sub(" ", element.text)
        if depth is not None:
            blocks.append(Block(text, "heading", None, depth + 1))
        else:
            listed = element.category == "ListItem" or _LIST_MARKER.match(text)
            blocks.append(Block(text, "list" if listed else "text", None, None))
    return blocks


def _paragraphs(text: str) -> list[str]:
    """Paragraph texts, inner spacing kept (the title test counts words split at " ").

    unstructured does this with regular expressions around `\\s*\\n\\s*`, which take
    quadratic time on a long run of spaces; here the text is split into lines once.
    """
    lines = text.split("\n")
    counted = _LINES.split(text)[:2000]
    blank = sum(1 for line in counted if not line.strip())
    if blank / len(counted) < 0.1:
        return [line.strip() for line in lines if line.strip()]
    texts: list[str] = []
    for paragraph in _blank_separated(lines):
        parts = [line.strip() for line in paragraph if line.strip()]
        if all(len(part.split(" ")) < 5 for part in parts):
            texts.extend(parts)  # an address block, "Apache License / Version 2.0"
        elif parts:
            texts.append(" ".join(parts))
    return texts


def _blank_separated(lines: list[str]) -> list[list[str]]:
    """Groups of lines between blank (whitespace-only) lines."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _element(text: str) -> _Element:
    """Typed in unstructured's order (`element_from_text`)."""
    if _EMAIL.fullmatch(text):
        return _Element(text, "EmailAddress")
    if _NUMBERED.match(text):
        return _Element(text, "ListItem")
    if _narrative(text):
        return _Element(text, "NarrativeText")
    return _Element(text, "Title" if _possible_title(text) else "Text")


def _narrative(text: str) -> bool:
    """unstructured's test without a POS tagger: two sentences of three words or more."""
    return not text.isnumeric() and not _few_letters(text) and _sentences(text, 3) >= 2


def _possible_title(text: str) -> bool:
    return not (
        (text.isupper() and _ENDS_IN_PUNCT.search(text))
        or len(text.split(" ")) > 12
        or _few_letters(text)
        or text.endswith(",")
        or text.isnumeric()
        or _sentences(text, 5) > 1
    )


def _few_letters(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and sum(c.isalpha() for c in chars) / len(chars) < 0.5


def _sentences(text: str, min_words: int) -> int:
    return sum(
        1 for s in split_sentences(text) if len(_PUNCTUATION.sub("", s).split()) >= min_words
    )
