"""Relational store and manifest on SQLite and on PostgreSQL (when CI provides it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from conftest import store_settings

from assistant.db import MIGRATIONS, build_engine, migrate
from assistant.retrieval.manifest import DocumentRecord, Manifest


def _record(doc_id="d1", version=1, **kw):
    values = {
        "doc_id": doc_id,
        "collection": "allgemein",
        "source": "/x/a.md",
        "title": "A",
        "sha256": "0" * 64,
        "version": version,
        "chunks": 3,
        "pages": None,
        "bytes": 10,
        "format": "md",
        "ingested_at": datetime.now(UTC),
    }
    values.update(kw)
    return DocumentRecord(**values)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    eng = build_engine(store_settings(tmp_path, request.param))
    yield eng
    eng.dispose()


def test_migrations_run_once(engine):
    assert migrate(engine) == []  # build_engine applied them already
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM _migrations ORDER BY id"))]
    assert ids == [number for number, _, _ in MIGRATIONS]


def test_manifest_commit_replace_remove_and_generation(engine):
    manifest = Manifest(engine)
    assert manifest.visible() == {}
    manifest.commit(_record(valid_until=date(2030, 1, 1)))
    gen = manifest.generation()
    assert manifest.visible()["d1"].version == 1
    manifest.commit(_record(version=2, chunks=5))
    assert manifest.generation() == gen + 1
    assert manifest.visible()["d1"].version == 2 and manifest.get("d1").chunks == 5
    assert manifest.get("d1").ingested_at.tzinfo is not None
    assert manifest.remove("d1") and manifest.get("d1") is None and manifest.visible() == {}
    assert not manifest.remove("d1")


def test_journal_roundtrip(engine):
    manifest = Manifest(engine)
    manifest.journal_begin("d1", 2)
    manifest.journal_begin("d1", 3)  # a restarted write replaces the old entry
    assert manifest.journal() == [("d1", 3)]
    manifest.journal_end("d1")
    assert manifest.journal() == []


def test_validity_window():
    record = _record(valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
    assert record.is_current(date(2026, 6, 1))
    assert not record.is_current(date(2025, 12, 31))
    assert not record.is_current(date(2027, 1, 1))
