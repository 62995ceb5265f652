"""End to end: personal data in a question never reaches the disk or a log.

A real CLI run ingests a tiny knowledge base and answers a question full of
personal data; the fake Ollama echoes the question back, so the raw values are
in the answer too. Then every file under the data dir (binary, SQLite WAL,
Chroma, the lexical index) and every captured log line is searched for each
raw value. Only the audit rows' placeholders may be there.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from docgen import GOOD_MD, GOOD_TXT
from test_audit import PII, PII_QUESTION, raw_values

from assistant.answering.answer import AnswerService
from assistant.privacy import build_redactor
from assistant.privacy.logfilter import RedactingFilter, install_log_redaction, redacting

USER = "Erika Mustermann"
LOGIN = "sachbearbeitung7"  # an account name: stored as is (login), so not a person's name
COMMENT = f"Bitte Rückruf an {PII['PERSON']}, Tel. {PII['PHONE']}"


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "hunde.md").write_text(GOOD_MD, encoding="utf-8")
    (folder / "schluessel.txt").write_text(GOOD_TXT, encoding="utf-8")
    return folder


@pytest.fixture
def echoing_ollama(fake_ollama, cli_env, monkeypatch):
    """The model repeats the end of its prompt (the question) and cites [1]."""
    fake_ollama.reset()
    fake_ollama.models = ["llama3.1:8b", "bge-m3:latest"]
    fake_ollama.answer = lambda messages: messages[-1]["content"][-300:] + " [1]"
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URL", fake_ollama.url)
    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", "llama3.1:8b")
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0.3")  # Chroma is written and scanned too
    # Every passage counts as relevant, so the model is always asked (and echoes).
    monkeypatch.setenv("ASSISTANT_MIN_TERM_COVERAGE", "0")
    yield fake_ollama
    fake_ollama.answer = None


@pytest.fixture
def leaky_answer_service(monkeypatch):
    """A careless log call in the answer path: the CLI's log redaction must catch it."""
    real_prepare = AnswerService.prepare
    log = logging.getLogger("assistant.answering.answer")

    def prepare(self, question, scope, history=(), **options):
        log.warning("answering question %s", question)
        try:
            raise ValueError(f"cannot parse {question!r}")
        except ValueError:
            log.exception("while answering for %s", USER)
        return real_prepare(self, question, scope, history, **options)

    monkeypatch.setattr(AnswerService, "prepare", prepare)


def variants(value: str) -> list[bytes]:
    return [
        v
        for text in {value, value.lower(), value.upper()}
        for v in (text.encode("utf-8"), text.encode("utf-16-le"))
    ]


def leaks_in(data: bytes) -> list[str]:
    return [value for value in raw_values() if any(v in data for v in variants(value))]


def test_no_personal_data_on_disk_or_in_logs(
    run_cli, kb, echoing_ollama, leaky_answer_service, cli_env, caplog
):
    caplog.set_level(logging.DEBUG)
    ingest = run_cli("ingest", str(kb))
    assert ingest.exit_code == 0, ingest.output

    assert run_cli("users", "add", LOGIN, "--no-password").exit_code == 0
    asked = run_cli("ask", "--user", LOGIN, "--json", PII_QUESTION)
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert PII["IBAN"] in answer["answer"]  # the person sees it; the disk must not
    assert answer["mode"] == "llm" and echoing_ollama.requests_to("/api/chat")
    plain = run_cli("ask", PII_QUESTION)  # as the OS user, without --json
    assert plain.exit_code == 0, plain.output

    data_dir = Path(cli_env["ASSISTANT_DATA_DIR"])
    _feedback(run_cli, data_dir, answer["audit_id"])
    outputs = [
        run_cli(*args)
        for args in (
            ("logs",),
            ("logs", "show", str(answer["audit_id"])),
            ("logs", "export", "--format", "csv"),
            ("logs", "stats"),
        )
    ]

    files = [p for p in data_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert "amtswissen.db" in names and "chroma.sqlite3" in names, names  # the scan is real
    leaked = {str(p.relative_to(data_dir)): leaks_in(p.read_bytes()) for p in files}
    assert not {k: v for k, v in leaked.items() if v}, leaked

    logs = caplog.text + "".join(r.stderr for r in (ingest, asked, plain, *outputs))
    assert "answering question" in logs and "cannot parse" in logs  # the leaky calls ran
    assert not leaks_in(logs.encode("utf-8")), leaks_in(logs.encode("utf-8"))
    for result in outputs:
        assert result.exit_code == 0 and not leaks_in(result.stdout.encode("utf-8"))

    _assert_placeholders_in_audit_db(data_dir / "amtswissen.db", answer["audit_id"])


def _feedback(run_cli, data_dir: Path, audit_id: int) -> None:
    """Feedback through the service (the chat's path), in the same store."""
    from conftest import make_settings

    from assistant.services import Services

    services = Services(make_settings(data_dir.parent, data_dir=data_dir))
    try:
        services.audit.record_feedback(audit_id, -1, COMMENT)
    finally:
        services.close()


def _assert_placeholders_in_audit_db(db: Path, audit_id: int) -> None:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id, user_id, question, answer, feedback_comment, pii_counts FROM audit_log"
        ).fetchall()
    assert len(rows) == 2
    row = next(r for r in rows if r[0] == audit_id)
    for entity_type in PII:
        assert f"<{entity_type}_1>" in row[2], entity_type
    assert "<IBAN_1>" in row[3]  # numbered like the question: one map per answer
    # Feedback: numbered with the map of the row's conversation (a new process: a new map).
    assert row[4] == "Bitte Rückruf an <PERSON_1>, Tel. <PHONE_1>"
    assert len(row[1]) == 64 and rows[0][1] != rows[1][1]  # pseudonyms, two different users
    # Counted once, in the question: the echo in the answer is the same value (IT page, issue 13).
    assert json.loads(row[5])["IBAN"] == 1


def test_log_filter_redacts_message_arguments_and_exceptions(caplog):
    caplog.set_level(logging.INFO)
    redactor = build_redactor()
    log = logging.getLogger("assistant.test")
    uninstall = install_log_redaction(lambda: redactor)
    try:
        log.info("Frage: %s", PII_QUESTION)
        try:
            try:
                raise KeyError(PII["EMAIL"])
            except KeyError as exc:
                raise RuntimeError(f"Antwort an {USER}, IBAN {PII['IBAN']}") from exc
        except RuntimeError:
            log.exception("fehlgeschlagen für %s", USER)
    finally:
        uninstall()
    log.info("after uninstall: %s", "plain")
    assert not leaks_in(caplog.text.encode("utf-8")), caplog.text
    assert "<IBAN>" in caplog.text and "<EMAIL>" in caplog.text and "<PERSON>" in caplog.text
    assert "Traceback (most recent call last)" in caplog.text  # frames stay readable
    assert "direct cause" in caplog.text and "after uninstall: plain" in caplog.text


def test_log_filter_masks_when_the_redactor_is_unavailable(caplog):
    caplog.set_level(logging.INFO)

    def broken():
        raise RuntimeError("analyzer did not load")

    uninstall = install_log_redaction(broken)
    try:
        logging.getLogger("assistant.test").error("Frage von %s", USER)
    finally:
        uninstall()
    assert USER not in caplog.text and "<REDACTED>" in caplog.text


def test_log_filter_on_a_single_handler():
    redactor = build_redactor()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Tel. %s", (PII["PHONE"],), None)
    assert RedactingFilter(lambda: redactor).filter(record)
    assert record.getMessage() == "Tel. <PHONE>"


def test_log_filter_masks_what_it_must_not_redact(caplog):
    """The redactor's libraries quote text and log from inside it: masked, never re-entered."""
    caplog.set_level(logging.INFO)
    calls = []
    uninstall = install_log_redaction(lambda: calls.append(1) or build_redactor())
    try:
        logging.getLogger("presidio-analyzer").warning("Context list is: %s", USER)
        with redacting():
            logging.getLogger("assistant.retrieval.search").info("inside a redaction: %s", USER)
        logging.getLogger("assistant.privacy.engine").error("redaction failed (%s)", "TypeError")
    finally:
        uninstall()
    assert USER not in caplog.text and calls == []  # nothing needed the redactor
    assert [r.getMessage() for r in caplog.records] == [
        "<REDACTED>",
        "<REDACTED>",
        "redaction failed (TypeError)",
    ]
