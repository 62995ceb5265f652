"""The personal Steuernummer of the Finanzamt, after its cue, in the states' formats.

A Steuernummer has 10 or 11 digits in the states' notations (Bundesfinanzamtsnummer,
district, person, check digit) and 13 in the federal one (ELSTER): Bayern
``181/815/08155`` (3/3/5), Berlin and Rheinland-Pfalz ``22/815/08154`` (2/3/5),
Nordrhein-Westfalen ``133/8150/8159`` (3/4/4), Baden-Württemberg ``93815/08152``
(5/5), Hessen ``013 815 08153``, Hamburg also ``2181508150``, federal
``2722081508154``. The shape alone is a number like any other, so the value counts
only right after a cue ("Steuernummer", "StNr", "St.-Nr.", "Steuer-Nr."); the whole
run of digit groups is the value, so no tail of it is left when it is masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.privacy.scored import WEAK, Candidate, ScoredRecognizer

_CUE = (
    r"(?<![^\W_])(?:steuer-?nummer|steuer-?nr\.?|steuer[ \t]+nr\.?|st\.?[ \t]?-?[ \t]?nr\.?"
    r"|stnr\.?)"
)
_GLUE = r"(?:[ \t]*(?:[:#]|lautet|ist|lautet[ \t]+auf|des[ \t]+\w+|beim[ \t]+finanzamt))*[ \t]*"
# Digit groups joined by a slash, dash or dot (spaces around them allowed) or by a space.
_RUN = r"\d+(?:(?:[ ]?[/.-][ ]?|[ ])\d+)*"


# A table cell under a Steuernummer header, probed as "header: value" by the form
# fields (forms.py): the whole cell is one run of 10 to 13 digits.
CELL = re.compile(
    rf"{_CUE}{_GLUE}(?P<value>(?=(?:\d(?:[ ]?[/.-][ ]?|[ ])?){{10,13}}$){_RUN})$", re.IGNORECASE
)


class TaxNumberRecognizer(ScoredRecognizer):
    """Steuernummer right after its cue (see the module docstring)."""

    PATTERN = re.compile(rf"{_CUE}{_GLUE}(?P<value>{_RUN})(?![\w/-]|[.,]\d)", re.IGNORECASE)

    # The federal 13-digit form (ELSTER): the state's prefix (Bayern 9 and Nordrhein-
    # Westfalen 5 with three digits of the Finanzamt, the others two and two), a 0, the
    # district (3), the person (4) and the check digit; so the fifth digit is always 0.
    FEDERAL = re.compile(
        r"(?<![\w/.,-])(?:(?:1[01]|2[1-46-8]|3[0-2]|4[01])\d\d|[59]\d{3})0\d{8}(?![\w/-]|[.,]\d)"
    )

    def candidates(self, text: str) -> Iterator[Candidate]:
        cued = set()
        for match in self.PATTERN.finditer(text):
            digits = sum(c.isdigit() for c in match.group("value"))
            if 10 <= digits <= 13:
                cued.add(match.start("value"))
                yield match.start("value"), match.end("value"), 0.85, 0.85
        # Not right after the cue ("Steuernummer …, bundeseinheitlich 2765065024117"):
        # the federal form's structure with a tax word nearby (`cues`) will do.
        for match in self.FEDERAL.finditer(text):
            if match.start() not in cued:
                yield match.start(), match.end(), WEAK, 0.85
