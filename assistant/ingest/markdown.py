"""Markdown → blocks, directly: the block structure Python-Markdown would build, without HTML.

Why not `unstructured.partition_md`: it renders Markdown to HTML (Python-Markdown), then
classifies every paragraph with its narrative-text heuristics (sentence counts through
spaCy, capital ratios) — only to tell `NarrativeText` from `Text`, which `parse` treats
alike. On the law corpus that was most of the ingest time (issue 12). Markdown says
what each block is, so here it is read as such:

* ATX (`## x`) and Setext headings → heading blocks with their level;
* paragraphs → text (or list, when they start like a list item: "1. …", "a) …");
* list items, also nested and loose ones → one list block per paragraph of an item;
* pipe tables (header row + `---` row) → one table block, " | " between cells;
* block quotes, fenced and indented code → text; thematic breaks, link definitions
  and images → nothing.

The rules follow Python-Markdown with the `tables` and `fenced_code` extensions
(what unstructured used), not CommonMark: a list cannot interrupt a paragraph,
nesting needs four spaces, `_` inside a word is no emphasis. Inline markup is removed
and the text kept: emphasis, code spans, links (their text), autolinks, HTML tags,
entities, backslash escapes. Tests compare the result with the old path.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from assistant.ingest.parse import Block

_TAB = 4
_MAX_DEPTH = 40
_ATX = re.compile(r"^(#{1,6})(.*)$")
_SETEXT = re.compile(r"^[=-]+[ ]*$")
_ITEM = re.compile(r"^[ ]{0,3}(?:\d+\.|[*+-])[ ]+(.*)$")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(r"^[ ]{0,3}>[ ]?(.*)$")
_LINK_DEFINITION = re.compile(r"^[ ]{0,3}\[[^\]]+\]:[ ]*\S")
_HTML_BLOCK = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)[\s/>]")
_TABLE_SEPARATOR = re.compile(r"^[ ]*\|?[ ]*:?-+:?[ ]*(\|[ ]*:?-+:?[ ]*)*\|?[ ]*$")
_LIST_MARKER = re.compile(r"^(\d+\.|[a-z]{1,2}\)|[•▪◦‣·\-–])\s")
# unstructured's bullet characters; "-" and "–" only before a space
_BULLET = re.compile(r"^(?:[\x95•‣⁃ㅤ⁌⁍∙○●◘◦☙❥❧⦾⦿\uf0b7*·]|[-–](?=\s|$))")


def markdown_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown body (front matter already removed)."""
    lines = text.expandtabs(_TAB).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [b for b in map(_final, _blocks(lines)) if b is not None]


def _final(block: Block) -> Block | None:
    """Paragraphs and code as `parse` types them: "list" when they start like an item
    (a leading bullet character is dropped, as unstructured did), else "text"."""
    if block.kind == "paragraph":
        text = block.text
        if len(text) < 2:
            return None  # a lone "-" or "*" line is no content
        bulleted = False
        while (bullet := _BULLET.match(text)) is not None:
            text, bulleted = text[bullet.end() :].strip(), True
        if not text:
            return None
        kind = "list" if bulleted or _LIST_MARKER.match(text) else "text"
        return Block(text, kind, None, None)
    if block.kind == "code":
        return Block(block.text, "list" if _LIST_MARKER.match(block.text) else "text", None, None)
    return block if block.text else None


# --- blocks --------------------------------------------------------------------------------


def _blocks(lines: list[str], depth: int = 0) -> Iterator[Block]:
    """Blocks of `lines`; lists and quotes nest at most `_MAX_DEPTH` deep (deeper
    markers stay text: "> > > …" must not exhaust the stack)."""
    i, n = 0, len(lines)
    nests = depth < _MAX_DEPTH
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
        elif fence := _FENCE.match(line):
            end = _fence_end(lines, i, fence.group(1))
            yield Block(_squash(" ".join(lines[i + 1 : end])), "code", None, None)
            i = end + 1
        elif line.startswith(" " * _TAB):
            end = _indented_end(lines, i)
            yield Block(_squash(" ".join(lines[i:end])), "code", None, None)
            i = end
        elif nests and _ITEM.match(line):
            end = _list_end(lines, i)
            for item, loose in _items(lines[i:end]):
                yield from _item_blocks(item, loose, depth + 1)
            i = end
        elif nests and _QUOTE.match(line):
            end = next((j for j in range(i, n) if not lines[j].strip()), n)
            quoted = [m.group(1) if (m := _QUOTE.match(x)) else x for x in lines[i:end]]
            yield from _blocks(quoted, depth + 1)
            i = end
        else:
            i = yield from _leaf(lines, i)


def _leaf(lines: list[str], i: int) -> Iterator[Block]:
    """Heading, rule, table or paragraph starting at line `i`; returns the next line."""
    line = lines[i]
    if atx := _ATX.match(line):
        yield _heading(atx.group(2).rstrip().rstrip("#"), len(atx.group(1)))
        return i + 1
    if _is_rule(line):
        return i + 1
    end = _paragraph_end(lines, i)
    if end > i + 1 and _SETEXT.match(lines[i + 1]):
        yield _heading(line, 1 if lines[i + 1].lstrip().startswith("=") else 2)
        return i + 2
    if end > i + 1 and "|" in line and _TABLE_SEPARATOR.match(lines[i + 1]):
        yield _table(lines[i:end])
        return end
    if _LINK_DEFINITION.match(line) and all(_LINK_DEFINITION.match(x) for x in lines[i:end]):
        return end
    yield Block(_inline(" ".join(lines[i:end])), "paragraph", None, None)
    return end


def _is_rule(line: str) -> bool:
    """A thematic break: three or more of one of - _ * (at most two spaces between)."""
    body = line.rstrip()
    if not body or len(body) - len(body.lstrip(" ")) > 3:
        return False
    body = body.lstrip(" ")
    mark = body[0]
    return (
        mark in "-_*" and not body.strip(mark + " ") and body.count(mark) >= 3 and "   " not in body
    )


def _paragraph_end(lines: list[str], i: int) -> int:
    """First line after the paragraph at `i`: a blank line, an ATX heading, a rule or a
    quote ends it (Python-Markdown splits a paragraph there; a list item does not)."""
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if not line.strip() or _ATX.match(line) or _QUOTE.match(line):
            break
        if _is_rule(line) and not (j == i + 1 and _SETEXT.match(line)):
            break
        j += 1
    return j


def _fence_end(lines: list[str], i: int, fence: str) -> int:
    for j in range(i + 1, len(lines)):
        if lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip(fence[0]):
            return j
    return len(lines)


def _indented_end(lines: list[str], i: int) -> int:
    j = i
    while j < len(lines) and (lines[j].startswith(" " * _TAB) or not lines[j].strip()):
        j += 1
    while j > i and not lines[j - 1].strip():
        j -= 1
    return j


# --- lists ---------------------------------------------------------------------------------


def _list_end(lines: list[str], i: int) -> int:
    """First line after the list starting at `i`: after a blank line, only an indented
    line or another item continues it."""
    j = i + 1
    while j < len(lines):
        if lines[j].strip():
            j += 1
            continue
        k = j
        while k < len(lines) and not lines[k].strip():
            k += 1
        if k < len(lines) and (lines[k].startswith(" " * _TAB) or _ITEM.match(lines[k])):
            j = k
            continue
        return j
    return j


def _items(lines: list[str]) -> Iterator[tuple[list[str], bool]]:
    """Each item's lines (marker removed, continuation dedented) and whether it is loose:
    separated from a neighbouring item by a blank line, or holding one."""
    items: list[list[str]] = []
    gaps: list[bool] = []  # a blank line before the item
    blank = False
    for line in lines:
        marker = _ITEM.match(line)
        if marker and not line.startswith(" " * _TAB):
            items.append([marker.group(1)])
            gaps.append(blank)
        elif line.startswith(" " * _TAB):
            items[-1].append(line[_TAB:])
        else:
            items[-1].append(line)  # blank, or a lazy continuation of the item's paragraph
        blank = not line.strip()
    for k, item in enumerate(items):
        while item and not item[-1].strip():
            item.pop()
        inner_blank = any(not x.strip() for x in item)
        after = k + 1 < len(items) and gaps[k + 1]
        yield item, gaps[k] or after or inner_blank


def _item_blocks(lines: list[str], loose: bool, depth: int) -> Iterator[Block]:
    """A tight item's text is a list item; a loose item's only if it is a single paragraph
    (Python-Markdown wraps loose items in <p>, which unstructured typed from the text)."""
    blocks = list(_blocks(lines, depth))
    first = blocks[0] if blocks else None
    if first is not None and first.kind == "paragraph" and (not loose or len(blocks) == 1):
        blocks[0] = Block(first.text, "list", None, None)
    yield from blocks


# --- leaves --------------------------------------------------------------------------------


def _heading(raw: str, level: int) -> Block:
    return Block(_inline(raw), "heading", None, level)


def _table(lines: list[str]) -> Block:
    header = _cells(lines[0])
    rows = [header] + [_cells(line) for line in lines[2:]]
    width = len(header)
    rows = [(row + [""] * width)[:width] for row in rows]
    return Block("\n".join(" | ".join(r) for r in rows if any(r)), "table", None, None)


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line.removeprefix("|")
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [_inline(cell, code=" {} ") for cell in re.split(r"(?<!\\)\|", line)]


# --- inline --------------------------------------------------------------------------------

_ESCAPABLE = "\\`*_{}[]()>#+-.!|"
_CODE = re.compile(r"(?<!\\)(`+)([^`]+)\1(?!`)")
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\](?:\([^()]*\)|\[[^\[\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s@]+)>")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_STRONG_UNDERSCORE = re.compile(r"(?<!\w)__(?=\S)([^_]+?)(?<=\S)__(?!\w)")
_STRONG_STAR = re.compile(r"\*\*(?=\S)([^*]+?)(?<=\S)\*\*")
_EM_STAR = re.compile(r"(?<![*\\])\*(?=[^\s*])([^*]+?)(?<=[^\s\\])\*(?!\*)")
_EM_UNDERSCORE = re.compile(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)")
_ESCAPE = re.compile(r"\\([" + re.escape(_ESCAPABLE) + "])")
_PLACEHOLDER = "\x00{}\x00"


def _inline(raw: str, code: str = "{}") -> str:
    """The text of one block's inline Markdown, whitespace collapsed. `code`: how a code
    span is set (in table cells unstructured set it apart with spaces)."""
    if not any(c in raw for c in "\\`*_[]<&!"):
        return _squash(raw)
    kept: list[str] = []  # code spans and escaped characters are literal: set aside

    def keep(value: str) -> str:
        kept.append(value)
        return _PLACEHOLDER.format(len(kept) - 1)

    text = _ESCAPE.sub(lambda m: keep(m.group(1)), raw)
    text = _CODE.sub(lambda m: keep(code.format(m.group(2).strip())), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(lambda m: keep(m.group(1)), text)
    text = _TAG.sub(lambda m: " " if m.group(0)[1:3].lower() == "br" else "", text)
    for _ in range(3):  # "**fett *und* kursiv**": inner markers first, then the outer
        before = text
        for pattern in (_STRONG_STAR, _STRONG_UNDERSCORE, _EM_STAR, _EM_UNDERSCORE):
            text = pattern.sub(r"\1", text)
        if text == before:
            break
    text = html.unescape(text)
    text = _KEPT.sub(lambda m: kept[int(m.group(1))], text)
    return _squash(text)


_SPACE = re.compile(r"\s+")
_KEPT = re.compile("\x00(\\d+)\x00")


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
