"""Digit hints read off regexes (hints.py): a recognizer may skip a text only when
every match of its patterns needs a digit."""

import re

import pytest

from assistant.privacy import build_redactor
from assistant.privacy.hints import needs_digit
from assistant.privacy.recognizers import CueRecognizer


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"Nr\.\s*\d{3,}", True),
        (r"(?:Zimmer|Raum)\s+[0-9]+", True),
        (r"(?i:akte)[ ](?:[1-4]|\d\d)", True),  # every alternative has one
        (r"(?=[\w/-]*\d)[\w/-]{4,}", True),  # a lookahead demands one
        (r"(?:Raum|\d)", False),  # one alternative has none
        (r"Raum\s*\d*", False),  # the digits may be absent
        (r"(?!\d)\w+", False),  # a negative lookahead demands nothing
        (r"[\dO]{2}", False),  # an OCR'd O is no digit
        (r"[^0-9]+", False),
        (r"\w+", False),
    ],
)
def test_needs_digit_follows_the_parse_tree(pattern, needs):
    assert needs_digit(re.compile(pattern)) is needs


def test_another_engines_syntax_makes_no_claim():
    assert needs_digit(re.compile(r"\d")) is True
    # A pattern the stdlib parser cannot read is never skipped.
    assert needs_digit(type("P", (), {"pattern": r"\p{Nd}(", "flags": 0})()) is False


def test_cue_recognizer_skips_only_texts_without_digits():
    recognizer = CueRecognizer(
        "CASE_NUMBER", [{"regex": r"Vorgang\s+(?P<value>\d{4,})", "score": 0.9}], name="t"
    )
    assert recognizer.analyze("Vorgang ohne Nummer, bitte melden", ["CASE_NUMBER"]) == []
    found = recognizer.analyze("Vorgang 483920 bitte prüfen", ["CASE_NUMBER"])
    assert [(r.start, r.end) for r in found] == [(8, 14)]


def test_configured_cue_recognizers_all_need_a_digit():
    # If a conf change adds a pattern without a digit, the skip turns off by itself;
    # this test says so out loud instead of letting the speed-up vanish silently.
    redactor = build_redactor()
    cues = [r for r in redactor._analyzer.registry.recognizers if isinstance(r, CueRecognizer)]
    assert cues and all(r._needs_digit for r in cues)
