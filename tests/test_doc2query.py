"""doc2query at ingest (issue 12, item 3): the local model writes everyday questions per
chunk, indexed in a field of their own. Real ingest, tantivy and langchain-ollama; the
fake Ollama server plays the model."""

from __future__ import annotations

import json

import pytest
import tantivy
from conftest import make_settings
from docgen import GOOD_MD

from assistant.cli.doctor import run_checks
from assistant.models import Scope
from assistant.retrieval.lexical import open_lexical_index
from assistant.retrieval.lexical.analysis import default_analyzer
from assistant.retrieval.lexical.schema import MARKER, build_schema
from assistant.services import Services

VWVFG_MD = """# Verwaltungsverfahrensgesetz (Auszug)

## § 41 Bekanntgabe des Verwaltungsaktes

Ein Verwaltungsakt ist demjenigen Beteiligten bekannt zu geben, für den er bestimmt ist.

## § 42 Offenbare Unrichtigkeiten im Verwaltungsakt

Die Behörde kann Schreibversehen, Rechenirrtümer und ähnliche offenbare Unrichtigkeiten
in einem Verwaltungsakt jederzeit berichtigen.

## § 43 Wirksamkeit des Verwaltungsaktes

Ein Verwaltungsakt wird gegenüber demjenigen wirksam, für den er bestimmt ist.
"""
QUESTION = "Im Bescheid steht ein Tippfehler – was nun?"
MARKER_D2Q = "für die Suche vor"  # in the doc2query system prompt (ingest/doc2query.py)


def questions(messages: list[dict]) -> str:
    """The fake model's questions: everyday words for what the passage says."""
    passage = messages[-1]["content"]
    if "Unrichtigkeit" in passage:
        return "Was tun bei einem Tippfehler im Bescheid?\nKann das Amt einen Fehler korrigieren?"
    return "Ab wann gilt ein Brief vom Amt?\nWas steht in diesem Abschnitt?"


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "vwvfg.md").write_text(VWVFG_MD, encoding="utf-8")
    (folder / "hunde.md").write_text(GOOD_MD, encoding="utf-8")
    return folder


@pytest.fixture
def d2q(fake_ollama):
    fake_ollama.by_system = {MARKER_D2Q: questions}
    yield fake_ollama
    fake_ollama.by_system = {}


def _services(tmp_path, fake, name="a", **overrides) -> Services:
    values = {"ollama_base_url": fake.url, "ollama_model": "llama3.1:8b", **overrides}
    return Services(make_settings(tmp_path / name, **values))


def _asked(fake) -> int:
    chats = fake.requests_to("/api/chat")
    return sum(MARKER_D2Q in str(r.body["messages"][0]["content"]) for r in chats)


def test_a_generated_question_finds_the_passage(tmp_path, kb, d2q):
    plain = _services(tmp_path, d2q, "plain")
    generated = _services(tmp_path, d2q, "d2q", doc2query_questions=2)
    try:
        assert plain.ingestor.ingest_paths([kb]).ok and _asked(d2q) == 0  # off by default
        report = generated.ingestor.ingest_paths([kb])
        assert report.ok and not any(r.warnings for r in report.results), report.to_dict()
        assert _asked(d2q) == sum(r.chunks for r in report.results)

        missed = plain.search.search(QUESTION, 5, Scope.everything()).hits
        found = generated.search.search(QUESTION, 5, Scope.everything()).hits
        answer = generated.answers.ask(QUESTION, Scope.everything())
        doctor = {c.name: c for c in run_checks(generated)}["lexical_index"]
    finally:
        plain.close()
        generated.close()
    assert not any("Unrichtigkeiten" in h.text for h in missed)
    assert "Unrichtigkeiten" in found[0].text and "questions" not in found[0].text
    # LLM mode: the relevance gate counts the passage's questions as its words.
    assert answer.mode == "llm" and not answer.refused, answer.answer
    assert "Unrichtigkeiten" in answer.citations[0].text
    assert doctor.status == "ok" and "Suchfragen je Abschnitt (doc2query): 2" in doctor.detail


def test_only_changed_chunks_ask_the_model_again(tmp_path, kb, d2q):
    services = _services(tmp_path, d2q, doc2query_questions=2)
    law = kb / "vwvfg.md"
    try:
        first = services.ingestor.ingest_file(law)
        asked = _asked(d2q)
        law.write_text(VWVFG_MD.replace("jederzeit berichtigen", "stets berichtigen"), "utf-8")
        second = services.ingestor.ingest_file(law)
        hits = services.search.search(QUESTION, 3, Scope.everything()).hits
    finally:
        services.close()
    assert first.chunks == second.chunks == asked == 3  # one request per chunk
    assert second.status == "updated" and _asked(d2q) == asked + 1  # the changed one only
    assert "stets berichtigen" in hits[0].text  # the new version carries its questions


def test_model_failure_ingests_without_questions_and_says_so(tmp_path, kb, d2q):
    d2q.fail_next(500, "model runner crashed", times=2, path="/api/chat")
    services = _services(tmp_path, d2q, doc2query_questions=2)
    try:
        result = services.ingestor.ingest_file(kb / "vwvfg.md")
        own_words = services.search.search("offenbare Unrichtigkeiten", 3, Scope.everything())
        terms = services.lexical.question_terms([h.chunk_id for h in own_words.hits])
    finally:
        services.close()
    assert result.status == "added" and result.chunks == 3
    warning = " ".join(result.warnings)
    assert "keine Suchfragen" in warning and "durchsuchbar" in warning, result.warnings
    assert _asked(d2q) <= 2  # asking stopped at the failure (two run at once)
    assert "Unrichtigkeiten" in own_words.hits[0].text
    assert not terms  # nothing half-generated was stored for the failed chunks


def test_an_index_from_before_doc2query_still_opens_and_says_why(tmp_path, kb, d2q):
    path = tmp_path / "old" / "data" / "lexical"
    path.mkdir(parents=True)
    analyzer_id = default_analyzer().analyzer_id
    (path / MARKER).write_text(json.dumps({"schema": 2, "analyzer": analyzer_id}), "utf-8")
    tantivy.Index(build_schema(2), path=str(path))  # schema 2: no questions field
    services = _services(tmp_path, d2q, "old", doc2query_questions=2)
    try:
        result = services.ingestor.ingest_file(kb / "hunde.md")
        hits = services.search.search("Hunde Dienstgebäude", 3, Scope.everything()).hits
        doctor = {c.name: c for c in run_checks(services)}["lexical_index"]
    finally:
        services.close()
    assert result.status == "added" and "älteren Version" in " ".join(result.warnings)
    assert _asked(d2q) == 0 and "Hunde" in hits[0].text
    assert doctor.status == "warn" and "kein Feld für Suchfragen" in doctor.detail
    reopened = open_lexical_index(path)
    assert reopened.has_questions is False
    reopened.close()


def test_reindex_questions_fills_in_documents_ingested_before(kb, d2q, run_cli, monkeypatch):
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URL", d2q.url)
    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", "llama3.1:8b")
    assert run_cli("ingest", str(kb)).exit_code == 0 and _asked(d2q) == 0
    refused = run_cli("reindex", "--questions")
    assert refused.exit_code != 0 and "ASSISTANT_DOC2QUERY_QUESTIONS" in refused.output
    monkeypatch.setenv("ASSISTANT_DOC2QUERY_QUESTIONS", "2")

    first = run_cli("reindex", "--questions")
    asked = _asked(d2q)
    again = run_cli("reindex", "--questions")
    services = Services(make_settings(kb.parent, ollama_base_url=d2q.url))
    try:
        hits = services.search.search(QUESTION, 3, Scope.everything()).hits
    finally:
        services.close()

    assert first.exit_code == 0 and "6 Abschnitte mit Suchfragen" in first.output, first.output
    assert asked == 6 and again.exit_code == 0 and _asked(d2q) == asked  # nothing left to do
    assert "Unrichtigkeiten" in hits[0].text
    usage = run_cli("reindex")
    assert usage.exit_code == 2 and "--questions" in usage.output
