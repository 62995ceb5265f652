"""Figures from statistics tables in answers (issue 16): the facts the model gets, and the
check that every number in its answer comes from them — like a citation check.

The figures themselves are computed outside this layer (connectors/opendata/questions.py,
injected by services.py as a `Figures`: `question, hits -> dict | None`, and `tabled`, a
meta test for a second search among the datasets with a table): answering must not import
connectors. The dict holds `figures` [{value, unit, dataset_id, how}], `table`
{columns, rows}, `series` (for a chart), `sources`, `text` (the answer without a model),
`hit` (the 1-based position of the dataset among the hits) and `score` (how much of the
question the table read: of two candidate tables, the higher reads it better).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from assistant.models import Hit


class Figures(Protocol):
    """What answering needs of the statistics path (StatisticsQuestions)."""

    def __call__(
        self, question: str, hits: Sequence[Hit], *, strict: bool = False
    ) -> dict | None: ...

    def tabled(self, question: str, hits: Sequence[Hit]) -> Callable[[dict], bool] | None: ...

    def asks_for_figure(self, question: str) -> bool: ...


FACTS_HEADING = (
    "Berechnete Zahlen aus der Tabelle des Datensatzes [1] – nur diese Zahlen verwenden, "
    "keine anderen berechnen:"
)
_CITE = re.compile(r"\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\]")
# 1.234.567 / 1.234,5 / 12,5 / 4880 / -80 (German notation; a date 31.12.2013 gives 31, 12, 2013)
_NUMBER = re.compile(r"(?<![\w,.])[-+−]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?![\w])")


def facts(found: dict) -> str:
    """The computed figures as lines for the prompt."""
    lines = [FACTS_HEADING]
    for fig in found.get("figures") or ():
        unit = f" {fig['unit']}" if fig.get("unit") else ""
        percent = f" ({_german(fig['percent'])} %)" if fig.get("percent") is not None else ""
        lines.append(f"- {_german(fig['value'])}{unit}{percent}: {fig['how']}")
    if found.get("note"):  # no figure, and why (the table's bands do not fit the question)
        lines.append(f"- keine Zahl: {found['note']}")
    return "\n".join(lines)


def numbers_in(text: str) -> list[float]:
    """The numbers written in `text`, citation marks [n] left out."""
    out = []
    for match in _NUMBER.finditer(_CITE.sub(" ", text)):
        raw = match.group(0).replace("−", "-").replace(".", "").replace(",", ".")
        try:
            out.append(float(raw))
        except ValueError:
            continue
    return out


def allowed_numbers(found: dict, question: str) -> set[float]:
    """What the answer may state: the figures, their percentages, every cell of the rows
    used, and whatever the question or the facts' wording already says (years, codes)."""
    allowed: set[float] = set(numbers_in(question)) | set(numbers_in(facts(found)))
    for fig in found.get("figures") or ():
        for key in ("value", "percent"):
            if isinstance(fig.get(key), int | float):
                allowed.add(round(float(fig[key]), 6))
    for row in (found.get("table") or {}).get("rows") or ():
        for cell in row:
            if isinstance(cell, int | float) and not isinstance(cell, bool):
                allowed.add(round(float(cell), 6))
            elif cell is not None:
                allowed.update(numbers_in(str(cell)))
    return allowed | {abs(n) for n in allowed}


def unsupported_numbers(text: str, found: dict, question: str) -> list[float]:
    """Numbers in the model's answer that are neither figures nor table cells."""
    allowed = allowed_numbers(found, question)
    return [n for n in numbers_in(text) if round(n, 6) not in allowed and abs(n) not in allowed]


def _german(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{int(value):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
