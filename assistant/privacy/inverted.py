"""Names written surname first, as in lists and tables: "Bauer, Franziska",
"Lindemann;Ursula;21.07.1944", "Fischer<TAB>Marianne".

The surname opens a line or a list item and a first name follows after a comma, a
semicolon or a tab; after a comma the first name must also end its field (line end,
tab, ";", a dash), so that "Guten Morgen, Peter" or "Wagner, Peter und ich" stay
what they are. Used by the name recognizer (names.py).
"""

from __future__ import annotations

from assistant.privacy.lexicon import Lexicon, Token
from assistant.privacy.name_tokens import TokenSpan

# What may stand before the surname: the start of a line or of a list item ("3) ", "- ").
_ITEM_START = frozenset({"", ")", "-", "–", "•", "*", ">", ":"})


def inverted_names(tokens: list[Token], lex: Lexicon, score: float) -> list[TokenSpan]:
    spans = []
    for i in range(1, len(tokens)):
        first, surname = tokens[i], tokens[i - 1]
        gap = first.before.strip(" ")
        if gap not in (",", ";", "\t") or not lex.is_first_name(first.text):
            continue
        if not _opens_item(tokens, i - 1) or not _surname_like(surname.text, lex):
            continue
        if gap == "," and not _ends_field(tokens, i):
            continue
        # "Bauer, Franziska" is one name; a table's cells are one each ("Gärtner;Emil").
        spans.append((i - 1, i if gap == "," else i - 1, score))
    return spans


def _opens_item(tokens: list[Token], j: int) -> bool:
    before = tokens[j].before
    if j == 0 or "\n" in before or "\t" in before:
        return True
    return before.strip(" ") in _ITEM_START - {""} or before.rstrip(" ").endswith(("\n", ";"))


def _ends_field(tokens: list[Token], i: int) -> bool:
    if i + 1 == len(tokens):
        return True
    after = tokens[i + 1].before
    return any(mark in after for mark in ("\n", "\t", ";", " – ", " - ", "("))


def _surname_like(word: str, lex: Lexicon) -> bool:
    """A listed surname (Bauer, Fischer), or a capitalized word no list knows."""
    if not word[:1].isupper() or lex.is_first_name(word):
        return False
    return word in lex.surnames or (lex.is_unknown(word) and not lex.is_word(word))
