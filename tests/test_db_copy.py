"""`assistant migrate --to-postgres` (issue 17, item 6): a one-machine installation, built
through the real CLI and the chat's data layer, moves to PostgreSQL whole; the services then
run on PostgreSQL (search, login, chat history, new audit rows). A target with rows is
refused untouched; a short or failing copy leaves the target without a single row.

Chat rows as the release before the privacy rework stored them (old_chat.py) come along
and stay readable.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from browser_util import ROOT, app_env, cli, ingest
from conftest import drop_all, make_settings, require
from old_chat import OLD_HISTORY, insert_old_chat, read_old_chat
from test_audit import make_answer
from test_chat_history import conversation

from assistant import db
from assistant.db import copy as dbcopy
from assistant.models import Scope
from assistant.privacy import build_redactor
from assistant.privacy.retention import CHAT_DB, CHAT_TABLES
from assistant.services import Services
from assistant.web.chat_history import build_data_layer

STAFF, PASSWORD = "sachbearbeitung", "Staff-Passwort-0815"
DOC = (
    "# Reisekostenrichtlinie\n\nDas Tagegeld beträgt 14 Euro, wenn die Dienstreise länger als "
    "acht Stunden dauert. Bei mehrtägigen Reisen beträgt das Tagegeld 28 Euro je vollem Tag.\n"
)
QUESTIONS = ("Wie hoch ist das Tagegeld?", "Wie hoch ist das Tagegeld bei mehrtägigen Reisen?")
CHAT_NAMES = {t.name for t in CHAT_TABLES}


@pytest.fixture
def pg_url():
    url = os.environ.get("TEST_POSTGRES_URL")
    require(bool(url), "TEST_POSTGRES_URL not set (PostgreSQL not started)")
    drop_all(url)
    return url


@pytest.fixture(scope="module")
def installation(tmp_path_factory, ollama_server):
    """A one-machine installation (SQLite), built as its operator and its staff would."""
    ollama_server.start()
    ollama_server.reset()
    ollama_server.answer = None
    tmp = tmp_path_factory.mktemp("install")
    env = app_env(tmp / "data", ollama_server.url)
    kb = tmp / "kb"
    kb.mkdir()
    (kb / "reisekosten.md").write_text(DOC, encoding="utf-8")
    cli(["users", "add", STAFF, "--password-stdin", "-g", "personal"], env, PASSWORD + "\n")
    cli(["users", "add", "km", "--no-password", "-r", "wissensmanagement"], env)
    cli(["collections", "add", "personalamt", "-g", "personal", "-m", "km"], env)
    ingest([kb], env, tmp / "ingest.log")
    cli(["users", "logout", STAFF], env)  # a session counter
    for question in QUESTIONS:  # audit rows
        cli(["ask", question, "--user", STAFF], env)
    services = Services(make_settings(tmp, ollama_base_url=ollama_server.url))
    services.__dict__["redactor"] = build_redactor()
    chat = asyncio.run(conversation(build_data_layer(services), services.audit))
    old = insert_old_chat(services.settings.data_dir)
    services.accounts.authenticate(STAFF, "falsch", "10.0.0.7")  # a failed login
    services.accounts.authenticate(STAFF, PASSWORD, "10.0.0.7")
    _sync_state(services)
    services.engine.dispose()
    services.close()
    return {"tmp": tmp, "env": env, "chat": chat, "old": old}


def _sync_state(services: Services) -> None:
    from assistant.connectors.engine import Source

    store = services.sync_store
    store.register(Source("rat", "oparl", "https://rat.example.invalid/oparl", "rat", {}))
    store.begin_run("rat", full=True)
    store.store_page("rat", [("p1", "paper", "2026-11-30", {"name": "Vorlage"})], 1, {"l": "2"})


def sqlite_counts(data_dir) -> dict[str, int]:
    """Rows per table as the app keeps them: chat tables in chat.db, the rest in the store."""
    return {name: len(rows) for name, rows in sqlite_rows(data_dir).items()}


def sqlite_rows(data_dir) -> dict[str, list[tuple]]:
    rows = {}
    for path, chat in ((data_dir / "amtswissen.db", False), (data_dir / CHAT_DB, True)):
        engine = sa.create_engine(f"sqlite:///{path}")
        with engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                if chat == (table.name in CHAT_NAMES):
                    rows[table.name] = _rows(conn, table)
        engine.dispose()
    return rows


def pg_rows(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {t.name: _rows(conn, t) for t in db.metadata.sorted_tables}
    engine.dispose()
    return rows


def _rows(conn, table) -> list[tuple]:
    """Every row, in key order; times in UTC (SQLite gives them back without a zone)."""

    def utc(value):
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    order = list(table.primary_key.columns)
    return [tuple(utc(v) for v in r) for r in conn.execute(sa.select(table).order_by(*order))]


def pg_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        counts = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables
            if t.name in names
        }
    engine.dispose()
    return counts


def migrate_process(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "migrate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_an_installation_moves_to_postgresql_whole_and_runs_there(installation, pg_url):
    data_dir = installation["tmp"] / "data"
    before = sqlite_counts(data_dir)
    done = migrate_process(installation["env"], "--to-postgres", pg_url, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["setting"] == "ASSISTANT_DATABASE_URL"
    assert {t["table"]: t["source"] for t in report["tables"]} == before
    assert {t["table"]: t["target"] for t in report["tables"]} == before
    assert pg_counts(pg_url) == before  # counted again, outside the command
    assert pg_rows(pg_url) == sqlite_rows(data_dir)  # every value, not only the counts
    assert sqlite_counts(data_dir) == before  # the source is left as it was
    filled = {name for name, n in before.items() if n}
    assert filled >= {
        "documents", "state", "audit_log", "users", "collections", "login_failures",
        "chat_users", "chat_threads", "chat_steps", "chat_elements", "chat_feedbacks",
        "chat_audit_links", "sessions", "sync_sources", "sync_runs", "sync_objects",
        "sync_checkpoints",
    }  # fmt: skip
    assert before["audit_log"] >= 3 and before["users"] == 2
    _runs_on_postgresql(installation, pg_url, before)


def _runs_on_postgresql(installation, pg_url: str, before: dict[str, int]) -> None:
    services = Services(make_settings(installation["tmp"], database_url=pg_url))
    services.__dict__["redactor"] = build_redactor()
    try:
        hits = services.search.search("Tagegeld Dienstreise", 3, Scope.everything()).hits
        assert hits and "Reisekosten" in hits[0].title
        assert services.accounts.authenticate(STAFF, PASSWORD, "127.0.0.1").user is not None
        assert services.accounts.authenticate(STAFF, "falsch", "127.0.0.1").user is None
        row = services.audit.record_answer(make_answer(), user=STAFF, conversation_id="neu")
        assert row == before["audit_log"] + 1  # the id sequence follows the copied ids
        layer = build_data_layer(services)
        thread = asyncio.run(_thread(layer, installation["chat"]["thread"]))
        steps = {s["id"]: s for s in thread["steps"]}
        answer = steps[installation["chat"]["answer"]]
        assert answer["output"] == "Für <PERSON_1> gilt: nur mit Zustimmung [1]."
        assert answer["feedback"]["value"] == 0
        assert services.audit.get(installation["chat"]["row"]).feedback == -1
        assert read_old_chat(layer, installation["old"]) == OLD_HISTORY
    finally:
        services.engine.dispose()
        services.close()


async def _thread(layer, thread_id: str) -> dict:
    try:
        return await layer.get_thread(thread_id)
    finally:
        await layer.engine.dispose()


def test_a_target_with_rows_is_refused_and_left_untouched(installation, pg_url):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (username varchar(200) PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO users VALUES ('jemand')"))
    engine.dispose()
    done = migrate_process(installation["env"], "--to-postgres", pg_url)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "nicht leer" in out and "users" in out and "nichts geschrieben" in out, out
    assert "Traceback" not in out
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["users"]  # no table, no migration
        assert conn.execute(sa.text("SELECT username FROM users")).scalars().all() == ["jemand"]
    engine.dispose()


@pytest.mark.parametrize("fault", ["short", "error"])
def test_a_short_or_failing_batch_leaves_no_row_in_the_target(
    installation, pg_url, monkeypatch, fault
):
    """Batches of one row; the second batch of the audit log is lost (the counts differ)
    or fails in the database: either way the whole copy is rolled back."""
    from click.testing import CliRunner

    from assistant.cli import cli as assistant_cli

    write, seen = dbcopy._write_batch, []

    def faulty(out, table, rows):
        seen.append(table.name)
        if table.name == "audit_log" and seen.count("audit_log") == 2:
            if fault == "error":
                raise sa.exc.DataError("INSERT …", {}, Exception("value too long"))
            return
        write(out, table, rows)

    monkeypatch.setattr(dbcopy, "_write_batch", faulty)
    monkeypatch.setattr(dbcopy, "BATCH_ROWS", 1)
    monkeypatch.chdir(installation["tmp"])
    result = CliRunner().invoke(
        assistant_cli, ["migrate", "--to-postgres", pg_url], env=installation["env"]
    )
    assert result.exit_code == 1, result.output
    if fault == "short":
        n = sqlite_counts(installation["tmp"] / "data")["audit_log"]
        assert f"audit_log: {n - 1} von {n} Zeilen – ABWEICHUNG" in result.output
        assert "zurückgerollt" in result.output
    else:
        assert "brach bei Tabelle audit_log ab (DataError)" in result.output
        assert "value too long" not in result.output  # a driver's text may quote a row
    counts = pg_counts(pg_url)
    assert set(counts) == {t.name for t in db.metadata.sorted_tables}  # schema migrated
    assert sum(counts.values()) == 0, counts


def test_chat_rows_of_release_0_1_0_read_back_on_sqlite(installation):
    """Nothing in the stored shape changed since 0.1.0: the app's data layer reads the old
    conversation (over-redacted answer, no answer metadata, a masked text) as it was."""
    services = Services(make_settings(installation["tmp"]))
    try:
        assert read_old_chat(build_data_layer(services), installation["old"]) == OLD_HISTORY
    finally:
        services.engine.dispose()
        services.close()
