"""`assistant migrate --to-postgres`: a one-machine installation's tables into PostgreSQL.

The SQLite store (`amtswissen.db`) and the chat history's own file (`chat.db`, see
web/chat_history.py) are copied table by table, every table `db/schema.py` defines, into an
empty PostgreSQL migrated to the same schema. One transaction on the target: rows in
batches (100,000 audit rows never sit in memory at once), the sequences behind the
numbered ids set past the copied ids, then the rows of each table counted on both
sides. Any difference or error rolls everything back, so the target is either a full
copy or as empty as before. The lexical index, the vectors and the chat's text
elements are files (or the Chroma server) and stay where they are.

Nothing here logs or reports row contents: only table names, counts and error types.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from assistant import db
from assistant.errors import ConfigError, InputError

if TYPE_CHECKING:
    from assistant.services import Services

BATCH_ROWS = 1000
SETTING = "ASSISTANT_DATABASE_URL"  # config.py: `database_url` with the ASSISTANT_ prefix


@dataclass(frozen=True)
class ChatStore:
    """Where the app keeps the chat tables on SQLite: a file of their own in the data dir.
    privacy/retention.py owns the file's name and the tables; the caller passes them in,
    so this base-layer module imports nothing above it."""

    file: str
    tables: tuple[sa.Table, ...]


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class CopyReport:
    target: str  # the URL without its password
    tables: tuple[TableCount, ...]

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.source for t in self.tables)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "target": self.target,
            "rows": self.rows,
            "setting": SETTING,
            "tables": [
                {"table": t.table, "source": t.source, "target": t.target, "ok": t.ok}
                for t in self.tables
            ],
        }


class _CountsDiffer(Exception):
    """Raised inside the target's transaction so that nothing of a short copy stays."""

    def __init__(self, counts: list[TableCount]):
        super().__init__("row counts differ")
        self.counts = counts


def copy_to_postgres(
    services: Services, target_url: str, chat: ChatStore, batch_rows: int | None = None
):
    """Copy the installation's SQLite store (and `chat`'s file) into the empty PostgreSQL
    at `target_url`; the counts per table, `ok` only if every table arrived whole (else
    nothing did)."""
    shown = _check_urls(services, target_url)
    target = sa.create_engine(target_url)
    try:
        _refuse_filled(target, shown)
        _migrate_target(target)
        with _sources(services, chat) as sources:
            try:
                counts = _copy_all(sources, target, batch_rows or BATCH_ROWS, shown)
            except _CountsDiffer as short:
                counts = short.counts
    finally:
        target.dispose()
    return CopyReport(shown, tuple(counts))


def _check_urls(services: Services, target_url: str) -> str:
    source = services.settings.resolved_database_url()
    if not source.startswith("sqlite"):
        raise ConfigError(
            "Diese Installation nutzt schon eine Datenbank-URL "
            f"({SETTING}); übernommen wird nur aus der SQLite-Datenbank im Datenverzeichnis.",
            code="not_sqlite",
        )
    try:
        url = make_url(target_url)
    except sa.exc.ArgumentError:
        url = None
    if url is None or url.get_backend_name() != "postgresql":
        raise InputError(
            "Das Ziel muss eine PostgreSQL-URL sein, z. B. "
            "postgresql+psycopg://amtswissen@localhost/amtswissen.",
            code="not_postgres",
        )
    return url.render_as_string(hide_password=True)


def _refuse_filled(target: Engine, shown: str) -> None:
    """A target holding rows in any of our tables is refused before anything is written."""
    try:
        with target.connect() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            filled = [
                t.name for t in db.metadata.sorted_tables if t.name in existing and _count(conn, t)
            ]
    except sa.exc.OperationalError:
        raise ConfigError(
            f"PostgreSQL unter {shown} ist nicht erreichbar oder lehnt die Anmeldung ab.",
            code="target_unreachable",
            hint="Adresse, Benutzer und Passwort prüfen (Passwort auch über PGPASSWORD).",
        ) from None
    if filled:
        raise ConfigError(
            f"Die Ziel-Datenbank {shown} ist nicht leer (Zeilen in: {', '.join(filled)}). "
            "Übernommen wird nur in eine leere Datenbank; es wurde nichts geschrieben.",
            code="target_not_empty",
            hint="Eine neue, leere Datenbank anlegen (createdb) und deren URL angeben.",
        )


def _migrate_target(target: Engine) -> None:
    try:
        db.migrate(target)
    except db.SchemaAheadError as exc:
        raise ConfigError(
            f"Die Ziel-Datenbank hat schon ein neueres Schema ({exc.found}) als diese "
            f"Version ({exc.known}); es wurde nichts übernommen.",
            code="schema_ahead",
        ) from None


@contextmanager
def _sources(services: Services, chat_store: ChatStore) -> Iterator[dict[str, Connection]]:
    """A read connection per table, in one snapshot per file: the chat tables from
    `chat.db` when it exists (where the app keeps them on SQLite), the rest from the store."""
    with ExitStack() as stack:
        main = stack.enter_context(services.engine.connect())
        main.begin()
        chat = main
        path = services.settings.data_dir / chat_store.file
        if path.is_file():
            engine = sa.create_engine(f"sqlite:///{path.resolve()}")
            stack.callback(engine.dispose)
            chat = stack.enter_context(engine.connect())
            chat.begin()
            for table in chat_store.tables:  # an old chat.db may lack one (created on first use)
                table.create(chat, checkfirst=True)
        chat_names = {t.name for t in chat_store.tables}
        yield {t.name: chat if t.name in chat_names else main for t in db.metadata.sorted_tables}


def _copy_all(sources: dict[str, Connection], target: Engine, batch_rows: int, shown: str):
    counts: list[TableCount] = []
    table = None
    try:
        with target.begin() as out:
            for table in db.metadata.sorted_tables:
                source = sources[table.name]
                expected = _count(source, table)
                _copy_table(source, out, table, batch_rows)
                counts.append(TableCount(table.name, expected, _count(out, table)))
            _reset_sequences(out)
            if not all(c.ok for c in counts):
                raise _CountsDiffer(counts)
    except sa.exc.SQLAlchemyError as exc:
        name = table.name if table is not None else "-"
        raise ConfigError(  # the type only: a driver's message may quote a row's values
            f"Die Übernahme brach bei Tabelle {name} ab ({type(exc).__name__}); "
            "alles wurde zurückgerollt, die Ziel-Datenbank enthält keine Zeilen.",
            code="copy_failed",
            hint=f"Nach der Behebung erneut aufrufen; die Quelle {shown} ist unverändert.",
        ) from None
    return counts


def _copy_table(source: Connection, out: Connection, table: sa.Table, batch_rows: int) -> None:
    order = list(table.primary_key.columns) or list(table.columns)
    result = source.execution_options(yield_per=batch_rows).execute(
        sa.select(table).order_by(*order)
    )
    zoned = [c.name for c in table.columns if _is_zoned(c)]
    for part in result.partitions():
        _write_batch(out, table, [_row(r._mapping, zoned) for r in part])


def _write_batch(out: Connection, table: sa.Table, rows: list[dict]) -> None:
    out.execute(table.insert(), rows)


def _row(mapping, zoned: list[str]) -> dict:
    """A source row for the insert. SQLite drops the zone of a timestamp; the app always
    writes UTC, so the zone comes back (PostgreSQL would assume its own)."""
    row = dict(mapping)
    for name in zoned:
        value = row[name]
        if isinstance(value, datetime) and value.tzinfo is None:
            row[name] = value.replace(tzinfo=UTC)
    return row


def _is_zoned(column: sa.Column) -> bool:
    return isinstance(column.type, sa.DateTime) and bool(column.type.timezone)


def _reset_sequences(out: Connection) -> None:
    """The next id of a numbered table follows the copied ones (the inserts gave the ids
    explicitly, so the sequences still stand at 1)."""
    quote = out.dialect.identifier_preparer.quote
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = out.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar()
            if sequence is None:
                continue
            highest = f"SELECT COALESCE(MAX({quote(column.name)}), 0) FROM {quote(table.name)}"
            out.execute(sa.text(f"SELECT setval(:s, ({highest}) + 1, false)"), {"s": sequence})


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
