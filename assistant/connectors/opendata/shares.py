"""A share asked for: the percent twin of a count, or part / whole × 100 of two columns.

"Wie viel Prozent der Stimmen bekam Liste B?" reads the column the table already gives in
percent ("Liste B_Proz"), which keeps priority. Without such a twin, "Anteil der Frauen an den
Einwohnern" or "Wie viel Prozent der Einwohner sind über 80?" divide the part (the column the
question names) by the whole: the column named after "an den …" or "Prozent der …", else the
table's total (the configured default column). "Um wie viel Prozent …" is a change, not a share.
"""

from __future__ import annotations

import re

from assistant.connectors.opendata import figures as F
from assistant.connectors.opendata.areas import Roles
from assistant.connectors.opendata.columns import Share, Summed, present
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.matching import Question, header_score, phrase_score
from assistant.connectors.opendata.store import StoredTable

_PART = re.compile(r"anteil|quote|\bprozent\s+(der|des|aller|von)\b|\bin prozent\b", re.IGNORECASE)
_CHANGE = re.compile(
    r"\bum\s+(wie\s*viel\w*|wieviel\w*)\s+prozent(?!punkt)|prozentual", re.IGNORECASE
)
_WHOLE = re.compile(
    r"\b(?:an|unter)\s+(?:den|der|dem|allen|aller|alle)\s+(.+)|\bprozent\s+(?:der|des|aller|von)\s+(.+)",
    re.IGNORECASE,
)


def asks_part(question: str) -> bool:
    """A part of a whole is asked for, not a change in percent."""
    return bool(_PART.search(question)) and not _CHANGE.search(question)


def part_text(question: str) -> str | None:
    """For "Anteil der Frauen an den Einwohnern": the words before the whole, which name the
    part (else "Frauen … Einwohner" names the total "Einwohnerinnen und Einwohner")."""
    m = _WHOLE.search(question)
    return question[: m.start()] if m and m.group(1) and asks_part(question) else None


def share_column(q: Question, table: StoredTable, roles: Roles, column: str) -> str:
    """The column to read for a question about a share (see the module's text)."""
    if not isinstance(column, Share | Summed):
        twin = F.percent_column(table, roles, column)
        col = table.columns[table.column_index(column)]
        if twin != column or (roles.units.get(col.name) or col.unit) == "%":
            return twin
    if not asks_part(q.text):
        return column
    whole = _whole(q, table, roles) or roles.default_column
    names = {c.name for c in table.columns}
    if not whole or whole == column or not present(whole, names):
        return column
    return Share(column, whole)


def _whole(q: Question, table: StoredTable, roles: Roles) -> str | None:
    """The column the words after "an den" / "Prozent der" name best, if any."""
    m = _WHOLE.search(q.text)
    if not m:
        return None
    sub = Question.parse(m.group(1) or m.group(2))
    names = {c.name for c in table.columns}
    scored: dict[str, int] = {}
    for p, c in roles.columns.items():
        if present(c, names):
            scored[c] = max(scored.get(c, 0), phrase_score(p, sub))
    for c in F.measure_columns(table, roles):
        scored[c] = max(scored.get(c, 0), header_score(c, sub))
    top = max(scored.values(), default=0)
    return next((c for c, s in scored.items() if s == top), None) if top else None


def place_share(part: dict, whole: dict) -> dict:
    """A place's share of the whole ("Welchen Anteil hat Pankow an der Bevölkerung?"): the
    place's value / the value of all rows (or the table's total row) × 100."""
    if not whole["value"]:
        raise OpendataError(
            f"Die Spalte „{whole['column']}“ ist insgesamt 0; ein Anteil lässt sich nicht "
            "berechnen.",
            code="opendata_no_value",
        )
    value = round(part["value"] / whole["value"] * 100, 1)
    how = (
        f"Anteil in Prozent: {part['place']} {F.format_number(part['value'])} / gesamt "
        f"{F.format_number(whole['value'])} × 100, gerundet auf eine Nachkommastelle; "
        f"{part['place']}: {part['how']}; gesamt: {whole['how']}"
    )
    return {**part, "value": value, "unit": "%", "how": how}


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def names_city(question: str, portal: str | None) -> bool:
    """The whole of a share names the city whose portal published the table ("an der
    Berliner Bevölkerung", "Prozent der Kölner" against the portals "berlin", "koeln")."""
    m = _WHOLE.search(question)
    name = (portal or "").casefold().translate(_FOLD)
    if not m or len(name) < 4:
        return False
    whole = (m.group(1) or m.group(2)).casefold().translate(_FOLD)
    return any(w.startswith(name) for w in re.findall(r"\w+", whole))


def city_named(question: str, portal: str | None) -> bool:
    """The question names the city whose portal published the table ("der Berliner
    Bevölkerung", "in ganz Köln"): with no other place, the whole table is the place asked."""
    name = (portal or "").casefold().translate(_FOLD)
    if len(name) < 4:
        return False
    return any(w.startswith(name) for w in re.findall(r"\w+", question.casefold().translate(_FOLD)))
