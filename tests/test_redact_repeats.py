"""`occurrences`: a found value's repetitions as words of their own, the same as the
regex it replaces, on examples written for this test."""

from __future__ import annotations

import re

import pytest

from assistant.privacy.repeats import occurrences

CASES = [
    ("Az. 31-204/7 und erneut 31-204/7.", "31-204/7", [4, 24]),
    ("A12345 und xA12345 und A12345b", "A12345", [0]),
    ("Nr. 88123, Nr. 88123.5 und 88123,7", "88123", [4]),
    ("88123.", "88123", [0]),
    ("/88123 -88123 .88123 _88123 88123_", "88123", []),
    ("7-7-7-7", "7-7", []),
    ("7-7 und 7-7", "7-7", [0, 8]),
    ("ab ab", "ab", [0, 3]),
    ("Wert 4711² und 4711٣", "4711", []),
]


@pytest.mark.parametrize(("text", "value", "starts"), CASES)
def test_occurrences(text, value, starts):
    assert occurrences(text, value) == starts


@pytest.mark.parametrize(("text", "value", "_"), CASES)
def test_occurrences_as_the_regex(text, value, _):
    pattern = rf"(?<![\w/.-]){re.escape(value)}(?![\w/-]|[.,]\d)"
    assert occurrences(text, value) == [m.start() for m in re.finditer(pattern, text)]
