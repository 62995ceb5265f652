"""Phone numbers in German notations, scored by python-phonenumbers (see the class)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import phonenumbers
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from assistant.privacy.lexicon import is_common_word, is_listed_name
from assistant.privacy.scored import result


class GermanPhoneRecognizer(PhoneRecognizer):
    """Phone numbers in every common German notation, scored by python-phonenumbers.

    ``(0 62 21) 5 73 20 18``, ``0171/2345678``, ``+49 (0)6131 12-3456``,
    ``0049 611 123456``, ``0611.123456``: a run of digit groups with spaces,
    slashes, dashes, dots or brackets that starts with 0, 00 or + is read as one
    number (its separators removed) and matched whole. A number valid for one of
    the regions scores `valid_score` (enough on its own); a merely possible one
    scores `score` and needs a context word ("Tel.", "erreichbar unter").
    """

    SEP = r"(?:[ \t]*[/\-–.()][ \t]*|[ \t]{1,2})"
    CANDIDATE = re.compile(
        rf"(?<![\w+,/\-–])(?<!\d\.)(?<!\d[ ./\-–])(?:\+[ \t]?|\([ \t]?)?(?:\d|O(?=\d{{2,4}}(?:[ \t]*[/\-–)]|[ \t]+\d)))(?:{SEP}?\d){{5,30}}(?![\w]|[.,]\d)"
    )
    # An OCR'd form reads the leading 0 as the letter O ("Tel.: O511 / 80 12 77"): read
    # as 0, but such a number needs a context word like a merely possible one, and an
    # area code set apart (a KVNR is a letter, O too, and nine digits in one run).
    OCR_ZERO = "O"
    # Two numbers in one run: "0611 123456 / 0171 2345678".
    SPLIT = re.compile(r"[ \t]*/[ \t]*(?=\(?0|\+)")
    # A paper of the council "0815/2025", a date "01.02.2024", a tax number "021/815/08150".
    NOT_PHONE = re.compile(
        r"\d+[ \t]?/[ \t]?(?:19|20)\d\d|\d{1,2}([.-])[ \t]?\d{1,2}\1[ \t]?(?:\d\d)?\d\d|\d+/\d+/\d+"
    )
    # The extension "-0" is a switchboard (DIN 5008: "06131 12-0"); after the name of
    # an office or a switchboard word (`switchboard_cues`) it reaches no person.
    SWITCHBOARD = re.compile(r"\d[ \t]?[-–][ \t]?0[ \t)]*$")
    SWITCHBOARD_WINDOW = 80

    def __init__(
        self,
        score: float = 0.3,
        valid_score: float = 0.6,
        switchboard_cues: Sequence[str] = (),
        **kwargs,
    ) -> None:
        self.SCORE = score
        self.valid_score = valid_score
        cues = "|".join(switchboard_cues)
        self._offices = re.compile(rf"\b(?:{cues})", re.IGNORECASE) if cues else None
        super().__init__(leniency=0, **kwargs)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for candidate in self.CANDIDATE.finditer(text):
            for start, end in self._parts(candidate):
                score = self._score(text[start:end])
                if score and not self._not_personal(text, start, end):
                    results.append(self._result(start, end, score))
        return results

    def _not_personal(self, text: str, start: int, end: int) -> bool:
        # A sole trader's service line is still his ("Herr Brandt ist unter 0800 …").
        before = text[max(0, start - self.SWITCHBOARD_WINDOW) : start]
        service = self._service_number(text[start:end]) and not self.PEOPLE.search(before)
        return service or self._switchboard(text, start, end)

    # Number ranges the Bundesnetzagentur assigns to services, not to subscribers' lines
    # (TKG numbering plan: 0800 free, 0180 shared cost, 0900 premium): a hotline's.
    SERVICE_TYPES = frozenset(
        {
            phonenumbers.PhoneNumberType.TOLL_FREE,
            phonenumbers.PhoneNumberType.SHARED_COST,
            phonenumbers.PhoneNumberType.PREMIUM_RATE,
        }
    )

    def _service_number(self, chunk: str) -> bool:
        digits = re.sub(r"\D", "", chunk)
        if not digits.startswith("0") or digits.startswith("00"):
            return False
        try:
            number = phonenumbers.parse(digits, "DE")
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.number_type(number) in self.SERVICE_TYPES

    def _switchboard(self, text: str, start: int, end: int) -> bool:
        if self._offices is None:
            return False
        before = text[max(0, start - self.SWITCHBOARD_WINDOW) : start]
        if self.SWITCHBOARD.search(text[start:end]):
            # A switchboard belongs to the office the message is about, wherever it is
            # named ("Kasse geschl. am 18.02. …; Rückfr. Tel. 0621 504-0"; a signature
            # below the number: "… unter 06131 12-0.⏎Bürgeramt").
            return bool(self._offices.search(text))
        return (
            self._office_line(text, start, end, before)
            or self._our_line(text, start, end)
            or self._office_contact(text, start, end, before)
        )

    # The office's contact given as a pair or with its name in brackets after the number:
    # "Fragen an ordnungsamt@… oder 02602 9500-320", "online oder 0261 129-100",
    # "Tel. 06131 12-4470 (Servicenummer Wohngeld)". The mailbox's local part is an
    # office's name (the same cues), so "roth@… oder 0261 129-100" stays a person's.
    ALTERNATIVE = re.compile(
        r"(?:(?<![^\s(<:;,])(?P<local>[\w.-]+)@[\w.-]+\.[a-z]{2,}|\bonline)[ \t]+"
        r"(?:oder|bzw\.?|und|/)[ \t]+(?:(?:tel\.?|telefon(?:isch)?|unter|:)[ \t]*)*$",
        re.IGNORECASE,
    )
    BRACKET_AFTER = re.compile(r"[ \t]*\([ \t]*", re.IGNORECASE)

    def _office_contact(self, text: str, start: int, end: int, before: str) -> bool:
        if not self.EXTENSION.search(text[start:end]):
            return False
        bracket = self.BRACKET_AFTER.match(text, end)
        if bracket and self._offices.match(text, bracket.end()):
            return True
        pair = self.ALTERNATIVE.search(before)
        if pair is None:
            return False
        local = pair.group("local")
        return local is None or bool(self._offices.match(local.replace(".", "-")))

    # The office speaking of itself in the first person plural, in the sentence that
    # gives the number ("Termine vergeben wir telefonisch unter 0211 89-91", "Sie
    # erreichen uns unter …"), in a text that names an office (the signature will do).
    WE = re.compile(r"(?<![^\W_])(?:wir|uns)(?![^\W_])", re.IGNORECASE)
    SENTENCE_END = re.compile(r"[.!?]\s|\n")
    # No person in sight: "Familie Lang schreibt, wir sind unter …" is the family's line.
    PEOPLE = re.compile(
        r"(?<![^\W_])(?:frau|herrn?|fr|hr|dr|familie|eheleute|ich|mein|meine)(?![^\W_])",
        re.IGNORECASE,
    )

    def _our_line(self, text: str, start: int, end: int) -> bool:
        if not self.EXTENSION.search(text[start:end]):
            return False
        window = text[max(0, start - self.SWITCHBOARD_WINDOW) : start]
        clause = self.SENTENCE_END.split(window)[-1]
        if not self.WE.search(clause) or self.PEOPLE.search(window):
            return False
        return bool(self._offices.search(text))

    # An office's direct line: a number with an extension (DIN 5008 "0621 504-3310")
    # right after the office's name, only a phone word between ("das Tiefbauamt unter
    # 0621 504-3310", "Ratsbüro, Tel. 06131 12-2211", "Ratsbüro⏎Tel. 0261 129-1000").
    EXTENSION = re.compile(r"\d[ \t/]+\d+[ \t]?[-–][ \t]?\d{1,5}[ \t)]*$")
    # The rest of the office's name: a compound, a genitive or "für" attribute ("Hotline
    # der IT", "Amt für Soziales"); then phone words, a reachability phrase ("ist unter",
    # "erreichen Sie unter") or a signature's room line ("Zimmer 214").
    OFFICE_REST = r"[\w-]*(?:[ \t]+(?:der|des|für)[ \t]+[\w-]+)?"
    PHONE_WORDS = (
        r"(?:[ \t]*[,:\n][ \t]*|[ \t]+)(?:(?:tel|telefon|fon|fax|telefax|rufnummer|nummer|"
        r"durchwahl|erreichbar|zentrale|unter|ist|sind|erreichen[ \t]+sie|zu[ \t]+erreichen|"
        r"(?:zimmer|raum)[ \t]+[\w.]+|\d[\d \t/-]*\d)\.?:?(?:\s+|$))*$"
    )
    PERSON_BEFORE = re.compile(r"(?<![^\W_])(?:frau|herrn?|fr|hr|dr)(?![^\W_])", re.IGNORECASE)
    # "kaya vom bürgeramt ist unter …": the office is where a person works.
    MEMBER_OF = re.compile(
        r"(?<![^\W_])(?:vom|von[ \t]+der|von[ \t]+dem|beim|bei[ \t]+der|aus[ \t]+de[mr]|"
        r"im|in[ \t]+der)[ \t]+$",
        re.IGNORECASE,
    )

    def _office_line(self, text: str, start: int, end: int, before: str) -> bool:
        if not self.EXTENSION.search(text[start:end]):
            return False
        office = None
        for office in self._offices.finditer(before):
            pass
        if office is None or not re.fullmatch(
            self.OFFICE_REST + self.PHONE_WORDS, before[office.end() :], re.IGNORECASE
        ):
            return False
        # "Frau Roth, Bürgeramt, Tel. …": a person's own line at the office.
        lines = before[: office.start()].rsplit("\n", 2)
        if self.PERSON_BEFORE.search(lines[-1]) or self.MEMBER_OF.search(lines[-1]):
            return False
        # "emre kaya, bürgeramt, tel …", a signature's name line above the office: a
        # listed name that is no common word, in any case.
        words = re.findall(r"[^\W\d_]{3,}", "\n".join(lines[-2:]))
        return not any(is_listed_name(w) and not is_common_word(w) for w in words)

    def _parts(self, candidate: re.Match) -> list[tuple[int, int]]:
        chunk, offset = candidate.group(), candidate.start()
        bounds, start = [], 0
        for sep in self.SPLIT.finditer(chunk):
            left = chunk[start : sep.start()]
            if sum(c.isdigit() for c in left) >= 6 and left.lstrip("(").startswith(("0", "+")):
                bounds.append((offset + start, offset + sep.start()))
                start = sep.end()
        bounds.append((offset + start, offset + len(chunk)))
        return bounds

    def _score(self, chunk: str) -> float:
        if chunk.lstrip("(+ \t").startswith(self.OCR_ZERO):
            return min(self._score("0" + chunk.lstrip("(+ \t")[1:]), self.SCORE)
        if self.NOT_PHONE.fullmatch(chunk.lstrip("( \t").rstrip(") \t")):
            return 0.0
        international = chunk.startswith("+") or chunk.lstrip("(").startswith("00")
        if international:
            chunk = re.sub(r"\(\s?0\s?\)", "", chunk)
        digits = re.sub(r"\D", "", chunk)
        if international:
            digits = "+" + digits.removeprefix("00")
        elif not digits.startswith("0"):
            return 0.0
        if not 6 <= len(digits.lstrip("+")) <= 15:
            return 0.0
        possible = False
        for region in self.supported_regions:
            try:
                number = phonenumbers.parse(digits, region)
            except phonenumbers.NumberParseException:
                return 0.0
            if phonenumbers.is_valid_number(number):
                return self.valid_score
            possible = possible or phonenumbers.is_possible_number(number)
            if international:
                break
        return self.SCORE if possible else 0.0

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return result(self, self.supported_entities[0], start, end, score)
