"""Figures from a statistics table without an LLM: a value, a sum over sub-areas, a comparison.

Every result is a dict `{value, unit, dataset_id, how, …}`; `how` says in one German line which
rows and which column were used, so the number in an answer can be checked against the table.
Column roles come from `FiguresConfig` or are detected by type (`detect_roles`), never from names.
"""

from __future__ import annotations

import calendar
from dataclasses import replace

from assistant.connectors.opendata.areas import Area, AreaList, FiguresConfig, Roles
from assistant.connectors.opendata.columns import Share, Summed
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import CODE, FLOAT, INT, TEXT


def detect_roles(table: StoredTable) -> Roles:
    """Area code: a code column with unique values; name: a text column with unique values;
    period: an integer column of years (2013) or year-months (201312)."""
    cols = table.columns

    def values(i):
        return [r[i] for r in table.rows if r[i] is not None]

    def unique(i):
        vals = values(i)
        return bool(vals) and len(set(vals)) == len(vals)

    period = next(
        (
            c.name
            for i, c in enumerate(cols)
            if c.kind == INT and values(i) and all(_is_period(v) for v in values(i))
        ),
        None,
    )
    codes = [
        (len(str(values(i)[0])), i) for i, c in enumerate(cols) if c.kind == CODE and unique(i)
    ]
    area_code = cols[max(codes)[1]].name if codes else None
    name_idx = next((i for i, c in enumerate(cols) if c.kind == TEXT and unique(i)), None)
    if area_code is None and name_idx is not None:
        # "Nr.;Stadtteil": an integer key column left of the name column
        area_code = next(
            (
                cols[i].name
                for i in range(name_idx)
                if cols[i].kind == INT and unique(i) and cols[i].name != period
            ),
            None,
        )
    return Roles(
        area_code=area_code,
        area_name=None if name_idx is None else cols[name_idx].name,
        period=period,
    )


def measure_columns(table: StoredTable, roles: Roles) -> list[str]:
    """The numeric columns that can carry a value: not the period, not the area code, and not
    a key such as "Bezirk" in "Bezirk;Bezeichnung" (a number column followed by its label)."""
    skip = {roles.period, roles.area_code}
    out = []
    for i, c in enumerate(table.columns):
        if c.kind not in (INT, FLOAT) or c.name in skip:
            continue
        nxt = table.columns[i + 1] if i + 1 < len(table.columns) else None
        labelled = nxt is not None and nxt.kind == TEXT
        if c.kind == INT and labelled and any(r[i + 1] is not None for r in table.rows):
            continue
        out.append(c.name)
    return out


def roles_for(table: StoredTable, config: FiguresConfig | None) -> Roles:
    """Configured roles win field by field over the detected ones."""
    detected = detect_roles(table)
    configured = config.roles_for(table.provenance) if config else None
    if configured is None:
        return detected
    return replace(detected, **{k: v for k, v in vars(configured).items() if v not in (None, {})})


def rows_where(table: StoredTable, filters: dict[str, object]) -> StoredTable:
    """`table` with only the rows whose cells equal the filters' labels."""
    if not filters:
        return table
    idx = {table.column_index(c): v for c, v in filters.items()}
    return replace(
        table, rows=[r for r in table.rows if all(str(r[i]) == v for i, v in idx.items())]
    )


def figure(
    table: StoredTable,
    column: str,
    *,
    area: str | None = None,
    period: str | None = None,
    config: FiguresConfig | None = None,
) -> dict:
    """One value: a row by area code or name, a configured area's sub-areas summed, or all rows."""
    if isinstance(column, Share | Summed):
        return _computed(table, column, area=area, period=period, config=config)
    roles = roles_for(table, config)
    col = table.column_index(column)
    col_name = table.columns[col].name
    if table.columns[col].kind not in (INT, FLOAT):
        raise OpendataError(
            f"Die Spalte „{col_name}“ enthält keine Zahlen.", code="opendata_column"
        )
    rows, stand = _period_rows(table, roles, period)
    rows, label, summed, place = _area_rows(
        table, roles, rows, area, config.areas if config else AreaList()
    )
    unit = roles.units.get(col_name) or table.columns[col].unit or roles.default_unit
    values = [r[col] for r in rows if r[col] is not None]
    if not values:
        raise OpendataError(
            f"Für {label} steht in der Spalte „{col_name}“ kein Wert.", code="opendata_no_value"
        )
    if summed and len(rows) > 1 and unit == "%":
        raise OpendataError(
            "Prozentwerte lassen sich nicht über Gebiete summieren.", code="opendata_sum_percent"
        )
    if area is None and (row := _total_row(table, roles, rows, col)) is not None:
        # A row that holds the sum of all others ("Köln insgesamt") is the total: counting it
        # as one more area would double the sum.
        rows, values = [row], [row[col]]
        label, place = _total_label(table, roles, row)
    value = sum(values)
    value = int(value) if float(value).is_integer() else round(value, 6)
    how = f"{label}, Spalte {col_name}"
    if len(values) < len(rows):
        how += f" ({len(rows) - len(values)} Zeilen ohne Wert)"
    if stand:
        how += f", Stand {stand}"
    return {
        "value": value,
        "unit": unit,
        "dataset_id": table.provenance.dataset_id,
        "how": how,
        "column": col_name,
        "area": area,
        "place": place,
        "period": stand,
        "rows": len(rows),
        "portal": table.provenance.portal,
        "resource_id": table.provenance.resource_id,
        "title": table.provenance.title,
        "licence": table.provenance.licence,
    }


def _computed(table: StoredTable, column: Share | Summed, **where) -> dict:
    """A sum of band columns or a share of two columns, read for the same rows; `how`
    names every column used."""
    if isinstance(column, Share):
        part, whole = (figure(table, c, **where) for c in (column.part, column.whole))
        if not whole["value"]:
            raise OpendataError(
                f"Die Spalte „{whole['column']}“ ist 0; ein Anteil lässt sich nicht berechnen.",
                code="opendata_no_value",
            )
        value = round(part["value"] / whole["value"] * 100, 1)
        how = (
            f"Anteil in Prozent: {_cells(part)} / {_cells(whole)} × 100, gerundet auf eine "
            f"Nachkommastelle; {part['how']}"
        )
        return {**part, "value": value, "unit": "%", "how": how, "column": str(column)}
    parts = [figure(table, c, **where) for c in column.parts]
    units = {f["unit"] for f in parts if f["unit"]}
    if len(units) > 1 or "%" in units:
        raise OpendataError(
            "Die Spalten lassen sich nicht addieren (Prozentwerte oder verschiedene Einheiten).",
            code="opendata_sum_percent",
        )
    value = sum(f["value"] for f in parts)
    value = int(value) if float(value).is_integer() else round(value, 6)
    summed = " + ".join(f"{f['column']} ({format_number(f['value'])})" for f in parts)
    first = parts[0]
    how = first["how"].replace(f"Spalte {first['column']}", f"Summe der Spalten {summed}", 1)
    unit = next(iter(units), None)
    return {**first, "value": value, "unit": unit, "how": how, "column": str(column)}


def _total_row(table: StoredTable, roles: Roles, rows: list[tuple], col: int) -> tuple | None:
    """The row whose value equals the sum of all other rows' values, in this column and in
    every other value column where it has one (a coincidence in one column is no total)."""
    cells = [(r, r[col]) for r in rows if r[col] is not None]
    if len(cells) < 3:
        return None
    row, top = max(cells, key=lambda rv: rv[1])
    if top <= 0:
        return None
    others = [table.column_index(c) for c in measure_columns(table, roles)]
    return row if all(_sums_rest(row, rows, i) for i in {col, *others}) else None


def _sums_rest(row: tuple, rows: list[tuple], i: int) -> bool:
    if row[i] is None:
        return True
    rest = sum(r[i] for r in rows if r is not row and r[i] is not None)
    return abs(row[i] - rest) <= 1e-9 * abs(row[i])


def _total_label(table: StoredTable, roles: Roles, row: tuple) -> tuple[str, str]:
    for role in (roles.area_name, roles.area_code):
        if role:
            name = row[table.column_index(role)]
            return f"Summenzeile der Tabelle ({role} = {name})", str(name)
    return "Summenzeile der Tabelle (Summe aller übrigen Zeilen)", "gesamt"


def _cells(fig: dict) -> str:
    return f"Spalte {fig['column']} ({format_number(fig['value'])})"


def compare(base: dict, other: dict) -> dict:
    """Difference and percent change from `base` to `other` (two places, or two years)."""
    unit = common_unit(base.get("unit"), other.get("unit"))
    if unit is False:
        raise OpendataError(
            "Die beiden Werte haben verschiedene Einheiten und sind nicht vergleichbar.",
            code="opendata_units",
        )
    diff = other["value"] - base["value"]
    diff = int(diff) if float(diff).is_integer() else round(diff, 6)
    percent = None if not base["value"] else round(diff / base["value"] * 100, 1)
    change = f"{format_number(diff, sign=True)}"
    if percent is not None:
        change += f" ({format_number(percent, sign=True)} %)"
    how = (
        f"{_label(other)}: {format_number(other['value'])} gegenüber {_label(base)}: "
        f"{format_number(base['value'])}, Differenz {change}"
    )
    return {
        "value": diff,
        "unit": unit,
        "dataset_id": other["dataset_id"],
        "how": how,
        "percent": percent,
        "base": base,
        "other": other,
        "dataset_ids": sorted({base["dataset_id"], other["dataset_id"]}),
    }


def chosen(figs: list[dict], pick: str) -> dict:
    """The larger ("max") or smaller ("min") of two compared values, as the answer to "A
    oder B – wer hat mehr?"."""
    side = (max if pick == "max" else min)(figs, key=lambda f: f["value"])
    word = "größere" if pick == "max" else "kleinere"
    how = f"der {word} der beiden Werte: {_label(side)}, {side['how']}"
    return {**side, "how": how, "chosen": pick}


def common_unit(a: str | None, b: str | None) -> str | None | bool:
    """The unit two figures share, or False: a unit and its feminine form count as one
    ("Einwohnerinnen" and "Einwohner" are both people), named by the general form."""
    if a == b:
        return a
    short, long = sorted((a or "", b or ""), key=len)
    if short and long[len(short) :] in ("in", "innen") and long.startswith(short):
        return short
    return False


def total(figs: list[dict]) -> dict:
    """The sum of figures of several places ("Innenstadt und Porz zusammen")."""
    units = {f.get("unit") for f in figs}
    if len(units) > 1 or "%" in units:
        raise OpendataError(
            "Die Werte lassen sich nicht addieren (Prozentwerte oder verschiedene Einheiten).",
            code="opendata_sum_percent",
        )
    value = sum(f["value"] for f in figs)
    value = int(value) if float(value).is_integer() else round(value, 6)
    how = "Summe: " + " + ".join(f"{_label(f)} {format_number(f['value'])}" for f in figs)
    place = " und ".join(str(f.get("place") or f.get("area")) for f in figs)
    return {**figs[0], "value": value, "how": how, "place": place, "area": None}


def relative(diff: dict) -> dict:
    """A comparison's change in percent as a figure of its own (the difference follows it)."""
    how = f"Veränderung in Prozent: {diff['how']}"
    keep = {k: v for k, v in diff.items() if k not in ("base", "other")}
    return {**keep, "value": diff["percent"], "unit": "%", "how": how, "relative": True}


def percent_column(table: StoredTable, roles: Roles, column: str) -> str:
    """For a question about a share: the column's percent twin ("Z_SPD" → "Z_SPD_Proz"),
    when the column itself is a count and such a twin exists."""
    if isinstance(column, Share | Summed):
        return column
    col = table.columns[table.column_index(column)]
    if (roles.units.get(col.name) or col.unit) == "%":
        return column
    twins = [
        c.name
        for c in table.columns
        if c.name != col.name
        and c.name.casefold().startswith(col.name.casefold())
        and c.kind in (INT, FLOAT)
        and (roles.units.get(c.name) or c.unit) == "%"
    ]
    return min(twins, key=len) if twins else column


def format_number(value: float, *, sign: bool = False) -> str:
    """German notation: 1.234.567 and 12,5."""
    if isinstance(value, float) and not value.is_integer():
        text = (f"{value:+,.2f}" if sign else f"{value:,.2f}").rstrip("0")
    else:
        text = f"{int(value):+,}" if sign else f"{int(value):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def period_label(value) -> str:
    """201312 → 31.12.2013 (end of the month: statistics count on the last day); 2013 → 2013."""
    text = str(value)
    if text.isdigit() and len(text) == 6 and 1 <= int(text[4:]) <= 12:
        year, month = int(text[:4]), int(text[4:])
        return f"{calendar.monthrange(year, month)[1]:02d}.{month:02d}.{year}"
    return text


def _is_period(value) -> bool:
    text = str(value)
    if len(text) == 4:
        return 1900 <= int(text) <= 2100
    return len(text) == 6 and 1900 <= int(text[:4]) <= 2100 and 1 <= int(text[4:]) <= 12


def _label(fig: dict) -> str:
    parts = [fig.get("place") or fig.get("area") or "gesamt"]
    if fig.get("period"):
        parts.append(fig["period"])
    return " ".join(parts)


def _period_rows(
    table: StoredTable, roles: Roles, period: str | None
) -> tuple[list[tuple], str | None]:
    if not roles.period:
        if period:
            raise OpendataError(
                "Die Tabelle hat keine Zeitspalte; der Stand ergibt sich aus dem Datensatz.",
                code="opendata_period",
                hint="Bitte den Datensatz des gewünschten Jahres wählen.",
            )
        return table.rows, None
    idx = table.column_index(roles.period)
    present = sorted({r[idx] for r in table.rows if r[idx] is not None}, key=str)
    if not present:
        return table.rows, None
    if period:
        chosen = [p for p in present if str(p) == period or str(p).startswith(str(period))]
        if not chosen:
            raise OpendataError(
                f"Für {period} enthält die Tabelle keine Werte.",
                code="opendata_period",
                hint="Vorhanden: " + ", ".join(period_label(p) for p in present),
            )
        wanted = chosen[-1]
    else:
        wanted = present[-1]
    return [r for r in table.rows if r[idx] == wanted], period_label(wanted)


def _area_rows(table, roles: Roles, rows, area: str | None, areas: AreaList):
    if area is None:
        if len(rows) == 1:
            return rows, "einzige Zeile der Tabelle", False, "gesamt"
        return rows, f"Summe aller {len(rows)} Zeilen", True, "gesamt"
    key = area.strip()
    configured = areas.find(key)
    # Aliases bridge spelling variants between files ("Mühlheim" in one, "Mülheim" in another).
    keys = {key.casefold()} | {k.casefold() for k in (configured.names() if configured else ())}
    name_idx = table.column_index(roles.area_name) if roles.area_name else None
    for role in (roles.area_code, roles.area_name):
        if role:
            idx = table.column_index(role)
            hit = [r for r in rows if r[idx] is not None and str(r[idx]).casefold() in keys]
            if len(hit) == 1:
                name = hit[0][name_idx] if name_idx is not None else hit[0][idx]
                label = f"Zeile {role} = {hit[0][idx]}"
                if name_idx is not None and name_idx != idx:
                    label += f" ({name})"
                return hit, label, False, str(name)
            if len(hit) > 1:
                raise OpendataError(
                    f"„{area}“ steht in {len(hit)} Zeilen der Tabelle; welche ist gemeint?",
                    code="opendata_ambiguous",
                )
    if configured is None:
        raise OpendataError(
            f"Das Gebiet „{area}“ kommt in der Tabelle nicht vor.",
            code="opendata_area",
            hint="Gebiete lassen sich in der Gebietsliste (Kennzahlen-Konfiguration) festlegen.",
        )
    return _member_rows(table, roles, rows, configured)


def _member_rows(table, roles: Roles, rows, area: Area):
    column = area.column or roles.area_code
    if not column:
        raise OpendataError(
            "Die Tabelle hat keine Gebietsschlüssel-Spalte; bitte in der Konfiguration angeben.",
            code="opendata_config",
        )
    idx = table.column_index(column)
    hit = [r for r in rows if r[idx] is not None and area.contains(str(r[idx]))]
    if not hit:
        raise OpendataError(
            f"Keines der Teilgebiete von „{area.name}“ steht in der Tabelle.", code="opendata_area"
        )
    kind = area.member_kind or "Teilgebiete"
    where = f"{area.kind} {area.name}".strip()
    label = f"Summe der {len(hit)} {kind} " + (f"im {where}" if area.kind else f"von {where}")
    return hit, label, True, area.name
