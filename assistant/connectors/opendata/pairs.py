"""Two row labels of one column that a comparison sets against each other ("Wie viel mehr
gibt Kalk aus als Nippes?" where the districts are labels of a budget table, not configured
places): the resolver reads both rows with the question's other filters."""

from __future__ import annotations

from assistant.connectors.opendata.areas import Roles
from assistant.connectors.opendata.matching import Question, fully_named, phrase_score
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import TEXT


def label_pair(q: Question, table: StoredTable, roles: Roles) -> tuple[str, list[str]] | None:
    """The one text column where the question names exactly two labels in full, in the
    question's order; None when no column or more than one has such a pair."""
    pairs = []
    for i, col in enumerate(table.columns):
        if col.kind != TEXT or col.name in (roles.area_code, roles.area_name):
            continue
        values = {str(r[i]) for r in table.rows if r[i] is not None}
        named = [v for v in values if phrase_score(v, q) and fully_named(v, q)]
        if len(named) == 2:
            pairs.append((col.name, sorted(named, key=q.position)))
    return pairs[0] if len(pairs) == 1 else None
