"""Surnames in the attendance list of minutes ("Anwesend: Köster, Rausch, Yilmaz").

Minutes list who took part after a label, comma by comma, mostly by surname alone,
sometimes with the unit in brackets ("Teilnehmende: Rieger (ASD), Holm (Kita)"). In
such a list a single capitalized word is a person unless it is a German word that
is no listed name: a unit or a role ("Jugendamt", "Amtsleitung") takes part too. A
surname that is also a noun ("Rausch", "Holm") is a person here, because the list
says so; prose has no such list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.privacy.lexicon import is_listed_name, is_noun
from assistant.privacy.scored import Candidate, ScoredRecognizer, word_like

# The label at a line start; "TN" is the usual short form of Teilnehmende.
LIST = re.compile(
    r"(?im)^[ \t]*(?:anwesend|abwesend|entschuldigt|teilnehmende|teilnehmer(?:innen|\*innen)?"
    r"|tn)[ \t]*:[ \t]*(?P<list>[^\n]+)"
)
# One item: optional titles, one capitalized word, optionally its unit in brackets.
ITEM = re.compile(
    r"[ \t]*(?:(?:Frau|Herr|Hr\.|Fr\.|Dr\.|med\.|Prof\.)[ \t]+)*"
    r"(?P<name>[A-ZÄÖÜ][^\W\d_]+(?:[-'’][^\W\d_]+)*)[ \t]*(?:\([^()\n]{1,30}\))?[ \t]*"
)


class AttendanceRecognizer(ScoredRecognizer):
    """PERSON: the surnames of an attendance list (see the module doc)."""

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in LIST.finditer(text):
            offset = match.start("list")
            items = match.group("list").split(",")
            if len(items) < 2:
                continue  # "Anwesend: Jugendamt" or a sentence: no list
            for item in items:
                found = ITEM.fullmatch(item)
                if found and self._person(found.group("name")):
                    yield offset + found.start("name"), offset + found.end("name"), 0.85, 0.85
                offset += len(item) + 1

    @staticmethod
    def _person(word: str) -> bool:
        if is_listed_name(word):
            return True
        # a compound with a short head is a body too ("Personal|rat", "Bei|rat")
        heads = (word[k:] for k in range(2, len(word) - 2))
        return not word_like(word) and not any(is_noun(head) for head in heads)
