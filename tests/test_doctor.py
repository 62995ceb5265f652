"""`assistant doctor` tells what works, what is missing and how to fix it."""

from __future__ import annotations

import json


def test_doctor_without_ollama_says_search_mode_and_how_to_fix(run_cli):
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 0  # warnings only: the app still works
    assert checks["python"]["status"] == "ok"
    database = checks["database"]
    assert database["status"] == "warn" and "assistant ingest" in database["hint_de"]
    # knowledge/ holds the project's sample documents: wrong advice for a city's instance
    assert "knowledge/" not in database["hint_de"]
    ollama = checks["ollama"]
    assert ollama["status"] == "warn" and "Suchmodus" in ollama["detail"]
    assert "ollama serve" in ollama["hint_de"].lower()
    assert checks["site"] == {
        "name": "site",
        "status": "ok",
        "detail": "kein Standortverzeichnis – Vorgaben der Demo",
        "hint_de": "",
    }


ENGLISH = ("Start ", "Pull the", "Ingest ", "Set ", "See the", "Point ", "Missing ", " the ")


def test_doctor_speaks_german_only(run_cli, fake_ollama, monkeypatch):
    """User-facing text is German: no English second half in any hint or finding."""
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URL", fake_ollama.url)
    fake_ollama.models = []
    for result in (run_cli("doctor"), run_cli("doctor", "--json")):
        assert "ollama pull" in result.stdout
        assert not [w for w in ENGLISH if w in result.stdout], result.stdout
    assert all(set(c) == {"name", "status", "detail", "hint_de"} for c in json.loads(result.stdout))


def test_doctor_checks_the_site_file(run_cli, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('name = "Kleinwalde-Auskunft"\n')
    monkeypatch.setenv("ASSISTANT_SITE_DIR", str(site))
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["site"]["status"] == "ok" and "Kleinwalde-Auskunft" in checks["site"]["detail"]

    (site / "site.toml").write_text('name = "Kleinwalde"\n[[starters]]\ntitel = "Hund"\n')
    result = run_cli("doctor", "--json")
    check = {c["name"]: c for c in json.loads(result.stdout)}["site"]
    assert result.exit_code == 1 and check["status"] == "fail"
    assert "„label“ und „frage“" in check["detail"] and "docs/de/standort.md" in check["hint_de"]

    monkeypatch.setenv("ASSISTANT_SITE_DIR", str(tmp_path / "fehlt"))
    check = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}["site"]
    assert check["status"] == "fail" and "Standortverzeichnis" in check["detail"]


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


def _third_party_imports() -> set[str]:
    """Top-level names of the non-standard modules imported anywhere in assistant/."""
    import ast
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "assistant"
    names = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "assistant"}


def test_doctor_knows_every_runtime_import():
    from assistant.cli.doctor import RUNTIME_MODULES

    imported = _third_party_imports()
    assert "chainlit" in imported and "sqlalchemy" in imported  # the scan sees the code
    assert imported - set(RUNTIME_MODULES) == set()
    # Loaded by SQLAlchemy through the chat history's URL, never imported by name.
    assert {"greenlet", "aiosqlite"} <= set(RUNTIME_MODULES)


def test_doctor_names_a_missing_runtime_module(run_cli, monkeypatch):
    import sys

    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["modules"]["status"] == "ok", checks["modules"]
    monkeypatch.setitem(sys.modules, "greenlet", None)  # as after an install without dev tools
    result = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert result.exit_code == 1
    assert checks["modules"]["status"] == "fail"
    assert "Es fehlt das Python-Modul „greenlet“" in checks["modules"]["detail"]
    assert "uv sync --frozen --no-dev" in checks["modules"]["hint_de"]


def test_doctor_needs_the_postgres_drivers_for_a_postgres_url(run_cli, monkeypatch):
    import sys

    url = "postgresql+psycopg://nutzer:geheim@127.0.0.1:1/nichts"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    checks = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert checks["modules"]["status"] == "fail" and "„asyncpg“" in checks["modules"]["detail"]
    assert "geheim" not in json.dumps(checks)


def test_doctor_weighs_the_pools_against_the_servers_connection_limit(run_cli, monkeypatch):
    """Each process opens up to 2 x (pool size + overflow) connections; doctor warns
    when one more such process would not fit under PostgreSQL's max_connections."""
    import os

    from conftest import drop_all, require

    url = os.environ.get("TEST_POSTGRES_URL")
    require(bool(url), "TEST_POSTGRES_URL not set (PostgreSQL not started)")
    drop_all(url)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)
    database = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}["database"]
    assert "je Prozess bis zu 30" in database["detail"], database

    monkeypatch.setenv("ASSISTANT_DATABASE_POOL_SIZE", "60")
    monkeypatch.setenv("ASSISTANT_DATABASE_POOL_OVERFLOW", "0")
    database = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}["database"]
    assert database["status"] == "warn" and "je Prozess bis zu 120" in database["detail"]
    assert "max_connections" in database["hint_de"]
