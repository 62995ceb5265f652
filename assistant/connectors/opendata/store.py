"""Parsed statistics tables in an embedded DuckDB file, each with its provenance.

One catalogue row per resource (`od_tables`) and one data table per resource with neutral physical
column names (`c0`, `c1`, …): DuckDB identifiers are case-insensitive, real headers are not
("gültig" vs. "Gültig"), and the display names live in the catalogue row. A re-sync of the same
resource replaces its table in one transaction; removing a dataset drops all its tables.
The connection is opened per operation so the CLI and the web app never hold the file lock.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.tables import CODE, FLOAT, INT, Column, ParsedTable

_SQL_TYPES = {CODE: "VARCHAR", INT: "BIGINT", FLOAT: "DOUBLE"}
_CATALOGUE = """
CREATE TABLE IF NOT EXISTS od_tables (
    table_name VARCHAR PRIMARY KEY, portal VARCHAR NOT NULL, dataset_id VARCHAR NOT NULL,
    resource_id VARCHAR NOT NULL, resource_url VARCHAR, sha256 VARCHAR, fetched_at VARCHAR,
    licence VARCHAR, title VARCHAR, columns_json VARCHAR NOT NULL, parse_json VARCHAR NOT NULL,
    row_count BIGINT NOT NULL
)"""


@dataclass(frozen=True)
class Provenance:
    portal: str
    dataset_id: str
    resource_id: str
    resource_url: str = ""
    sha256: str = ""
    fetched_at: str = ""
    licence: str | None = None
    title: str = ""


@dataclass
class StoredTable:
    """What `TableStore.table` returns: columns, rows, where they came from and how they were read."""

    provenance: Provenance
    columns: list[Column]
    rows: list[tuple]
    quirks: list[str] = field(default_factory=list)
    title_lines: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    @property
    def dataset_id(self) -> str:
        return self.provenance.dataset_id

    def column_index(self, name: str) -> int:
        return ParsedTable(self.columns, []).column_index(name)


_LOCK_WAIT_S = 5.0  # DuckDB admits one process at a time; every use holds it for moments


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection, waiting a little while another process (a sync, a second chat worker,
    `assistant ask`) holds the file: each holds it only for one operation."""
    deadline, pause = time.monotonic() + _LOCK_WAIT_S, 0.02
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if time.monotonic() >= deadline:
                raise OpendataError(
                    "Die Tabellenablage ist gerade von einem anderen Vorgang gesperrt.",
                    code="opendata_locked",
                    hint="Bitte gleich noch einmal versuchen.",
                ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def table_name(portal: str, resource_id: str) -> str:
    return "t_" + hashlib.sha256(f"{portal}\0{resource_id}".encode()).hexdigest()[:24]


class TableStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(self.path)
        try:
            con.execute(_CATALOGUE)
            yield con
        finally:
            con.close()

    def put(self, parsed: ParsedTable, provenance: Provenance) -> str:
        """Store (or replace, on re-sync) the table of one resource; returns its table name."""
        name = table_name(provenance.portal, provenance.resource_id)
        defs = ", ".join(
            f"c{i} {_SQL_TYPES.get(c.kind, 'VARCHAR')}" for i, c in enumerate(parsed.columns)
        )
        parse_info = {
            "quirks": parsed.quirks,
            "title_lines": parsed.title_lines,
            "footnotes": parsed.footnotes,
            "encoding": parsed.encoding,
            "delimiter": parsed.delimiter,
            "number_style": parsed.number_style,
        }
        with self._connect() as con:
            con.begin()
            try:
                con.execute(f"DROP TABLE IF EXISTS {name}")
                con.execute(f"CREATE TABLE {name} (_row BIGINT, {defs})")
                if parsed.rows:
                    self._insert(con, name, parsed)
                con.execute("DELETE FROM od_tables WHERE table_name = ?", [name])
                con.execute(
                    "INSERT INTO od_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        name,
                        provenance.portal,
                        provenance.dataset_id,
                        provenance.resource_id,
                        provenance.resource_url,
                        provenance.sha256,
                        provenance.fetched_at,
                        provenance.licence,
                        provenance.title,
                        json.dumps([asdict(c) for c in parsed.columns], ensure_ascii=False),
                        json.dumps(parse_info, ensure_ascii=False),
                        len(parsed.rows),
                    ],
                )
                con.commit()
            except Exception:
                con.rollback()
                raise
        return name

    @staticmethod
    def _insert(con, name: str, parsed: ParsedTable) -> None:
        # One list per column, zipped by unnest in a single statement: executemany row by row
        # took seconds for a 1,000-row election table.
        types = ["BIGINT"] + [_SQL_TYPES.get(c.kind, "VARCHAR") for c in parsed.columns]
        select = ", ".join(f"unnest(?::{t}[])" for t in types)
        lists = [list(range(len(parsed.rows)))] + [
            list(col) for col in zip(*parsed.rows, strict=True)
        ]
        con.execute(f"INSERT INTO {name} SELECT {select}", lists)

    def remove_dataset(self, dataset_id: str, portal: str | None = None) -> int:
        """Drop every table of a dataset (deleted or private in the catalogue); returns how many."""
        with self._connect() as con:
            names = [r[0] for r in self._rows(con, "dataset_id = ?", [dataset_id], portal)]
            con.begin()
            for name in names:
                con.execute(f"DROP TABLE IF EXISTS {name}")
                con.execute("DELETE FROM od_tables WHERE table_name = ?", [name])
            con.commit()
        return len(names)

    def remove_resource(self, portal: str, resource_id: str) -> bool:
        name = table_name(portal, resource_id)
        with self._connect() as con:
            found = con.execute("SELECT 1 FROM od_tables WHERE table_name = ?", [name]).fetchone()
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute("DELETE FROM od_tables WHERE table_name = ?", [name])
        return found is not None

    def list(self, portal: str | None = None) -> list[dict]:
        """One summary dict per stored table (for listings and the sync summary)."""
        with self._connect() as con:
            rows = self._rows(con, "TRUE", [], portal)
        return [self._summary(r) for r in rows]

    def sha256(self, portal: str, resource_id: str) -> str | None:
        """The stored file's checksum: an unchanged download need not be parsed again."""
        with self._connect() as con:
            row = con.execute(
                "SELECT sha256 FROM od_tables WHERE table_name = ?",
                [table_name(portal, resource_id)],
            ).fetchone()
        return row[0] if row else None

    def tables(self, key: str, portal: str | None = None) -> list[StoredTable]:
        """All tables of a dataset (by id) or the one of a resource (by id)."""
        with self._connect() as con:
            rows = self._rows(
                con, "(dataset_id = ? OR resource_id = ? OR table_name = ?)", [key] * 3, portal
            )
            return [self._load(con, r) for r in rows]

    def table(self, key: str, portal: str | None = None) -> StoredTable:
        """The table of a resource, or of a dataset that has exactly one table."""
        found = self.tables(key, portal)
        if not found:
            raise OpendataError(
                f"Zu „{key}“ ist keine Tabelle gespeichert.", code="opendata_not_found"
            )
        if len(found) > 1:
            raise OpendataError(
                f"Der Datensatz „{key}“ hat {len(found)} Tabellen; bitte eine Ressource angeben.",
                code="opendata_ambiguous",
                hint="Ressourcen: "
                + ", ".join(f"{t.provenance.resource_id} ({t.provenance.title})" for t in found),
            )
        return found[0]

    @staticmethod
    def _rows(con, where: str, params: list, portal: str | None) -> list[tuple]:
        if portal:
            where, params = f"{where} AND portal = ?", [*params, portal]
        return con.execute(
            f"SELECT * FROM od_tables WHERE {where} ORDER BY portal, dataset_id, title, resource_id",
            params,
        ).fetchall()

    @staticmethod
    def _summary(row: tuple) -> dict:
        keys = (
            "table_name",
            "portal",
            "dataset_id",
            "resource_id",
            "resource_url",
            "sha256",
            "fetched_at",
            "licence",
            "title",
        )
        out = dict(zip(keys, row[:9], strict=True))
        out["columns"] = [c["name"] for c in json.loads(row[9])]
        out["row_count"] = row[11]
        return out

    @staticmethod
    def _load(con, row: tuple) -> StoredTable:
        name = row[0]
        provenance = Provenance(*row[1:9])
        columns = [Column(**c) for c in json.loads(row[9])]
        info = json.loads(row[10])
        data = con.execute(f"SELECT * EXCLUDE (_row) FROM {name} ORDER BY _row").fetchall()
        return StoredTable(
            provenance,
            columns,
            [tuple(r) for r in data],
            info["quirks"],
            info["title_lines"],
            info["footnotes"],
        )
