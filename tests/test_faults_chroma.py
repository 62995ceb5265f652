"""The Chroma server restarts while the app is in use (issue 17, faults).

The app uses a `chroma run` of the test's own (`ASSISTANT_CHROMA_URL`, HttpClient) with a
dense weight above 0, so every search asks it. When it is stopped, questions are still
answered from the documents, by the keyword (BM25) index alone: that index holds every
passage too, and a person would rather have an answer with a little less recall than
none. The answer carries the audit flag `dense_unavailable` and the log one warning
without any text of the question; once the server is back, the same process uses the
vectors again without a restart.
"""

from __future__ import annotations

import logging

import pytest
from conftest import make_settings
from fault_servers import chroma_server
from test_audit import FRAGMENTS, PII, PII_QUESTION

from assistant.access.accounts import Operator
from assistant.models import Scope
from assistant.privacy.audit import AuditQuery
from assistant.privacy.logfilter import install_log_redaction
from assistant.services import Services

PARKING = (
    "# Parken am Rathaus\n\nBeschäftigte parken auf dem Hof hinter dem Rathaus; der "
    "Parkausweis kostet 15 Euro im Monat und wird beim Hauptamt beantragt.\n"
)
QUESTION = "Was kostet der Parkausweis am Rathaus?"


def dense_used(answer) -> bool:
    return any("dense" in hit.scores for hit in answer.hits)


@pytest.fixture
def world(tmp_path, fake_ollama):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "parken.md").write_text(PARKING, encoding="utf-8")
    with chroma_server(tmp_path) as chroma:
        settings = make_settings(
            tmp_path,
            chroma_url=chroma.url,
            weight_dense=0.5,
            ollama_base_url=fake_ollama.url,
        )
        services = Services(settings)
        assert services.ingestor.ingest_paths([kb]).ok
        assert services.vectors.count() > 0
        yield services, chroma
        services.close()


def test_searches_go_on_by_keywords_while_chroma_is_down_and_use_it_again_after(
    world, caplog, monkeypatch
):
    from assistant.retrieval import search

    monkeypatch.setattr(search, "DENSE_BACKOFF_S", 0.0)  # asked again at the next search
    services, chroma = world
    root = Operator("root")
    first = services.assistant.ask(root, QUESTION).answer
    assert first.mode == "llm" and "15 Euro" in first.answer
    assert dense_used(first) and "dense_unavailable" not in first.flags

    chroma.stop()
    caplog.clear()
    undo = install_log_redaction(lambda: services.redactor)  # as the app and the CLI do
    try:
        with caplog.at_level(logging.DEBUG):
            during = services.assistant.ask(root, QUESTION).answer
            services.assistant.ask(root, PII_QUESTION)  # nothing of it reaches the log
    finally:
        undo()
    assert during.mode == "llm" and during.citations and "15 Euro" in during.answer
    assert "dense_unavailable" in during.flags and not dense_used(during)
    warnings = [r for r in caplog.records if "Chroma" in r.getMessage()]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    leaks = [v for v in [*PII.values(), *FRAGMENTS] if v in caplog.text]
    assert not leaks, leaks

    chroma.start()  # same port, same data
    after = services.assistant.ask(root, QUESTION).answer
    assert after.mode == "llm" and dense_used(after)
    assert "dense_unavailable" not in after.flags
    flagged = [r for r in services.audit.newest(AuditQuery(limit=10)) if r.flags]
    assert len(services.audit.newest(AuditQuery(limit=10))) == 4
    assert any("dense_unavailable" in r.flags for r in flagged)


def test_an_upload_while_chroma_is_down_fails_in_german_and_leaves_nothing_half(world, tmp_path):
    services, chroma = world
    new = tmp_path / "new"
    new.mkdir()
    (new / "kantine.md").write_text(
        "# Kantine\n\nDie Kantine im Rathaus öffnet werktags um 11:30 Uhr.\n", encoding="utf-8"
    )
    before = set(services.manifest.visible())
    chroma.stop()
    report = services.ingestor.ingest_paths([new])
    failed = report.to_dict()["files"][0]
    assert failed["status"] == "failed" and failed["code"] == "vectors_unavailable", failed
    assert "nicht erreichbar" in failed["message"]
    assert set(services.manifest.visible()) == before  # the document is nowhere

    chroma.start()
    assert services.ingestor.ingest_paths([new]).ok
    hits = services.search.search("Wann öffnet die Kantine?", 3, Scope.everything()).hits
    assert hits and hits[0].title == "Kantine" and "dense" in hits[0].scores
