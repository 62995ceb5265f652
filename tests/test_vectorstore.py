"""The per-collection Chroma index: migration of old data dirs, model check, scope."""

from __future__ import annotations

import pytest
from conftest import make_settings

from assistant.errors import ConfigError
from assistant.models import Chunk
from assistant.retrieval.vectorstore import _client, build_vector_index, chroma_name


def _chunk(i: int, collection: str) -> Chunk:
    return Chunk(
        chunk_id=f"d{i}:v1:0",
        doc_id=f"d{i}",
        version=1,
        collection=collection,
        source="/x.md",
        title="T",
        section="§ 1 A",
        page=None,
        ordinal=0,
        text=f"Text {i}",
    )


def _vec(i: int) -> list[float]:
    v = [0.0] * 8
    v[i % 8] = 1.0
    return v


def test_pre_split_collection_is_migrated_once(tmp_path):
    settings = make_settings(tmp_path)
    legacy = _client(settings).get_or_create_collection(
        settings.chroma_collection,
        embedding_function=None,
        metadata={"embedding_model": "m1", "hnsw:space": "cosine"},
    )
    chunks = [_chunk(i, "allgemein" if i % 2 else "personalamt") for i in range(6)]
    legacy.add(
        ids=[c.chunk_id for c in chunks],
        embeddings=[_vec(i) for i in range(6)],
        documents=[c.text for c in chunks],
        metadatas=[
            {
                "doc_id": c.doc_id,
                "version": 1,
                "collection": c.collection,
                "source": c.source,
                "title": c.title,
                "section": c.section,
                "ordinal": 0,
            }
            for c in chunks
        ],
    )

    index = build_vector_index(settings, "m1")
    names = {c.name for c in _client(settings).list_collections()}
    assert settings.chroma_collection not in names
    assert chroma_name(settings.chroma_collection, "allgemein") in names
    assert index.count() == 6 and len(index.versions()) == 6
    got = index.search(_vec(2), 6, ["allgemein"])
    assert got and all(c.collection == "allgemein" for c, _ in got)
    assert index.search(_vec(2), 1, ["personalamt"])[0][0].chunk_id == "d2:v1:0"
    assert build_vector_index(settings, "m1").count() == 6  # second open: nothing to do


def test_other_embedding_model_is_refused(tmp_path):
    settings = make_settings(tmp_path)
    build_vector_index(settings, "m1").add([_chunk(1, "allgemein")], [_vec(1)])
    with pytest.raises(ConfigError) as err:
        build_vector_index(settings, "m2")
    assert err.value.code == "embedding_mismatch"


def test_delete_reaches_every_collection_and_names_are_distinct(tmp_path):
    index = build_vector_index(make_settings(tmp_path), "m1")
    index.add([_chunk(1, "allgemein"), _chunk(2, "Bürgerbüro")], [_vec(1), _vec(2)])
    moved = Chunk(**{**_chunk(1, "Bürgerbüro").__dict__, "chunk_id": "d1:v2:0", "version": 2})
    index.add([moved], [_vec(1)])  # a new version in another collection
    index.delete("d1", 1)
    assert index.versions() == {("d1", 2), ("d2", 1)}
    index.delete("d1")
    assert index.versions() == {("d2", 1)}
    assert chroma_name("p", "Bürgerbüro") != chroma_name("p", "burgerburo")
    assert index.search(_vec(2), 5, []) == [] and index.search(_vec(2), 5, ["nirgends"]) == []
