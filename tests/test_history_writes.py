"""Chat-history writes under pressure (assistant/web/history_writes.py).

Chainlit writes each message with fire-and-forget tasks. Under load (bench/load.py,
200 sessions on one worker) the pool's 30 s wait ran out and 221 writes were dropped
with a warning, and an update could overtake its own create. Real SQLite and
PostgreSQL, the real redactor, the data layer called as Chainlit calls it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import pytest
import sqlalchemy as sa
from chainlit.context import init_http_context
from conftest import store_settings
from test_chat_history import redactor  # noqa: F401 - the module's fixture

from assistant.services import Services
from assistant.web.chat_history import RedactedDataLayer, build_data_layer
from assistant.web.history_writes import HistoryWrites

NOW = "2026-12-06T10:00:00Z"
SLOW = "Entwurf der Antwort"  # the create's text; its redaction is made slow
FINAL = "Die Hundesteuer beträgt 120 Euro im Jahr."


def _services(tmp_path, store, redactor, **overrides) -> Services:  # noqa: F811
    s = Services(store_settings(tmp_path, store, **overrides))
    s.__dict__["redactor"] = redactor
    return s


def _step(thread_id: str, step_id: str, output: str) -> dict:
    return {
        "id": step_id,
        "threadId": thread_id,
        "type": "assistant_message",
        "name": "Amtswissen",
        "output": output,
        "createdAt": NOW,
        "start": NOW,
        "end": NOW,
        "streaming": False,
    }


def _stored_outputs(services: Services, layer: RedactedDataLayer) -> dict[str, str]:
    with layer.sync_engine.connect() as conn:
        rows = conn.execute(sa.text('SELECT "id", "output" FROM chat_steps')).all()
    return {row[0]: row[1] for row in rows}


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_an_update_never_overtaken_by_its_slower_create(tmp_path, store, redactor):  # noqa: F811
    """Chainlit starts the create task, then the update task; the create's redaction is
    slower. The stored text must be the update's, not the create's upsert landing last."""
    services = _services(tmp_path, store, redactor)
    layer = build_data_layer(services)
    plain = layer.redact_text

    def slow_redact(value, thread_id, quoted=False):
        if value == SLOW:
            time.sleep(0.6)
        return plain(value, thread_id, quoted)

    layer.redact_text = slow_redact  # type: ignore[method-assign]
    thread_id, step_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def as_chainlit_does():
        init_http_context(thread_id=thread_id)
        first = asyncio.create_task(layer.create_step(_step(thread_id, step_id, SLOW)))
        second = asyncio.create_task(layer.update_step(_step(thread_id, step_id, FINAL)))
        await asyncio.gather(first, second)
        await layer.engine.dispose()

    try:
        asyncio.run(as_chainlit_does())
        assert _stored_outputs(services, layer)[step_id] == FINAL
        assert layer.writes.lost == 0
    finally:
        services.close()


def _hold_every_connection(layer: RedactedDataLayer, seconds: float):
    async def hold():
        async with layer.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
            await asyncio.sleep(seconds)

    return hold()


def _one_connection(tmp_path, redactor, pool_timeout: float):  # noqa: F811
    """Services on PostgreSQL whose pool has one connection and waits `pool_timeout` s for
    it, and their chat-history data layer."""
    services = _services(
        tmp_path,
        "postgresql",
        redactor,
        database_pool_size=1,
        database_pool_overflow=0,
        database_pool_timeout=pool_timeout,
    )
    return services, build_data_layer(services)


def _write_while_held(layer: RedactedDataLayer, output: str, hold_s: float) -> str:
    """Create one step while another task holds the pool's connection for `hold_s`
    seconds, as Chainlit calls the layer; returns the step's id."""
    thread_id, step_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def under_pressure():
        init_http_context(thread_id=thread_id)
        holder = asyncio.create_task(_hold_every_connection(layer, hold_s))
        await asyncio.sleep(0.1)
        await layer.create_step(_step(thread_id, step_id, output))
        await holder
        await layer.engine.dispose()

    asyncio.run(under_pressure())
    return step_id


def test_a_write_waiting_for_a_busy_pool_lands_later(tmp_path, redactor):  # noqa: F811
    """The pool's one connection is busy for longer than the pool's wait: the write is
    tried again and lands (before: dropped with a warning)."""
    services, layer = _one_connection(tmp_path, redactor, pool_timeout=0.3)
    try:
        step_id = _write_while_held(layer, FINAL, hold_s=0.8)
        assert _stored_outputs(services, layer).get(step_id) == FINAL
        assert layer.writes.lost == 0
    finally:
        services.close()


def test_a_write_lost_for_good_is_an_error_without_its_text(tmp_path, redactor, caplog):  # noqa: F811
    """Busy for longer than every try: the loss is an ERROR with a count, and the
    message's text (which may hold personal data) is in no log line."""
    services, layer = _one_connection(tmp_path, redactor, pool_timeout=0.2)
    layer.writes = HistoryWrites(tries=3)  # 0.5 + 1 s of pauses: the holder outlasts them
    secret = "Rückruf an Herrn Jankowski, 0171 2345678"
    try:
        with caplog.at_level(logging.INFO, logger="assistant"):
            _write_while_held(layer, secret, hold_s=4.0)
        assert layer.writes.lost >= 1
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("SQL failed (TimeoutError) after 3 tries" in r.getMessage() for r in errors)
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "Jankowski" not in logged and "2345678" not in logged
    finally:
        services.close()
