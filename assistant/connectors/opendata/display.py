"""The rows and the chart behind a statistics answer (questions.py computes the figures):
the table rows used, with their label columns and the stored value columns, and a line over
the periods or bars for the compared places or columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.connectors.opendata import figures as F
from assistant.connectors.opendata.answers import chart_title, compared_title
from assistant.connectors.opendata.columns import real_columns
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.matching import years
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import FLOAT, INT

if TYPE_CHECKING:
    from assistant.connectors.opendata.resolver import Plan, Resolver

MAX_ROWS = 50  # rows shown in the chat's table


def rows_used(resolver: Resolver, plan: Plan, figs: list[dict]) -> dict:
    """The table rows behind the figures: label columns and the value column(s)."""
    roles, table = plan.roles, plan.table
    labels = [c for c in (roles.area_code, roles.area_name, roles.period) if c]
    labels += [c for c in plan.filters if c not in labels]
    values = [r for c in plan.columns for r in real_columns(c)]
    cols = labels + [c for c in dict.fromkeys(values) if c not in labels]
    rows, seen = [], set()
    for fig in figs:
        source = next((t for t, _ in plan.years if t.dataset_id == fig["dataset_id"]), table)
        for row in _used(resolver, plan, source, fig):
            key = (source.dataset_id, row)
            if key not in seen:
                seen.add(key)
                cells = [row[source.column_index(c)] for c in cols]
                if roles.period in cols:  # 201312 → 31.12.2013, not a number
                    i = cols.index(roles.period)
                    cells[i] = F.period_label(cells[i])
                rows.append(cells)
    return {
        "title": table.provenance.title,
        "columns": cols,
        "rows": rows[:MAX_ROWS],
        "more": max(len(rows) - MAX_ROWS, 0),
    }


def _used(resolver: Resolver, plan: Plan, table: StoredTable, fig: dict) -> list[tuple]:
    if fig.get("row") is not None:  # one row's value (the largest, the smallest)
        return [fig["row"]]
    table = F.rows_where(table, plan.filters)
    rows, _ = F._period_rows(table, plan.roles, _period_key(fig, plan))
    rows, *_ = F._area_rows(table, plan.roles, rows, fig.get("area"), resolver.config.areas)
    return rows


def chart(resolver: Resolver, plan: Plan, figs: list[dict], kind: str) -> dict | None:
    """A line over the periods (a series or year columns), or bars for two places."""
    fig = figs[-1]
    unit = fig.get("unit")
    if kind in ("places", "named"):
        label = "column" if kind == "named" else "place"
        points = [[f.get(label) or f.get("area") or "gesamt", f["value"]] for f in figs]
        title = compared_title(plan, fig, [p[0] for p in points], kind)
        return {"kind": "bar", "title": title, "unit": unit, "points": points}
    if kind == "columns" or (kind == "single" and any(years(c) for c in plan.columns)):
        cols = _year_columns(plan)
        points = []
        for c in cols:
            try:
                points.append(
                    [c, resolver.figure(plan, plan.table, c, fig.get("area"), None)["value"]]
                )
            except OpendataError:
                continue
    else:
        points = []
        for t, p in resolver.series(plan.years[0][0]):
            try:
                f = resolver.figure(plan, t, plan.columns[0], fig.get("area"), p)
            except OpendataError:
                continue
            points.append([f.get("period") or p or t.provenance.title, f["value"]])
    if len(points) < 2:
        return None
    return {"kind": "line", "title": chart_title(plan, fig), "unit": unit, "points": points}


def _year_columns(plan: Plan) -> list[str]:
    """Columns like the chosen one in another year (Ergebnis 2010, Plan 2011 …)."""
    return [
        c.name
        for c in plan.table.columns
        if c.kind in (INT, FLOAT) and years(c.name) and c.name != plan.roles.period
    ]


def _period_key(fig: dict, plan: Plan) -> str | None:
    period = fig.get("period")
    if not period or period in plan.columns:
        return None
    return next((p for t, p in plan.years if p and F.period_label(p) == period), None)
