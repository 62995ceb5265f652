"""Search mode's calibrated refusal through the real CLI (issue 12, item 4): a question
that five unrelated documents each touch with one word is refused with the closest
passages still offered, marked; a question one document answers is not."""

from __future__ import annotations

import json

import pytest

from assistant.answering.answer import CLOSEST_HEADING, NOTHING_FOUND

TOPICS = ["Reisepass", "Bauantrag", "Wohngeld", "Parkausweis", "Sperrmüll"]


@pytest.fixture
def kb(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", "")  # search mode
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0")
    folder = tmp_path / "kb"
    folder.mkdir()
    for topic in TOPICS:
        (folder / f"{topic.lower()}.md").write_text(
            f"# {topic}\n\n## Gebühr\n\nDer {topic} kostet 30 Euro.\n", encoding="utf-8"
        )
    (folder / "hundesteuer.md").write_text(
        "# Hundesteuersatzung\n\n## § 5 Betrag\n\nDie Hundesteuer beträgt 120 im Jahr.\n\n"
        "## § 6 Erhebung\n\nDie Hundesteuer wird jährlich erhoben.\n\n"
        "## § 7 Fälligkeit\n\nDie Hundesteuer ist am 1. Juli zu zahlen.\n",
        encoding="utf-8",
    )
    assert run_cli("ingest", str(folder)).exit_code == 0
    return folder


def test_unrelated_passages_are_refused_and_still_offered(kb, run_cli):
    out = run_cli("ask", "Was kostet das Tagesgericht in der Kantine in Euro?", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["refused"] is True, data["answer"]
    assert data["mode"] == "search" and data["citations"] == []
    assert data["answer"].startswith(NOTHING_FOUND) and CLOSEST_HEADING in data["answer"]
    closest = data["closest"]
    assert [c["n"] for c in closest] == [1, 2, 3]
    assert all(f"[{c['n']}] {c['title']}" in data["answer"] for c in closest)


def test_a_question_one_document_answers_is_not_refused(kb, run_cli):
    out = run_cli("ask", "Wie hoch ist die Hundesteuer?", "--json")
    data = json.loads(out.stdout)
    assert data["refused"] is False and data["mode"] == "search" and data["closest"] == []
    assert data["citations"][0]["title"] == "Hundesteuersatzung"


def test_eval_reports_the_refusals_of_search_mode(kb, run_cli, tmp_path):
    rows = [
        {"id": "1", "question": "Wie hoch ist die Hundesteuer?", "source": "hundesteuer.md"},
        {"id": "2", "question": "Was kostet das Tagesgericht in der Kantine in Euro?"},
        {"id": "3", "question": "Wie wird das Wetter auf Helgoland?"},  # no hit at all
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = run_cli("eval", str(path), "--json")
    data = json.loads(out.stdout)
    assert data["refusal_search"] == {
        "unanswerable": {"refused": 2, "total": 2},
        "answerable": {"refused": 0, "total": 1},
    }
    assert [o["refused_search"] for o in data["outcomes"]] == [False, True, True]


# Questions of the tuning part of tests/data/eval/refusal_c.jsonl (ids not divisible by
# 3) over the sample knowledge base: near-misses that share its vocabulary but that it
# does not answer, and everyday paraphrases that it does. The model before (focus of
# the list on one document, lead of the best score) answered the first two and refused
# the last two.
NEAR_MISSES = ["rc082", "rc146"]
PARAPHRASES = ["rc037", "rc101"]


@pytest.fixture
def sample_kb(run_cli, monkeypatch):
    from conftest import KNOWLEDGE

    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", "")  # search mode
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0")
    assert run_cli("ingest", str(KNOWLEDGE)).exit_code == 0


def _refusal_questions() -> dict[str, dict]:
    from conftest import ROOT

    path = ROOT / "tests" / "data" / "eval" / "refusal_c.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {r["id"]: r for r in rows if r["id"] in NEAR_MISSES + PARAPHRASES}


def test_near_misses_are_refused_and_paraphrases_answered_on_the_sample_kb(sample_kb, run_cli):
    questions = _refusal_questions()
    for qid in NEAR_MISSES:
        data = json.loads(run_cli("ask", questions[qid]["question"], "--json").stdout)
        assert data["refused"] is True, (qid, data["answer"][:200])
        assert CLOSEST_HEADING in data["answer"] and len(data["closest"]) == 3
    for qid in PARAPHRASES:
        data = json.loads(run_cli("ask", questions[qid]["question"], "--json").stdout)
        assert data["refused"] is False, (qid, data["answer"][:200])
        sources = [c["source"].rsplit("/", 1)[-1] for c in data["citations"]]
        assert questions[qid]["source"] in sources, (qid, sources)
