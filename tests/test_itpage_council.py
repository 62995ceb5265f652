"""The IT page's "Ratsinformationssysteme" section and the app's background council sync.

Real syncs (`councilsync.sync_all`, the app's background path) against the generated OParl
server of tests/oparl_fixture.py into a real store (SQLite, and PostgreSQL with
TEST_POSTGRES_URL); the page over HTTP as in test_itpage.py: per endpoint its name and
address, the last successful sync, what the last run did and what is held, the last error
in German. The sync writes through the uploads' lock: while an upload holds it, nothing is
written.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from conftest import store_settings
from oparl_fixture import running_oparl
from test_itpage import SECRET, client, login

from assistant.ingest.upload import ingest_lock
from assistant.services import Services
from assistant.web.councilsync import sync_all
from assistant.web.itcouncil import when


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", SECRET)
    s = Services(store_settings(tmp_path, request.param, sync_rate=0, sync_retries=0))
    yield s
    s.engine.dispose()
    s.close()


def council_units(services) -> list:
    return [r for r in services.manifest.list() if (r.meta or {}).get("kind") == "oparl"]


def test_no_endpoint_says_so(services):
    c = client(services)
    login(c, "it")
    text = c.get("/it").text
    assert "Ratsinformationssysteme" in text and "Kein Ratsinformationssystem registriert" in text


def test_each_endpoint_with_last_sync_counts_and_error(services):
    with running_oparl(n_papers=6, page_size=4) as oparl:
        source = services.council.register(oparl.url, name="musterstadt")
        assert sync_all(services) == {"musterstadt": "completed"}
        first = services.council.status()[0]
        c = client(services)
        login(c, "it")
        text = c.get("/it").text
        section = text[text.index('id="ratsinfo"') :]
        assert "musterstadt" in section and oparl.url in section
        assert when(first["last_success"]["finished_at"]) in section
        new = first["last_run"]["counts"]["new"]
        assert new > 0 and "abgeschlossen (vollständig)" in section
        assert f"{new} neu, 0 geändert, 0 gelöscht, 0 Fehler" in section
        assert f"{first['objects']['Paper']} Vorlagen" in section
        assert "keiner" in section  # no error

        # The server fails from now on: the run is recorded as failed, in German; the
        # last successful sync stays the first one.
        oparl.clock += timedelta(days=1)
        oparl.mutate(changed=[2])
        oparl.inject("status", pattern="/papers", status=500)
        assert sync_all(services) == {source.name: "failed"}
        text = c.get("/it").text
        section = text[text.index('id="ratsinfo"') :]
        assert when(first["last_success"]["finished_at"]) in section
        assert "fehlgeschlagen (Änderungen)" in section
        error = services.council.status()[0]["last_run"]["error"]
        assert error and "nächste Lauf" in error  # German, says what happens next
        assert error.split(" Der Abgleich")[0][:40] in section


def test_addresses_are_escaped(services):
    services.council.register("https://ris.example.org/oparl/<script>x</script>", name="boese")
    c = client(services)
    login(c, "admin")
    text = c.get("/it").text
    assert "<script>x" not in text and "&lt;script&gt;x" in text
    assert "noch nie" in text and "noch kein Lauf" in text


def test_background_sync_writes_only_while_holding_the_uploads_lock(services):
    with running_oparl(n_papers=4) as oparl:
        services.council.register(oparl.url, name="musterstadt")
        services.manifest  # noqa: B018 - the store exists before the thread starts
        outcome: dict = {}
        with ingest_lock:  # an upload is writing
            worker = threading.Thread(target=lambda: outcome.update(sync_all(services)))
            worker.start()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not oparl.request_count("/meetings"):
                time.sleep(0.1)
            worker.join(timeout=3)
            assert worker.is_alive()  # fetched, but waiting to write
            assert council_units(services) == []
        worker.join(timeout=120)
        assert outcome == {"musterstadt": "completed"}
        assert council_units(services)
