"""SIGKILL in the middle of a document: the next run leaves no partial or duplicate chunks.

The CLI runs as a real subprocess. Embeddings come from the fake Ollama (the
network edge) so a document of a thousand chunks is embedded in a second and
the kill lands while its chunks are being written.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import make_settings

from assistant.models import Scope
from assistant.services import Services


def _big_markdown(marker: str, sections: int = 1200) -> str:
    parts = [f"# Geschäftsverteilungsplan {marker}\n"]
    for i in range(1, sections + 1):
        parts.append(
            f"## § {i} Aufgabe {i}\n\nDas Sachgebiet {i} bearbeitet Vorgänge der Gruppe {i} "
            f"nach der Fassung {marker}. Zuständig ist die Leitung des Sachgebiets {i}, "
            f"vertreten durch die Stellvertretung; Fristen richten sich nach Anlage {i}.\n"
        )
    return "\n".join(parts)


@pytest.fixture
def env(tmp_path, fake_ollama):
    fake_ollama.reset() if hasattr(fake_ollama, "reset") else None
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        {
            "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
            "ASSISTANT_EMBEDDING_BACKEND": "ollama",
            "ASSISTANT_OLLAMA_EMBEDDING_MODEL": "bge-m3",
            "ASSISTANT_OLLAMA_BASE_URL": fake_ollama.url,
        }
    )
    return env


def _cli(env, *args):
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        cwd=env["ASSISTANT_DATA_DIR"].rsplit("/", 1)[0],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill_while_writing(env, path) -> None:
    """Start an ingest and SIGKILL it as soon as its journal row says "writing"."""
    db = os.path.join(env["ASSISTANT_DATA_DIR"], "amtswissen.db")
    proc = _cli(env, "ingest", str(path))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _journal(db):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
        time.sleep(0.005)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    assert _journal(db), "the kill must land while the document is being written"


def _journal(db: str) -> list:
    if not os.path.exists(db):
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT doc_id, version FROM ingest_journal").fetchall()
    except sqlite3.OperationalError:  # table not created yet
        return []


def _state(tmp_path, fake_url):
    settings = make_settings(
        tmp_path,
        embedding_backend="ollama",
        ollama_embedding_model="bge-m3",
        ollama_base_url=fake_url,
    )
    services = Services(settings)
    return services


def _assert_consistent(services, marker: str) -> None:
    docs = services.manifest.list()
    assert len(docs) == 1
    doc = docs[0]
    lexical_ids = [c.chunk_id for c, _ in services.lexical.search("Sachgebiet", 100000)]
    assert len(lexical_ids) == len(set(lexical_ids)) == doc.chunks == services.lexical.count()
    assert services.vectors.count() == doc.chunks
    assert services.manifest.journal() == []
    hits = services.search.search(f"Fassung {marker}", 10, Scope.everything()).hits
    assert hits and all(h.version == doc.version and marker in h.text for h in hits)


def test_kill_during_first_ingest_then_rerun_is_clean(tmp_path, env, fake_ollama):
    (tmp_path / "data").mkdir()
    doc = tmp_path / "gvp.md"
    doc.write_text(_big_markdown("A"), encoding="utf-8")
    _kill_while_writing(env, doc)

    proc = _cli(env, "ingest", str(doc), "--json")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["counts"]["added"] == 1
    services = _state(tmp_path, fake_ollama.url)
    try:
        _assert_consistent(services, "A")
    finally:
        services.close()


def test_kill_during_replace_keeps_old_version_visible(tmp_path, env, fake_ollama):
    (tmp_path / "data").mkdir()
    doc = tmp_path / "gvp.md"
    doc.write_text(_big_markdown("A", sections=50), encoding="utf-8")
    assert _cli(env, "ingest", str(doc)).wait(timeout=300) == 0
    doc.write_text(_big_markdown("B"), encoding="utf-8")
    _kill_while_writing(env, doc)

    services = _state(tmp_path, fake_ollama.url)  # recovery not yet run: search only
    try:
        hits = services.search.search("Fassung", 20, Scope.everything()).hits
        assert hits and all(h.version == 1 and "Fassung A" in h.text for h in hits)
    finally:
        services.close()

    proc = _cli(env, "ingest", str(doc), "--json")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["files"][0]["version"] == 2
    services = _state(tmp_path, fake_ollama.url)
    try:
        _assert_consistent(services, "B")
    finally:
        services.close()
