"""Chat history retention: idle threads go whole (rows and element files), recent ones stay.

Conversations are written through the real data layer (test_chat_history.conversation),
then dated back in the store. Real SQLite (chat.db), and PostgreSQL with TEST_POSTGRES_URL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import store_settings
from test_chat_history import conversation, run

from assistant import db
from assistant.errors import NotFoundError
from assistant.privacy import build_redactor
from assistant.privacy.retention import (
    CHAT_DB,
    ELEMENTS_DIR,
    apply_chat_retention,
    apply_retention,
    chat_store,
    element_file,
    purge_services_chat_history,
)
from assistant.services import Services
from assistant.web.chat_history import build_data_layer

CONTENT = (db.chat_threads, db.chat_steps, db.chat_elements, db.chat_feedbacks, db.chat_audit_links)


@pytest.fixture(scope="module")
def redactor():
    return build_redactor()


def open_services(tmp_path, redactor, store: str = "sqlite", **overrides) -> Services:
    s = Services(store_settings(tmp_path, store, **overrides))
    s.__dict__["redactor"] = redactor
    return s


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path, redactor):
    s = open_services(tmp_path, redactor, request.param)
    yield s
    s.engine.dispose()
    s.close()


def write_conversations(services, ages_in_days: list[int]) -> list[dict]:
    """One full conversation per age (thread, steps, element, feedback, audit link)."""
    layer = build_data_layer(services)

    async def scenario():
        out = [await conversation(layer, services.audit) for _ in ages_in_days]
        await layer.close()
        return out

    convs = run(scenario())
    layer.sync_engine.dispose()
    for conv, age in zip(convs, ages_in_days, strict=True):
        date_back(services, conv["thread"], age)
    return convs


def date_back(services, thread_id: str, days: int, steps: bool = True) -> None:
    """The thread (and its steps) as if written `days` ago, in Chainlit's formats."""
    when = datetime.now(UTC) - timedelta(days=days)
    local_z = when.astimezone().replace(tzinfo=None).isoformat() + "Z"  # threads (Chainlit)
    utc_z = when.replace(tzinfo=None).isoformat() + "Z"  # steps: Chainlit's utc_now()
    threads, chat_steps = db.chat_threads, db.chat_steps
    with chat_store(services) as engine, engine.begin() as conn:
        conn.execute(threads.update().where(threads.c.id == thread_id).values(createdAt=local_z))
        if steps:
            conn.execute(
                chat_steps.update()
                .where(chat_steps.c.threadId == thread_id)
                .values(createdAt=utc_z, start=utc_z, end=utc_z)
            )


def rows_of(services, conv: dict) -> dict[str, int]:
    """How many rows of each chat table belong to this conversation."""
    t, st, el, fb, ln = CONTENT
    thread = conv["thread"]
    step_ids = sa.select(st.c.id).where(st.c.threadId == thread)
    where = {
        t: t.c.id == thread,
        st: st.c.threadId == thread,
        el: sa.or_(el.c.threadId == thread, el.c.forId.in_(step_ids)),
        fb: sa.or_(fb.c.threadId == thread, fb.c.forId.in_(step_ids)),
        ln: ln.c.step_id.in_(step_ids),
    }
    with chat_store(services) as engine, engine.connect() as conn:
        return {
            table.name: conn.execute(
                sa.select(sa.func.count()).select_from(table).where(cond)
            ).scalar()
            for table, cond in where.items()
        }


def element_path(services, conv: dict):
    root = services.settings.data_dir / ELEMENTS_DIR
    return element_file(root, f"{conv['user'].id}/{conv['element']}")


def test_idle_thread_goes_whole_and_recent_one_stays(services):
    old, recent = write_conversations(services, [200, 3])
    before = rows_of(services, old)
    assert all(before.values()), before  # every table had rows of the old conversation
    assert element_path(services, old).is_file()
    recent_before = rows_of(services, recent)

    assert purge_services_chat_history(services, 90) == 1

    assert rows_of(services, old) == dict.fromkeys(before, 0)
    assert not element_path(services, old).exists()
    assert not element_path(services, old).parent.exists()
    assert rows_of(services, recent) == recent_before
    assert element_path(services, recent).is_file()
    assert services.audit.get(old["row"]) is not None  # the audit log has its own retention
    assert purge_services_chat_history(services, 90) == 0


def test_last_message_counts_not_the_start_of_the_thread(services):
    (conv,) = write_conversations(services, [3])
    date_back(services, conv["thread"], 400, steps=False)  # started long ago, active lately
    assert purge_services_chat_history(services, 90) == 0
    assert rows_of(services, conv)["chat_threads"] == 1
    assert purge_services_chat_history(services, 2) == 1


def test_zero_keeps_everything(tmp_path, redactor):
    s = open_services(tmp_path, redactor, chat_retention_days=0)
    (conv,) = write_conversations(s, [5000])
    assert apply_chat_retention(s) == 0
    assert all(rows_of(s, conv).values())
    assert element_path(s, conv).is_file()
    s.close()


def test_retention_setting_applies(tmp_path, redactor):
    s = open_services(tmp_path, redactor, chat_retention_days=30)
    old, recent = write_conversations(s, [31, 29])
    assert apply_chat_retention(s) == 1
    assert rows_of(s, old)["chat_threads"] == 0 and rows_of(s, recent)["chat_threads"] == 1
    s.close()


def test_the_apps_daily_round_purges_audit_rows_and_chats(tmp_path, redactor):
    s = open_services(tmp_path, redactor, chat_retention_days=30, retention_days=30)
    old, recent = write_conversations(s, [31, 29])
    audit_ids = [c["row"] for c in (old, recent)]
    with s.audit.engine.begin() as conn:  # the old conversation's answer was logged 40 days ago
        conn.execute(
            db.audit_log.update()
            .where(db.audit_log.c.id == audit_ids[0])
            .values(created_at=datetime.now(UTC) - timedelta(days=40))
        )
    assert apply_retention(s) == (1, 1)
    with pytest.raises(NotFoundError):
        s.audit.get(audit_ids[0])
    assert s.audit.get(audit_ids[1]).id == audit_ids[1]
    assert rows_of(s, old)["chat_threads"] == 0 and rows_of(s, recent)["chat_threads"] == 1
    assert apply_retention(s) == (0, 0)
    s.close()


def test_no_chat_store_yet_is_left_alone(tmp_path, redactor):
    s = open_services(tmp_path, redactor)
    assert apply_chat_retention(s) == 0
    assert not (s.settings.data_dir / CHAT_DB).exists()
    s.close()


@pytest.mark.parametrize("key", ["", "only-one", "../etc/passwd", "a/../../b", "user id/element"])
def test_element_file_refuses_bad_keys(tmp_path, key):
    with pytest.raises(ValueError):
        element_file(tmp_path, key)


def test_cli_purge_reports_both_counts(run_cli, tmp_path, redactor, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "0")  # or opening the log purges it first
    s = open_services(tmp_path, redactor)  # the data dir the CLI uses (cli_env)
    old, recent = write_conversations(s, [120, 10])
    with s.engine.begin() as conn:
        conn.execute(
            db.audit_log.update()
            .where(db.audit_log.c.id == old["row"])
            .values(created_at=datetime.now(UTC) - timedelta(days=120))
        )
    s.close()

    result = run_cli("logs", "purge", "--older-than", "90d")
    assert result.exit_code == 0, result.output
    assert "1 Protokolleintrag gelöscht (älter als 90 Tage" in result.stdout
    assert "1 Chatverlauf gelöscht (seit mehr als 90 Tagen ohne Nachricht)" in result.stdout
    again = run_cli("logs", "purge", "--older-than", "90d")
    assert "0 Chatverläufe gelöscht" in again.stdout
    s = open_services(tmp_path, redactor)
    assert rows_of(s, old)["chat_threads"] == 0 and rows_of(s, recent)["chat_threads"] == 1
    s.close()
