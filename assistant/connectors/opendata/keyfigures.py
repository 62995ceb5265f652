"""Comparable key figures across the cities of a network (issue 16, item 5).

A YAML file (setting `opendata_keyfigures`) names each key figure once, with a definition,
and says per portal which stored table and column carry it:

    figures:
      Einwohner:
        definition: Einwohnerinnen und Einwohner mit Hauptwohnsitz
        unit: Personen
        portals:
          berlin:
            title: "Einwohnerinnen und Einwohner in Berlin in LOR-Planungsräumen am *"  # yearly series
            column: E_E                     # no area: the sum over all rows
          koeln:
            dataset: fdeb99c8-8640-4539-b342-2eeaf06eefc9
            resource: "*Insgesamt*"         # one of the dataset's tables (id, file name or title)
            column: Einwohner insgesamt
            area: Köln insgesamt           # the row (area code or name) holding the total
            definition: …                   # this portal's own wording, when it differs
    tables: […]   # optional column roles and areas, as in the figures configuration (areas.py)

A title pattern matches a yearly series: the newest year is taken (or the one asked for).
The year of a value is its period column's, else `as_of`, else the year in the table's title
or file name. Differing years or definitions are flagged in German, never hidden.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from assistant.connectors.opendata.areas import FiguresConfig
from assistant.connectors.opendata.columns import present, real_columns
from assistant.connectors.opendata.columns import spec as column_spec
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.figures import figure, format_number
from assistant.connectors.opendata.store import StoredTable, TableStore

_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_PORTAL_KEYS = {"dataset", "title", "resource", "column", "area", "period", "as_of", "definition"}


@dataclass(frozen=True)
class PortalFigure:
    portal: str
    column: str
    dataset: str | None = None
    title: str | None = None
    resource: str | None = None
    area: str | None = None
    period: str | None = None
    as_of: str | None = None
    definition: str | None = None


@dataclass(frozen=True)
class KeyFigure:
    name: str
    definition: str
    unit: str | None
    portals: tuple[PortalFigure, ...]


@dataclass
class KeyFigures:
    figures: dict[str, KeyFigure]
    config: FiguresConfig

    def get(self, name: str) -> KeyFigure:
        for key, fig in self.figures.items():
            if key.casefold() == name.strip().casefold():
                return fig
        raise OpendataError(
            f"Die Kennzahl „{name}“ ist nicht konfiguriert.",
            code="opendata_keyfigure",
            hint="Konfiguriert: " + (", ".join(self.figures) or "keine"),
        )

    @classmethod
    def load(cls, path: str | Path) -> KeyFigures:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OpendataError(
                f"Die Kennzahlen-Datei {path.name} ist nicht lesbar: {exc}",
                code="opendata_config",
            ) from exc
        return cls.from_dict(data, base=path.parent)

    @classmethod
    def from_dict(cls, data: dict, base: Path | None = None) -> KeyFigures:
        if not isinstance(data, dict) or not isinstance(data.get("figures"), dict):
            raise OpendataError(
                "Die Kennzahlen-Datei braucht einen Abschnitt „figures“.", code="opendata_config"
            )
        figures = {str(k): _key_figure(str(k), v) for k, v in data["figures"].items()}
        rest = {k: v for k, v in data.items() if k in ("tables", "areas", "areas_csv")}
        return cls(figures, FiguresConfig.from_dict(rest, base=base))


def _key_figure(name: str, entry) -> KeyFigure:
    if not isinstance(entry, dict) or not isinstance(entry.get("portals"), dict):
        raise OpendataError(
            f"Kennzahl „{name}“: es fehlt der Abschnitt „portals“.", code="opendata_config"
        )
    portals = []
    for portal, spec in entry["portals"].items():
        spec = dict(spec or {})
        unknown = set(spec) - _PORTAL_KEYS
        if unknown or not spec.get("column") or not (spec.get("dataset") or spec.get("title")):
            raise OpendataError(
                f"Kennzahl „{name}“, Portal „{portal}“: nötig sind column und dataset oder "
                f"title" + (f"; unbekannt: {', '.join(sorted(unknown))}" if unknown else "") + ".",
                code="opendata_config",
            )
        # `column: [E_U1, E_1U6]` adds columns up (a range the table splits into bands).
        fields = {k: str(v) for k, v in spec.items() if k != "column"}
        portals.append(PortalFigure(str(portal), column=column_spec(spec["column"]), **fields))
    unit = entry.get("unit")
    return KeyFigure(name, str(entry.get("definition") or "").strip(),
                     None if unit is None else str(unit), tuple(portals))  # fmt: skip


def compare_key_figure(
    keyfigure: KeyFigure, tables: TableStore, config: FiguresConfig, year: str | None = None
) -> dict:
    """One row per configured portal (value, year, dataset, licence) and the German notes that
    say where the values are not comparable. A portal without its table gets a row with `error`."""
    rows = [_row(keyfigure, spec, tables, config, year) for spec in keyfigure.portals]
    return {
        "figure": keyfigure.name,
        "definition": keyfigure.definition,
        "unit": keyfigure.unit,
        "rows": rows,
        "notes": _notes(keyfigure, rows),
    }


def _row(kf: KeyFigure, spec: PortalFigure, tables, config, year) -> dict:
    row = {"portal": spec.portal, "definition": spec.definition or kf.definition}
    try:
        table = _pick(spec, tables, year)
        _check_column(spec, table)
        fig = figure(table, spec.column, area=spec.area, period=spec.period, config=config)
    except OpendataError as exc:
        return {**row, "value": None, "error": str(exc)}
    as_of = fig["period"] or spec.as_of or _year_of(table)
    return {
        **row,
        "value": fig["value"],
        "unit": kf.unit or fig["unit"],
        "as_of": as_of,
        "year": _last_year(as_of),
        "dataset_id": table.provenance.dataset_id,
        "resource_id": table.provenance.resource_id,
        "title": table.provenance.title,
        "licence": table.provenance.licence,
        "how": fig["how"],
    }


def _check_column(spec: PortalFigure, table: StoredTable) -> None:
    names = {c.name for c in table.columns}
    if not present(spec.column, names):
        folded = {n.casefold() for n in names}
        missing = ", ".join(c for c in real_columns(spec.column) if c.casefold() not in folded)
        raise OpendataError(
            f"Die konfigurierte Spalte „{missing}“ gibt es in der Tabelle "
            f"„{table.provenance.title}“ nicht – bitte die Kennzahlen-Datei prüfen.",
            code="opendata_config",
        )


def missing_columns(keyfigures: KeyFigures, tables: TableStore) -> list[str]:
    """German notes for every configured column of the key figures that is not in its table."""
    notes = []
    for kf in keyfigures.figures.values():
        for spec in kf.portals:
            try:
                _check_column(spec, _pick(spec, tables, None))
            except OpendataError as exc:
                notes.append(f"Kennzahl „{kf.name}“, Portal {spec.portal}: {exc}")
    return notes


def _pick(spec: PortalFigure, tables: TableStore, year: str | None) -> StoredTable:
    found = tables.tables(spec.dataset, spec.portal) if spec.dataset else []
    if spec.title and not spec.dataset:
        pattern = spec.title.casefold()
        keys = [
            t["table_name"]
            for t in tables.list(spec.portal)
            if fnmatch.fnmatch((t["title"] or "").casefold(), pattern)
        ]
        found = [t for k in keys for t in tables.tables(k, spec.portal)]
    if spec.resource:
        found = [t for t in found if _resource_matches(t, spec.resource)]
    if not found:
        what = spec.dataset or f"Titel „{spec.title}“"
        raise OpendataError(f"Keine gespeicherte Tabelle zu {what} (Portal {spec.portal}).",
                            code="opendata_not_found")  # fmt: skip
    if year:
        same = [t for t in found if _year_of(t) == str(year)]
        found = same or found  # a portal without that year keeps its newest (and is flagged)
    # A yearly series: the newest year; tables without a year sort first.
    return max(found, key=lambda t: (_year_of(t) or "", t.provenance.resource_id))


def _resource_matches(table: StoredTable, pattern: str) -> bool:
    prov = table.provenance
    candidates = (prov.resource_id, _file_name(prov.resource_url), prov.title)
    return any(fnmatch.fnmatch(c.casefold(), pattern.casefold()) for c in candidates if c)


def _file_name(url: str) -> str:
    return unquote(urlparse(url or "").path.rstrip("/").rsplit("/", 1)[-1])


def _year_of(table: StoredTable) -> str | None:
    prov = table.provenance
    for text in (prov.title, _file_name(prov.resource_url)):
        years = _YEAR.findall(text or "")
        if years:
            return years[-1]
    return None


def _last_year(text: str | None) -> str | None:
    years = _YEAR.findall(text or "")
    return years[-1] if years else None


def _notes(kf: KeyFigure, rows: list[dict]) -> list[str]:
    ok = [r for r in rows if r.get("value") is not None]
    notes = []
    years = sorted({r["year"] for r in ok if r.get("year")})
    if len(years) > 1:
        per = "; ".join(f"{r['portal']}: {r['as_of']}" for r in ok if r.get("as_of"))
        notes.append(
            f"Achtung: Die Werte stammen aus verschiedenen Jahren ({per}) und sind nur "
            "eingeschränkt vergleichbar."
        )
    if any(not r.get("year") for r in ok):
        missing = ", ".join(r["portal"] for r in ok if not r.get("year"))
        notes.append(f"Für {missing} ist kein Stichtag bekannt.")
    definitions = {r["definition"] for r in ok}
    if len(definitions) > 1:
        per = "; ".join(f"{r['portal']}: „{r['definition'] or 'ohne Angabe'}“" for r in ok)
        notes.append(f"Achtung: Die Kennzahl ist nicht überall gleich definiert ({per}).")
    units = {r.get("unit") for r in ok}
    if len(units) > 1:
        notes.append("Achtung: Die Werte haben verschiedene Einheiten: "
                     + ", ".join(str(u or "ohne") for u in sorted(units, key=str)) + ".")  # fmt: skip
    for r in rows:
        if r.get("value") is None:
            notes.append(f"{r['portal']}: kein Wert – {r['error']}")
    return notes


def render_comparison(result: dict) -> str:
    """Plain-text table for the CLI: one line per portal, then the notes."""
    head = f"Kennzahl: {result['figure']}"
    if result["definition"]:
        head += f" – {result['definition']}"
    cells = [["Portal", "Wert", "Stand", "Datensatz", "Lizenz"]]
    for r in result["rows"]:
        if r.get("value") is None:
            cells.append([r["portal"], "–", "–", "–", "–"])
            continue
        value = format_number(r["value"]) + (f" {r['unit']}" if r.get("unit") else "")
        cells.append([r["portal"], value, r.get("as_of") or "unbekannt", r["title"],
                      r.get("licence") or "keine Lizenz angegeben"])  # fmt: skip
    widths = [max(len(c[j]) for c in cells) for j in range(5)]
    lines = [head, ""]
    for n, c in enumerate(cells):
        lines.append("  ".join(v.rjust(w) if j == 1 else v.ljust(w)
                               for j, (v, w) in enumerate(zip(c, widths, strict=True))).rstrip())  # fmt: skip
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if result["notes"]:
        lines.append("")
        lines.extend(f"Hinweis: {n}" for n in result["notes"])
    return "\n".join(lines)
