"""Word lists behind the name recognizer, and the word tokens it works on.

The lists are compiled into ``data/`` by ``compile_lexicon.py`` (sources and
licences in ``data/SOURCES.md``); nothing is downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from spacy.lang.de.stop_words import STOP_WORDS

DATA = Path(__file__).parent / "data"

# Names with a second capital: McCain, MacLeod, FitzGerald, LeBron, DiCaprio, O'Brien.
CAMEL_NAME = re.compile(r"(?:Mc|Mac|Fitz|Le|La|De|Di|Da|Van|O')[A-ZÄÖÜ][a-zäöüß]+$")
ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an|ed|er|es|et)-(?=[A-ZÄÖÜ])")
# Endings of Slavic, Turkish, Romanian, Greek and Georgian surnames.
SURNAME_ENDING = re.compile(
    r"(?:ski|ska|cki|cka|wicz|czyk|czak|ović|ovic|evic|ević|enko|chuk|oglu|oğlu|escu|"
    r"opoulos|shvili|dze)$"
)
# ae, oe, ue for ä, ö, ü (not after q: "Quelle"; not "eue" as in "neue", "Steuer").
UMLAUT_DIGRAPH = re.compile(r"(?<![qQeE])(?:ae|oe|ue|Ae|Oe|Ue)")
UMLAUTS = {"ae": "ä", "oe": "ö", "ue": "ü", "Ae": "Ä", "Oe": "Ö", "Ue": "Ü"}
# Linking elements between the parts of a German compound (Fugenelemente).
LINKS = ("", "s", "es", "n", "en", "e", "er")
# A word, possibly hyphenated or with an apostrophe (Müller-Lüdenscheidt, O'Brien).
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


class Token(NamedTuple):
    """A word of a text; a named tuple, not a frozen dataclass: built some hundred times
    per message, and a frozen dataclass's constructor takes twice as long."""

    text: str
    start: int
    end: int
    dot: bool  # followed directly by "." (abbreviations, initials)
    before: str  # the characters between the previous word and this one
    dash: bool = False  # followed by "-" and no word: a truncated compound ("Schank- und")


# The two name recognizers and the repeat finder split the same chunk into words:
# the last text's words are kept for them (a third of the splitting cost each).
# forget_words() drops them at the end of every redaction, so no text stays in memory.
_last_words: tuple[str, tuple[Token, ...]] | None = None


def tokenize(text: str) -> list[Token]:
    global _last_words
    last = _last_words  # read once: another thread may replace it
    if last is not None and last[0] == text:
        return list(last[1])
    tokens = tuple(_split_words(text))
    _last_words = (text, tokens)
    return list(tokens)


def forget_words() -> None:
    """Drop the kept words (and with them the text) of the last tokenize() call."""
    global _last_words
    _last_words = None


def _split_words(text: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end = 0
    for m in WORD.finditer(text):
        after = text[m.end() : m.end() + 1]
        dash = after in ("-", "\u2010")
        between = text[previous_end : m.start()]
        tokens.append(Token(m.group(), m.start(), m.end(), after == ".", between, dash))
        previous_end = m.end()
    return tokens


# A lone 0 or 1 between letters is an OCR'd O or I inside a word ("W1ERZBICKI").
_OCR_DIGIT = re.compile(r"(?<=[^\W\d_])[01](?=[^\W\d_])")


def in_code(text: str, tok: Token) -> bool:
    """A letter run with a digit right before or after it is part of a code
    ("L64R881144"), no word or initial; an OCR'd letter does not count."""
    after, before = tok.end, tok.start - 1
    glued_after = text[after : after + 1].isdigit() and not _OCR_DIGIT.match(text, after)
    glued_before = before >= 0 and text[before].isdigit() and not _OCR_DIGIT.match(text, before)
    return glued_after or glued_before


def _read(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _read_margins(name: str) -> dict[str, float]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    pairs = (line.split("\t") for line in lines if line and not line.startswith("#"))
    return {word: float(margin) for word, margin in pairs}


@lru_cache(maxsize=1)
def _data_files() -> tuple:
    # Read once per process: together the lists take a few tenths of a second.
    names = ("first_names.txt", "surnames.txt", "nouns_de.txt", "places_de.txt")
    first, last, nouns, places = (_read(name) for name in names)
    return (
        typed_without_accents(first),
        typed_without_accents(last),
        nouns,
        places,
        _read_margins("lowercase_de.tsv"),
    )


# Letters a German keyboard lacks, as staff type them: Yıldız → Yildiz, Şahin → Sahin,
# Wałęsa → Walesa, Kovačević → Kovacevic, Muñoz → Munoz. Umlauts and ß are typed as they are.
_UNACCENTED = str.maketrans(
    "ıİşŞğĞçÇłŁńŃśŚźŹżŻćĆąĄęĘčČšŠžŽđĐřŘěĚůŮýÝáÁéÉíÍóÓúÚñÑãÃõÕâÂêÊîÎôÔûÛàÀèÈìÌòÒùÙșȘțȚăĂ",
    "iIsSgGcClLnNsSzZzZcCaAeEcCsSzZdDrReEuUyYaAeEiIoOuUnNaAoOaAeEiIoOuUaAeEiIoOuUsStTaA",
)


def typed_without_accents(names: frozenset[str]) -> frozenset[str]:
    """The names and their forms as typed on a German keyboard."""
    return names | {name.translate(_UNACCENTED) for name in names}


@lru_cache(maxsize=1)
def _foreign_files() -> tuple[frozenset[str], frozenset[str]]:
    """English words and brand names, lower case."""
    return _read("english_words.txt"), _read("brands.txt")


@lru_cache(maxsize=1)
def english_name_words() -> frozenset[str]:
    """First names that are also lower-case English words (grace, jack, amber)."""
    return _read("english_name_words.txt")


def is_noun(word: str) -> bool:
    """A German common noun, in any case (Bank, bank)."""
    return word[:1].upper() + word[1:].lower() in _data_files()[2]


def is_counted_noun(word: str) -> bool:
    """A noun that is mostly written capitalized (Kinder, Bänke), in any case; not a
    verb that can be a noun too (nachschauen, prüfen)."""
    cap = word[:1].upper() + word[1:].lower()
    return cap in _data_files()[2] and _data_files()[4].get(cap, -99.0) <= 0.0


def is_place(word: str) -> bool:
    """A German place name, in any case; for "Mainz-Gonsenheim" its first part."""
    first = word.split("-")[0]
    return first[:1].upper() + first[1:].lower() in _data_files()[3]


def english_words() -> frozenset[str]:
    """Frequent English words, lower case."""
    return _foreign_files()[0]


def is_common_word(word: str) -> bool:
    """A German common noun or place name, or a word mostly written in lower case
    (adjectives, verbs: "digital", "total"), in any case: no proper name of a street."""
    _, _, nouns, places, lower = _data_files()
    cap = "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return cap in nouns or cap in places or lower.get(cap, -99.0) > -2.3


def is_listed_name(word: str) -> bool:
    """A listed first name or surname, in any case."""
    first_names, surnames, _, _, _ = _data_files()
    cap = word[:1].upper() + word[1:].lower()
    return cap in first_names or cap in surnames


def is_institution(word: str) -> bool:
    """A hyphenated compound headed by a capitalized noun that is no name: a school, a
    foundation, a street named after people ("Konrad-Adenauer-Gymnasium"). A double
    surname keeps its head (Schulte-Fischer: Fischer is a listed surname too)."""
    head = word.rsplit("-", 1)[-1]
    return "-" in word and head[:1].isupper() and is_noun(head) and not is_listed_name(head)


def is_first_name(word: str) -> bool:
    """A listed first name, in any case."""
    return word[:1].upper() + word[1:].lower() in _data_files()[0]


def is_office_noun(word: str) -> bool:
    """A German common noun that is no listed name, in lower case and with umlauts
    typed as ae/oe/ue ("einbuergerung", "hundesteuer"): the local part of a functional
    mailbox. Surnames that are nouns too (koch, mueller) stay names."""
    first_names, surnames, nouns, _, _ = _data_files()
    cap = word[:1].upper() + word[1:].lower()
    spelled = UMLAUT_DIGRAPH.sub(lambda m: UMLAUTS[m.group()], cap)
    return (
        len(word) >= 5
        and not any(w in first_names or w in surnames for w in (cap, spelled))
        and (cap in nouns or spelled in nouns)
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
    noun_suffixes: tuple[str, ...]
    short_heads: frozenset[str]
    # Capitalized forms of lower-case words -> log(P(lower) / P(Capitalized)).
    lower_margin: dict[str, float]
    # Lower case: frequent English words (file, core) and brand or product names.
    english: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    # Word-forming prefixes of German compounds (nicht, höchst, wieder …), lower case.
    prefixes: frozenset[str] = frozenset()

    @classmethod
    def load(cls, conf: dict) -> Lexicon:
        """Build from the data files and the ``names`` section of the YAML conf."""
        first, last, nouns, places, lower = _data_files()
        # Nouns the Wiktionary extract lacks (compass points: "Zugang Süd").
        nouns = nouns | frozenset(conf.get("extra_nouns", ()))
        english, brands = _foreign_files()
        unambiguous = set(conf.get("unambiguous_first_names", ()))
        # Solange, Will: more often a lower-case word than a name.
        words = {name for name in first if lower.get(name, -99.0) > 0} | nouns | places
        ambiguous = ((first & words) - unambiguous) | set(conf.get("ambiguous_first_names", ()))
        # Hermes, Octavia: a brand first, a person only with a surname or a cue.
        ambiguous |= {brand.capitalize() for brand in brands}
        not_names = {w.capitalize() for w in STOP_WORDS} | set(conf.get("not_names", ()))
        suffixes = tuple(conf.get("noun_suffixes", ()))
        short_heads = frozenset(conf.get("short_heads", ()))
        return cls(
            first,
            last,
            nouns,
            places,
            frozenset(ambiguous),
            frozenset(not_names),
            suffixes,
            short_heads,
            lower,
            english,
            brands,
            frozenset(p.lower() for p in conf.get("compound_prefixes", ())),
        )

    def is_foreign_word(self, word: str) -> bool:
        """A frequent English word or a brand (any case): Chrome, Firefox, update;
        or an English compound (Streetworker, Coworking, Homeschooling)."""
        lower = word.lower()
        if lower in self.brands or (lower in self.english and word not in self.surnames):
            return True
        cap = lower.capitalize()
        if len(lower) < 8 or cap in self.surnames or cap in self.first_names:
            return False
        return self._english_compound(lower)

    def _english_compound(self, lower: str) -> bool:
        if lower[:2] in ("co", "re", "un") and lower[2:] in self.english:
            return True
        return any(
            lower[:k] in self.english and lower[k:] in self.english
            for k in range(4, len(lower) - 3)
        )

    def is_capitalized(self, word: str) -> bool:
        """Starts with a capital, is no acronym (BMG, PAuswG) and no listed non-name."""
        # Arabic names with the article: al-Amin, el-Sayed, ad-Din. (Asked for every
        # word of a message: the tests below skip what a word without "-" cannot need.)
        hyphenated = "-" in word
        if hyphenated:
            word = ARABIC_ARTICLE.sub("", word)
        if not word[:1].isupper() or word in self.not_names:
            return False
        if not hyphenated:
            return sum(c.isupper() for c in word) <= 1 or CAMEL_NAME.match(word) is not None
        # Every part of a hyphenated name is capitalized (Müller-Lüdenscheidt, not Vor-und).
        return all(
            part[:1].isupper() and (sum(c.isupper() for c in part) <= 1 or CAMEL_NAME.match(part))
            for part in word.split("-")
        )

    def is_known_name(self, word: str) -> bool:
        base = word.removesuffix("s")  # genitive: Merkels, Peters
        parts = word.split("-")
        return any(
            w in self.surnames or (w in self.first_names and w not in self.ambiguous)
            for w in (word, base, *parts)
        )

    def is_word(self, word: str) -> bool:
        """An ordinary noun or a place name, not a person (old spelling too: Paß)."""
        if word in self.nouns or word in self.places:
            return True
        genitive = word.endswith("s") and len(word) > 4  # Wegzugs, Bescheides
        if genitive and (
            word[:-1] in self.nouns or (word.endswith("es") and word[:-2] in self.nouns)
        ):
            return True
        return "ß" in word and word.replace("ß", "ss") in self.nouns

    def is_lowercase_word(self, word: str) -> bool:
        """Capitalized only at a sentence start or in a title (Soweit, Findet, Gewählt)."""
        return self.lower_margin.get(word, -99.0) > -2.3

    def is_first_name(self, word: str) -> bool:
        if "-" in word:  # Hans-Peter, Ana-Maria, Jean-François
            return all(self.is_first_name(part) for part in word.split("-"))
        return word in self.first_names and word not in self.not_names

    def is_compound_noun(self, word: str) -> bool:
        """Ends in a noun (Wohngeldantrag) or in a noun-forming suffix (-ung, -heit …)."""
        last = word.rsplit("-", 1)[-1]
        if self.is_word(last) or last.lower().endswith(self.noun_suffixes):
            return True
        # Short heads are too often the tail of a name (Rütt-gers, Rib-hegge);
        # only listed ones (Haus, Amt …) count.
        heads = (last[i:].capitalize() for i in range(2, len(last) - 2))
        if any((len(h) > 4 or h in self.short_heads) and self.is_word(h) for h in heads):
            return True
        return self._two_words(last)

    def _two_words(self, word: str) -> bool:
        """A German compound of two known words: Rechts|gut, Dienst|pass, Vermächtnis|nehmer
        (a noun, a linking s/es/n/en/e, then a noun or a nominalized adjective that is
        no surname)."""
        for k in range(3, len(word) - 2):
            head = word[k:].capitalize()
            if len(head) > 3 and head in self.surnames:  # Stein|meier, Oster|mann: names too
                continue
            if not (self.is_word(head) or (len(head) > 4 and self.is_lowercase_word(head))):
                continue
            prefix = word[:k]
            # A word-forming prefix before a noun or a nominalized verb: Nicht|bestehen,
            # Höchst|maß, Wieder|auffinden.
            if prefix.lower() in self.prefixes:
                return True
            for link in LINKS:
                stem = prefix[: len(prefix) - len(link)] if prefix.endswith(link) else ""
                if len(stem) >= 3 and self._stem(stem.capitalize()):
                    return True
        return False

    def _stem(self, stem: str) -> bool:
        return stem in self.nouns

    def is_unknown(self, word: str, english_ok: bool = False) -> bool:
        """A capitalized word that no list knows as an ordinary word: likely a name.
        `english_ok`: an English word counts too (after a name: Usain Bolt)."""
        if len(word) < 3 or not self.is_capitalized(word) or self.is_word(word):
            return False
        if self._transliterated_word(word):
            return False
        if self.is_lowercase_word(word) or word.lower() in self.brands:
            return False
        if not english_ok and self.is_foreign_word(word):
            return False
        return word in self.surnames or not self.is_compound_noun(word)

    def _transliterated_word(self, word: str) -> bool:
        """Umlauts typed as ae/oe/ue (and ß as ss) where a keyboard lacks them:
        "Sterbefaelle", "Gebuehren". A surname keeps its spelling (Mueller, Schroeder)."""
        if not UMLAUT_DIGRAPH.search(word) or word in self.surnames:
            return False
        spelled = UMLAUT_DIGRAPH.sub(lambda m: UMLAUTS[m.group()], word)
        return spelled not in self.surnames and (
            self.is_word(spelled) or self.is_compound_noun(spelled)
        )

    def is_surname_like(self, word: str) -> bool:
        """Capitalized and either a known name or no ordinary word."""
        if not self.is_capitalized(word):
            return False
        return self.is_known_name(word) or not self.is_word(word)
