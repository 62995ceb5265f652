"""`Ingestor.ingest_paths` writes several documents with one lexical commit (issue 12):
each document is still visible whole or not at all, one bad file stops nothing, and a
process killed in the middle of a batch leaves no partial document after recovery."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import make_settings

from assistant.ingest import pipeline
from assistant.models import Scope
from assistant.services import Services

ROOT = Path(__file__).resolve().parents[1]


def _statute(i: int, sections: int = 30) -> str:
    parts = [f"# Satzung {i}\n"]
    for s in range(1, sections + 1):
        parts.append(
            f"## § {s} Regel {s}\n\nDie Satzung {i} bestimmt in Regel {s} die Gebühr "
            f"Nummer{i}x{s}. Sie gilt für jede Person, die im Gemeindegebiet wohnt.\n"
        )
    return "\n".join(parts)


def _write_corpus(folder: Path, docs: int, sections: int = 30) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(docs):
        (folder / f"satzung-{i:03d}.md").write_text(_statute(i, sections), encoding="utf-8")


def _assert_whole_or_absent(services) -> None:
    """Every visible document has all its chunks, and no chunk belongs to anything else."""
    visible = {(r.doc_id, r.version): r.chunks for r in services.manifest.list()}
    assert services.lexical.versions() == set(visible)
    for (doc_id, version), chunks in visible.items():
        assert len(services.lexical.chunks_of(doc_id, version)) == chunks
    assert services.manifest.journal() == []


def test_batch_with_a_bad_file_ingests_the_rest_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "_BATCH_CHUNKS", 40)  # several batches from 5 files
    folder = tmp_path / "satzungen"
    _write_corpus(folder, 4)
    (folder / "satzung-002b.md").write_bytes("# Alt\n\nGebühren".encode("latin-1") + b"\xfc")
    services = Services(make_settings(tmp_path))
    try:
        seen = []
        report = services.ingestor.ingest_paths([folder], on_result=seen.append)
        names = [Path(r.path).name for r in report.results]
        assert names == sorted(p.name for p in folder.iterdir()) and seen == report.results
        assert [r.status for r in report.results] == ["added"] * 3 + ["failed", "added"]
        assert report.results[3].code == "encoding"
        assert all(r.chunks == 30 and r.version == 1 for r in report.results if not r.failed)
        _assert_whole_or_absent(services)
        hits = services.search.search("Nummer3x17", 3, Scope.everything()).hits
        assert hits and hits[0].title == "Satzung 3"
    finally:
        services.close()


def test_a_failed_batch_write_is_retried_document_by_document(tmp_path, monkeypatch):
    """When the shared lexical commit fails (say, the disk was full for a moment), each
    document is written alone; nothing is lost and nothing half-written stays."""
    folder = tmp_path / "satzungen"
    _write_corpus(folder, 3)
    services = Services(make_settings(tmp_path))
    add, calls = services.lexical.add, []

    def first_batch_fails(chunks, questions=None):
        calls.append(len({c.doc_id for c in chunks}))
        if len(calls) == 1:
            raise OSError("No space left on device")
        return add(chunks, questions)

    monkeypatch.setattr(services.lexical, "add", first_batch_fails)
    try:
        report = services.ingestor.ingest_paths([folder])
        assert report.ok and [r.status for r in report.results] == ["added"] * 3
        assert calls == [3, 1, 1, 1]
        _assert_whole_or_absent(services)
    finally:
        services.close()


_INGEST = """
import sys
from pathlib import Path
from conftest import make_settings
from assistant.services import Services
services = Services(make_settings(Path(sys.argv[1])))
services.ingestor.ingest_paths([Path(sys.argv[2])], on_result=lambda r: print(r.status, flush=True))
"""


def _journal(db: Path) -> list:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT doc_id FROM ingest_journal").fetchall()
    except sqlite3.OperationalError:  # locked for a moment
        return []


def test_kill_during_a_batch_leaves_whole_documents_after_recovery(tmp_path):
    folder = tmp_path / "satzungen"
    _write_corpus(folder, 40, sections=60)  # 2,400 chunks: about five batches
    proc = subprocess.Popen(
        [sys.executable, "-c", _INGEST, str(tmp_path), str(folder)],
        cwd=ROOT / "tests",
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # the first batch is written: the next one is under way
    assert first.strip() == "added", proc.stderr.read() if proc.stderr else ""
    db = tmp_path / "data" / "amtswissen.db"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and not _journal(db):
        time.sleep(0.002)  # until the second batch's journal rows say "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    services = Services(make_settings(tmp_path))
    try:
        assert services.manifest.journal(), "the kill must land while a batch is written"
        assert services.ingestor.recover() == 0  # building the Ingestor recovered already
        _assert_whole_or_absent(services)
        done = len(services.manifest.list())
        assert 0 < done < 40
        report = services.ingestor.ingest_paths([folder])
        assert report.counts() == {"added": 40 - done, "updated": 0, "unchanged": done, "failed": 0}
        _assert_whole_or_absent(services)
    finally:
        services.close()
