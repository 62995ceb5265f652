"""The largest or smallest single row of a column ("der einwohnerstärkste Planungsraum", "die
niedrigste Wahlbeteiligung in einem Stimmbezirk"): a superlative asks for one row's value, not
for a sum. The table's total row is left out; rows without a value are counted, not read."""

from __future__ import annotations

import re

from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.figures import _period_rows, _total_row, roles_for
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import FLOAT, INT

# After an article or "am" ("die meisten", "am höchsten", "der einwohnerstärkste"): a
# superlative adjective. Only "-stärkst"/"-schwächst"/"-reichst" join a compound, so
# "der Bürgermeister" is none; "höchstens"/"mindestens" are no superlatives.
_SUPERLATIVE = re.compile(
    r"\b(?:die|der|das|den|dem|des|am|im)\s+"
    r"(höchst|größt|meist|\w*stärkst|\w*reichst|niedrigst|kleinst|wenigst|geringst|\w*schwächst)"
    r"(?:e[nrsm]?)\b"
    r"|\b(maximum|minimum)\b",
    re.IGNORECASE,
)
_LEAST = re.compile(r"niedrigst|kleinst|wenigst|geringst|schwächst|minimum", re.IGNORECASE)


def superlative(question: str) -> str | None:
    """ "max" or "min" when the question asks for the largest or smallest row."""
    found = _SUPERLATIVE.search(question)
    if not found:
        return None
    return "min" if _LEAST.search(found.group(0)) else "max"


def extreme(table: StoredTable, column: str, *, period, pick: str, config) -> dict:
    """The value of the row with the largest (`pick` "max") or smallest value of `column`."""
    roles = roles_for(table, config)
    col = table.column_index(column)
    name = table.columns[col].name
    if table.columns[col].kind not in (INT, FLOAT):
        raise OpendataError(f"Die Spalte „{name}“ enthält keine Zahlen.", code="opendata_column")
    rows, stand = _period_rows(table, roles, period)
    total = _total_row(table, roles, rows, col)
    cells = [r for r in rows if r[col] is not None and r is not total]
    if not cells:
        raise OpendataError(f"In der Spalte „{name}“ steht kein Wert.", code="opendata_no_value")
    row = (max if pick == "max" else min)(cells, key=lambda r: r[col])
    place = _row_name(table, roles, row)
    word = "Höchster" if pick == "max" else "Niedrigster"
    how = f"{word} Wert der Spalte {name} über {len(cells)} Zeilen: {place}"
    if len(cells) < len(rows) - (total is not None):
        how += f" ({len(rows) - len(cells) - (total is not None)} Zeilen ohne Wert ausgelassen)"
    if total is not None:
        how += "; die Summenzeile ist nicht mitgezählt"
    if stand:
        how += f", Stand {stand}"
    value = row[col]
    unit = roles.units.get(name) or table.columns[col].unit or roles.default_unit
    return {
        "value": int(value) if float(value).is_integer() else round(value, 6),
        "unit": unit,
        "dataset_id": table.provenance.dataset_id,
        "how": how,
        "column": name,
        "area": None,
        "place": place,
        "period": stand,
        "rows": 1,
        "row": row,  # the row itself, for the chat's table (not part of the JSON figure)
        "portal": table.provenance.portal,
        "resource_id": table.provenance.resource_id,
        "title": table.provenance.title,
        "licence": table.provenance.licence,
    }


def _row_name(table: StoredTable, roles, row: tuple) -> str:
    """The row's place or label: its name and code roles, else its first text cell."""
    parts = [
        str(row[table.column_index(r)])
        for r in (roles.area_name, roles.area_code)
        if r and row[table.column_index(r)] is not None
    ]
    if parts:
        return " ".join(dict.fromkeys(parts))
    text = next((v for v in row if isinstance(v, str) and v.strip()), None)
    return text or "eine Zeile"
