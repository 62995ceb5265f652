"""`assistant ingest`, `docs` and `search` through the real CLI on real stores."""

from __future__ import annotations

import json

import pytest
from docgen import (
    GOOD_MD,
    GOOD_TXT,
    docx_bytes,
    encrypted_pdf_bytes,
    pdf_bytes,
    scanned_pdf_bytes,
)


def _write(folder, name, data):
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


DENSE = "0.3"  # with a dense weight, ingestion embeds: the stores must agree


@pytest.fixture(autouse=True)
def dense_weighted(cli_env, monkeypatch):
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", DENSE)


def _store_counts(cli_env):
    """(manifest docs, manifest chunks, lexical chunks, chroma vectors) of the CLI's data dir."""
    from conftest import make_settings

    from assistant.services import Services

    data = __import__("pathlib").Path(cli_env["ASSISTANT_DATA_DIR"])
    settings = make_settings(data.parent, weight_dense=float(DENSE))
    s = Services(settings)
    try:
        docs = s.manifest.list()
        return len(docs), sum(d.chunks for d in docs), s.lexical.count(), s.vectors.count()
    finally:
        s.close()


def test_ingest_search_docs_roundtrip(tmp_path, run_cli, cli_env):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "hunde.md", GOOD_MD)
    _write(src, "schluessel.txt", GOOD_TXT)
    _write(src, ".versteckt.md", "# Sollte nicht eingelesen werden\n\nText.")

    first = run_cli("ingest", str(src), "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["counts"] == {"added": 2, "updated": 0, "unchanged": 0, "failed": 0}

    again = json.loads(run_cli("ingest", str(src), "--json").stdout)
    assert again["counts"]["unchanged"] == 2 and again["chunks"] == 0

    listed = json.loads(run_cli("docs", "list", "--json").stdout)
    assert {d["title"] for d in listed} == {
        "Dienstanweisung Hundehaltung im Rathaus",
        "Merkblatt Schlüsselverwaltung",
    }
    for field in (
        "doc_id",
        "collection",
        "source",
        "title",
        "version",
        "chunks",
        "sha256",
        "ingested_at",
    ):
        assert field in listed[0]

    hits = json.loads(run_cli("search", "Hund mitbringen Zustimmung", "--json").stdout)
    assert hits[0]["title"] == "Dienstanweisung Hundehaltung im Rathaus"
    assert hits[0]["section"].endswith("§ 2 Mitnahme von Hunden")
    for field in (
        "rank",
        "score",
        "doc_id",
        "chunk_id",
        "source",
        "title",
        "section",
        "page",
        "collection",
        "text",
    ):
        assert field in hits[0]

    doc_id = hits[0]["doc_id"]
    assert run_cli("docs", "remove", doc_id).exit_code == 0
    after = json.loads(run_cli("search", "Hund mitbringen Zustimmung", "--json").stdout)
    assert all(h["doc_id"] != doc_id for h in after)
    assert _store_counts(cli_env)[0] == 1
    _docs, chunks, lexical, vectors = _store_counts(cli_env)
    assert chunks == lexical == vectors


def test_search_batch_one_json_line_per_query(tmp_path, run_cli):
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "hunde.md", GOOD_MD)
    run_cli("ingest", str(src))
    queries = tmp_path / "q.txt"
    queries.write_text("Schlüssel verloren\nInkrafttreten Hundehaltung\n\n", encoding="utf-8")
    out = run_cli("search", "--batch", str(queries), "-k", "2", "--json")
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["query"] for line in lines] == [
        "Schlüssel verloren",
        "Inkrafttreten Hundehaltung",
        "",
    ]
    assert lines[1]["hits"][0]["section"].endswith("§ 3 Inkrafttreten")
    assert len(lines[1]["hits"]) <= 2 and lines[2]["hits"] == []


def test_changed_file_replaces_old_version(tmp_path, run_cli, cli_env):
    src = tmp_path / "src"
    src.mkdir()
    path = _write(src, "hunde.md", GOOD_MD)
    run_cli("ingest", str(path))
    path.write_text(GOOD_MD.replace("1. März 2026", "1. Juli 2026"), encoding="utf-8")
    report = json.loads(run_cli("ingest", str(path), "--json").stdout)
    assert report["counts"]["updated"] == 1 and report["files"][0]["version"] == 2
    hits = json.loads(run_cli("search", "Inkrafttreten", "--json").stdout)
    texts = " ".join(h["text"] for h in hits)
    assert "1. Juli 2026" in texts and "1. März 2026" not in texts
    docs, chunks, lexical, vectors = _store_counts(cli_env)
    assert docs == 1 and chunks == lexical == vectors


BAD_FILES = [
    ("kaputt.pdf", lambda: b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nGARBAGE" * 3, "corrupt"),
    ("geschuetzt.pdf", encrypted_pdf_bytes, "encrypted"),
    ("leer.txt", lambda: b"", "empty"),
    ("scan.pdf", scanned_pdf_bytes, "no_text"),
    ("tabelle.xyz", lambda: b"a;b;c\n1;2;3\n", "unsupported"),
    ("eigentlich-pdf.docx", lambda: pdf_bytes(["Ein PDF im falschen Gewand."]), "mismatch"),
    ("latin1.txt", lambda: "Gebühren für Hunde in Höhe von 90 €".encode("cp1252"), "encoding"),
    ("riesig.txt", lambda: ("Sehr langer Text. " * 4000).encode(), "too_large"),
]


@pytest.mark.parametrize(("name", "make", "code"), BAD_FILES, ids=[b[2] for b in BAD_FILES])
def test_bad_file_is_refused_and_others_are_ingested(
    tmp_path, run_cli, cli_env, monkeypatch, name, make, code
):
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.05")  # 52 kB: the oversize row exceeds it
    src = tmp_path / "src"
    src.mkdir()
    _write(src, "a-gut.md", GOOD_MD)
    bad = _write(src, name, make())
    _write(
        src,
        "z-gut.docx",
        docx_bytes(
            "Merkblatt Parken", [("1. Parkausweise", "Parkausweise gibt die Hausverwaltung aus.")]
        ),
    )

    result = run_cli("ingest", str(src), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    by_path = {f["path"]: f for f in report["files"]}
    failed = by_path[str(bad)]
    assert failed["status"] == "failed" and failed["code"] == code
    assert len(failed["message"]) > 20 and failed["message"][0].isupper()
    assert report["counts"]["added"] == 2

    docs, chunks, lexical, vectors = _store_counts(cli_env)
    assert docs == 2 and chunks == lexical == vectors
    listed = json.loads(run_cli("docs", "list", "--json").stdout)
    assert all(d["source"] != str(bad.resolve()) for d in listed)


def test_bad_file_message_on_terminal_is_german(tmp_path, run_cli):
    bad = _write(tmp_path, "leer.txt", b"")
    result = run_cli("ingest", str(bad))
    assert result.exit_code == 1
    assert "leer.txt" in result.output and "Datei" in result.output


def test_unknown_doc_gives_german_error(run_cli):
    result = run_cli("docs", "show", "gibt-es-nicht")
    assert result.exit_code == 1
    assert "Kein Dokument" in result.output


def test_lexical_default_embeds_nothing_and_reindex_fills_in_vectors(
    tmp_path, run_cli, cli_env, monkeypatch
):
    """Issue 12: without a dense weight nothing is embedded (no model, no Chroma); after
    switching it on, `reindex --vectors` embeds exactly the visible versions."""
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0")
    src = tmp_path / "src"
    src.mkdir()
    path = _write(src, "hunde.md", GOOD_MD)
    _write(src, "schluessel.txt", GOOD_TXT)
    assert run_cli("ingest", str(src)).exit_code == 0
    data = tmp_path / "data"
    assert not (data / "chroma").exists()
    hits = json.loads(run_cli("search", "Hund mitbringen Zustimmung", "--json").stdout)
    assert hits[0]["title"] == "Dienstanweisung Hundehaltung im Rathaus"
    path.write_text(GOOD_MD.replace("1. März 2026", "1. Juli 2026"), encoding="utf-8")
    assert run_cli("ingest", str(path)).exit_code == 0  # version 2, still no vectors

    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", DENSE)
    doctor = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert doctor["vector_index"]["status"] == "warn", doctor["vector_index"]
    assert "reindex --vectors" in doctor["vector_index"]["hint_de"]
    first = run_cli("reindex", "--vectors")
    assert first.exit_code == 0, first.output
    docs, chunks, lexical, vectors = _store_counts(cli_env)
    assert docs == 2 and chunks == lexical == vectors > 0
    assert f"{chunks} Abschnitte eingebettet" in first.stdout
    again = run_cli("reindex", "--vectors")
    assert "0 Abschnitte eingebettet" in again.stdout
    doctor = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}
    assert doctor["vector_index"]["status"] == "ok", doctor["vector_index"]
