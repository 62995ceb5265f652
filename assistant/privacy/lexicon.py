"""Word lists behind the name recognizer, and the word tokens it works on.

The lists are compiled into ``data/`` by ``compile_lexicon.py`` (sources and
licences in ``data/SOURCES.md``); nothing is downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.lang.de.stop_words import STOP_WORDS

DATA = Path(__file__).parent / "data"

# A word, possibly hyphenated or with an apostrophe (Müller-Lüdenscheidt, O'Brien).
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    dot: bool  # followed directly by "." (abbreviations, initials)
    before: str  # the characters between the previous word and this one


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end = 0
    for m in WORD.finditer(text):
        dot = text[m.end() : m.end() + 1] == "."
        tokens.append(Token(m.group(), m.start(), m.end(), dot, text[previous_end : m.start()]))
        previous_end = m.end()
    return tokens


def _read(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def _data_files() -> tuple[frozenset[str], ...]:
    # Read once per process: the noun list is the largest file of the package.
    return tuple(
        _read(name)
        for name in ("first_names.txt", "surnames.txt", "nouns_de.txt", "places_de.txt")
    )


@dataclass(frozen=True)
class Lexicon:
    """What the name recognizer knows about words."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    nouns: frozenset[str]
    places: frozenset[str]
    ambiguous: frozenset[str]
    not_names: frozenset[str]

    @classmethod
    def load(cls, conf: dict) -> Lexicon:
        """Build from the data files and the ``names`` section of the YAML conf."""
        first, last, nouns, places = _data_files()
        unambiguous = set(conf.get("unambiguous_first_names", ()))
        ambiguous = ((first & (nouns | places)) - unambiguous) | set(
            conf.get("ambiguous_first_names", ())
        )
        not_names = {w.capitalize() for w in STOP_WORDS} | set(conf.get("not_names", ()))
        return cls(first, last, nouns, places, frozenset(ambiguous), frozenset(not_names))

    def is_capitalized(self, word: str) -> bool:
        return word[:1].isupper() and not word.isupper() and word not in self.not_names

    def is_known_name(self, word: str) -> bool:
        base = word[:-1] if word.endswith("s") else word  # genitive: Merkels, Peters
        parts = word.split("-")
        return any(
            w in self.surnames or (w in self.first_names and w not in self.ambiguous)
            for w in (word, base, *parts)
        )

    def is_word(self, word: str) -> bool:
        """An ordinary noun or a place name, not a person."""
        return word in self.nouns or word in self.places

    def is_first_name(self, word: str) -> bool:
        return word in self.first_names and word not in self.not_names

    def is_surname_like(self, word: str) -> bool:
        """Capitalized and either a known name or no ordinary word."""
        if not self.is_capitalized(word):
            return False
        return self.is_known_name(word) or not self.is_word(word)
