"""Open-data datasets ranked with a dense weight of their own (retrieval/lanes.py).

By default documents stay lexical and datasets get one e5 vector each. The real CLI syncs a
CKAN fixture portal over real HTTP and ingests a document; the real e5 embedder and real
Chroma rank them. In a mixed result the documents keep the places the lexical ranking gives
them; with datasets alone, a dataset found by meaning alone is found.
"""

from __future__ import annotations

import json
from itertools import pairwise

import pytest
from ckan_fixture import CkanFixture, package, running_ckan
from conftest import make_settings

from assistant import config, host
from assistant.config import Settings
from assistant.models import Hit, Scope
from assistant.retrieval.lanes import merge_slots, reweigh
from assistant.services import Services

BATHING = package(
    2,
    title="Badegewässer",
    notes="<p>Messstellen an Seen und Flüssen mit der Wasserqualität der Badesaison.</p>",
    tags=[{"name": "Umwelt", "display_name": "Umwelt"}],
)
CHILDCARE = package(
    3,
    title="Kindertagesstätten",
    notes="<p>Liste der Kitas mit Trägern und Zahl der Betreuungsplätze.</p>",
    tags=[{"name": "Kita", "display_name": "Kita"}],
)
GUIDE = """# Dienstanweisung Spielplätze

## 1. Kontrolle der Spielplätze

Die Spielplätze der Stadt werden wöchentlich vom Grünflächenamt kontrolliert.

## 2. Meldung von Schäden

Schäden an Spielgeräten meldet das Grünflächenamt sofort der Bauverwaltung.
"""


@pytest.fixture
def synced(cli_env, run_cli, tmp_path):
    """Default settings: the fixture portal (three datasets) plus one document."""
    with running_ckan(CkanFixture([package(1), BATHING, CHILDCARE])) as portal:
        result = run_cli("opendata", "sync", portal.url, "--name", "beispiel", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["counts"]["new"] == 3
    guide = tmp_path / "spielplaetze.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert run_cli("ingest", str(guide), "--collection", "dienst").exit_code == 0
    services = Services(make_settings(tmp_path))
    yield services
    services.close()


def _datasets(services: Services) -> set[str]:
    return {r.doc_id for r in services.manifest.list() if r.format == "opendata"}


def test_by_default_only_datasets_are_embedded(synced):
    assert synced.settings.dense_weights == (0.0, config.OPENDATA_DENSE_WEIGHT)
    assert synced.vectors.count() == 3  # one per dataset; the document has none
    stored = synced.vectors.versions()
    assert {doc for doc, _ in stored} == _datasets(synced)


def test_a_dataset_found_by_meaning_alone(synced):
    question = "Wo kann man im Sommer draußen schwimmen gehen?"
    scope = Scope.of(["opendaten"])
    lexical = synced.search.search(question, 3, scope, weights=(1.0, 0.0)).hits
    assert all("Badegewässer" not in h.title for h in lexical)  # no word in common
    hits = synced.search.search(question, 3, scope).hits
    assert hits and hits[0].title.startswith("Badegewässer")
    assert "dense" in hits[0].scores and "lexical" not in hits[0].scores
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in pairwise(hits))


def test_documents_keep_their_lexical_places_in_a_mixed_result(synced):
    question = "Spielplätze Kontrolle Grünflächenamt"
    scope = Scope.of(["opendaten", "dienst"])
    datasets = _datasets(synced)
    lexical = synced.search.search(question, 5, scope, weights=(1.0, 0.0)).hits
    mixed = synced.search.search(question, 5, scope).hits
    # The same places for datasets; when the words found fewer than k, datasets found by
    # meaning follow (never a document).
    kinds = [h.doc_id in datasets for h in mixed]
    assert kinds[: len(lexical)] == [h.doc_id in datasets for h in lexical]
    assert all(kinds[len(lexical) :])
    documents = [(h.rank, h.chunk_id) for h in lexical if h.doc_id not in datasets]
    assert documents and documents == [
        (h.rank, h.chunk_id) for h in mixed if h.doc_id not in datasets
    ]
    assert any("dense" in h.scores for h in mixed if h.doc_id in datasets)


def test_documents_alone_are_searched_lexically_without_embedding(synced):
    result = synced.search.search("Schäden an Spielgeräten", 3, Scope.of(["dienst"]))
    assert result.hits and "embed_ms" not in result.timings
    assert all("dense" not in h.scores for h in result.hits)


def _hit(doc: str, score: float) -> Hit:
    return Hit(0, score, doc, f"{doc}:v1:0", "", doc, "", None, "c", "")


def test_merge_slots_fills_dataset_places_in_the_lanes_order():
    slots = [_hit("doc-a", 0.9), _hit("ds-1", 0.8), _hit("doc-b", 0.7), _hit("ds-2", 0.6)]
    filled = [_hit("ds-3", 0.5), _hit("ds-1", 0.4)]
    out = merge_slots(slots, filled, {"ds-1", "ds-2", "ds-3"}, 4)
    assert [h.doc_id for h in out] == ["doc-a", "ds-3", "doc-b", "ds-1"]
    assert [h.score for h in out] == [0.9, 0.8, 0.7, 0.6]  # each keeps its place's score
    assert [h.rank for h in out] == [1, 2, 3, 4]


def test_merge_slots_adds_datasets_found_by_meaning_only_when_places_are_left():
    datasets = {"ds-1", "ds-2", "ds-3"}
    few = [_hit("doc-a", 0.9)]
    out = merge_slots(few, [_hit("ds-2", 0.3), _hit("ds-3", 0.95)], datasets, 3)
    assert [h.doc_id for h in out] == ["doc-a", "ds-2", "ds-3"]
    assert out[2].score <= out[1].score <= out[0].score
    full = [_hit("doc-a", 0.9), _hit("doc-b", 0.8)]
    assert [h.doc_id for h in merge_slots(full, [_hit("ds-1", 1.0)], datasets, 2)] == [
        "doc-a",
        "doc-b",
    ]


def test_reweigh_sets_every_dense_ranking_and_drops_them_at_zero():
    rankings = [
        ("lexical", 1.0, []),
        ("dense", 0.5, []),
        ("lexical_1", 1.0, []),
        ("dense_1", 0.5, []),
    ]
    assert [w for _, w, _ in reweigh(rankings, 0.3)] == [1.0, 0.3, 1.0, 0.3]
    assert [n for n, _, _ in reweigh(rankings, 0.0)] == ["lexical", "lexical_1"]


def _settings(monkeypatch, flags: str | None = "sse2 avx avx2", **values) -> Settings:
    monkeypatch.setattr(host, "cpu_flags", lambda: None if flags is None else set(flags.split()))
    return Settings(_env_file=None, **values)


def test_default_weights_follow_the_embedder_and_the_cpu(monkeypatch):
    default = _settings(monkeypatch)
    assert default.embedding_backend == "e5"
    assert default.dense_weights == (0.0, config.OPENDATA_DENSE_WEIGHT)
    assert default.min_dense_similarity == config.MIN_DENSE_SIMILARITY["e5"]
    assert _settings(monkeypatch, flags="sse2 avx").dense_weights == (0.0, 0.0)  # no AVX2
    assert _settings(monkeypatch, flags=None).dense_weights[1] > 0  # unknown: the engine decides
    onnx = _settings(monkeypatch, embedding_backend="onnx")
    assert onnx.dense_weights == (0.0, 0.0)
    assert onnx.min_dense_similarity == config.DEFAULT_MIN_DENSE_SIMILARITY
    # A multilingual embedder chosen on purpose weighs documents in too (as documented).
    # Datasets keep their own weight, measured on the catalogue (docs/opendata.md).
    chosen = (config.MULTILINGUAL_DENSE_WEIGHT, config.OPENDATA_DENSE_WEIGHT)
    assert _settings(monkeypatch, embedding_backend="e5").dense_weights == chosen
    assert _settings(monkeypatch, embedding_backend="ollama").dense_weights == chosen
    explicit = _settings(monkeypatch, weight_dense=0.2, opendata_weight_dense=0.7)
    assert explicit.dense_weights == (0.2, 0.7)
    assert _settings(monkeypatch, min_dense_similarity=0.6).min_dense_similarity == 0.6
    assert default.dense_weight("opendata") == config.OPENDATA_DENSE_WEIGHT
    assert default.dense_weight("pdf") == 0.0


def test_lane_weight_of_one_search_overrides_the_setting(synced):
    """A figure question asks with a lower dense weight (answer.TABLE_DENSE_WEIGHT):
    `lane_weight` 0 orders the datasets by their words alone, the default by meaning too."""
    question = "Wo kann man im Sommer draußen schwimmen gehen? Liste der Kitas"
    scope = Scope.of(["opendaten"])
    lexical = synced.search.search(question, 3, scope, weights=(1.0, 0.0)).hits
    by_words = synced.search.search(question, 3, scope, lane_weight=0.0).hits
    assert [h.chunk_id for h in by_words] == [h.chunk_id for h in lexical]
    assert all("dense" not in h.scores for h in by_words)
    default = synced.search.search(question, 3, scope).hits
    assert any("dense" in h.scores for h in default)
    from assistant.answering.answer import TABLE_DENSE_WEIGHT

    assert TABLE_DENSE_WEIGHT < config.OPENDATA_DENSE_WEIGHT
