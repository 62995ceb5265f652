"""Hybrid search semantics through real tantivy and real Chroma in a temp dir.

Embeddings come from the fake Ollama (the network edge): a hashed bag of words,
so a query that quotes a passage verbatim is its nearest dense neighbour — the
hardest case for the collection scope.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from conftest import make_settings

from assistant.models import Chunk, Scope
from assistant.services import Services

ALLGEMEIN = """# Dienstreiserichtlinie

## § 6 Tagegeld

Für jeden vollen Kalendertag einer Dienstreise wird ein Tagegeld von 28 Euro gezahlt.
Bei eintägigen Dienstreisen über acht Stunden beträgt das Tagegeld 14 Euro.
"""
SECRET = "Die Zulage der Entgeltgruppe Quokka beträgt vertraulich 417 Euro im Monat."
PERSONALAMT = f"""# Gehaltstabelle

## § 3 Zulagen

{SECRET}
"""
EXPIRED = """# Alte Regelung Zebrastreifen

## § 1 Zebrastreifen

Die Regelung über den Zebrastreifen am Rathaus galt bis zum letzten Jahr.
"""
UNCOMMITTED = "Der Pinguin im Foyer wird ab morgen täglich gefüttert."
ORPHAN = "Ein Walross ohne Manifest-Eintrag liegt im Lager."

WEIGHTS = {"lexical": (1.0, 0.0), "dense": (0.0, 1.0), "fused": (1.0, 0.3)}


@pytest.fixture(scope="module")
def store(tmp_path_factory, ollama_server):
    tmp = tmp_path_factory.mktemp("search")
    ollama_server.start()
    settings = make_settings(
        tmp,
        embedding_backend="ollama",
        ollama_embedding_model="bge-m3",
        ollama_base_url=ollama_server.url,
    )
    services = Services(settings)
    files = {}
    for name, text in [("reise.md", ALLGEMEIN), ("gehalt.md", PERSONALAMT), ("alt.md", EXPIRED)]:
        files[name] = tmp / name
        files[name].write_text(text, encoding="utf-8")
    ing = services.ingestor
    reise = ing.ingest_file(files["reise.md"], "allgemein")
    gehalt = ing.ingest_file(files["gehalt.md"], "personalamt")
    alt = ing.ingest_file(
        files["alt.md"], "allgemein", valid_until=date.today() - timedelta(days=1)
    )
    assert not any(r.failed for r in (reise, gehalt, alt))
    # Chunks written to both indexes but never committed: a crashed ingest of version 2
    # of a committed document, and a document the manifest does not know at all.
    stray = [
        _chunk(reise.doc_id, 2, "allgemein", UNCOMMITTED),
        _chunk("waise", 1, "allgemein", ORPHAN),
    ]
    services.lexical.add(stray)
    services.vectors.add(stray, services.embeddings.embed_documents([c.text for c in stray]))
    services.ids = {"reise": reise.doc_id, "gehalt": gehalt.doc_id, "alt": alt.doc_id}
    yield services
    services.close()


def _chunk(doc_id: str, version: int, collection: str, text: str) -> Chunk:
    return Chunk(
        chunk_id=f"{doc_id}:v{version}:0",
        doc_id=doc_id,
        version=version,
        collection=collection,
        source="/x.md",
        title="T",
        section="§ 9 X",
        page=None,
        ordinal=0,
        text=text,
    )


def _docs(store, query, collections=None, weights=(1.0, 0.3), k=10) -> list[str]:
    return [
        h.doc_id for h in store.search.search(query, k, _scope(collections), weights=weights).hits
    ]


# --- fusion semantics, one row per case -------------------------------------------

CASES = [
    # (id, query, collections, weight names, expected doc key or None = no hits at all)
    ("found", "Tagegeld Dienstreise Kalendertag", None, WEIGHTS, "reise"),
    ("own collection", SECRET, ["personalamt"], WEIGHTS, "gehalt"),
    ("scope excludes verbatim quote", SECRET, ["allgemein"], WEIGHTS, "not gehalt"),
    ("scope, several collections", SECRET, ["allgemein", "personalamt"], WEIGHTS, "gehalt"),
    ("unknown collection", SECRET, ["bauamt"], WEIGHTS, None),
    ("empty collections list", SECRET, [], WEIGHTS, None),
    ("uncommitted version never", UNCOMMITTED, None, WEIGHTS, "not uncommitted"),
    ("document without manifest row never", ORPHAN, None, WEIGHTS, "not waise"),
    ("expired validity never", "Regelung Zebrastreifen Rathaus", None, WEIGHTS, "not alt"),
    ("blank query", "   ", None, WEIGHTS, None),
]


@pytest.mark.parametrize(
    ("query", "collections", "weights", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_search_semantics(store, query, collections, weights, expect):
    for name, w in weights.items():
        hits = store.search.search(query, 10, _scope(collections), weights=w).hits
        docs = [h.doc_id for h in hits]
        if expect is None:
            assert hits == [], name
        elif expect == "not uncommitted":
            assert all(h.version == 1 for h in hits) and UNCOMMITTED not in str(hits), name
        elif expect.startswith("not "):
            key = expect.removeprefix("not ")
            assert store.ids.get(key, key) not in docs, (name, docs)
        else:
            assert docs and docs[0] == store.ids[expect], (name, docs)
        if collections is not None:
            assert all(h.collection in collections for h in hits), name


def test_filtered_chunks_are_in_the_indexes(store):
    """Controls for the table: what the search hides is really in both indexes."""
    vec = store.embeddings.embed_query
    for text in (UNCOMMITTED, ORPHAN, "Regelung Zebrastreifen Rathaus"):
        assert any(
            text[:20] in c.text or "Zebrastreifen" in c.text
            for c, _ in store.lexical.search(text, 5)
        )
        assert any(
            text[:20] in c.text or "Zebrastreifen" in c.text
            for c, _ in store.vectors.search(vec(text), 5)
        )


def test_scope_is_applied_inside_both_indexes(store):
    """Not filtered after the fact: a foreign chunk is never even a candidate."""
    vector = store.embeddings.embed_query(SECRET)
    lexical = store.lexical.search(SECRET, 1000, ["allgemein"])
    dense = store.vectors.search(vector, 1000, ["allgemein"])
    assert dense and all(c.collection == "allgemein" for c, _ in lexical + dense)
    assert store.vectors.search(vector, 1000, ["personalamt"])[0][0].text.endswith(SECRET)
    assert store.vectors.search(vector, 5, []) == []


@pytest.mark.parametrize(
    ("weights", "sides"),
    [((1.0, 0.0), {"lexical"}), ((0.0, 1.0), {"dense"}), ((1.0, 0.3), {"lexical", "dense"})],
)
def test_zero_weight_disables_a_side(store, ollama_server, weights, sides):
    ollama_server.reset()
    hits = store.search.search("Tagegeld Dienstreise", 10, Scope.everything(), weights=weights).hits
    assert hits and set().union(*(h.scores for h in hits)) == sides
    embedded = bool(ollama_server.requests_to("/api/embed"))
    assert embedded == ("dense" in sides)  # no query embedding when dense is off


def test_fused_ranking_is_weighted_rrf(store):
    s = store.settings
    hits = store.search.search(
        "Tagegeld Dienstreise", 10, Scope.everything(), weights=(1.0, 0.3)
    ).hits
    top = hits[0]
    assert set(top.scores) == {"lexical", "dense"}
    assert top.score == pytest.approx(1.0 / (s.rrf_k + 1) + 0.3 / (s.rrf_k + 1))
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in pairwise(hits))


def test_new_collection_from_another_process_is_searched(store, tmp_path):
    """A collection first written after the search service started is found at once."""
    doc = tmp_path / "bau.md"
    doc.write_text(
        "# Bauantrag\n\n## § 2 Frist\n\nDer Bauantrag Okapi ist binnen drei Monaten "
        "zu bescheiden.\n",
        encoding="utf-8",
    )
    other = Services(store.settings)  # a second "process" on the same data dir
    try:
        assert not other.ingestor.ingest_file(doc, "bauamt").failed
    finally:
        other.close()
    for w in WEIGHTS.values():
        assert _docs(store, "Bauantrag Okapi bescheiden", ["bauamt"], w), w
    assert store.vectors.search(store.embeddings.embed_query("Okapi"), 3, ["allgemein"])


def _scope(collections) -> Scope:
    return Scope.everything() if collections is None else Scope.of(collections)


def test_a_search_for_the_few_datasets_with_a_table_looks_deep_enough():
    from assistant.retrieval.search import MAX_WIDENING, _widening

    # Datasets with a stored table (22 of 4,596): the open-data figure search asks for them.
    few = {f"d{i}" for i in range(22)}
    assert _widening(4596, few) == MAX_WIDENING  # filters in general: at most 10 times
    assert _widening(4596, few, cap=400) == 209  # every table dataset can be reached
