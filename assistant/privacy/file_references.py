"""File references numbered by a registry: groups joined by dashes around a year.

German offices number their files as register or office code(s), year and a running
number ("JA-2026-00123", "63-BA-2026-0101", "2026-BT-03318"), or as year and a long
serial ("2026-00812344"). Such a reference leads to one person's case, so it is a
``CASE_NUMBER`` even without a cue. A date (2026-03-15), a period (2021-2027) and a
council paper (2026-0419) have too short a last group. Tickets, orders, inventory and
council papers are numbered the same way and name no person: after one of the `cues`
(here: words that veto) the reference stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.privacy.scored import Candidate, ScoredRecognizer

_GROUP = r"(?:[A-Za-z]{1,5}|\d{1,3})"
REFERENCE = re.compile(
    rf"(?<![\w/.-])(?:{_GROUP}-(?:{_GROUP}-)?(?:19|20)\d\d-\d{{3,7}}"
    r"|(?:19|20)\d\d-[A-Za-z]{1,5}-\d{3,7}|(?:19|20)\d\d-\d{5,8})(?![\w/-]|[.,]\d)"
)
# Prefixes of ticket numbers (ITIL: incident, request, change, problem).
TICKET = re.compile(r"(?i:inc|req|chg|prb|ritm|sr|tkt|it)-")
SCORE = 0.8


class FileReferenceRecognizer(ScoredRecognizer):
    def __init__(self, **kwargs) -> None:
        super().__init__(window=(60, 0), **kwargs)

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in REFERENCE.finditer(text):
            if TICKET.match(match.group()):
                continue
            if self.cue_near(text, match.start(), match.end()):
                continue  # a ticket, an order, a council paper
            yield match.start(), match.end(), SCORE, SCORE
