"""Digits that OCR misreads as letters: O or o for 0, l or I for 1.

A scanned form pasted as raw OCR text carries "O3.l1.l984" or "O26O2 / 9l 77 34":
the shapes of 0 and O, of 1, l and I are alike, and OCR confuses them. Inside a
token made only of digits and these look-alikes, with at least one real digit, the
letters can only be digits (no German word is spelt with digits), so they are
read as digits before detection. The reading keeps every character's position,
so a value found in it marks the same range of the original text; words without
a digit ("KO", "Ol") stay as they are. One such token alone may be a code of its own
("Raum O621"): the text counts as OCR'd only where the confusion shows at least twice.
"""

from __future__ import annotations

import re

_LOOK_ALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})
# A whole token of digits and look-alikes with at least one look-alike and one digit.
_MISREAD = re.compile(r"(?<!\w)(?=[0-9OoIl]*[OoIl])(?=[0-9OoIl]*\d)[0-9OoIl]{2,}(?!\w)")

MIN_MISREAD = 2


def read_misread_digits(text: str) -> str:
    """The text with OCR look-alikes inside numbers read as digits; same length."""
    if len(_MISREAD.findall(text)) < MIN_MISREAD:
        return text
    return _MISREAD.sub(lambda m: m.group().translate(_LOOK_ALIKES), text)
