"""Plain-text rendering of a stored table for `assistant opendata table DATASET`."""

from __future__ import annotations

from assistant.connectors.opendata.figures import format_number
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import FLOAT, INT


def render_table(
    table: StoredTable, *, max_rows: int | None = None, columns: list[str] | None = None
) -> str:
    """Provenance lines, then the table with right-aligned numbers in German notation."""
    prov = table.provenance
    lines = [
        prov.title or prov.dataset_id,
        f"Portal: {prov.portal} · Datensatz: {prov.dataset_id} · Ressource: {prov.resource_id}",
        f"Lizenz: {prov.licence or 'keine Lizenz angegeben'} · Quelle: {prov.resource_url or '–'}",
        f"Abgerufen: {prov.fetched_at or '–'} · {len(table.rows)} Zeilen, {len(table.columns)} Spalten",
    ]
    if table.quirks:
        lines.append("Beim Einlesen: " + "; ".join(table.quirks))
    lines.extend(f"Titel: {t}" for t in table.title_lines)
    idx = [table.column_index(c) for c in columns] if columns else list(range(len(table.columns)))
    rows = table.rows if max_rows is None else table.rows[:max_rows]
    cells = [[table.columns[i].name for i in idx]] + [[_cell(r[i]) for i in idx] for r in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(idx))]
    numeric = [table.columns[i].kind in (INT, FLOAT) for i in idx]
    lines.append("")
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if num else c.ljust(w)
                for c, w, num in zip(row, widths, numeric, strict=True)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if max_rows is not None and len(table.rows) > max_rows:
        lines.append(f"… {len(table.rows) - max_rows} weitere Zeilen")
    lines.extend(f"Fußnote: {f}" for f in table.footnotes)
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return str(value)
