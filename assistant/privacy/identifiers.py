"""Structured identifiers as people type them: any case, grouped or not, whole values.

Each recognizer finds candidates with a loose regex and scores them in Python
from the structure of the value (check digits, a valid date inside, the country
of an IBAN). A candidate whose structure alone is not conclusive needs a cue
word nearby ("kennzeichen", "bic", "kv-nr" …; see ``recognizers.yaml``). Every
match covers the whole value including its groups, so no tail of a value is left
when it is masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from presidio_analyzer.predefined_recognizers.generic.iban_patterns import regex_per_country

from assistant.privacy.scored import WEAK, Candidate, ScoredRecognizer, word_like


def _letter_value(char: str) -> str:
    return f"{ord(char.upper()) - ord('A') + 1:02d}"


def _cross_sum(number: int) -> int:
    return number // 10 + number % 10


# --- Rentenversicherungsnummer (SV/RV number) -------------------------------------------


def rvnr_valid(value: str) -> bool:
    """Check digit of a Rentenversicherungsnummer (VKVV § 4): 12 characters, letter at 9."""
    compact = re.sub(r"[\W_]", "", value)
    digits = compact[:8] + _letter_value(compact[8]) + compact[9:11]
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum(_cross_sum(int(d) * w) for d, w in zip(digits, weights, strict=True))
    return total % 10 == int(compact[11])


class SocialSecurityRecognizer(ScoredRecognizer):
    """Versicherungsnummer of the pension insurance: ``12 150785 M 123``, ``12150785m123``,
    ``12-150785-M-123``.

    Area (2 digits), date of birth (DDMMYY), initial of the birth name, serial
    (2 digits), check digit; people group it as printed on the card or not at all.
    A valid date with the letter between the digit groups is distinctive enough on
    its own; a valid check digit makes it certain.
    """

    PATTERN = re.compile(
        r"(?<![\w/.,-])(\d\d)[ -]?(\d\d)[ ]?(\d\d)[ ]?(\d\d)[ -]?([A-Za-z])[ -]?(\d\d)[ ]?(\d)"
        r"(?![\w/-]|[.,]\d)"
    )

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in self.PATTERN.finditer(text):
            area, day, month = (int(match.group(i)) for i in (1, 2, 3))
            if area == 0 or not (1 <= day <= 31 or 51 <= day <= 81) or not 1 <= month <= 12:
                continue
            score = 0.95 if rvnr_valid(match.group()) else 0.6
            yield match.start(), match.end(), score, 0.9


# --- Krankenversichertennummer ------------------------------------------------------------


def kvnr_valid(value: str) -> bool:
    """Check digit of a Krankenversichertennummer (§ 290 SGB V): letter and 9 digits."""
    compact = value.replace(" ", "")
    digits = _letter_value(compact[0]) + compact[1:9]
    weights = (1, 2) * 5
    total = sum(_cross_sum(int(d) * w) for d, w in zip(digits, weights, strict=True))
    return total % 10 == int(compact[9])


class HealthInsuranceRecognizer(ScoredRecognizer):
    """Krankenversichertennummer ``A123456789``, also ``a 123 456 789`` in lower case.

    An upper-case letter with nine digits is rarely anything else; lower case or a
    failed check digit needs a cue ("kv", "versichertennummer", "krankenkasse").
    """

    PATTERN = re.compile(r"(?<![\w/.,-])([A-Za-z])[ ]?(\d{9}|\d{3} \d{3} \d{3})(?![\w/-]|[.,]\d)")

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in self.PATTERN.finditer(text):
            if kvnr_valid(match.group()):
                # With a cue certain: an ID card serial can have the same shape.
                yield match.start(), match.end(), 0.85, 1.0
                continue
            upper = match.group(1).isupper() and " " not in match.group()
            yield match.start(), match.end(), 0.55 if upper else WEAK, 0.85


# --- IBAN ----------------------------------------------------------------------------------

# Countries that joined the IBAN registry (ISO 13616) after Presidio's list was made:
# BBAN as digits (n), letters (a) or either (c), from the registry's structures.
_NEWER_IBAN_BBAN = {
    "RU": "9n5n15c",
    "SD": "14n",
    "SO": "4n3n12n",
    "YE": "4a4n18c",
    "OM": "3n16c",
    "BI": "5n5n11n2n",
    "DJ": "5n5n11n2n",
    "FK": "2a12n",
    "HN": "4a20n",
    "MN": "4n12n",
    "NI": "4a20n",
    "SV": "4a20n",
    "ST": "21n",
}
_BBAN_CLASS = {"n": "[0-9]", "a": "[a-zA-Z]", "c": "[a-zA-Z0-9]"}


def _bban_regex(country: str, bban: str) -> str:
    parts = "".join(
        f"({_BBAN_CLASS[kind]}[ ]?){{{count}}}" for count, kind in re.findall(r"(\d+)([nac])", bban)
    )
    return f"({country})[0-9]{{2}}[ ]?{parts}"


_IBAN_STRUCTURE = {
    cc: re.compile(rx, re.IGNORECASE)
    for cc, rx in {
        **{cc: _bban_regex(cc, bban) for cc, bban in _NEWER_IBAN_BBAN.items()},
        **regex_per_country,
    }.items()
}


def iban_valid(value: str) -> bool:
    """ISO 13616 check digits (mod 97)."""
    compact = re.sub(r"[\s-]", "", value).upper()
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


class IbanRecognizer(ScoredRecognizer):
    """IBANs in any case, in groups of four or not: ``de66 3705 0198 0012 3456 78``.

    The country's structure fixes the length, so the match ends exactly after
    the account number even when a word or a second IBAN follows. A structure
    that fits with wrong check digits (a typo) is still masked; a run of digit
    groups after a country code that fits no structure needs a cue ("iban").
    """

    START = re.compile(r"(?<![\w])[A-Za-z]{2}[ ]?\d\d")
    LOOSE = re.compile(r"[A-Za-z]{2}\d\d(?:[ ]?\d{1,4}){3,8}(?![\w])")

    # Groups joined by dashes or dots ("DE89-3704-…"): read as spaces; same offsets.
    JOINER = re.compile(r"(?<=[A-Za-z0-9])[-.](?=[A-Za-z0-9])")

    def candidates(self, text: str) -> Iterator[Candidate]:
        text = self.JOINER.sub(" ", text)
        pos = 0
        while match := self.START.search(text, pos):
            start = match.start()
            end = self._structured_end(text, start)
            if end:
                valid = iban_valid(text[start:end])
                if text[start + 2] == " ":  # "de 12 …" is rather words: needs a cue
                    yield start, end, 1.0 if valid else WEAK, 1.0
                else:
                    yield start, end, 1.0 if valid else 0.6, 1.0
                pos = end
                continue
            loose = self.LOOSE.match(text, start) if text[start + 2] != " " else None
            if loose and sum(c.isdigit() for c in loose.group()) >= 12:
                yield start, loose.end(), WEAK, 0.85
                pos = loose.end()
                continue
            pos = match.end()

    @staticmethod
    def _structured_end(text: str, start: int) -> int | None:
        structure = _IBAN_STRUCTURE.get(text[start : start + 2].upper())
        # "DE 89 3704 …": the structures expect the check digits right after the country.
        gap = 1 if text[start + 2 : start + 3] == " " else 0
        joined = text[: start + 2] + text[start + 2 + gap :] if gap else text
        match = structure.match(joined, start) if structure else None
        if not match:
            return None
        end = start + gap + len(match.group().rstrip())
        # Directly followed by more of a word: a longer token, no IBAN of this country.
        if end < len(text) and (text[end].isalnum() or text[end] == "-"):
            return None
        return end


# --- BIC ------------------------------------------------------------------------------------


class BicRecognizer(ScoredRecognizer):
    """BIC/SWIFT codes in any case: ``COBADEFFXXX``, ``mvbmde55``.

    Positions 5–6 must be a country code. A digit in the location or branch code,
    or the branch ``XXX``, marks a BIC (no German word looks like that) when written
    in capitals; such codes in lower case and all-letter codes in capitals need a
    cue ("bic", "iban", an IBAN nearby); all-letter codes in lower case must follow
    "bic" or "swift" directly. Mixed case is a word ("Wohngeld"), never a BIC.
    """

    PATTERN = re.compile(
        r"(?<![\w-])[A-Za-z]{4}([A-Za-z]{2})([A-Za-z0-9]{2})([A-Za-z0-9]{3})?(?![\w-])"
    )

    def __init__(self, countries: frozenset[str], **kwargs) -> None:
        self._countries = countries
        super().__init__(**kwargs)

    TIGHT_CUE = re.compile(r"(?:bic|swift)[\w-]*[ \t]*[:=]?[ \t]*$", re.IGNORECASE)

    # ISO 9362 printed in its groups, "DEUT DE FF XXX": only right after "bic"/"swift".
    SPACED = re.compile(
        r"(?<![\w-])[A-Za-z]{4}[ ]([A-Za-z]{2})[ ][A-Za-z0-9]{2}(?:[ ][A-Za-z0-9]{3})?(?![\w-])"
    )

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in self.PATTERN.finditer(text):
            value = match.group()
            if match.group(1).upper() not in self._countries:
                continue
            branch = (match.group(3) or "").upper()
            marked = any(c.isdigit() for c in match.group(2) + branch) or branch == "XXX"
            if self._tight_cue(text, match.start()):
                # Right after "bic"/"swift" the code counts in any case ("Cobadeffxxx").
                yield match.start(), match.end(), 0.85, 0.85
            elif value.isupper():
                yield match.start(), match.end(), 0.6 if marked else WEAK, 0.85
            elif marked and value.islower():
                yield match.start(), match.end(), WEAK, 0.85
            elif value.islower() and self._clause_cue(text, match.start()) and not word_like(value):
                # "die bic der commerzbank lautet cobadeff": later in the same clause,
                # if the code is no word ("wohngeld" has a country code at 5-6 too).
                yield match.start(), match.end(), 0.85, 0.85
        for match in self.SPACED.finditer(text):
            if match.group(1).upper() in self._countries and self._tight_cue(text, match.start()):
                yield match.start(), match.end(), 0.85, 0.85

    def _tight_cue(self, text: str, start: int) -> bool:
        return bool(self.TIGHT_CUE.search(text[max(0, start - 25) : start]))

    CLAUSE_CUE = re.compile(r"(?<![^\W_])(?:bic|swift)(?![^\W_])[^.;!?\n]*$", re.IGNORECASE)

    def _clause_cue(self, text: str, start: int) -> bool:
        return bool(self.CLAUSE_CUE.search(text[max(0, start - 50) : start]))


# --- ID card and passport numbers after a cue ---------------------------------------------


class CuedDocumentRecognizer(ScoredRecognizer):
    """Document numbers right after "Reisepass", "Ausweisnummer", "Perso-Nr." …

    Any letters and digits (6–11, at least one digit): foreign passports follow
    no German alphabet (``U28471936``), a driving licence has 11 characters
    (``B072RRK2U51``), and people type serials in lower case.
    """

    def __init__(self, cue_pattern: str, **kwargs) -> None:
        self._pattern = re.compile(
            r"(?<![^\W_])(?:"
            + cue_pattern
            + r")(?:[ \t]*(?:[:#]|-?nr\.?|-?nummer|no\.?|"
            + self.GLUE
            + r"))*[ \t]*(?P<value>"
            + self.VALUE
            + r")",
            re.IGNORECASE,
        )
        # "Pässe FY583290 und FY583291": a plural cue lists several numbers.
        self._more = re.compile(r"[ \t]*(?:,|und|u\.|sowie|&|/)[ \t]*(?P<value>" + self.VALUE + ")")
        super().__init__(**kwargs)

    VALUE = (
        r"(?:(?=[A-Za-z-]*\d)(?:[A-Za-z0-9]{6,11}(?:[ ]\d)?"
        # grouped in fours as read off the card: "L01X 00T4 7"
        r"|[A-Za-z0-9]{4}[ ][A-Za-z0-9]{4}[ ][A-Za-z0-9]{1,3}"
        # a travel document's letters joined by a dash: "AF-0772145"
        r"|[A-Za-z]{1,3}-\d{5,9})"
        # other groupings as printed or read out (ICAO 9303 prints no separator, so
        # people choose their own): "P 1094 882", "C 01X0 0T47", "EA 1234567"; the first
        # group digits or capitals, every further group with a digit, so no word joins
        r"|(?:(?-i:[A-Z]{1,3})|(?=[A-Za-z]*\d)[A-Za-z0-9]{1,4})"
        r"(?:[ ](?=[A-Za-z]*\d)[A-Za-z0-9]{1,9}){1,3})(?![\w/-]|[.,]\d)"
    )
    # Between cue and number: a verb of naming ("lautete", "war"; English "is" in mixed
    # chats), the issuing country
    # ("Reisepass der Türkei:", "Pass aus Syrien", "Reisepass (Ukraine)").
    GLUE = (
        r"lautet|lautete|ist|war|is|was|(?:der|des|aus|von)[ \t]+[^\W\d_][\w-]*"
        r"|\([^()\n\d]{1,30}\)"
        # the number opens a bracket with the country: "Reisepass (P4830217, Kenia)"
        r"|\((?=[ \t]*[A-Za-z]*\d[A-Za-z0-9]*[ \t]*[,)])"
    )
    # A grouped value holds 6-11 characters like the unspaced one.
    SIZE = range(6, 13)

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in self._pattern.finditer(text):
            while match:
                value = match.group("value")
                if not self._plausible(value):
                    break
                yield match.start("value"), match.end("value"), 0.85, 0.85
                match = self._more.match(text, match.end("value"))

    def _plausible(self, value: str) -> bool:
        compact = value.replace(" ", "").replace("-", "")
        if not any(c.isalpha() for c in value):
            # "Reisepass 123456": a short plain number is rather a fee or an order;
            # plain digit groups ("Ausweis 12 03 2024") rather a date.
            return len(compact) >= (9 if " " in value else 8)
        return len(compact) in self.SIZE


class MrzRecognizer(ScoredRecognizer):
    """Lines of a machine-readable zone (ICAO 9303 parts 4-6) pasted from a scan:
    ``IDD<<T220001293<<<<<<<<<<<<<<<``. Each line (30, 36 or 44 characters of A-Z, 0-9
    and the filler ``<``) holds the document number, the date of birth or the holder's
    name, so the whole line is masked. No text but an MRZ has runs of ``<``; a pasted
    line may be cut, hence 25 characters at least.
    """

    PATTERN = re.compile(r"(?<![\w<])(?=[A-Z0-9<]*<<)[A-Z0-9<]{25,44}(?![\w<])")

    def candidates(self, text: str) -> Iterator[Candidate]:
        if "<<" not in text:
            return
        for match in self.PATTERN.finditer(text):
            yield match.start(), match.end(), 0.9, 0.9


# --- e-mail addresses written to fool harvesters ------------------------------------------

_AT = r"(?:[ \t]*@[ \t]*|[ \t]*[(\[{<][ \t]*(?:at|ät|@)[ \t]*[)\]}>][ \t]*|[ \t]+(?:at|ät)[ \t]+)"
_DOT = r"(?:\.|[ \t]*[(\[{<][ \t]*(?:dot|punkt|pkt)[ \t]*[)\]}>][ \t]*|[ \t]+(?:dot|punkt)[ \t]+)"
_LABEL = r"[^\W_](?:[\w+-]*[^\W_])?"


class ObfuscatedEmailRecognizer(ScoredRecognizer):
    """E-mail addresses with the "@" or the dots spelled out, as people write them to
    fool address harvesters (RFC 5322 addresses need neither): ``anna.schmidt (at)
    gmx (dot) de``, ``anna.schmidt[at]gmx.de``, ``a.schmidt at gmx punkt de``,
    ``name @ web.de``. The domain must end in a public suffix; plain addresses are
    the e-mail recognizer's.
    """

    PATTERN = re.compile(
        rf"(?<![\w.+-])(?P<local>{_LABEL}(?:{_DOT}{_LABEL})*?)(?P<at>{_AT})"
        rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})+)(?![\w-])",
        re.IGNORECASE,
    )
    _SPELLED_DOT = re.compile(_DOT, re.IGNORECASE)

    def __init__(
        self, valid_domain: Callable[[str], bool], functional: Sequence[str] = (), **kwargs
    ) -> None:
        self._valid_domain = valid_domain
        # Every part of the local part a function word: poststelle (at) mainz.de.
        self._functional = frozenset(str(w).lower() for w in functional)
        super().__init__(**kwargs)

    # Cheap test first: most texts have no spelled-out "at" at all.
    _HINT = re.compile(r"[(\[{<][ \t]*(?:at|ät|@)|[ \t](?:at|ät)[ \t]|[ \t]@|@[ \t]", re.IGNORECASE)

    def candidates(self, text: str) -> Iterator[Candidate]:
        if not self._HINT.search(text):
            return
        for match in self.PATTERN.finditer(text):
            if match.group("at") == "@":
                continue  # a plain address
            domain = self._SPELLED_DOT.sub(".", match.group("domain"))
            parts = re.split(r"[.\-_+]+", self._SPELLED_DOT.sub(".", match.group("local")).lower())
            if parts and all(p.strip("0123456789") in self._functional for p in parts):
                continue
            if self._valid_domain(domain):
                yield match.start(), match.end(), 0.85, 0.85
