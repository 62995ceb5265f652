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
        for match in re.finditer(rf"(?<![\w/.-]){re.escape(value)}(?![\w/-]|[.,]\d)", text):
            if match.start() != entity.start:
                extra.append(Entity(entity.type, match.start(), match.end(), entity.score))
    return extra


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
