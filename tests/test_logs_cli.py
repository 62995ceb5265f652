"""`assistant logs` through the real CLI, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import store_settings
from test_audit import assert_no_raw, backdate, make_answer

from assistant.db import build_engine
from assistant.privacy import build_redactor
from assistant.privacy.audit import AuditLog, load_pseudonym_key, pseudonym


@pytest.fixture(scope="module")
def redactor():
    return build_redactor()


@pytest.fixture(params=["sqlite", "postgresql"])
def rows(request, cli_env, monkeypatch, redactor):
    """Three answers written the way the app writes them, in the CLI's own store."""
    data_dir = Path(cli_env["ASSISTANT_DATA_DIR"])
    settings = store_settings(data_dir.parent, request.param, data_dir=data_dir)
    if request.param == "postgresql":  # the CLI reads the same store
        monkeypatch.setenv("ASSISTANT_DATABASE_URL", settings.database_url)
    engine = build_engine(settings)
    audit = AuditLog(engine, redactor, load_pseudonym_key(settings))
    old = audit.record_answer(make_answer(), user="Erika Mustermann", roles=["mitarbeitende"])
    refused = audit.record_answer(
        make_answer(
            "Wie wird das Wetter morgen?",
            "Dazu habe ich nichts gefunden.",
            refused=True,
            citations=[],
            hits=[],
        ),
        user="Max Muster",
    )
    new = audit.record_answer(
        make_answer("Wer gibt Generalschlüssel aus?", "Die Hausverwaltung [1].", unverified=True),
        user="Max Muster",
        conversation_id="gespraech-7",
    )
    audit.record_feedback(old, 1)
    audit.record_feedback(refused, -1, "Hilft nicht")
    backdate(engine, old, 10)
    yield {"old": old, "refused": refused, "new": new, "key": load_pseudonym_key(settings)}
    engine.dispose()


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_logs_without_subcommand_lists_newest_first_with_german_labels(run_cli, rows):
    result = run_cli("logs")
    assert result.exit_code == 0, result.output
    blocks = result.stdout.strip().split("\n\n")
    assert [b.split(" · ")[0] for b in blocks] == [
        f"Nr. {rows[k]}" for k in ("new", "refused", "old")
    ]
    assert "UTC · Nutzer " in blocks[0] and "Frage: Wer gibt Generalschlüssel aus?" in blocks[0]
    assert "abgelehnt" in blocks[1] and "Bewertung negativ" in blocks[1]
    assert "Bewertung positiv" in blocks[2] and "Quellen: hunde" in blocks[2]
    assert_no_raw(result.output)
    listed = as_json(run_cli("logs", "--json"))
    assert [e["id"] for e in listed] == [rows["new"], rows["refused"], rows["old"]]


def test_list_options(run_cli, rows):
    assert [e["id"] for e in as_json(run_cli("logs", "list", "-n", "1", "--json"))] == [rows["new"]]
    found = as_json(run_cli("logs", "list", "-q", "wetter", "--json"))
    assert [e["id"] for e in found] == [rows["refused"]]
    recent = as_json(run_cli("logs", "list", "--since", "7d", "--json"))
    assert {e["id"] for e in recent} == {rows["new"], rows["refused"]}
    assert len(as_json(run_cli("logs", "list", "--since", "2000-01-01", "--json"))) == 3
    erika = as_json(run_cli("logs", "--user", "Erika Mustermann", "--json"))
    assert [e["id"] for e in erika] == [rows["old"]]
    assert erika[0]["user_id"] == pseudonym("Erika Mustermann", rows["key"])
    assert "Keine Protokolleinträge" in run_cli("logs", "-q", "gibt-es-nicht").stdout
    bad = run_cli("logs", "list", "--since", "letzte Woche")
    assert bad.exit_code == 2 and "Dauer wie 7d" in bad.output


def test_show(run_cli, rows):
    result = run_cli("logs", "show", str(rows["old"]))
    assert result.exit_code == 0, result.output
    for label in (
        "Eintrag",
        "Nutzer (Pseudonym)",
        "Rollen: mitarbeitende",
        "Frage:",
        "Antwort:",
        "Quellen: [1] hunde (v2, Score 0.0325)",
        "Personenbezogene Daten:",
        "Bewertung: positiv",
    ):
        assert label in result.stdout, label
    assert "<IBAN_1>" in result.stdout
    assert_no_raw(result.output)
    entry = as_json(run_cli("logs", "show", str(rows["new"]), "--json"))
    assert entry["conversation_id"] == "gespraech-7" and entry["unverified"] is True
    missing = run_cli("logs", "show", "9999")
    assert missing.exit_code == 1 and "Protokolleintrag 9999 gibt es nicht" in missing.output


def test_stats(run_cli, rows):
    figures = as_json(run_cli("logs", "stats", "--json"))
    assert figures["answers"] == 3 and figures["refused"] == 1 and figures["unverified"] == 1
    assert figures["feedback"] == {"positive": 1, "negative": 1, "none": 1}
    assert figures["top_documents"][0] == {"doc_id": "hunde", "answers": 2}
    text = run_cli("logs", "stats").stdout
    for label in (
        "Antworten: 3",
        "Abgelehnt (nichts gefunden): 1 (33,3 %)",
        "Nicht durch Quellen belegt: 1",
        "1 positiv, 1 negativ",
        "Antworten pro Tag",
        "Meistzitierte Dokumente",
        "Steuer-ID",
        "IBAN",
    ):
        assert label in text, label
    assert as_json(run_cli("logs", "stats", "--since", "7d", "--json"))["answers"] == 2


def test_export_csv_and_jsonl(run_cli, rows, tmp_path):
    target = tmp_path / "audit.csv"
    result = run_cli("logs", "export", "--format", "csv", "-o", str(target))
    assert result.exit_code == 0 and "3 Einträge exportiert" in result.stderr
    with target.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert [int(r["id"]) for r in table] == sorted(v for k, v in rows.items() if k != "key")
    assert json.loads(table[0]["citations"])[0]["doc_id"] == "hunde"
    lines = run_cli("logs", "export", "--format", "jsonl").stdout.splitlines()
    assert len(lines) == 3 and json.loads(lines[-1])["id"] == rows["new"]
    assert_no_raw(target.read_text(encoding="utf-8") + "\n".join(lines))


def test_purge(run_cli, rows):
    result = run_cli("logs", "purge", "--older-than", "5d")
    assert result.exit_code == 0, result.output
    assert "1 Protokolleintrag gelöscht (älter als 5 Tage" in result.stdout
    assert as_json(run_cli("logs", "purge", "--older-than", "2w", "--json")) == {
        "deleted": 0,
        "chat_threads_deleted": 0,
        "older_than_days": 14,
    }
    assert len(as_json(run_cli("logs", "--json"))) == 2
    for bad in ("90", "5h", "0d", "bald"):
        refused = run_cli("logs", "purge", "--older-than", bad)
        if bad == "90":  # plain numbers are days
            assert refused.exit_code == 0
            continue
        assert refused.exit_code == 2 and "z. B. 90d" in refused.output


def test_retention_runs_when_the_cli_opens_the_log(run_cli, rows, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "5")
    assert {e["id"] for e in as_json(run_cli("logs", "--json"))} == {rows["new"], rows["refused"]}
