"""Section-aware chunks: a chunk never crosses a heading, and it knows its heading path.

A chunk is what retrieval returns and an answer cites, so its boundaries follow
the document: a § with one sentence is a chunk of its own (a legitimate answer),
a long § is split at paragraph boundaries, then at sentence boundaries (German
abbreviations such as "z. B.", "Abs.", "Nr." do not end a sentence), then — only
for a "sentence" longer than a chunk — at word boundaries. Neighbouring chunks of
one section overlap by up to `overlap` characters of whole sentences. Tables stay
whole when they fit; otherwise they are split by rows with the header row repeated.

The first chunk of a section starts with its heading line (it is the best search
text there is: "§ 17 Anmeldung, Abmeldung"); `section` holds the whole path.
Every chunk is at most `size` characters. Output depends only on the input.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from assistant.ingest.parse import Block, ParsedDocument

SECTION_SEPARATOR = " › "


@dataclass
class ChunkDraft:
    text: str
    section: str  # heading path, most specific last, joined with " › "; title not included
    page: int | None  # page where the chunk starts
    ordinal: int  # 0-based position in the document


def chunk_document(
    doc: ParsedDocument, *, size: int = 1200, overlap: int = 150
) -> list[ChunkDraft]:
    """Split `doc` into chunks of at most `size` characters, never across a heading."""
    if size < 100 or not 0 <= overlap <= size // 2:
        raise ValueError(f"need size >= 100 and 0 <= overlap <= size/2, got {size=}, {overlap=}")
    drafts: list[ChunkDraft] = []
    for section in _sections(doc):
        for text, page in _chunk_section(section, size, overlap):
            drafts.append(ChunkDraft(text, section.path, page, len(drafts)))
    return drafts


# --- sections ------------------------------------------------------------------------------


@dataclass
class _Section:
    path: str
    heading: Block | None
    body: list[Block] = field(default_factory=list)


def _sections(doc: ParsedDocument) -> Iterator[_Section]:
    """Sections in document order. A heading without body text of its own is emitted only
    when it has no subsections either (e.g. "§ 9 (weggefallen)") and is not the title."""
    title_index = _title_heading_index(doc)
    stack: list[Block] = []
    current, current_is_title = _Section("", None), False
    for index, block in enumerate(doc.blocks):
        if block.kind != "heading":
            current.body.append(block)
            continue
        level = block.level or 1
        if _worth_emitting(current, current_is_title, next_level=level):
            yield current
        while stack and (stack[-1].level or 1) >= level:
            stack.pop()
        current_is_title = index == title_index
        if not current_is_title:
            stack.append(block)
        current = _Section(SECTION_SEPARATOR.join(h.text for h in stack), block)
    if _worth_emitting(current, current_is_title, next_level=0):
        yield current


def _worth_emitting(section: _Section, is_title: bool, *, next_level: int) -> bool:
    if section.body:
        return True
    leaf = section.heading is not None and next_level <= (section.heading.level or 1)
    return leaf and not is_title


def _title_heading_index(doc: ParsedDocument) -> int | None:
    """Index of the heading that is the document's own title, kept out of section paths.

    That is the first heading when it is on the top level and either matches the title
    ("Bundesmeldegesetz (BMG)" for "Bundesmeldegesetz") or is the only top-level heading.
    """
    headings = [(i, b) for i, b in enumerate(doc.blocks) if b.kind == "heading"]
    if not headings:
        return None
    top = min(b.level or 1 for _, b in headings)
    index, first = headings[0]
    if (first.level or 1) != top:
        return None
    alone = sum((b.level or 1) == top for _, b in headings) == 1
    return index if alone or _similar(first.text, doc.title) else None


def _similar(a: str, b: str) -> bool:
    a, b = (re.sub(r"\W+", "", s.casefold()) for s in (a, b))
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


# --- pieces --------------------------------------------------------------------------------


@dataclass
class _Piece:
    text: str
    page: int | None
    kind: str  # heading | text | list | table | overlap
    joiner: str  # put before it when it is not the first piece of a chunk


def _pieces(section: _Section, size: int, overlap: int) -> Iterator[_Piece]:
    """Units a chunk is packed from: whole blocks, or sentences/rows of oversized blocks."""
    previous = ""
    if section.heading is not None:
        yield _Piece(section.heading.text, section.heading.page, "heading", "")
        previous = "heading"
    for block in section.body:
        joiner = "\n" if previous == "heading" or (previous == block.kind == "list") else "\n\n"
        if block.kind == "table":
            yield from _table_pieces(block, size, joiner)
        elif len(block.text) <= size:
            yield _Piece(block.text, block.page, block.kind, joiner)
        else:
            for i, part in enumerate(_sentence_parts(block.text, size - overlap)):
                yield _Piece(part, block.page, block.kind, joiner if i == 0 else " ")
        previous = block.kind


def _table_pieces(block: Block, size: int, joiner: str) -> Iterator[_Piece]:
    """The table whole if it fits, else groups of rows, each starting with the header row."""
    if len(block.text) <= size:
        yield _Piece(block.text, block.page, "table", joiner)
        return
    lines = block.text.split("\n")
    header = lines[:1] if len(lines[0]) < size // 2 else []  # a huge header is not repeated
    limit = size - len(header[0]) - 1 if header else size
    group: list[str] = []
    for row in lines[len(header) :]:
        for part in _words(row, limit):
            if group and len("\n".join([*header, *group, part])) > size:
                yield _Piece("\n".join([*header, *group]), block.page, "table", joiner)
                group, joiner = [], "\n\n"
            group.append(part)
    yield _Piece("\n".join([*header, *group]), block.page, "table", joiner)


# --- packing -------------------------------------------------------------------------------


def _chunk_section(section: _Section, size: int, overlap: int) -> Iterator[tuple[str, int | None]]:
    queue = deque(_pieces(section, size, overlap))
    current: list[_Piece] = []
    while queue:
        piece = queue.popleft()
        if not current or _length([*current, piece]) <= size:
            current.append(piece)
            continue
        room = size - _length(current) - len(piece.joiner)
        if all(p.kind == "heading" for p in current) and room >= size // 4:
            # Why: a heading alone is no answer; give it the start of its body.
            parts = _refit(piece, room)
            current.append(parts[0])
            queue.extendleft(reversed(parts[1:]))
            continue
        yield _render(current)
        current = _overlap(current, min(overlap, size - len(piece.text) - 2), piece)
        while current and _length([*current, piece]) > size:
            current.pop(0)
        current.append(piece)
    if current:
        yield _render(current)


def _refit(piece: _Piece, room: int) -> list[_Piece]:
    """`piece` as a first part of at most `room` characters plus the rest."""
    if piece.kind == "table":
        block = Block(piece.text, "table", piece.page, None)
        return list(_table_pieces(block, room, piece.joiner))
    head, rest = _split_to_fit(piece.text, room)
    parts = [_Piece(head, piece.page, piece.kind, piece.joiner)]
    return parts + ([_Piece(rest, piece.page, piece.kind, " ")] if rest else [])


def _length(pieces: list[_Piece]) -> int:
    return sum(len(p.text) for p in pieces) + sum(len(p.joiner) for p in pieces[1:])


def _render(pieces: list[_Piece]) -> tuple[str, int | None]:
    text = pieces[0].text + "".join(p.joiner + p.text for p in pieces[1:])
    return text.strip(), pieces[0].page


def _overlap(previous: list[_Piece], limit: int, following: _Piece) -> list[_Piece]:
    """Whole sentences from the end of the previous chunk, at most `limit` characters."""
    if limit <= 0 or following.kind == "table":
        return []
    carried: list[_Piece] = []
    used = 0
    for piece in reversed(previous):
        if piece.kind in {"table", "heading"}:
            break
        sentences = split_sentences(piece.text)
        taken: list[str] = []
        while sentences and used + len(sentences[-1]) + 1 <= limit:
            used += len(sentences[-1]) + 1
            taken.insert(0, sentences.pop())
        if taken:
            carried.insert(0, _Piece(" ".join(taken), piece.page, "overlap", piece.joiner))
        if sentences:
            break
    if not carried and previous[-1].kind not in {"table", "heading"}:
        tail = _tail_words(previous[-1].text, limit)
        carried = [_Piece(tail, previous[-1].page, "overlap", " ")] if tail else []
    return carried


def _split_to_fit(text: str, room: int) -> tuple[str, str]:
    """The longest run of whole sentences (else words) of `text` within `room`, and the rest."""
    sentences = split_sentences(text)
    head: list[str] = []
    while sentences and len(" ".join([*head, sentences[0]])) <= room:
        head.append(sentences.pop(0))
    if head:
        return " ".join(head), " ".join(sentences)
    words = _words(text, room)
    return words[0], " ".join(words[1:])


def _tail_words(text: str, limit: int) -> str:
    words = text.split()
    tail: list[str] = []
    while words and len(" ".join([words[-1], *tail])) <= limit:
        tail.insert(0, words.pop())
    return " ".join(tail)


# --- sentences -----------------------------------------------------------------------------

# Lower-case forms of abbreviations that end with a period but not a sentence.
_ABBREVIATION_LIST = """
    abb abs abschn abt abzgl allg anh anl anm apr art aufl aug ausschl az bd beschl bgbl
    bl bspw buchst bzgl bzw ca dez dipl dr ebd einschl etc evtl fa feb ff fn gem gez ggf
    gvbl hrsg hs inkl insb insbes ing jan jg jh jul jun kap lfd lit lt max min mio mrd
    nov nr nrn okt prof rdnr rn rz sept sep sog sp std str tab tel tsd tz uabs urt usw
    verf vgl vo vs zi ziff zit zul zzgl
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())
_BOUNDARY = re.compile(r"[.!?][\"'»«“”)\]]*\s+(?=[\"'„»(§\[]?[A-ZÄÖÜ0-9(§])")


def split_sentences(text: str) -> list[str]:
    """German sentences of `text`; abbreviations, initials and ordinals do not end one."""
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if text[match.start()] == "." and _is_abbreviation(text[start : match.start()]):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    return [s for s in [*sentences, rest] if s]


def _is_abbreviation(before: str) -> bool:
    """Whether the word in front of a period is an abbreviation, initial or ordinal."""
    words = before.split()
    word = words[-1].lstrip("(„\"'[") if words else ""
    return (
        word.casefold() in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())  # "z. B.", "d. h.", "S. 3"
        or "." in word  # "z.B", "i.V.m", "15.1.2021"
        or (word.isdigit() and len(word) <= 3)  # "1. April", "Nr. 3. Die" stays together
    )


def _sentence_parts(text: str, limit: int) -> list[str]:
    """Sentences, with any sentence longer than `limit` cut at word boundaries."""
    return [part for sentence in split_sentences(text) for part in _words(sentence, limit)]


def _words(text: str, limit: int) -> list[str]:
    """`text` cut at spaces into parts of at most `limit` characters (a longer word is cut)."""
    parts: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        parts.append(current)
    return parts
