"""Value columns computed from stored ones: a sum of bands and a share of two columns.

They are strings (their label, "E_U1 + E_1U6") so that everything that passes a column name
along — plans, charts, labels, years in headers — keeps working; `figures.figure` computes
them from their parts, and `real_columns` names the stored columns behind them.
"""

from __future__ import annotations

from typing import Self


class Summed(str):
    """The sum of several columns: a range the table splits into bands ("unter 6" =
    E_U1 + E_1U6), or a sum the configuration names (`columns: {Kinder unter 6: [A, B]}`)."""

    parts: tuple[str, ...]

    def __new__(cls, parts) -> Self:
        parts = tuple(str(p) for p in parts)
        obj = super().__new__(cls, " + ".join(parts))
        obj.parts = parts
        return obj


class Share(str):
    """part / whole × 100: "Anteil der Frauen an den Einwohnern"."""

    part: str
    whole: str

    def __new__(cls, part: str, whole: str) -> Self:
        obj = super().__new__(cls, f"Anteil {part} an {whole}")
        obj.part, obj.whole = part, whole
        return obj


def real_columns(column: str) -> list[str]:
    """The stored columns a (computed) column is read from, in order."""
    if isinstance(column, Share):
        return [*real_columns(column.part), *real_columns(column.whole)]
    if isinstance(column, Summed):
        return list(column.parts)
    return [column]


def spec(value) -> str:
    """A configured column: a name, or a list of names to add up."""
    if isinstance(value, list | tuple):
        return Summed(value) if len(value) > 1 else str(value[0])
    return str(value)


def present(column: str, names: set[str]) -> bool:
    """Every stored column behind `column` is one of the table's `names` (case aside)."""
    folded = {n.casefold() for n in names}
    return all(c.casefold() in folded for c in real_columns(column))
