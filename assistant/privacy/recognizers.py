"""Recognizers that Presidio lacks for German, or whose stock behaviour does not fit.

All of them are configured from ``recognizers.yaml`` (see ``conf.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import phonenumbers
import tldextract
from presidio_analyzer import (
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    DeTaxIdRecognizer,
    EmailRecognizer,
    IpRecognizer,
)

from assistant.privacy.hints import DIGIT, needs_digit
from assistant.privacy.lexicon import (
    english_words,
    is_listed_name,
    is_office_noun,
)
from assistant.privacy.scored import result

# Case-sensitive on purpose: Presidio's default IGNORECASE lets patterns such as
# ``[A-Z]{1,3}\s[A-Z]{1,2}\s\d{1,4}`` (licence plates) match "die am 12".
CASE_SENSITIVE = re.DOTALL | re.MULTILINE


def offline_tld_extractor() -> tldextract.TLDExtract:
    """The public-suffix snapshot bundled with tldextract: no download, no cache file."""
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


_TLD = offline_tld_extractor()
# Reserved and internal top-level names that functional mailboxes use.
_LOCAL_TLDS = {"example", "test", "invalid", "localhost", "local", "intern", "internal", "lan"}
COUNTRIES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"XK"}
_ICAO_WEIGHTS = (7, 3, 1)


class CueRecognizer(LocalRecognizer):
    """Regexes whose cue is part of the match, but only the group ``value`` is reported.

    Used where the cue decides (``geb. 12.03.1985``, ``Az. 32-1/2024``): a
    context window would also fire on the date or number next to the cue.
    """

    def __init__(
        self,
        entity: str,
        patterns: Sequence[dict],
        name: str,
        context: Sequence[str] | None = None,
        ignore_case: bool = False,
    ) -> None:
        flags = CASE_SENSITIVE | (re.IGNORECASE if ignore_case else 0)
        self._patterns = [
            (
                re.compile(p["regex"], flags),
                float(p["score"]),
                re.compile(rf"(?:{p['not_after']})\s*$") if p.get("not_after") else None,
            )
            for p in patterns
        ]
        # A date of birth, a file number, a short phone number: every pattern needs a digit,
        # so a text without one is not scanned (hints.py reads that off the regexes).
        self._needs_digit = all(needs_digit(regex) for regex, _, _ in self._patterns)
        super().__init__(
            supported_entities=[entity], supported_language="de", name=name, context=context
        )

    def load(self) -> None:
        """Patterns are compiled in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self._needs_digit and not DIGIT.search(text):
            return []
        results = []
        for regex, score, not_after in self._patterns:
            group = "value" if "value" in regex.groupindex else 0
            for match in regex.finditer(text):
                start, end = match.span(group)
                # `not_after`: what the value must not follow on its line (a citation)
                line = text[max(0, start - 80) : start].rsplit("\n", 1)[-1]
                if end > start and not (not_after and not_after.search(line)):
                    results.append(self._result(start, end, score))
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return result(self, self.supported_entities[0], start, end, score)


# What every pattern of Presidio's IpRecognizer contains: the IPv6 forms (also the
# mapped and embedded IPv4) a hex digit or a colon before a colon ("fe80::1", "::1",
# "2001:db8:…"), the plain IPv4 four dotted groups of 1-3 digits.
_IP_HINT = re.compile(r"[0-9A-Fa-f:]:|\d\.\d{1,3}\.\d{1,3}\.\d")


class HintedIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer, not run on a text without what every address contains:
    its long IPv6 alternation costs more than the hint's scan."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None):
        if not _IP_HINT.search(text):
            return []
        return super().analyze(text, entities, nlp_artifacts, regex_flags)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer with tldextract's bundled suffix list (offline).

    A functional mailbox (``poststelle@…``, ``bauamt@…``, ``it-support@…``: every
    part of the local part is an office or function word) names no person and stays.
    """

    def __init__(self, functional_mailboxes: Sequence[str] = (), **kwargs) -> None:
        self._functional = frozenset(w.lower() for w in functional_mailboxes)
        super().__init__(**kwargs)

    def load(self) -> None:
        # Build the suffix trie now, not inside the first redaction.
        _TLD("example.com")

    # Named as a shared mailbox right before the address ("im Funktionspostfach
    # elterngeld-digital@…", "Sammelpostfach: …"): no person's, whatever its parts.
    SHARED = re.compile(
        r"(?:funktions|sammel|gruppen|team|abteilungs|amts)(?:post)?fach[\s:]*(?:\(|„|\")?$",
        re.IGNORECASE,
    )

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None):
        if "@" not in text:  # the pattern's "[@]": nothing to find, skip its scan
            return []
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in found if not self.SHARED.search(text[max(0, r.start - 40) : r.start])]

    def validate_result(self, pattern_text: str) -> bool:
        local, _, domain = pattern_text.rpartition("@")
        if self._functional and is_functional_mailbox(local, self._functional):
            return False
        return email_domain_valid(domain)


def is_functional_mailbox(local: str, words: frozenset[str]) -> bool:
    """Every part of the local part (split at . - _ +, digits dropped) is a function word
    or a common noun (an office's task: einbuergerung@, hundesteuer@), or an office's
    short form beside one: "abh-leitung", "ga-sekretariat" (two or three letters that are
    no listed name; the function word names the role). A subaddress tag (RFC 5233:
    "a.b+newsletter@") names a topic, so the part before "+" must hold a function word."""
    parts = _local_parts(local)
    functional = [_function_part(p, words) for p in parts]
    mailbox = _local_parts(local.split("+")[0])
    return any(_function_part(p, words) for p in mailbox) and all(
        f or (2 <= len(p) <= 3 and not is_listed_name(p)) for p, f in zip(parts, functional)
    )


def _local_parts(local: str) -> list[str]:
    return [p for p in re.split(r"[.\-_+]+", re.sub(r"\d+", "", local.lower())) if p]


def _function_part(part: str, words: frozenset[str]) -> bool:
    return part in words or is_office_noun(part) or _function_compound(part, words)


def _function_compound(part: str, words: frozenset[str]) -> bool:
    """A function word joined to a noun or an English word that is no name
    ("servicedesk", "infopoint", "poststellebau"), or a noun joined, with or without
    the linking s, to a function word or noun ("friedhofsverwaltung", "schulamt")."""
    if is_listed_name(part):
        return False
    for k in range(3, len(part) - 2):
        head, tail = part[:k], part[k:]
        if _noun_head(head) and (tail in words or is_office_noun(tail)):
            return True
        if head not in words or is_listed_name(tail):
            continue
        if tail in words or is_office_noun(tail) or tail in english_words():
            return True
    return False


def _noun_head(head: str) -> bool:
    """The first part of a German compound: a noun, or a noun with the linking -s-/-es-
    (Fugen-s: "friedhofs-", "amts-")."""
    stems = [head] + [head[: -len(s)] for s in ("es", "s") if head.endswith(s)]
    return any(is_office_noun(stem) for stem in stems)


def email_domain_valid(domain: str) -> bool:
    """A registrable domain under a public suffix (IDNs too), or a reserved local one."""
    domain = domain.lower()
    if domain.rsplit(".", 1)[-1] in _LOCAL_TLDS:
        return True
    return _TLD(domain).fqdn != ""


def steuer_id_valid(digits: str) -> bool:
    """A Steuer-ID by § 139b AO and the BZSt's rules: 11 digits, the first not 0; in the
    first ten exactly one digit twice or three times (never three in a row), the others
    at most once; the eleventh the check digit of ISO/IEC 7064 MOD 11,10."""
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    counts = Counter(digits[:10])
    repeated = [d for d, n in counts.items() if n > 1]
    if len(repeated) != 1 or counts[repeated[0]] > 3 or repeated[0] * 3 in digits[:10]:
        return False
    product = 10
    for digit in digits[:10]:
        total = (int(digit) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(digits[10])


class TaxIdRecognizer(DeTaxIdRecognizer):
    """Steuer-ID also when written in groups (``12 345 678 901``, ``1234 5678 901``,
    ``47-152-038-477``, ``4 71 52 03 84 77``).

    A value that meets the whole specification (`steuer_id_valid`) is certain; one
    whose check digit fits but that breaks the digit-repetition rule, or a failed
    checksum, keeps its low pattern score: a context word must lift it, so a
    mistyped number next to "Steuer-ID" is still redacted.
    """

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("Steuer-ID", r"\b[1-9]\d{10}\b", 0.3),
        # Grouped as printed (12 345 678 901) or in any other groups, joined by spaces,
        # dots, slashes or dashes; the whole run of groups is the candidate.
        Pattern(
            "Steuer-ID grouped",
            r"(?<![\w/.,-])[1-9]\d{0,5}(?:(?:[ ]?[./-][ ]?|[ ])\d{2,6}){1,5}(?![\w/-]|[.,]\d)",
            0.3,
        ),
        # The check digit set apart, as with the Ausweis: "4715203849 3", "47 15 20 38 49 3".
        Pattern(
            "Steuer-ID, check digit apart",
            r"(?<![\w/.,-])[1-9]\d{0,9}(?:(?:[ ]?[./-][ ]?|[ ])\d{2,6}){0,4}[ ]\d(?![\w/-]|[.,]\d)",
            0.3,
        ),
    ]

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = re.sub(r"\D", "", pattern_text)
        if len(digits) != 11:
            return False
        if steuer_id_valid(digits):
            return True
        return None


def icao_check_digit(serial: str) -> int:
    """ICAO 9303 check digit (weights 7, 3, 1; letters A=10 … Z=35)."""
    total = 0
    for index, char in enumerate(serial):
        value = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        total += value * _ICAO_WEIGHTS[index % 3]
    return total % 10


class IdDocumentRecognizer(PatternRecognizer):
    """Serial numbers of German ID cards and passports.

    Nine characters of the document alphabet; the check digit is a separate
    tenth one. Presidio's own recognizers treat the ninth character as the
    check digit and drop most real serials, so this one replaces them. A tenth
    digit that checks out makes the match certain; otherwise context words
    ("Ausweis", "Reisepass" …) must lift the score.
    """

    SERIAL = r"\b[CFGHJKLMNPRTVWXYZ0-9]{9}(?:[ ]?[0-9])?\b"
    # Typed in lower case: with its check digit, or with a context word (validate_result).
    SERIAL_ANY_CASE = r"\b(?i:[CFGHJKLMNPRTVWXYZ0-9]{9}(?:[ ]?[0-9])?)\b"
    # Grouped as people read it off the card, in fours: "L01X 00T4 7", "L01X 00T4 71".
    SERIAL_GROUPED = (
        r"\b(?i:[CFGHJKLMNPRTVWXYZ0-9]{4}[ ][CFGHJKLMNPRTVWXYZ0-9]{4}[ ]"
        r"[CFGHJKLMNPRTVWXYZ0-9](?:[ ]?[0-9])?)\b(?![ ]?[\w-])"
    )

    def __init__(self, entity: str, context: Sequence[str], score: float, name: str) -> None:
        patterns = [
            Pattern("ID document serial", self.SERIAL, score),
            Pattern("ID document serial, any case", self.SERIAL_ANY_CASE, score),
            Pattern("ID document serial, grouped", self.SERIAL_GROUPED, score),
        ]
        super().__init__(
            supported_entity=entity,
            patterns=patterns,
            context=list(context),
            supported_language="de",
            name=name,
            global_regex_flags=CASE_SENSITIVE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        serial = pattern_text.replace(" ", "")
        if not serial.isupper():
            # "l01x00t471": in lower case the check digit is the evidence; nine characters
            # of the document alphabet (no vowel: no German word) with letters and at
            # least three digits need a context word ("perso von frau kaya: l01x00t47").
            serial = serial.upper()
            mixed = any(c.isalpha() for c in serial) and sum(map(str.isdigit, serial)) > 2
            if len(serial) == 9:
                return None if mixed else False
            return mixed and icao_check_digit(serial[:9]) == int(serial[9])
        has_letter = any(c.isalpha() for c in serial[:9])
        if not has_letter or serial[:9].isdigit() or not any(c.isdigit() for c in serial):
            return False
        if re.fullmatch(r"[A-Z]\d{9}", serial):
            return None  # also the shape of a Krankenversichertennummer: context decides
        if len(serial) == 10 and icao_check_digit(serial[:9]) == int(serial[9]):
            return True
        return None
