"""The manifest: which version of which document is visible to search.

It is the source of truth across the three stores. A version's chunks are
written to the lexical index and Chroma first; committing its manifest row is
what makes it visible. Searchers filter hits through `visible()`, a snapshot
that is reloaded only when the generation counter moves.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.db import documents, ingest_journal, state

_GENERATION = "manifest_generation"


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    collection: str
    source: str
    title: str
    sha256: str
    version: int
    chunks: int
    pages: int | None
    bytes: int | None
    format: str | None
    ingested_at: datetime
    valid_from: date | None = None
    valid_until: date | None = None
    doc_date: date | None = None  # the document's own date ("Stand"), None when it states none
    meta: dict | None = None  # a connector unit's fields (reference, type, date, url, ...)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ingested_at"] = self.ingested_at.isoformat()
        for key in ("valid_from", "valid_until", "doc_date"):
            d[key] = d[key].isoformat() if d[key] else None
        return d

    def is_current(self, today: date) -> bool:
        """False when the document is not yet or no longer valid."""
        if self.valid_from and today < self.valid_from:
            return False
        return not (self.valid_until and today > self.valid_until)


class Manifest:
    """Manifest rows, the ingest journal and a cached view for searchers."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._snapshot: tuple[int, dict[str, DocumentRecord]] = (-1, {})

    # --- reads ---------------------------------------------------------------
    def get(self, doc_id: str) -> DocumentRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.doc_id == doc_id)).first()
        return _record(row) if row else None

    def list(self, collection: str | None = None) -> list[DocumentRecord]:
        query = sa.select(documents).order_by(documents.c.collection, documents.c.title)
        if collection:
            query = query.where(documents.c.collection == collection)
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(query)]

    def generation(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(state.c.value).where(state.c.key == _GENERATION))
            return value.scalar() or 0

    def visible(self) -> dict[str, DocumentRecord]:
        """doc_id -> committed record; cached until the manifest changes."""
        gen = self.generation()
        with self._lock:
            if self._snapshot[0] != gen:
                self._snapshot = (gen, {r.doc_id: r for r in self.list()})
            return self._snapshot[1]

    # --- writes --------------------------------------------------------------
    def commit(self, record: DocumentRecord) -> None:
        """Make `record` the visible version of its document (one transaction)."""
        values = asdict(record)
        with self.engine.begin() as conn:
            conn.execute(documents.delete().where(documents.c.doc_id == record.doc_id))
            conn.execute(documents.insert().values(**values))
            _bump(conn)

    def set_validity(self, doc_id: str, valid_from: date | None, valid_until: date | None) -> None:
        """New validity dates for the visible version (content and version unchanged)."""
        with self.engine.begin() as conn:
            conn.execute(
                documents.update()
                .where(documents.c.doc_id == doc_id)
                .values(valid_from=valid_from, valid_until=valid_until)
            )
            _bump(conn)

    def remove(self, doc_id: str) -> bool:
        with self.engine.begin() as conn:
            gone = conn.execute(documents.delete().where(documents.c.doc_id == doc_id)).rowcount
            _bump(conn)
        return bool(gone)

    def journal_begin(self, doc_id: str, version: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(ingest_journal.delete().where(ingest_journal.c.doc_id == doc_id))
            conn.execute(
                ingest_journal.insert().values(
                    doc_id=doc_id, version=version, started_at=datetime.now(UTC)
                )
            )

    def journal_end(self, doc_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(ingest_journal.delete().where(ingest_journal.c.doc_id == doc_id))

    def journal(self) -> list[tuple[str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(ingest_journal.c.doc_id, ingest_journal.c.version))
            return [(r.doc_id, r.version) for r in rows]


def _bump(conn) -> None:
    updated = conn.execute(
        state.update().where(state.c.key == _GENERATION).values(value=state.c.value + 1)
    ).rowcount
    if not updated:
        conn.execute(state.insert().values(key=_GENERATION, value=1))


def _record(row) -> DocumentRecord:
    data = dict(row._mapping)
    if data["ingested_at"].tzinfo is None:  # SQLite drops the zone; we always write UTC
        data["ingested_at"] = data["ingested_at"].replace(tzinfo=UTC)
    return DocumentRecord(**data)
