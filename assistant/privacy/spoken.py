"""Numbers written as words, as dictation and speech-to-text produce them.

Dictated identifiers come digit by digit ("null sechs eins drei eins zwo …"), letters
spelled one by one ("de", "h", "m z"), "plus" for "+". A run of such words, separated
by single spaces, is an identifier when it holds at least ``MIN_TOKENS`` words of
which ``MIN_NUMBERS`` are number words (or, letters only, at least ``MIN_LETTERS``
spelled letters): counting ("eins, zwei, drei") is broken up by commas and "und". The
nearest cue before the run names its type (``CUES``); without one it is a
``CASE_NUMBER``, the type that leaks least when it is wrong.

Two further forms are dictated the same way:

* a date of birth as ordinals after a birth word: "geboren am dritten mai
  zweitausendzwölf", "geburtsdatum elfter elfter zwanzig fünfzehn";
* a house number as a cardinal after a one-word street ("lindenweg vierzehn",
  "ulmenring sieben b"), when no counted noun follows ("schulweg zwei tage").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from assistant.privacy.lexicon import is_counted_noun
from assistant.privacy.plates import official_vehicle
from assistant.privacy.scored import cue_regex

MIN_TOKENS, MIN_NUMBERS, MIN_LETTERS = 5, 3, 8
CUE_WINDOW = 45

_U = r"(?:ein|zwei|drei|vier|fünf|fuenf|sechs|sieben|acht|neun)"
_DIGIT = r"(?:null|eins|zwei|zwo|drei|vier|fünf|fuenf|sechs|sieben|acht|neun)"
_TEEN = r"(?:zehn|elf|zwölf|zwoelf|dreizehn|vierzehn|fünfzehn|fuenfzehn|sechzehn|siebzehn|achtzehn|neunzehn)"
_TENS = r"(?:zwanzig|dreißig|dreissig|vierzig|fünfzig|fuenfzig|sechzig|siebzig|achtzig|neunzig)"
_BELOW_100 = rf"(?:(?:{_U}und)?{_TENS}|{_TEEN}|{_DIGIT})"
_BELOW_1000 = rf"(?:{_U}?hundert(?:und)?{_BELOW_100}?|{_BELOW_100})"
_YEAR = rf"(?:(?:{_U}?tausend|(?:neunzehn|achtzehn)hundert)(?:und)?{_BELOW_100}?)"
NUMBER_WORD = re.compile(rf"(?:{_YEAR}|{_BELOW_1000})", re.IGNORECASE)
HOUSE_NUMBER = re.compile(_BELOW_1000, re.IGNORECASE)

_ORDINAL = (
    rf"(?:erst|zweit|dritt|viert|fünft|fuenft|sechst|siebt|siebent|acht|neunt|zehnt|elft|"
    rf"zwölft|zwoelft|{_TEEN}t|(?:{_U}und)?{_TENS}st)e[nrs]?"
)
_MONTH_WORD = r"(?:januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember)"
_YEAR_WORDS = rf"(?:{_YEAR}|(?:zwanzig|neunzehn) {_BELOW_100})"
BIRTH_DATE = re.compile(
    # up to three words between, as after the written cues ("geburtsdatum zur
    # identifikation einunddreißigster …"); the value's shape is strong enough
    rf"\b(?:geboren|geb\.|geburtsdatum:?|geburtstag:?)(?: [^\W\d_]+){{0,3}}? (?P<value>{_ORDINAL} "
    rf"(?:{_MONTH_WORD}|{_ORDINAL}) {_YEAR_WORDS})\b",
    re.IGNORECASE,
)

# Nearest cue before a run -> type; checked on the lower-cased text before it.
CUES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("IBAN", r"\biban|\bkonto"),
        ("BIC", r"\bbic\b|\bswift"),
        ("SOCIAL_SECURITY", r"rentenvers|sozialvers|\b[rs]v-?n"),
        ("HEALTH_INSURANCE", r"versicherten|krankenvers|\bkv-?n|\bkrankenkasse"),
        ("ID_CARD", r"pass|ausweis|aufenthaltst|\bdokument"),
        ("LICENCE_PLATE", r"kennzeichen|kfz|\bautos?\b|wagen\b|fahrzeug"),
        ("TAX_ID", r"steuer"),
        ("PHONE", r"\btel|telefon|handy|mobil|rückruf|rufnummer|anruf|erreichbar|\bunter\b"),
    )
)
# Words that open a sentence or a phrase, not a spelled country or district code.
_NOT_CODES = frozenset(
    ("es", "in", "an", "am", "um", "zu", "da", "so", "ob", "er", "wo", "je", "im", "ab", "du")
)
_STOP = ".,;:!?)\"“”»«'"
# The administration's own papers and processes right before a number: no person's;
# so are its framework agreements, lost property and its switchboard or hotline
# ("über die Zentrale null sechs …", as the written "-0" of DIN 5008).
_OWN_PROCESS = re.compile(
    r"\b(?:vorlage|drucksache|ticket|incident|change|bestell|inventar|auftrags|rechnungs"
    r"|rahmenvertrag|fundn|fundsache|zentrale|telefonzentrale|vermittlung|hotline"
    r"|servicenummer|bürgertelefon|servicetelefon)"
    r"[a-zäöüß-]*[ \t:.]*(?:nr\.?|nummer)?[ \t:.]*$"
)
_DASHES = frozenset(("minus", "strich", "bindestrich"))
# "meine nummer ist …", "sie erreichen mich unter …": a caller's own number is a phone's.
_OWN_NUMBER = re.compile(r"\b(?:meine|unsere)[ ](?:nummer|nr)\b|\berreichen[ ]sie[ ]mich\b")
# A number announced without its type ("die nummer ist", "lautet").
_NUMBER_CUE = re.compile(r"nummer\b|\bnr\b|\blautet\b")


class SpokenNumberRecognizer(LocalRecognizer):
    """Identifiers, dates of birth and house numbers dictated in words."""

    def __init__(
        self,
        street_suffixes: Sequence[str],
        official_vehicles: Sequence[str] = (),
        name: str = "SpokenNumberRecognizer",
    ):
        self._official = cue_regex(official_vehicles)
        suffixes = sorted((s for s in street_suffixes if s.isalpha()), key=len, reverse=True)
        self._street = re.compile(rf"[a-zäöüß-]+(?:{'|'.join(suffixes)})", re.IGNORECASE)
        self._suffixes = tuple(s.lower() for s in suffixes)
        entities = [kind for kind, _ in CUES] + ["CASE_NUMBER", "DATE_OF_BIRTH", "ADDRESS"]
        super().__init__(supported_entities=entities, supported_language="de", name=name)

    def load(self) -> None:
        """Patterns are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        tokens = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text)]
        found = [
            run
            for run in dictated_runs(text, tokens)
            if run[2] != "LICENCE_PLATE" or not official_vehicle(text, run[0], self._official)
        ]
        found += self._house_numbers(tokens)
        found += [(m.start("value"), m.end("value"), "DATE_OF_BIRTH") for m in birth_dates(text)]
        return [self._result(start, end, kind) for start, end, kind in found]

    def _house_numbers(self, tokens: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
        for i, (start, _, word) in enumerate(tokens[:-1]):
            lower = word.lower()
            if not (lower.endswith(self._suffixes) and lower not in self._suffixes):
                continue
            if not self._street.fullmatch(word):
                continue
            number = tokens[i + 1][2].rstrip(_STOP)
            if not HOUSE_NUMBER.fullmatch(number):
                continue
            end = tokens[i + 1][0] + len(number)
            rest = tokens[i + 2 : i + 3]
            if rest and number == tokens[i + 1][2]:
                following = rest[0][2].rstrip(_STOP)
                if len(following) == 1 and following.isalpha():
                    end = rest[0][0] + 1
                elif is_counted_noun(following):
                    continue
            yield start, end, "ADDRESS"

    def _result(self, start: int, end: int, kind: str) -> RecognizerResult:
        return RecognizerResult(
            kind,
            start,
            end,
            0.85,
            analysis_explanation=AnalysisExplanation(recognizer=self.name, original_score=0.85),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def birth_dates(text: str) -> Iterator[re.Match]:
    if "geb" in text.lower():
        yield from BIRTH_DATE.finditer(text)


def dictated_runs(text: str, tokens: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """Runs of number words and spelled letters, typed by the nearest cue before."""
    for run in _comma_groups(text, _raw_runs(text, tokens)):
        yield from _accepted(text, run)


def _raw_runs(text: str, tokens: list[tuple[int, int, str]]) -> Iterator[list]:
    run: list[tuple[int, int, str]] = []
    for start, end, raw in _spelled(tokens):
        word = raw.rstrip(_STOP)
        word_end = end - (len(raw) - len(word))
        joined = bool(run) and text[run[-1][1] : start] == " "
        if run and not (word and joined and _run_word(word, first=False)):
            yield run
            run = []
        if word and (run or _run_word(word, first=True)):
            run.append((start, word_end, word))
            if word != raw:  # punctuation closes the run
                yield run
                run = []
    if run:
        yield run


def _spelled(tokens: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    """A letter spelled with the DIN 5009 alphabet ("A wie Anton", "k wie kaufmann")
    becomes the letter, so that it stays inside the dictated run."""
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        if i + 2 < len(tokens) and len(word) == 1 and word.isalpha():
            wie, key = tokens[i + 1][2], tokens[i + 2][2]
            if wie.lower() == "wie" and key[:1].lower() == word.lower() and key[1:2].isalpha():
                stop = key[len(key.rstrip(_STOP)) :]
                yield start, tokens[i + 2][1], word + stop
                i += 3
                continue
        yield start, end, word
        i += 1


def _comma_groups(text: str, runs: Iterator[list]) -> Iterator[list]:
    """Join runs that only a comma parts, after an identifier's cue: people dictate a
    number in groups ("null eins fünf zwei, eins eins null acht, sieben drei"). Without
    a cue the comma still breaks counting ("eins, zwei, drei")."""
    group: list = []
    for run in runs:
        if group and text[group[-1][1] : run[0][0]] == ", " and _identifier_cue(text, group[0][0]):
            group = group + run
            continue
        if group:
            yield group
        group = run
    if group:
        yield group


def _identifier_cue(text: str, start: int) -> bool:
    before = text[max(0, start - CUE_WINDOW) : start].lower()
    return _cued_type(before) != "CASE_NUMBER" or bool(_NUMBER_CUE.search(before))


def _run_word(word: str, first: bool) -> bool:
    lower = word.lower()
    if len(lower) == 1:
        return lower.isalpha()
    if len(lower) == 2 and lower.isalpha():
        return lower not in _NOT_CODES
    if not first and lower in _DASHES:
        return True  # "T R minus K L vier fünf eins": a plate's or a number's dash
    return (first and lower == "plus") or bool(NUMBER_WORD.fullmatch(lower))


def _accepted(text: str, run: list[tuple[int, int, str]]) -> Iterator[tuple[int, int, str]]:
    numbers = sum(1 for *_, word in run if len(word) > 2 and NUMBER_WORD.fullmatch(word))
    letters = sum(1 for *_, word in run if len(word) == 1)
    long_enough = len(run) >= MIN_TOKENS and numbers >= MIN_NUMBERS
    if long_enough or (numbers == 0 and letters >= MIN_LETTERS):
        start, end = run[0][0], run[-1][1]
        if _OWN_PROCESS.search(text[max(0, start - CUE_WINDOW) : start].lower()):
            return  # "Vorlage null acht eins fünf Strich …": the council's paper
        yield start, end, _cued_type(text[max(0, start - CUE_WINDOW) : start].lower())


def _cued_type(before: str) -> str:
    best, kind = -1, "PHONE" if _OWN_NUMBER.search(before) else "CASE_NUMBER"
    for name, cue in CUES:
        for match in cue.finditer(before):
            if match.end() > best:
                best, kind = match.end(), name
    return kind
