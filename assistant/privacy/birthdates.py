"""Dates of birth without a birth word, as staff write them about a person.

Staff rarely write "geboren am": a date of birth follows the name it belongs to
("yilmaz, ahmet (03.04.1981)", "kind lena 12.5.2019", "Herr Kaya, 3. april 1979"),
a relation ("die tochter vom 12.05.2019") or an age ("43 j., 12.03.1983"). A full
calendar date (day, month, year) counts as a date of birth when

* it directly follows a person's name or a person word, after a space, a comma or
  an opening bracket, and its year lies at least ``MIN_AGE_ADJACENT`` years back
  (a date of contact is recent: "Herr Kaya 02.12.2026 angerufen" stays);
* or an age is written next to it ("alter", "jahre alt", "43 j.");
* or, the general case, its year lies more than ``MIN_AGE`` years back, a person
  is mentioned nearby (a salutation, a role, a name of the lexicon) and no
  preposition or document word stands before it ("vom", "seit", "Gesetz",
  "Bescheid"): statutes, decisions and events are dated with those.

A year after "Jahrgang"/"Jg." is a year of birth only when it is a person's: a
person is mentioned nearby and the year lies more than ``MIN_AGE`` years back
("herr kaya, jahrgang 61"); on its own it names a cohort, a vintage or a journal's
volume ("der Jahrgang 2024 der Azubis", "NVwZ Jg. 1985"). Two digits from 10 to 13
are school years.

Dates with a birth word ("geb.", "geboren", "*") are the cue patterns' of
``recognizers.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from spacy.lang.de.stop_words import STOP_WORDS

from assistant.privacy.lexicon import Lexicon
from assistant.privacy.scored import Candidate, ScoredRecognizer

MIN_AGE = 12  # general case: years between the date and today
MIN_AGE_ADJACENT = 2  # right after a name: a child's date of birth too

_MONTHS = {
    "jan": 1, "jän": 1, "feb": 2, "mär": 3, "mrz": 3, "mar": 3, "maerz": 3, "apr": 4, "mai": 5,
    "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11,
    "dez": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:januar|january|jänner|februar|february|märz|maerz|march|april|mai|may|juni|june|juli|"
    r"july|august|september|oktober|october|november|dezember|december|jan|jän|feb|mär|mrz|mar|"
    r"apr|jun|jul|aug|sept|sep|okt|oct|nov|dez|dec)"
)
DATE = re.compile(
    r"(?<![\w./-])(?:"
    r"(?P<d1>\d{1,2})[ ]?([./-])[ ]?(?P<m1>\d{1,2})[ ]?\2[ ]?(?P<y1>(?:19|20)?\d\d)"
    rf"|(?P<d2>\d{{1,2}})\.?[ ]?(?P<m2>{_MONTH})(?:\.[ ]*|[ ]+)(?P<y2>(?:19|20)?\d\d)"
    r"|(?P<y3>(?:19|20)\d\d)(?P<s3>[-/.])(?P<m3>\d\d?)(?P=s3)(?P<d3>\d\d?)"
    r"|(?P<d4>\d{1,2})[ ](?P<m4>\d{1,2})[ ](?P<y4>(?:19|20)\d\d)"
    # "03.12. 08:12": a day and a time, no year
    r")(?![\w/-]|[.,:]\d)",
    re.IGNORECASE,
)
# Before the date: the person (a word), then a space, a comma or an opening bracket.
ADJACENT = re.compile(r"([^\W\d_][\w'’-]*)\.?[ \t]*(?:,[ \t]*|\([ \t]*|[ \t])[ \t]*(?:\*[ \t]*)?$")
AGE = re.compile(
    r"\balter\b|\bjahre?\s+alt\b|\bjährig|\b\d{1,3}[ ]?(?:j\.|jahre?\b|jhr?\.?)|\(\d{1,3}\)",
    re.IGNORECASE,
)
# Words before a date that date a document, a statute or an event, not a birth.
NOT_BIRTH = re.compile(
    r"(?:\b(?:vom|am|seit|bis|ab|zum|zur|dem|den|der|des|bis\s+zum|nach|vor|ende|anfang|"
    r"mitte|stand|fassung|datum|datiert|frist|fristablauf|gültig|ausgestellt|eingang|"
    r"eingegangen|termin|sitzung|beschluss|gesetz|gesetzes|satzung|verordnung|bescheid|"
    r"schreiben|urteil|antrag|vertrag|kraft|bekanntmachung|rundschreiben|erlass|mail|"
    r"e-mail|brief|zugezogen|eingereist|verstorben|gestorben|heirat|ehe|eheschließung|"
    r"eingestellt|ausgeschieden|eintritt|austritt|beginn|einstellung|kündigung|zuzug|wegzug|"
    r"einzug|auszug|anmeldung|abmeldung|tod|todestag|sterbedatum|gest\.?|bgbl|abl|s\.|"
    r"nr\.?|az\.?)|†)[\s.:,(]*$",
    re.IGNORECASE,
)
# After the date: an event, not a birth ("12.03.1985 zugezogen", "… in Kraft").
EVENT_AFTER = re.compile(
    r"^[\s,)]*(?:\w+\s+)?(?:zugezogen|umgezogen|eingereist|verstorben|gestorben|geheiratet|"
    r"eingestellt|in\s+kraft|außer\s+kraft|ausgestellt|gültig|bgbl|zuletzt)",
    re.IGNORECASE,
)
# A clock time right after the date makes it a timestamp of a log or a message
# ("2026-11-02 08:15:33 INFO …", ISO 8601 "…T08:15"), not a birth.
TIMESTAMP = re.compile(r"[ T]\d{1,2}:\d{2}\b")
# Documents and events a person's date in the same clause may belong to.
EVENT = re.compile(
    r"\b(?:kündigung|bescheid|schreiben|antrag|vertrag|eintritt|austritt|einstellung|zuzug|"
    r"wegzug|einzug|auszug|anmeldung|abmeldung|sitzung|termin|eingang|gesprächs?|besuch|"
    r"anruf|mail|brief|frist|urteil|beschluss|rechnung|zahlung|vorsprache)\b",
    re.IGNORECASE,
)
PERSON_WORDS = (
    r"herr|herrn|frau|hr\.|fr\.|familie|eheleute|person|antragst|bewerber|mieter|kind|kinder|"
    r"sohn|tochter|ehemann|ehefrau|mutter|vater|bruder|schwester|enkel|oma|opa|baby|säugling|"
    r"schüler|halter|bürger|kund|klient|patient|betroffen|verstorben|mündel|pflegekind|"
    r"leistungsempf|bezieher|frl\.|name|vorname|nachname|geburtsname"
)
PERSON = re.compile(rf"(?<![^\W_])(?:{PERSON_WORDS})", re.IGNORECASE)
COHORT = re.compile(
    r"(?<![^\W_])(?:jahrgang|jg\.?)[ \t]*(?P<value>'\d{2}|(?!1[0-3]\b)\d{2}|(?:19|20)\d{2})"
    r"(?![\w/-]|[.,]\d)",
    re.IGNORECASE,
)
# "sie ist jahrgang 61", "ist er jg. 1961?": said of a person.
PERSON_IS = re.compile(
    r"\b(?:(?:er|sie|ich|wir|ihr)[ \t]+(?:ist|bin|war|sind|wäre)|(?:ist|war|wäre)[ \t]+(?:er|sie))"
    r"[ \t]+(?:wohl[ \t]+|erst[ \t]+|auch[ \t]+)?$",
    re.IGNORECASE,
)
RELATION_OF = re.compile(r"([^\W\d_]+)[ \t]+(?:von|vom)[ \t]+$", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_][\w'’-]*")


class BirthDateRecognizer(ScoredRecognizer):
    """Full dates that are dates of birth by where they stand (see the module doc)."""

    def __init__(self, names_conf: dict, today: dt.date | None = None, **kwargs) -> None:
        self.lex = Lexicon.load(names_conf)
        self.today = today or dt.date.today()
        roles = "|".join(sorted((r.lower() for r in names_conf["roles"]), key=len, reverse=True))
        self.role = re.compile(rf"(?:{roles})(?:{names_conf['role_suffix'].lower()})?$")
        super().__init__(**kwargs)

    def candidates(self, text: str) -> Iterator[Candidate]:
        yield from self._cohorts(text)
        for match in DATE.finditer(text):
            year = self._year(match)
            if year is None:
                continue
            age = self.today.year - year
            before = text[max(0, match.start() - 60) : match.start()]
            after = text[match.end() : match.end() + 40]
            if age >= MIN_AGE_ADJACENT and self._relation_of(before):
                yield match.start(), match.end(), 0.85, 0.85
                continue
            if NOT_BIRTH.search(before) or EVENT_AFTER.match(after) or TIMESTAMP.match(after):
                continue
            adjacent = age >= MIN_AGE_ADJACENT and self._after_person(before)
            if AGE.search(before[-30:] + " " + after[:25]) or (adjacent and before.endswith("(")):
                yield match.start(), match.end(), 0.85, 0.85
            elif EVENT.search(before[-40:]):
                continue  # "Kündigung Frau Weber 31.03.2010": the date of the event
            elif adjacent:
                yield match.start(), match.end(), 0.85, 0.85
            elif age > MIN_AGE and self._person_near(before, after):
                yield match.start(), match.end(), 0.7, 0.7

    def _cohorts(self, text: str) -> Iterator[Candidate]:
        """ "Jahrgang 61", "Jg. 1961" about a person (see the module docstring)."""
        for match in COHORT.finditer(text):
            year = int(match.group("value").lstrip("'"))
            if year < 100:
                year += 1900 if year > self.today.year % 100 else 2000
            if self.today.year - year <= MIN_AGE:
                continue
            before = text[max(0, match.start() - 60) : match.start()]
            after = text[match.end() : match.end() + 40]
            said_of_person = PERSON_IS.search(text, max(0, match.start() - 30), match.start())
            if said_of_person or self._person_near(before, after):
                yield match.start("value"), match.end("value"), 0.85, 0.85

    def _year(self, match: re.Match) -> int | None:
        """The year of a valid calendar date in the past, or None."""
        day, month, year = (
            next(g for g in match.group(f"{part}1", f"{part}2", f"{part}3", f"{part}4") if g)
            for part in "dmy"
        )
        if not month.isdigit():
            key = month.lower()[:4] if month.lower().startswith("maer") else month.lower()[:3]
            month = _MONTHS.get("maerz" if key == "maer" else key)
        number = int(year)
        if len(year) == 2:
            number += 1900 if number > self.today.year % 100 else 2000
        try:
            date = dt.date(number, int(month), int(day))
        except (TypeError, ValueError):
            return None
        return number if date <= self.today else None

    def _after_person(self, before: str) -> bool:
        """The date directly follows a name, a salutation or a person word."""
        match = ADJACENT.search(before)
        if not match:
            return False
        word = match.group(1)
        lower = word.lower()
        if PERSON.fullmatch(lower + ("." if before.rstrip().endswith(".") else "")):
            return True
        if self.role.match(lower):
            return True
        if self._is_name(word):
            return True
        # A name that is also a word (lena, müller) after a person word: "kind lena",
        # or after a first name that is no word: "Jannik Weber (…)", a full name.
        head = before[: match.start()]
        if not self._is_name(word, strict=False):
            return False
        previous = WORD.findall(head[-30:]) if head[-1:] in (" ", "\t") else []
        return bool(PERSON.search(head[-40:])) or (
            bool(previous) and self._is_first_name(previous[-1])
        )

    def _is_first_name(self, word: str) -> bool:
        """A listed first name that is no ordinary word (Jannik, not Mark)."""
        return self._is_name(word) and self.lex.is_first_name(word[:1].upper() + word[1:].lower())

    def _relation_of(self, before: str) -> bool:
        """A relation or person word, then "von"/"vom": "die tochter vom 12.05.2019"."""
        match = RELATION_OF.search(before)
        return bool(match) and bool(
            self.role.match(match.group(1).lower()) or PERSON.fullmatch(match.group(1))
        )

    def _person_near(self, before: str, after: str) -> bool:
        if PERSON.search(before) or PERSON.search(after):
            return True
        words = WORD.findall(before[-40:])
        return any(self.role.match(w.lower()) or self._is_name(w) for w in words)

    def _is_name(self, word: str, strict: bool = True) -> bool:
        """A first name or surname of the lexicon, any case; `strict`: no ordinary word."""
        lower = word.lower()
        if len(lower) < 3 or lower in STOP_WORDS:
            return False
        cap = "-".join(p[:1].upper() + p[1:].lower() for p in lower.split("-"))
        if not (self.lex.is_first_name(cap) or cap in self.lex.surnames):
            return False
        if self.lex.is_lowercase_word(cap) or self.lex.is_foreign_word(lower):
            return False
        return not strict or not (cap in self.lex.ambiguous or self.lex.is_word(cap))
