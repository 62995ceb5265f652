"""Multi-query rewriting (issue 12, item 3): the local model rewrites the question, each
rewrite is searched and fused with it. Real retrieval and langchain-ollama, the fake
Ollama server plays the model."""

from __future__ import annotations

import json
import logging

import pytest
from conftest import make_settings
from docgen import GOOD_MD

from assistant.models import Scope
from assistant.retrieval.rewrite import parse_rewrites
from assistant.services import Services

VWVFG_MD = """# Verwaltungsverfahrensgesetz (Auszug)

## § 42 Offenbare Unrichtigkeiten im Verwaltungsakt

Die Behörde kann Schreibversehen, Rechenirrtümer und ähnliche offenbare Unrichtigkeiten
in einem Verwaltungsakt jederzeit berichtigen. Bei berechtigtem Interesse der Beteiligten
ist zu berichtigen.
"""
QUESTION = "Im Bescheid steht ein Tippfehler – was nun?"
REWRITES = (
    "Berichtigung offenbarer Unrichtigkeiten im Verwaltungsakt\n"
    "Kann die Behörde einen Verwaltungsakt berichtigen?\n"
)
MARKER = "Formuliere die Frage"  # in the rewriter's system prompt (retrieval/rewrite.py)


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "vwvfg.md").write_text(VWVFG_MD, encoding="utf-8")
    (folder / "hunde.md").write_text(GOOD_MD, encoding="utf-8")
    return folder


def _services(tmp_path, kb, fake, **overrides) -> Services:
    settings = make_settings(
        tmp_path, ollama_base_url=fake.url, ollama_model="llama3.1:8b", **overrides
    )
    services = Services(settings)
    assert services.ingestor.ingest_paths([kb]).ok
    fake.reset()
    return services


@pytest.fixture
def rewriting(tmp_path, kb, fake_ollama):
    fake_ollama.by_system = {MARKER: REWRITES}
    services = _services(tmp_path, kb, fake_ollama, query_rewrites=2)
    yield services
    services.close()
    fake_ollama.by_system = {}


def _rewrite_requests(fake):
    return [
        r for r in fake.requests_to("/api/chat") if MARKER in str(r.body["messages"][0]["content"])
    ]


def test_a_rewrite_finds_the_passage_the_question_misses(rewriting, fake_ollama):
    everything = Scope.everything()
    plain = rewriting.search.search(QUESTION, 5, everything)
    assert not any("Unrichtigkeit" in h.text for h in plain.hits)  # no shared word

    answer = rewriting.answers.ask(QUESTION, everything)

    assert answer.mode == "llm" and not answer.refused, answer.answer
    assert "offenbare Unrichtigkeiten" in answer.citations[0].text
    assert answer.timings["rewrites"] == 2
    sent = _rewrite_requests(fake_ollama)
    assert len(sent) == 1 and sent[0].body["messages"][-1]["content"] == QUESTION
    # The answer's own prompt still carries the person's question, not a rewrite.
    assert QUESTION in fake_ollama.last_body("/api/chat")["messages"][-1]["content"]


def test_rewriting_is_off_by_default(tmp_path, kb, fake_ollama):
    fake_ollama.by_system = {MARKER: REWRITES}
    services = _services(tmp_path, kb, fake_ollama)
    try:
        answer = services.answers.ask(QUESTION, Scope.everything())
    finally:
        services.close()
        fake_ollama.by_system = {}
    assert _rewrite_requests(fake_ollama) == []
    assert answer.refused and "rewrites" not in answer.timings


def test_unreachable_model_means_the_plain_search(tmp_path, kb):
    settings = make_settings(tmp_path, ollama_model="llama3.1:8b", query_rewrites=3)  # dead URL
    services = Services(settings)
    try:
        services.ingestor.ingest_paths([kb])
        answer = services.answers.ask("Dürfen Hunde ins Dienstgebäude?", Scope.everything())
    finally:
        services.close()
    assert answer.timings["rewrites"] == 0
    assert answer.mode == "search" and "nicht erreichbar" in answer.notice
    assert "Hunde" in answer.citations[0].text  # the plain search still found it


def test_slow_model_is_left_within_the_budget(tmp_path, kb, fake_ollama):
    # Budget 2 s: rewriting may use half of it; the model needs 5 s for its first token.
    fake_ollama.by_system = {MARKER: REWRITES}
    services = _services(tmp_path, kb, fake_ollama, query_rewrites=2, llm_question_budget_s=2.0)
    fake_ollama.first_token_delay = 5.0
    try:
        answer = services.answers.ask("Dürfen Hunde ins Dienstgebäude?", Scope.everything())
    finally:
        services.close()
        fake_ollama.by_system = {}
    assert 900 <= answer.timings["rewrite_ms"] < 2000
    assert answer.timings["rewrites"] == 0 and answer.mode == "search"
    assert "nicht rechtzeitig" in answer.notice  # a hung model is not asked a second time
    assert len(fake_ollama.requests_to("/api/chat")) == 1
    assert "Hunde" in answer.citations[0].text


def test_rewrites_are_not_logged_or_returned(rewriting, fake_ollama, caplog):
    caplog.set_level(logging.DEBUG)
    answer = rewriting.answers.ask(QUESTION, Scope.everything())
    assert "Berichtigung offenbarer" not in caplog.text
    assert "Berichtigung offenbarer" not in str(answer.to_dict())


def test_assistant_eval_measures_with_rewrites(tmp_path, kb, fake_ollama, run_cli, monkeypatch):
    # A city measures multi-query on its own questions where Ollama runs.
    questions = tmp_path / "q.jsonl"
    gold = {"question": QUESTION, "source": "vwvfg.md", "section": "§ 42"}
    questions.write_text(json.dumps(gold, ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URL", fake_ollama.url)
    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", "llama3.1:8b")
    fake_ollama.by_system = {MARKER: REWRITES}
    try:
        assert run_cli("ingest", str(kb)).exit_code == 0
        plain = json.loads(run_cli("eval", str(questions), "--json").stdout)
        monkeypatch.setenv("ASSISTANT_QUERY_REWRITES", "2")
        rewritten = json.loads(run_cli("eval", str(questions), "--json").stdout)
    finally:
        fake_ollama.by_system = {}
    assert plain["overall"]["recall"]["5"] == 0.0 and plain["setup"]["Umformulierungen"] == 0
    assert rewritten["overall"]["recall"]["5"] == 1.0
    assert rewritten["setup"]["Umformulierungen"] == 2 and len(_rewrite_requests(fake_ollama)) == 1


def test_parse_rewrites_drops_numbers_headings_and_repeats():
    text = "Umformulierungen:\n1. Wer zahlt Hundesteuer?\n- „Hundesteuer Pflicht“\n\nWer zahlt Hundesteuer?\nx"
    assert parse_rewrites(text, "wer zahlt hundesteuer", 3) == ["Hundesteuer Pflicht", "x"]
    assert parse_rewrites("a\nb\nc\nd", "q", 2) == ["a", "b"]
