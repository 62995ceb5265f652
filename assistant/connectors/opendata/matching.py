"""Reading a statistics question against a table, without an LLM: its words, its years, and
which column headers, row values and configured areas it names.

Nothing here knows a portal's files: a header or a cell value matches because its words occur
in the question; a configured phrase (`columns:` in the figures config) maps the question's own
words ("Frauen") to a column ("E_EW"). German inflection is met by prefixes: "Einwohnerinnen"
starts with "Einwohner", "Jahren" with "Jahre".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[0-9a-zäöüß]+")
_YEAR = re.compile(r"(?<![\d.])(19\d\d|20\d\d)(?![\d])")
# Asking for a number, a difference or a stand: the question wants a figure, not a dataset.
_INTENT = re.compile(
    r"\b(wie viele?|wieviele?|wie hoch|wie stark|um wie viel|anzahl|zahl der|"
    r"einwohnerzahl|mehr als|weniger als|höher als|niedriger als|minus|differenz|"
    r"gewachsen|veränder|zuwachs|rückgang|gestiegen|gesunken|summe|insgesamt|gesamt|stand)",
    re.IGNORECASE,
)
# "Gibt es Daten zu …", "Welche Datensätze …": a question for a dataset, not for a figure.
_DATASET = re.compile(
    r"^\s*(gibt es|existier|welche (daten|datensätze|dateien)|wo finde|finde ich|"
    r"ich suche|suche)",
    re.IGNORECASE,
)
_STOP_WORDS = (
    "der die das den dem des ein eine einer eines und oder im in am an auf aus bei bis von vom "
    "zu zum zur mit für nach über unter als wie viele viel hatte hat haben gab gibt es ist war "
    "waren lebten wohnten laut ende jahr jahres stand insgesamt gesamt stadt"
)
STOP = frozenset(_STOP_WORDS.split(" "))


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def years(text: str) -> list[str]:
    """The years named in `text`, in order, each once."""
    return list(dict.fromkeys(_YEAR.findall(text)))


_VERSUS = re.compile(
    r"\b(mehr als|weniger als|höher als|niedriger als|größer als|kleiner als|minus|vor der|"
    r"vor dem|gegenüber|differenz|unterschied|unterscheiden|vergleich\w*|verglichen|"
    r"im gegensatz zu)\b",
    re.IGNORECASE,
)


def compares(question: str) -> bool:
    """The question sets two things against each other ("CDU vor der SPD")."""
    return bool(_VERSUS.search(question))


def wants_figure(question: str) -> bool:
    return bool(_INTENT.search(question)) and not _DATASET.search(question)


def asks_for_dataset(question: str) -> bool:
    return bool(_DATASET.search(question))


def word_matches(word: str, tokens: set[str]) -> int:
    """How much of a word of a header, value or phrase the question's tokens hold (0: none):
    the same token, or a token that inflects it ("Einwohnerinnen" holds "Einwohner"), in
    full; a token sharing most of its stem ("Personalaufwand" – "Personalaufwendungen") less,
    by what is left over. A short token inside a long word ("Stadt" – "Stadtmuseum") is none."""
    if word in tokens:
        return len(word)
    if len(word) < 4 or word.isdigit():
        return 0
    found = 0
    for t in tokens:
        if len(t) < 4:
            continue
        if t.startswith(word):
            return len(word)
        cp = len(_common_prefix(t, word))
        if cp >= 0.6 * len(word) and cp >= 0.8 * len(t):
            found = max(found, 2 * cp - len(word))
    return max(found, 0)


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


@dataclass(frozen=True)
class Question:
    text: str
    tokens: frozenset[str]
    years: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Question:
        return cls(text, frozenset(words(text)), tuple(years(text)))

    def position(self, phrase: str) -> int:
        """Where `phrase` (or its first word) first occurs; for the order of two places."""
        found = self.text.casefold().find(phrase.casefold())
        if found >= 0:
            return found
        first = next(iter(words(phrase)), "")
        found = self.text.casefold().find(first) if first else -1
        return found if found >= 0 else len(self.text)


def phrase_score(phrase: str, q: Question, *, need_all: bool = True) -> int:
    """Letters of `phrase` found in the question (0: not named). Numbering such as
    "10 - " or "17 = " in front of a row label is no content."""
    phrase = re.sub(r"^\s*\d+\s*[-=–]\s*", "", phrase)
    content = [w for w in words(phrase) if w not in STOP]
    if not content:
        return 0
    scores = [word_matches(w, q.tokens) for w in content]
    found = [w for w, sc in zip(content, scores, strict=True) if sc]
    if not found:
        return 0
    if need_all and len(found) < len(content):
        return 0
    partial = len(found) < len(content)
    if partial and (len(found) / len(content) < 0.6 or max(map(len, found)) < 5):
        return 0
    # Each named word counts beyond its letters: "80 Jahre" names more than "Menschen".
    return sum(scores) + 5 * len(found)


def fully_named(phrase: str, q: Question) -> bool:
    """Every content word of `phrase` is in the question as it is or inflected."""
    content = [w for w in words(phrase) if w not in STOP]
    return bool(content) and all(word_matches(w, q.tokens) == len(w) for w in content)


def distinct_position(phrase: str, other: str, q: Question) -> int:
    """Where the question names what sets `phrase` apart from `other` ("CDU" in
    "Zweitstimmen CDU" against "Zweitstimmen SPD")."""
    own = [w for w in words(phrase) if w not in set(words(other))] or words(phrase)
    return min(q.position(w) for w in own)


def code_named(value, q: Question) -> bool:
    """A code cell (01011103, 10101, 093) written as one token of the question; years are
    periods, not codes."""
    text = str(value).strip().casefold()
    return len(text) >= 3 and text in q.tokens and text not in q.years


def best(scored: dict[str, int]) -> list[str]:
    """The keys with the highest positive score."""
    top = max(scored.values(), default=0)
    return [k for k, v in scored.items() if v == top and top > 0]


def header_score(header: str, q: Question) -> int:
    """How well a column header is named by the question; a header with a year counts only
    when the question names that year (Plan 2012, Ergebnis 2010)."""
    header_years = years(header)
    if header_years and not set(header_years) & set(q.years):
        return 0
    rest = _YEAR.sub(" ", header)
    score = phrase_score(rest, q, need_all=False) if words(rest) else 0
    if header_years:
        score += 1 + score  # the year is named: this column, not the other years'
    return score
