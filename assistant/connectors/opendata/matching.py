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
from functools import lru_cache
from itertools import pairwise

_WORD = re.compile(r"[0-9a-zäöüß]+")
# A year stands alone or ends a date ("31.12.2005", "12.2005"); a four-digit group after a
# dot is never a thousands group, so a date's year is read, and "3.2005,5" is no year.
_YEAR = re.compile(r"(?:(?<![\d.])|(?<=\d\.))(19\d\d|20\d\d)(?!\d|[.,]\d)")
# Asking for a number, a difference or a stand: the question wants a figure, not a dataset.
_INTENT = re.compile(
    r"\b(wie viele?|wieviele?|wie hoch|wie stark|wie groß|um wie viel|anzahl|zahl der|"
    r"einwohnerzahl|mehr als|weniger als|höher als|niedriger als|minus|differenz|"
    r"gewachsen|veränder|zuwachs|rückgang|gestiegen|gesunken|summe|insgesamt|gesamt|stand|"
    r"anteil)",
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


# A year right after a date, a preposition or a word of time ("am 31.12.2012", "für 2014",
# "Ende 2012", "Planjahr 2013") is a period asked; right after another noun it may name a
# publication or an event instead ("Haushaltsplan 2012", "Bundestagswahl 2013").
_TIME_WORDS = frozenset(["stichtag", "seit", "zwischen", "auf", "anfang", "beginn"])
_BEFORE = re.compile(r"([0-9a-zäöüß]+)([^0-9a-zäöüß]*)$")


def year_labels(text: str) -> list[tuple[str, str | None]]:
    """Each year of `text` with the word that labels it (None: a period — a date, a
    preposition or a word of time before it). "2013/2014" shares the first year's label."""
    out: list[tuple[str, str | None]] = []
    for m in _YEAR.finditer(text):
        before = _BEFORE.search(text[: m.start()].casefold())
        word, gap = (before.group(1), before.group(2)) if before else ("", "")
        if word.isdigit() and gap.strip() in ("/", "-", "–") and out:
            label = out[-1][1]  # "2013/2014", "2012-2013": one label for both years
        elif not word or word.isdigit() or word in STOP or word in _TIME_WORDS:
            label = None
        else:
            label = None if word.endswith(("jahr", "jahres", "ende")) else word
        out.append((m.group(1), label))
    return out


def column_years(q: Question, headers: list[str]) -> list[str]:
    """The years the question asks for among `headers` ("Plan 2013", "für das Jahr 2014"):
    a year labelled by a word no header has ("Haushaltsplan 2012" before "Plan 2012") names
    the publication, not a column — unless no year is asked otherwise."""
    vocab = {w for h in headers for w in words(_YEAR.sub(" ", h)) if not w.isdigit()}
    labelled = year_labels(q.text)
    asked = [
        y for y, label in labelled
        if label is None or any(word_matches(w, {label}) == len(w) for w in vocab)
    ]  # fmt: skip
    if asked:
        return list(dict.fromkeys(asked))
    # No year is asked as a column's. A compound ending in a header's word names a kind of
    # it, so its year names the publication ("Haushaltsplan 2013/2014" is a plan); a year
    # after another word is the measure's period ("Personalaufwendungen 2014").
    own = [y for y, label in labelled if not (label and _compound_of(label, vocab))]
    return list(dict.fromkeys(own)) or list(q.years)


def _compound_of(word: str, vocab: set[str]) -> bool:
    """`word` is a compound whose last part is one of `vocab` ("haushaltsplan" – "plan")."""
    return any(len(w) >= 4 and len(word) > len(w) and word.endswith(w) for w in vocab)


_VERSUS = re.compile(
    r"\b(mehr als|weniger als|höher als|niedriger als|größer als|kleiner als|minus|vor der|"
    r"um wie viele?|"  # "Um wie viele Prozentpunkte lag A über B": the asked figure is a difference
    r"vor dem|gegenüber|differenz|unterschied|unterscheiden|vergleich\w*|verglichen|"
    r"im gegensatz zu|vs|versus)\b",
    re.IGNORECASE,
)
# What sets a direction between the two sides ("A minus B", "A vor B", "A über B"; also
# "A mehr als B", _MORE_THAN): without it a difference is asked as a size, the larger less
# the smaller ("Differenz zwischen A und B", "A vs. B", "wie viele hat B mehr?").
_DIRECTED = re.compile(r"\b(minus|vor (der|dem|den)|über|unter)\b(?!\s*\d)", re.IGNORECASE)


# Words up to the end of the sentence: a dot inside a date or number ("31.12.2010") ends none.
_IN_SENTENCE = r"(?:[^?.!;]|\.(?=\d))*?"
# "Wie viele Einwohner mehr hatte Porz als Chorweiler?": the comparative and its "als" apart.
_MORE_THAN = re.compile(
    rf"\b(mehr|weniger|höher|niedriger|größer|kleiner|geringer)\b{_IN_SENTENCE}\bals\b",
    re.IGNORECASE,
)
# "Wie viele Einwohner weniger hatte A als B?": by how much A falls short, B − A.
_LESS_THAN = re.compile(
    rf"\b(weniger|niedriger|kleiner|geringer)\b{_IN_SENTENCE}\bals\b", re.IGNORECASE
)


_MORE_WORDS = r"(mehr|größer|höher|stärker|weniger|kleiner|niedriger|geringer|schwächer)"
# "Hatte A oder B mehr Einwohner?", "Welcher Teilplan ist größer, A oder B?": a choice
# between two; the answer names the larger (or smaller) value, then the difference.
_CHOICE = re.compile(
    rf"\b(oder|welche[rsmn]?)\b{_IN_SENTENCE}\b{_MORE_WORDS}\b"
    rf"|\b(die|den|der|das) (höhere|größere|niedrigere|kleinere)n? (zahl|wert|betrag)",
    re.IGNORECASE,
)
_LESS_WORDS = re.compile(r"\b(weniger|kleiner\w*|niedriger\w*|geringer|schwächer)\b", re.IGNORECASE)


def chooses(question: str) -> str | None:
    """ "max" or "min" when the question asks which of two has more (less); None when it
    asks by how much one exceeds the other ("A mehr als B")."""
    found = _CHOICE.search(question)
    if not found or _MORE_THAN.search(question):
        return None
    return "min" if _LESS_WORDS.search(found.group(0)) else "max"


def compares(question: str) -> bool:
    """The question sets two things against each other ("CDU vor der SPD", "A oder B –
    wer hat mehr?")."""
    return bool(_VERSUS.search(question) or _MORE_THAN.search(question) or chooses(question))


# A deficit named as such ("Fehlbetrag", "Defizit", "Verlust") is the amount of a negative
# result: "der Fehlbetrag von A ist größer als der von B" compares the amounts.
_LOSS = re.compile(r"\b(fehlbetr[aä]g\w*|defizit\w*|verlust\w*)", re.IGNORECASE)


def names_loss(question: str) -> bool:
    return bool(_LOSS.search(question))


def undirected(question: str) -> bool:
    """A comparison that names no direction: the difference is its size (never negative)."""
    return not (_MORE_THAN.search(question) or _DIRECTED.search(question))


# A share ("Anteil", "Quote", "in Prozent", "Prozentpunkte"): a column in percent is meant.
_SHARE = re.compile(r"prozent|%|anteil|quote", re.IGNORECASE)
# A change in percent ("Um wie viel Prozent …"), not in percentage points.
_RELATIVE = re.compile(r"\b(prozent|prozentual\w*)\b|%", re.IGNORECASE)


# "Innenstadt und Porz zusammen": two places added, not set against each other.
_TOGETHER = re.compile(r"\b(zusammen\w*|gemeinsam|addiert|summe)\b", re.IGNORECASE)


def adds(question: str) -> bool:
    return bool(_TOGETHER.search(question)) and not compares(question)


# "seit 2018", "von 2018 bis heute": one year named, the change up to the newest is asked.
_SINCE = re.compile(r"\bseit\b|\bbis (heute|jetzt|zuletzt)\b", re.IGNORECASE)


def since(question: str) -> bool:
    return bool(_SINCE.search(question))


def asks_share(question: str) -> bool:
    return bool(_SHARE.search(question))


def asks_relative(question: str) -> bool:
    return bool(_RELATIVE.search(question))


def falls_short(question: str) -> bool:
    """The first of two things is set below the second ("A weniger als B")."""
    return bool(_LESS_THAN.search(question))


def wants_figure(question: str) -> bool:
    """A number is asked: its wording, two things set against each other ("der Unterschied
    in der Wahlbeteiligung zwischen A und B"), or a year named in a question that asks for no
    dataset — staff type keywords ("zweitstimmen cdu köln 2013") as often as sentences."""
    asked = _INTENT.search(question) or compares(question) or years(question)
    return bool(asked) and not _DATASET.search(question)


def asks_for_dataset(question: str) -> bool:
    return bool(_DATASET.search(question))


def word_matches(word: str, tokens: set[str] | frozenset[str]) -> int:
    """How much of a word of a header, value or phrase the question's tokens hold (0: none):
    the same token, or a token that inflects it ("Einwohnerinnen" holds "Einwohner"), in
    full; a token sharing most of its stem ("Personalaufwand" – "Personalaufwendungen") less,
    by what is left over. A short token inside a long word ("Stadt" – "Stadtmuseum") is none."""
    return _word_match(word, tokens)[0]


def _word_match(word: str, tokens) -> tuple[int, str | None]:
    """`word_matches` and the token that matched."""
    if word in tokens:
        return len(word), word
    if len(word) < 4 or word.isdigit():
        return 0, None
    found, token = 0, None
    for t in tokens:
        if len(t) < 4:
            continue
        # A participle names its stem: "geplant" names "Plan", "gezahlt" "Zahl".
        if t.startswith(word) or (t.startswith("ge") and t[2:].startswith(word)):
            return len(word), t
        if len(word) >= 7 and _one_letter_apart(word, t):
            return len(word) - 1, t  # a file's spelling slip ("Mühlheim" for "Mülheim")
        cp = len(_common_prefix(t, word))
        if cp >= 0.6 * len(word) and cp >= 0.8 * len(t) and 2 * cp - len(word) > found:
            found, token = 2 * cp - len(word), t
    return found, token


def _phrase_matches(content: list[str], tokens) -> list[tuple[int, str | None]]:
    """Per content word its score and token; a token of the question names one word only
    ("Einwohnerinnen" is not both "Einwohnerinnen" and "Einwohner" of a phrase)."""
    free = set(tokens)
    out = []
    for w in sorted(content, key=len, reverse=True):
        score, token = _word_match(w, free)
        free.discard(token)
        out.append((w, score, token))
    order = {w: i for i, w in enumerate(content)}
    return [(sc, t) for _, sc, t in sorted(out, key=lambda x: order[x[0]])]


def _one_letter_apart(a: str, b: str) -> bool:
    """One letter more or less, not at the start: a name as a file misspells it."""
    if abs(len(a) - len(b)) != 1 or a[:2] != b[:2]:
        return False
    long, short = (a, b) if len(a) > len(b) else (b, a)
    n = len(_common_prefix(long, short))
    return long[n + 1 :] == short[n:]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# An age written as a word ("unter einem Jahr", "ab zwei Jahren", "zehnjährige"): its digits.
_NUMERALS = {"ein": 1, "eins": 1, "einem": 1, "einen": 1, "einer": 1, "zwei": 2, "drei": 3,
             "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
             "elf": 11, "zwölf": 12}  # fmt: skip
_SPELLED_AGE = re.compile(r"\b(" + "|".join(_NUMERALS) + r")(\s+jahr|-?jährig)", re.IGNORECASE)


def spelled_ages(text: str) -> str:
    """`text` with ages written as words in digits: a range reads numbers only."""
    return _SPELLED_AGE.sub(lambda m: f"{_NUMERALS[m.group(1).casefold()]}{m.group(2)}", text)


@dataclass(frozen=True)
class Question:
    text: str
    tokens: frozenset[str]
    years: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Question:
        text = spelled_ages(text)
        return cls(text, frozenset(words(text)), tuple(years(text)))

    def position(self, phrase: str) -> int:
        """Where `phrase` (or its first word) first occurs; for the order of two places."""
        found = self.text.casefold().find(phrase.casefold())
        if found >= 0:
            return found
        first = next(iter(words(phrase)), "")
        found = self.text.casefold().find(first) if first else -1
        if found < 0 and first:  # inflected or misspelt in the file ("Mühlheim"): its token
            token = _word_match(first, self.tokens)[1]
            found = self.text.casefold().find(token) if token else -1
        return found if found >= 0 else len(self.text)


def phrase_score(phrase: str, q: Question, *, need_all: bool = True) -> int:
    """Letters of `phrase` found in the question (0: not named). Numbering such as
    "10 - " or "17 = " in front of a row label is no content."""
    phrase = re.sub(r"^\s*\d+\s*[-=–]\s*", "", phrase)
    content = list(dict.fromkeys(w for w in words(phrase) if w not in STOP))
    if not content:
        return 0
    scores = [sc for sc, _ in _phrase_matches(content, q.tokens)]
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


def named_tokens(phrase: str, q: Question) -> frozenset[str]:
    """The question's tokens that name words of `phrase`."""
    content = list(dict.fromkeys(w for w in words(phrase) if w not in STOP))
    return frozenset(t for sc, t in _phrase_matches(content, q.tokens) if sc and t)


def fully_named(phrase: str, q: Question) -> bool:
    """Every content word of `phrase` is in the question as it is or inflected (or as the
    file misspells it by one letter: `word_matches` gives such a word one letter less)."""
    content = [w for w in words(phrase) if w not in STOP]
    return bool(content) and all(
        word_matches(w, q.tokens) >= len(w) - (len(w) >= 7) for w in content
    )


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


def kind_named(header: str, value: str, q: Question, reach: int = 3) -> int:
    """How well the question names a place's kind by the column header right before the
    place ("im Stadtteil Chorweiler" names the column "Stadtteil"): the header counts only
    within `reach` words before the value, so "Stadtteil Chorweiler (nicht im ganzen
    Stadtbezirk)" does not also name "Stadtbezirk" for Chorweiler."""
    score = phrase_score(header, q)
    if not score:
        return 0
    sequence = words(q.text)
    first = next(iter(words(value)), None)
    spots = [i for i, w in enumerate(sequence) if first and word_matches(first, {w}) == len(first)]
    kinds = named_tokens(header, q)
    for spot in spots:
        if any(w in kinds for w in sequence[max(0, spot - reach) : spot]):
            return score
    return 0


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


# Age bands and other ranges: "von 1 bis unter 6 Jahren" names the header "E_1U6",
# "zwischen 21 und 34" the header "21 - 34", "ab 80 Jahren" the header "80 u. älter".
_SMALL = re.compile(r"(?<![\w.,])(\d{1,3})(?!\w|[.,]\d)")
_BAND_GAP = re.compile(r"\s*(bis unter|und unter|bis zu|bis|und|-|–)\s*$", re.IGNORECASE)
_OPEN_AFTER = re.compile(r"\s*(jahre\w*\s+)?(und|oder)\s+(älter|mehr|darüber)|\s*\+", re.IGNORECASE)
_OPEN_BEFORE = re.compile(r"\b(ab|über|mindestens)\s+$", re.IGNORECASE)
_OPEN_HEADER = re.compile(r"älter|über|mehr|\+", re.IGNORECASE)
# "unter 1 Jahr", not "bis unter 6" or "zwischen 18 und unter 25"
_BELOW = re.compile(r"(?<!bis )(?<!\d und )\bunter\s+$", re.IGNORECASE)
_BELOW_HEADER = re.compile(r"(unter|(?<![a-z])u|_u)\s*(\d+)$", re.IGNORECASE)


@lru_cache(maxsize=256)
def bands(text: str) -> tuple[frozenset[tuple[int, int]], frozenset[int], frozenset[int]]:
    """The ranges a question names: closed (1, 6), open-ended starts (80), ends ("unter 1")."""
    found = [(int(m.group(1)), m.start(), m.end()) for m in _SMALL.finditer(text)]
    pairs = {
        (a, b)
        for (a, _, end), (b, start, _) in pairwise(found)
        if a < b and _BAND_GAP.fullmatch(text[end:start])
    }
    starts = {a for a, s, e in found if _OPEN_AFTER.match(text, e) or _OPEN_BEFORE.search(text[:s])}
    below = {a for a, s, _ in found if _BELOW.search(text[:s])}
    return frozenset(pairs), frozenset(starts), frozenset(below)


BAND_SCORE = 20  # a range written out names its column more exactly than any word


def band_score(header: str, q: Question) -> int:
    """BAND_SCORE when the header's numbers are the range the question names."""
    numbers = [int(n) for n in re.findall(r"\d+", _YEAR.sub(" ", header))]
    if not numbers or len(numbers) > 2:
        return 0
    pairs, starts, below = bands(q.text)
    if len(numbers) == 2 and tuple(numbers) in pairs:
        return BAND_SCORE
    if len(numbers) == 1 and numbers[0] in below and _BELOW_HEADER.search(header.strip()):
        return BAND_SCORE
    open_ended = numbers[-1] >= 99 if len(numbers) == 2 else bool(_OPEN_HEADER.search(header))
    return BAND_SCORE if numbers[0] in starts and open_ended else 0


def two_bands(headers: list[str], q: Question) -> list[str]:
    """The band headers whose ranges the question names, in the question's order, when it
    names exactly two ("mehr 65- bis unter 80-Jährige als 6- bis unter 15-Jährige")."""
    named = [h for h in headers if band_score(h, q)]
    if len(named) != 2:
        return named

    def spot(header: str) -> int:  # where the question writes the header's range
        numbers = re.findall(r"\d+", _YEAR.sub(" ", header))
        if len(numbers) == 2:
            pattern = rf"(?<![\d.,]){numbers[0]}\D{{1,20}}?{numbers[1]}(?!\d)"
        else:
            n = numbers[0]
            pattern = rf"\b(unter|ab|über|mindestens)\s+{n}(?!\d)|(?<![\d.,]){n}\s*(\+|\w*\s*(und|oder)\s+(älter|mehr))"
        m = re.search(pattern, q.text, re.IGNORECASE)
        return m.start() if m else len(q.text)

    return sorted(named, key=spot)


def most_specific(named: dict[str, tuple[int, frozenset]], default: str | None) -> str | None:
    """The best-named column; but when the best is the total ("Einwohner") and another column
    is named by other words of the question ("männliche Einwohner"), that one: the question
    qualifies the total. A column named by fewer of the same words ("Einwohnerinnen" within
    "Einwohnerinnen und Einwohner") stays behind."""
    if not named:
        return None
    top = max(named, key=lambda c: named[c][0])
    if top != default:
        return top
    others = [c for c in named if c != top and not named[c][1] <= named[top][1]]
    return max(others, key=lambda c: named[c][0]) if others else top
