"""`assistant eval` and assistant/retrieval/evaluation.py: figures known by construction."""

from __future__ import annotations

import json
import math

import pytest

from assistant.models import Hit
from assistant.retrieval.evaluation import (
    EvalError,
    Question,
    evaluate,
    figures,
    is_hit,
    load_questions,
    render_markdown,
)


def hit(source="a.md", section="Titel > § 1 Zweck", text="Der Text.", rank=1) -> Hit:
    return Hit(
        rank=rank,
        score=1.0,
        doc_id=source,
        chunk_id=f"{source}-{rank}",
        source=source,
        title="T",
        section=section,
        page=None,
        collection="allgemein",
        text=text,
    )


# --- what counts as a hit --------------------------------------------------------------

HITS = [
    # (hit kwargs, question kwargs, is a hit)
    ({}, {"source": "a.md", "section": "§ 1 Zweck"}, True),
    ({}, {"source": "b.md", "section": "§ 1 Zweck"}, False),  # other file
    ({"source": "/data/uploads/a.md"}, {"source": "a.md", "section": "§ 1"}, True),  # file name
    ({}, {"source": "a.md", "section": "§ 2 Umfang"}, False),
    ({"section": "Titel >  § 1\n Zweck"}, {"source": "a.md", "section": "§ 1 Zweck"}, True),
    (
        {"text": "Die Frist\n  beträgt zwei Wochen."},
        {"source": "a.md", "section": "§ 9", "evidence": "Frist beträgt zwei"},
        True,
    ),
    (
        {"text": "Die Frist beträgt zwei Wochen."},
        {"source": "a.md", "evidence": "frist beträgt"},
        False,
    ),  # case-sensitive
    ({}, {"source": None}, False),  # unanswerable: nothing is a hit
    ({}, {"source": "a.md"}, True),  # document-level gold: any passage of the file
]


@pytest.mark.parametrize("hit_kw, q_kw, expected", HITS)
def test_is_hit(hit_kw, q_kw, expected):
    assert is_hit(hit(**hit_kw), Question("q", "Frage?", **q_kw)) is expected


# --- figures known by construction ------------------------------------------------------


def ranked_search(results: dict[str, list[Hit]]):
    return lambda question, depth: results[question][:depth]


def construction():
    """Gold at rank 1, at rank 3, and missing; one unanswerable question."""
    other = [hit("x.md", "§ 9", rank=r) for r in range(1, 11)]
    results = {
        "eins": [hit("a.md"), *other[1:]],
        "drei": [other[0], other[1], hit("a.md", text="Gold hier."), *other[3:]],
        "fehlt": other,
        "wetter": [],
    }
    questions = [
        Question("q1", "eins", "a.md", "§ 1 Zweck", kind="plain"),
        Question("q2", "drei", "a.md", None, "Gold hier.", kind="everyday"),
        Question("q3", "fehlt", "a.md", "§ 1 Zweck", kind="everyday"),
        Question("q4", "wetter", kind="unanswerable"),
    ]
    return results, questions


class NeverRelevant:
    def is_relevant(self, question, h):
        return h.source == "a.md"


def test_figures_known_by_construction():
    results, questions = construction()
    report = evaluate(ranked_search(results), questions, ks=(1, 3, 5), gate=NeverRelevant())
    assert [o.rank for o in report.outcomes] == [1, 3, None, None]
    overall = report.overall
    assert overall.n == 3
    assert overall.recall == pytest.approx({1: 1 / 3, 3: 2 / 3, 5: 2 / 3})
    assert overall.mrr == pytest.approx((1 + 1 / 3) / 3)
    assert overall.ndcg == pytest.approx((1 + 1 / math.log2(4)) / 3)
    everyday = report.by_kind["everyday"]
    assert everyday.n == 2 and everyday.recall[3] == 0.5 and everyday.mrr == pytest.approx(1 / 6)
    assert "unanswerable" not in report.by_kind
    assert [o.id for o in report.misses] == ["q2", "q3"]  # not in the first k=1
    # refused = no relevant hit in the first 5: q3 (gold beyond) and q4 (nothing found)
    assert [o.refused for o in report.outcomes] == [False, False, True, True]
    assert report.refusal == {
        "unanswerable": {"refused": 1, "total": 1},
        "answerable": {"refused": 1, "total": 3},
    }


def test_rank_beyond_ten_counts_for_recall_at_k_only():
    assert figures([11], [20]).recall[20] == 1.0
    assert figures([11], [20]).mrr == 0.0 == figures([11], [20]).ndcg
    assert figures([], [5]).n == 0


def test_json_shape_and_markdown():
    results, questions = construction()
    report = evaluate(ranked_search(results), questions, ks=(5, 10), gate=NeverRelevant())
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) >= {"ks", "overall", "by_kind", "outcomes", "misses", "refusal", "latency_ms"}
    assert data["overall"]["recall"]["5"] == pytest.approx(2 / 3)
    assert set(data["outcomes"][0]) >= {"id", "question", "kind", "gold", "rank", "refused", "top"}
    assert data["misses"][0]["top"][:1] == ["x.md · § 9"]
    md = render_markdown(report)
    assert "| **alle** | 3 | 0.667 | 0.667 | 0.444 | 0.500 |" in md
    assert "unbeantwortbare Fragen abgelehnt: 1 / 1" in md and "**q3**" in md


# --- the question file --------------------------------------------------------------------

BAD_FILES = [
    ("", "keine Fragen"),
    ("{nicht json\n", "Zeile 1"),
    ('{"question": "Frage?"}\n{"source": "a.md"}\n', "Zeile 2"),
]


@pytest.mark.parametrize("content, message", BAD_FILES)
def test_bad_question_file_gives_german_error(tmp_path, content, message):
    path = tmp_path / "q.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalError) as err:
        load_questions(path)
    assert message in str(err.value)


def test_development_sets_load():
    from conftest import ROOT

    for name, n in (("knowledge.jsonl", 81), ("bundesrecht.jsonl", 84)):
        questions = load_questions(ROOT / "tests" / "data" / "eval" / name)
        assert len(questions) == n and sum(not q.answerable for q in questions) == 8


# --- the real CLI on a tiny knowledge base --------------------------------------------------

FILLER = "Dieses Merkblatt regelt Dinge der Verwaltung im Rathaus der Stadt."


def _tiny_kb(folder):
    folder.mkdir()
    for name, times in (("alpha.md", 3), ("beta.md", 2), ("gamma.md", 1)):
        body = " ".join(["Quarzfenster"] * times + [FILLER] * 2 + ["Rathaus"] * (3 - times))
        (folder / name).write_text(
            f"# Merkblatt {name[:-3]}\n\n## Reinigung\n\n{body}\n", encoding="utf-8"
        )


def _questions(path):
    rows = [
        {
            "id": "e1",
            "question": "Quarzfenster",
            "source": "alpha.md",
            "section": "Reinigung",
            "kind": "plain",
        },
        {
            "id": "e3",
            "question": "Quarzfenster",
            "source": "gamma.md",
            "evidence": "Quarzfenster Dieses Merkblatt",
            "kind": "plain",
        },
        {
            "id": "e0",
            "question": "Quarzfenster",
            "source": "delta.md",
            "section": "Reinigung",
            "kind": "everyday",
        },
        {
            "id": "u1",
            "question": "Wie wird das Wetter auf Helgoland?",
            "source": None,
            "kind": "unanswerable",
        },
    ]
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )


@pytest.fixture
def tiny_kb(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0")  # lexical ranks only: fixed by tf
    _tiny_kb(tmp_path / "kb")
    assert run_cli("ingest", str(tmp_path / "kb")).exit_code == 0
    _questions(tmp_path / "q.jsonl")
    return tmp_path / "q.jsonl"


def test_cli_eval_json_on_real_index(tiny_kb, run_cli, tmp_path):
    out = run_cli("eval", str(tiny_kb), "-k", "1,3", "--json", "--report", str(tmp_path / "r.md"))
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [o["rank"] for o in data["outcomes"]] == [1, 3, None, None]
    assert data["overall"]["recall"] == pytest.approx({"1": 1 / 3, "3": 2 / 3})
    assert data["overall"]["mrr"] == pytest.approx(4 / 9)
    assert data["overall"]["ndcg"] == pytest.approx(0.5)
    assert data["by_kind"]["plain"]["recall"]["3"] == 1.0
    assert data["refusal"]["unanswerable"] == {"refused": 1, "total": 1}
    assert data["refusal"]["answerable"] == {"refused": 0, "total": 3}
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert report.startswith("# Auswertung der Suche: q.jsonl") and "**e0**" in report
    assert "Erweiterungen: synonyms" in report and data["setup"]["Mindestabdeckung"] == 0.2


def test_cli_eval_text_output_is_german(tiny_kb, run_cli):
    out = run_cli("eval", str(tiny_kb))
    assert out.exit_code == 0
    assert "alle" in out.stdout and "Nicht in den ersten 5 Treffern: 1" in out.stdout
    assert "Abgelehnt: unbeantwortbar 1/1" in out.stdout


def test_cli_eval_bad_input(tmp_path, run_cli):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("kaputt\n", encoding="utf-8")
    out = run_cli("eval", str(bad))
    assert out.exit_code == 1 and "Zeile 1" in out.output
    bad.write_text('{"question": "x"}\n', encoding="utf-8")
    assert run_cli("eval", str(bad), "-k", "0").exit_code == 2
    assert "Suchqualität" in run_cli("eval", "--help").output
