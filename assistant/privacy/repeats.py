"""What was found once is found again: names of earlier messages, file numbers.

Staff list several numbers after one cue ("Kundennr. 200-44101, 200-44117, 200-44130")
and name a number again without its cue ("Bei 200-44117 meldet sich …"). So after
detection, a value of the same shape joined to a found file number by a comma or
"und"/"oder"/"sowie"/"bzw." is one too, and every other occurrence of a found value
(at least five characters, with a digit) is redacted like the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spacy.lang.de.stop_words import STOP_WORDS

from assistant.privacy.lexicon import tokenize
from assistant.privacy.results import Entity

LISTED = ("CASE_NUMBER",)
JOINER = re.compile(r"(?:[ \t]*,[ \t]*|[ \t]+(?:und|oder|sowie|bzw\.)[ \t]+)")


def shape(value: str) -> str:
    """A regex for values written like this one: same groups of digits and letters."""
    parts = []
    for run in re.finditer(r"\d+|[A-Za-z]+|.", value):
        text = run.group()
        if text.isdigit():
            parts.append(rf"\d{{{len(text)}}}")
        elif text.isascii() and text.isalpha():
            parts.append(rf"[A-Za-z]{{{len(text)}}}")
        else:
            parts.append(re.escape(text))
    return "".join(parts)


def listed_and_repeated(text: str, entities: tuple[Entity, ...]) -> list[Entity]:
    """Further values: list members after a found file number, and repetitions."""
    extra: list[Entity] = []
    for entity in entities:
        if entity.type not in LISTED:
            continue
        value = text[entity.start : entity.end]
        same = re.compile(rf"{shape(value)}(?![\w/-]|[.,]\d)")
        end = entity.end
        while (joiner := JOINER.match(text, end)) and (nxt := same.match(text, joiner.end())):
            extra.append(Entity(entity.type, nxt.start(), nxt.end(), entity.score))
            end = nxt.end()
    for entity in list(entities) + extra:
        value = text[entity.start : entity.end]
        if entity.type == "PERSON" or len(value) < 5 or not any(c.isdigit() for c in value):
            continue
        for start in occurrences(text, value):
            if start != entity.start:
                extra.append(Entity(entity.type, start, start + len(value), entity.score))
    return extra


def occurrences(text: str, value: str) -> list[int]:
    """Starts of `value` in `text` as a word of its own: what
    `(?<![\\w/.-])VALUE(?![\\w/-]|[.,]\\d)` finds, without compiling a pattern per value
    (that was most of this step's time; re's cache would also keep the raw value).
    str.isalnum is the test of re's \\w besides "_", str.isdecimal that of \\d."""
    starts, at = [], text.find(value)
    while at >= 0:
        end = at + len(value)
        if _free_before(text, at) and _free_after(text, end):
            starts.append(at)
            at = text.find(value, end)
        else:
            at = text.find(value, at + 1)
    return starts


def _free_before(text: str, at: int) -> bool:
    return at == 0 or not _word_char(text[at - 1], "/.-")


def _free_after(text: str, end: int) -> bool:
    if end == len(text):
        return True
    char = text[end]
    if _word_char(char, "/-"):
        return False
    return not (char in ".," and end + 1 < len(text) and text[end + 1].isdecimal())


def _word_char(char: str, joiners: str) -> bool:
    return char.isalnum() or char == "_" or char in joiners


def name_tokens(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """Words inside the given PERSON spans (to remember for later messages), in any
    case: staff write names in lower case too. Particles and articles are no names."""
    return [
        t.text
        for t in tokenize(text)
        if len(t.text) > 2
        and t.text.lower() not in STOP_WORDS
        and any(s <= t.start and t.end <= e for s, e in spans)
    ]


def known_mentions(text: str, is_known: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Words of the text that an earlier message of the conversation found as a name."""
    return [(t.start, t.end) for t in tokenize(text) if len(t.text) > 2 and is_known(t.text)]
