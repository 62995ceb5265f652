"""`assistant doctor` tells what works, what is missing and how to fix it."""

from __future__ import annotations

import json


def test_doctor_without_ollama_says_search_mode_and_how_to_fix(run_cli):
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 0  # warnings only: the app still works
    assert checks["python"]["status"] == "ok"
    assert (
        checks["database"]["status"] == "warn"
        and "assistant ingest" in checks["database"]["hint_de"]
    )
    ollama = checks["ollama"]
    assert ollama["status"] == "warn" and "Suchmodus" in ollama["detail"]
    assert ollama["hint_de"] and "ollama serve" in ollama["hint_en"].lower()


def test_doctor_with_fake_ollama_and_missing_model(run_cli, fake_ollama, monkeypatch):
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URL", fake_ollama.url)
    fake_ollama.models = ["bge-m3:latest"]
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["ollama"]["status"] == "warn"
    assert "ollama pull llama3.1:8b" in checks["ollama"]["hint_de"]
    fake_ollama.models = ["llama3.1:8b"]
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["ollama"]["status"] == "ok"


def test_doctor_refuses_mixed_embedding_models(run_cli, tmp_path, monkeypatch):
    src = tmp_path / "a.md"
    src.write_text("# Titel\n\n## 1. Abschnitt\n\nEin Satz mit Inhalt für den Index.\n")
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0.3")  # so ingestion embeds
    assert run_cli("ingest", str(src)).exit_code == 0
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "ollama")
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 1 and checks["vector_index"]["status"] == "fail"
    assert "neu einlesen" in checks["vector_index"]["hint_de"]
