"""Configuration for figures: column roles per table and the area-code list (district → sub-areas).

Nothing about a portal's files is written in code: which column holds the area code, the area
name, the period and which unit a value column has comes from a YAML file (or is detected by
type); which sub-areas make up a district comes from an area list (YAML or CSV).

YAML:
    tables:
      - match: {portal: berlin, title: "Einwohner*LOR*"}   # dataset / resource / title glob
        area_code: RAUMID
        period: ZEIT
        units: {E_E: Einwohner}
    areas:
      - {name: Mitte, kind: Bezirk, code: "01", member_kind: Planungsräume, prefixes: ["01"]}
      - {name: Tiergarten Süd, members: ["01011101", "01011102"]}   # quote codes: YAML reads 0101 as a number
      - {name: Mülheim, aliases: [Mühlheim]}                        # spelling variants between files
    areas_csv: bezirke.csv      # optional, relative to the YAML file

CSV area list (one row per member): area;kind;code;member;member_kind
"""

from __future__ import annotations

import csv
import fnmatch
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.connectors.opendata.columns import present, real_columns, spec
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.tables import decode, detect_delimiter


@dataclass(frozen=True)
class Roles:
    area_code: str | None = None
    area_name: str | None = None
    period: str | None = None
    units: dict[str, str] = field(default_factory=dict)
    default_unit: str | None = None
    # Statistics questions (questions.py): the question's words for a column ("Frauen": E_EW)
    # and the column a question naming none means (the total).
    columns: dict[str, str] = field(default_factory=dict)
    default_column: str | None = None


@dataclass(frozen=True)
class Area:
    name: str
    kind: str = ""
    code: str | None = None
    members: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    member_kind: str = ""
    column: str | None = None  # the column the member codes are in; default: the area-code role
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def contains(self, code: str) -> bool:
        return code in self.members or any(code.startswith(p) for p in self.prefixes)


class AreaList:
    def __init__(self, areas: list[Area] | None = None):
        self.areas = list(areas or [])

    def find(self, key: str) -> Area | None:
        wanted = key.strip().casefold()
        for area in self.areas:
            names = {n.casefold() for n in area.names()}
            if wanted in names or (area.code and area.code.casefold() == wanted):
                return area
        return None

    @classmethod
    def from_csv(cls, data: bytes) -> AreaList:
        text, _, _ = decode(data)
        reader = csv.DictReader(io.StringIO(text), delimiter=detect_delimiter(text))
        grouped: dict[str, dict] = {}
        for row in reader:
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            if not row.get("area"):
                continue
            entry = grouped.setdefault(
                row["area"],
                {
                    "name": row["area"],
                    "kind": row.get("kind", ""),
                    "code": row.get("code") or None,
                    "members": [],
                    "member_kind": row.get("member_kind", ""),
                },
            )
            if row.get("member"):
                entry["members"].append(row["member"])
        return cls([Area(**{**e, "members": tuple(e["members"])}) for e in grouped.values()])


@dataclass
class TableRule:
    match: dict[str, str]
    roles: Roles

    def applies(self, provenance) -> bool:
        checks = {
            "portal": provenance.portal,
            "dataset": provenance.dataset_id,
            "resource": provenance.resource_id,
            "title": provenance.title,
        }
        for key, pattern in self.match.items():
            value = checks.get(key)
            if value is None or not fnmatch.fnmatch(value.casefold(), str(pattern).casefold()):
                return False
        return True


@dataclass
class FiguresConfig:
    rules: list[TableRule] = field(default_factory=list)
    areas: AreaList = field(default_factory=AreaList)
    # Population qualifiers by group ("Geschlecht": Frauen, Männer …): a question naming one
    # that a table has in no header, phrase or row label gets no figure from that table.
    qualifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def roles_for(self, provenance) -> Roles | None:
        rule = self.rule_for(provenance)
        return rule.roles if rule else None

    def rule_for(self, provenance) -> TableRule | None:
        """The first rule matching the table; the tables one rule matches form a series
        (a dataset per year, such as population by planning area on 31 December)."""
        return next((r for r in self.rules if r.applies(provenance)), None)

    def missing_columns(self, table) -> list[str]:
        """German notes for every column the rule matching `table` names that the table does
        not have (a phrase pointing to a column that is not there is otherwise never read)."""
        rule = self.rule_for(table.provenance)
        if rule is None:
            return []
        names = {c.name for c in table.columns}
        roles = rule.roles
        named = [(c, role) for role, c in (("Gebietsschlüssel", roles.area_code),
                 ("Gebietsname", roles.area_name), ("Zeitspalte", roles.period),
                 ("Standardspalte", roles.default_column)) if c]  # fmt: skip
        named += [(c, f"„{p}“") for p, c in roles.columns.items()]
        named += [(c, "Einheit") for c in roles.units]
        where = f"Tabelle „{table.provenance.title or table.provenance.resource_id}“"
        return [
            f"Kennzahlen-Konfiguration: Die Spalte „{', '.join(m)}“ ({role}) gibt es in der "
            f"{where} ({table.provenance.portal}) nicht."
            for c, role in named
            if not present(c, names)
            and (m := [x for x in real_columns(c) if x.casefold() not in _folded(names)])
        ]

    @classmethod
    def load(cls, path: str | Path) -> FiguresConfig:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OpendataError(
                f"Die Kennzahlen-Konfiguration {path.name} ist nicht lesbar: {exc}",
                code="opendata_config",
            ) from exc
        return cls.from_dict(data, base=path.parent)

    @classmethod
    def from_dict(cls, data: dict, base: Path | None = None) -> FiguresConfig:
        rules = []
        for entry in data.get("tables") or []:
            entry = dict(entry)
            match = {k: str(v) for k, v in (entry.pop("match", None) or {}).items()}
            units = {str(k): str(v) for k, v in (entry.pop("units", None) or {}).items()}
            # A phrase names a column, or a list of columns to add up ([E_U1, E_1U6]).
            columns = {str(k): spec(v) for k, v in (entry.pop("columns", None) or {}).items()}
            unknown = set(entry) - {
                "area_code",
                "area_name",
                "period",
                "default_unit",
                "default_column",
            }
            if unknown:
                raise OpendataError(
                    f"Unbekannte Angaben in der Tabellen-Konfiguration: {', '.join(sorted(unknown))}",
                    code="opendata_config",
                )
            rules.append(TableRule(match, Roles(units=units, columns=columns, **entry)))
        areas = [_area(e) for e in data.get("areas") or []]
        if data.get("areas_csv"):
            csv_path = (base or Path.cwd()) / data["areas_csv"]
            areas += AreaList.from_csv(csv_path.read_bytes()).areas
        qualifiers = {
            str(g): tuple(str(w) for w in ws or ())
            for g, ws in (data.get("qualifiers") or {}).items()
        }
        return cls(rules, AreaList(areas), qualifiers)


def _folded(names: set[str]) -> set[str]:
    return {n.casefold() for n in names}


def _area(entry: dict) -> Area:
    try:
        return Area(
            name=str(entry["name"]),
            kind=str(entry.get("kind", "")),
            code=None if entry.get("code") is None else str(entry["code"]),
            members=tuple(str(m) for m in entry.get("members") or ()),
            prefixes=tuple(str(p) for p in entry.get("prefixes") or ()),
            member_kind=str(entry.get("member_kind", "")),
            column=entry.get("column"),
            aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        )
    except KeyError as exc:
        raise OpendataError(
            "Ein Gebiet in der Konfiguration hat keinen Namen.", code="opendata_config"
        ) from exc
