"""Upgrading in place (issue 17, item 6): a store of an older release is migrated when the
services start, on SQLite and on PostgreSQL; several workers starting together on one
PostgreSQL all come up; a store a newer release migrated stops `assistant serve` with the
German reason instead of a "ready" server that fails on every request.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from browser_util import ROOT, app_env, free_port
from conftest import store_settings

from assistant import db
from assistant.services import Services

OLDER = 5  # m005_sessions: the schema before audit flags, document dates and sync state
LATER_COLUMNS = (("audit_log", "flags"), ("documents", "doc_date"), ("documents", "meta"))


def older_store(url: str) -> None:
    """The store as a release with only the first OLDER migrations left it: its tables
    without the columns later migrations add, and one document and one audit row."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        db._migrations_table.create(conn)
        for number, name, fn in db.MIGRATIONS[:OLDER]:
            fn(conn)
            conn.execute(db._migrations_table.insert().values(id=number, name=name))
        for table, column in LATER_COLUMNS:  # m001/m002 create today's definition
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        now = datetime.now(UTC)
        conn.execute(
            sa.text(
                "INSERT INTO documents (doc_id, collection, source, title, sha256, version,"
                " chunks, ingested_at) VALUES ('alt', 'allgemein', 'alt.md', 'Alt', :sha, 1,"
                " 2, :now)"
            ),
            {"sha": "0" * 64, "now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (created_at, user_id, roles, question,"
                " standalone_question, answer, citations, mode, refused, unverified, timings,"
                " pii_counts, redaction_failed) VALUES (:now, 'u', '', 'Frage', 'Frage',"
                " 'Antwort', '[]', 'llm', false, false, '{}', '{}', false)"
            ),
            {"now": now},
        )
    engine.dispose()


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_services_migrate_an_older_store_on_start_and_keep_its_rows(tmp_path, store):
    settings = store_settings(tmp_path, store)
    settings.ensure_data_dir()
    older_store(settings.resolved_database_url())
    services = Services(settings)
    try:
        assert services.manifest.get("alt").title == "Alt"  # the first use migrates
        assert services.manifest.get("alt").doc_date is None
        with services.engine.connect() as conn:
            applied = [r.id for r in conn.execute(sa.select(db._migrations_table.c.id))]
            columns = {
                t: {c["name"] for c in sa.inspect(conn).get_columns(t)}
                for t in ("audit_log", "documents")
            }
            audit_rows = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
        assert sorted(applied) == [n for n, _, _ in db.MIGRATIONS]
        assert all(column in columns[table] for table, column in LATER_COLUMNS)
        assert audit_rows == 1
    finally:
        services.engine.dispose()
        services.close()


def test_workers_starting_together_on_postgresql_all_come_up(tmp_path):
    """Three app processes start at once on an empty PostgreSQL: each migrates or waits
    for the one that does; none fails on a table another one just created."""
    url = store_settings(tmp_path, "postgresql").resolved_database_url()
    errors: list[str] = []
    start = threading.Barrier(3)

    def worker() -> None:
        engine = sa.create_engine(url)
        try:
            start.wait()
            db.migrate(engine)
        except Exception as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(type(exc).__name__)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        applied = conn.execute(sa.text("SELECT count(*) FROM _migrations")).scalar()
    engine.dispose()
    assert applied == len(db.MIGRATIONS)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_serve_on_a_store_of_a_newer_release_stops_with_the_german_reason(tmp_path, store):
    settings = store_settings(tmp_path, store)
    engine = db.build_engine(settings)
    with engine.begin() as conn:
        future = len(db.MIGRATIONS) + 1
        conn.execute(db._migrations_table.insert().values(id=future, name="m999_future"))
    engine.dispose()
    extra = {"ASSISTANT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    env = app_env(settings.data_dir, "http://127.0.0.1:9", **extra)
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(free_port())]
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
    except subprocess.TimeoutExpired as exc:  # the server came up on a store it cannot use
        pytest.fail(f"serve did not stop: {exc.stdout!r} {exc.stderr!r}")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "neueren Version" in out and "Sicherung" in out, out
    assert "Traceback" not in out and "bereit" not in out, out
