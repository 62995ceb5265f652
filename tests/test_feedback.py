"""Issue 12: query-side methods learnt from the index (feedback.py), document-level
evidence in the lexical index, and the calibrated refusal of search mode. Every
expected figure follows from the data built here."""

from __future__ import annotations

import math

import pytest

from assistant.models import Chunk, Hit
from assistant.retrieval.lexical.feedback import (
    document_evidence,
    feedback_terms,
    select_synonyms,
    vocabulary_parts,
)
from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex
from assistant.retrieval.relevance import Judgement, RefusalModel, RelevanceGate


def _idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def test_feedback_terms_weigh_passages_by_score_and_terms_by_rarity():
    passages = [(["frist", "woche", "absatz", "absatz"], 3.0), (["frist", "absatz"], 1.0)]
    df = {"frist": 5, "absatz": 90, "woche": 5}
    terms = feedback_terms(passages, {"anmeld"}, df.__getitem__, 100, n_terms=5)
    # "woche" occurs in one passage only: no evidence; "frist" and "absatz" in both.
    assert set(terms) == {"frist", "absatz"}
    frist = (1 / 4 * 3 / 4 + 1 / 2 * 1 / 4) * _idf(100, 5)
    absatz = (2 / 4 * 3 / 4 + 1 / 2 * 1 / 4) * _idf(100, 90)
    assert terms["frist"] == 1.0  # the best term has weight 1, the rest relative to it
    assert terms["absatz"] == pytest.approx(absatz / frist)


def test_feedback_terms_skip_the_question_and_words_found_in_one_chunk_only():
    passages = [(["anmeld", "melde", "einmal"], 1.0), (["anmeld", "melde", "einmal"], 1.0)]
    df = {"melde": 3, "einmal": 1}
    terms = feedback_terms(passages, {"anmeld"}, df.__getitem__, 10, n_terms=5)
    assert list(terms) == ["melde"]  # "einmal": df 1, nothing to learn from it
    assert feedback_terms([], set(), df.__getitem__, 10, n_terms=5) == {}


def test_synonyms_are_kept_only_beside_another_word_of_the_question():
    groups = [{"steu": 1.0}, {"hund": 1.0}]
    thesaurus = {"steu": ["abgab", "lenkrad"], "hund": ["rud"]}
    passages = [{"abgab", "hund"}, {"lenkrad", "auto"}, {"rud", "jagd"}]
    kept = select_synonyms(groups, lambda t: thesaurus.get(t, []), passages)
    # "lenkrad" occurs only without "hund", "rud" only without a "steu" passage.
    assert kept == [{"abgab": "steu"}, {}]


def test_vocabulary_parts_split_a_compound_the_word_list_does_not_know():
    indexed = {"hund", "fuhr", "konzession"}
    same = lambda w: w  # words are given stemmed here
    assert vocabulary_parts("fuhrhund", indexed.__contains__, same) == ("hund", "fuhr")
    assert vocabulary_parts("kneipenkonzession", indexed.__contains__, same) == (
        "konzession",
        None,
    )
    assert vocabulary_parts("xyzabc", indexed.__contains__, same) is None


def test_document_evidence_adds_the_share_of_the_best_documents_evidence():
    hits = [("a", 10.0), ("b", 9.0), ("b", 8.0), ("b", 1.0), ("a", 0.5)]
    scores = document_evidence(hits, weight=0.5)
    # evidence: a = 10 + 0.5, b = 9 + 8 + 1 = 18 (the best); boost = 0.5 * 10 * share
    assert scores == pytest.approx([10 + 5 * 10.5 / 18, 9 + 5, 8 + 5, 1 + 5, 0.5 + 5 * 10.5 / 18])
    assert document_evidence(hits, weight=0) == [s for _, s in hits]


def _chunk(doc: str, n: int, text: str, section: str = "") -> Chunk:
    return Chunk(f"{doc}:v1:{n}", doc, 1, "c", f"/{doc}.md", doc, section, None, n, text)


def test_a_document_with_more_matching_passages_ranks_its_best_passage_first(tmp_path):
    chunks = [
        _chunk("streu", 0, "Die Räumpflicht gilt für Gehwege.", "§ 2 Räumpflicht"),
        _chunk("streu", 1, "Die Räumpflicht beginnt um sieben Uhr.", "§ 3 Zeiten"),
        _chunk("streu", 2, "Die Räumpflicht umfasst auch Treppen und Winter.", "§ 4 Umfang"),
        _chunk("bau", 0, "Im Winter ruht die Baustelle, Räumpflicht Winter Winter.", "§ 9"),
    ]
    plain = TantivyLexicalIndex(tmp_path / "a")
    plain.add(chunks)
    first = plain.search("Räumpflicht im Winter", 4)[0][0].doc_id
    boosted = TantivyLexicalIndex(tmp_path / "b", doc_boost=1.0)
    boosted.add(chunks)
    ranking = [c.doc_id for c, _ in boosted.search("Räumpflicht im Winter", 4)]
    assert first == "bau"  # one passage says "Winter" three times
    assert ranking[0] == "streu" and len(ranking) == 4


def _hit(rank: int, doc: str, text: str, lexical: float) -> Hit:
    return Hit(
        rank=rank, score=1 / rank, doc_id=doc, chunk_id=f"{doc}:v1:{rank}", source=f"/{doc}.md",
        title=doc, section="", page=None, collection="c", text=text, version=1,
        scores={"lexical": lexical},
    )  # fmt: skip


def test_refusal_signals_follow_from_the_hits():
    gate = RelevanceGate(0.0, 1.0)
    model = RefusalModel(gate, coefficients={"coverage": 4.0}, intercept=-2.0, threshold=0.5)
    hits = [
        _hit(1, "a", "Die Hundesteuer beträgt 120 Euro.", 8.0),
        _hit(2, "a", "Die Steuer wird jährlich erhoben.", 6.0),
        _hit(3, "b", "Kantine und Speiseplan.", 2.0),
        _hit(4, "a", "Hunde sind anzumelden.", 1.0),
    ]
    signals = model.signals("Hundesteuer Speiseplan", hits)
    assert signals["coverage"] == pytest.approx(0.5)  # each passage has one of two words
    assert signals["gap"] == pytest.approx((8 - 6) / 8)
    assert signals["focus"] == pytest.approx(3 / 5)  # three of the depth of five
    assert "agreement" not in signals  # dense off
    judgement = model.judge("Hundesteuer Speiseplan", hits)
    assert judgement == Judgement(False, 0.5, signals)  # sigmoid(-2 + 4 * 0.5)
    assert model.judge("Wetter morgen", hits).refused  # coverage 0: sigmoid(-2) < 0.5
    assert model.judge("Wetter morgen", []) == Judgement(True, 0.0, {})


def test_the_fitted_model_refuses_a_list_of_unrelated_passages(tmp_path):
    """Five documents that each mention "Euro" once and nothing else of the question:
    focus 1/5 and no lead of the best score, so the fitted model refuses; a question
    whose words one document answers in three passages is not refused."""
    index = TantivyLexicalIndex(tmp_path / "i")
    topics = ["Reisepass", "Bauantrag", "Wohngeld", "Parkausweis", "Sperrmüll"]
    chunks = [_chunk(f"d{i}", 0, f"Der {t} kostet 30 Euro.", t) for i, t in enumerate(topics)]
    chunks += [
        _chunk("hund", i, f"Die Hundesteuer {text}.", "§ Hundesteuer")
        for i, text in enumerate(["beträgt 120 im Jahr", "wird jährlich erhoben", "ist zu zahlen"])
    ]
    index.add(chunks)
    model = RefusalModel(RelevanceGate(0.0, 1.0, lexical=index))

    def judge(question):
        found = index.search(question, 5)
        return model.judge(
            question, [_hit(i, c.doc_id, c.text, s) for i, (c, s) in enumerate(found, 1)]
        )

    kantine = judge("Was kostet das Tagesgericht in der Kantine in Euro?")
    assert kantine.signals["focus"] == pytest.approx(0.2) and kantine.signals["gap"] < 0.05
    assert kantine.refused and kantine.probability < model.threshold
    hund = judge("Wie hoch ist die Hundesteuer?")
    assert hund.signals["focus"] == pytest.approx(3 / 5) and not hund.refused
