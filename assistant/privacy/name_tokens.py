"""Token-level helpers of the name recognizers: what may stand between the words of one
name, abbreviations, regnal numbers, saints and initials (kept apart so that `names.py`
holds the evidence rules only)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.privacy.lexicon import Token

TokenSpan = tuple[int, int, float]  # first and last token index, score
PREPOSITIONS = {"von", "vom", "zu", "zum", "zur"}  # particles that are prepositions too
_ROMAN = re.compile(r"[IVX]{1,5}")
SENTENCE_MARKS = set('!?:;\n"„“»«(')


# What ends a field of a form or a table row: a line break, a tab, ";", "|", two spaces.
FIELD_END = re.compile(r"[\n\t;|]|[ ]{2}")


def alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def adjacent(left: Token, right: Token) -> bool:
    """Only a space (or an initial's dot) between two words of one name."""
    return right.before in (" ", "\u00a0") or (left.dot and right.before in (". ", ".\u00a0"))


def directly_after(tok: Token) -> bool:
    """Only spaces, or an abbreviation's dot and spaces, before this word."""
    return tok.before.strip(" .\u00a0\t") == ""


def abbreviated(tokens: list[Token], i: int) -> bool:
    """A word cut short in a chain of abbreviations ("Sperrg. v. 3.4.", "Genehmigungspfl.
    f. Anlagen"): its dot is followed by a lower-case abbreviation, not a new sentence."""
    if not tokens[i].dot or i + 1 == len(tokens):
        return False
    nxt = tokens[i + 1]
    return nxt.before == ". " and nxt.text.islower() and nxt.dot and len(nxt.text) <= 3


# The end of a word cut short: German abbreviations by truncation stop before a vowel,
# after a cluster of consonants ("Zahlg.", "Vordr.", "Antr.", "Vertr."), see DIN 5008.
_CUT_END = re.compile(r"[^aeiouyäöüé]{2}$")


def truncated(tokens: list[Token], i: int, known_name: Callable[[str], bool]) -> bool:
    """A word cut short inside a sentence ("Alte Vordr. vernichten", "Zahlg. nur unbar"):
    it ends in consonants, and after its dot the sentence goes on in lower case; a listed
    name stays one ("mit Schmidt. dann")."""
    tok = tokens[i]
    if not tok.dot or i + 1 == len(tokens) or not _CUT_END.search(tok.text.lower()):
        return False
    if known_name(tok.text):
        return False
    nxt = tokens[i + 1]
    return nxt.before in (". ", ".\u00a0") and nxt.text[:1].islower()


def is_regnal(tok: Token) -> bool:
    """A regnal number after a name: Elisabeth II., Ludwig XIV."""
    return tok.dot and bool(_ROMAN.fullmatch(tok.text))


SAINTS = {"sankt", "heilige", "heiligen", "heiliger", "san", "santa", "santo", "saint"}


def is_saint(tok: Token) -> bool:
    """ "St.", "Sankt", "hl.": a saint's name names a church, feast day or place."""
    word = tok.text.lower()
    return word in SAINTS or (word in ("st", "hl", "ste") and tok.dot)


def is_initial(tok: Token) -> bool:
    return len(tok.text) == 1 and tok.text.isupper() and tok.dot
