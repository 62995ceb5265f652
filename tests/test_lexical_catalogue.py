"""Issue 16: in a catalogue collection (open data), a question's compound that the
static part list cannot split is split against the index vocabulary — for the
catalogue's chunks only; every other collection scores as before. Real tantivy on a
small made-up catalogue beside a made-up statute."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.config import Settings
from assistant.models import Chunk
from assistant.retrieval.lexical import build_lexical_index, open_lexical_index
from assistant.retrieval.lexical.analysis import default_analyzer

CATALOGUE = "opendaten"


def unit(doc_id: str, title: str, text: str, collection: str = CATALOGUE) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}:v1:0",
        doc_id=doc_id,
        version=1,
        collection=collection,
        source=f"https://portal.example/dataset/{doc_id}",
        title=title,
        section="",
        page=None,
        ordinal=0,
        text=text,
    )


DOCS = [
    unit("konz", "Konzessionen – Stadt Musterstadt", "Datensatz: Erteilte Konzessionen 2020"),
    unit("baum", "Baumkataster – Stadt Musterstadt", "Datensatz: Straßenbäume mit Art"),
    unit(
        "gesetz",
        "Gaststättengesetz",
        "Die Konzession wird auf Antrag erteilt.",
        collection="gesetze",
    ),
]


@pytest.fixture
def catalogue_index(tmp_path):
    idx = open_lexical_index(tmp_path / "lexical", (CATALOGUE,))
    idx.add(DOCS)
    yield idx
    idx.close()


def doc_ids(hits) -> list[str]:
    return [c.doc_id for c, _ in hits]


def test_the_word_is_one_the_static_part_list_cannot_split():
    # The premise: "Kneipe" is not in the part list, so the analyzer keeps one term.
    assert default_analyzer().analyze_query_groups("Kneipenkonzessionen") == [
        {"kneipenkonzession": 1.0}
    ]


def test_a_catalogue_entry_is_found_by_the_head_of_an_unknown_compound(catalogue_index):
    hits = catalogue_index.search("Kneipenkonzessionen", 5, [CATALOGUE])
    assert doc_ids(hits) == ["konz"]


def test_other_collections_score_exactly_as_without_the_split(tmp_path, catalogue_index):
    plain = open_lexical_index(tmp_path / "plain")
    plain.add(DOCS)
    try:
        for question in ("Kneipenkonzessionen", "Konzession erteilt", "Baumkataster"):
            for scope in (["gesetze"], None):
                split = [(c.doc_id, s) for c, s in catalogue_index.search(question, 5, scope)]
                before = [(c.doc_id, s) for c, s in plain.search(question, 5, scope)]
                others = [(d, s) for d, s in split if d == "gesetz"]
                assert others == [(d, s) for d, s in before if d == "gesetz"]
        # Without the catalogue setting the compound finds nothing at all.
        assert plain.search("Kneipenkonzessionen", 5) == []
    finally:
        plain.close()


def test_the_installation_splits_in_its_open_data_collection(tmp_path):
    settings = Settings(data_dir=tmp_path, opendata_collection=CATALOGUE)
    idx = build_lexical_index(settings)
    try:
        idx.add(DOCS)
        assert doc_ids(idx.search("Kneipenkonzessionen", 5)) == ["konz"]
    finally:
        idx.close()


# A long question, short units: "Fahrradständer" is the rarest word, but the unit that
# has half the question's words is the better answer to it.
SQUARE = [
    unit("rare", "Fahrradständer", "Datensatz: Fahrradständer in der Stadt"),
    unit("most", "Brunnen, Bänke und Bäume", "Datensatz: Brunnen, Bänke und Bäume"),
] + [
    unit(f"{w}{i}", f"{w} {i}", f"Datensatz: {w} im Bezirk {i}")
    for w in ("Brunnen", "Bänke", "Bäume")
    for i in range(4)
]
LONG = "Brunnen Bänke Bäume Fahrradständer Spielgeräte Toiletten"


@pytest.mark.parametrize(("catalogue", "first"), [((), "rare"), ((CATALOGUE,), "most")])
def test_a_catalogue_unit_with_half_the_words_beats_one_rare_word(tmp_path, catalogue, first):
    idx = open_lexical_index(tmp_path / "lexical", catalogue)
    try:
        idx.add(SQUARE)
        assert doc_ids(idx.search(LONG, 2)) == [first, {"rare": "most", "most": "rare"}[first]]
    finally:
        idx.close()


def test_the_half_the_words_bonus_leaves_other_collections_alone(tmp_path):
    statutes = [dataclasses.replace(u, collection="gesetze") for u in SQUARE]
    scores = []
    for catalogue in ((), (CATALOGUE,)):
        idx = open_lexical_index(tmp_path / f"l{len(catalogue)}", catalogue)
        try:
            idx.add(statutes)
            scores.append([(c.doc_id, s) for c, s in idx.search(LONG, 5)])
        finally:
            idx.close()
    assert scores[0] == scores[1]
    assert scores[0][0][0] == "rare"
