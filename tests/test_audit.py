"""The audit store: redaction inside the writer, pseudonyms, feedback, readers, retention.

Real SQLite (and PostgreSQL with TEST_POSTGRES_URL), the real redactor.
"""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import make_settings, store_settings
from presidio_analyzer import EntityRecognizer

from assistant.answering.answer import Answer, Citation
from assistant.db import audit_log, build_engine
from assistant.errors import NotFoundError
from assistant.models import Hit
from assistant.privacy import MASK, PlaceholderMap, Redaction, build_redactor
from assistant.privacy.audit import AuditLog, load_pseudonym_key, open_audit_log, pseudonym

# Raw values in the style of the redactor's test data (tests/data/pii); each must
# vanish from every stored text.
PII = {
    "PERSON": "Erika Mustermann",
    "DATE_OF_BIRTH": "12.08.1964",
    "ADDRESS": "Heidestraße 17, 51147 Köln",
    "TAX_ID": "86095742719",
    "IBAN": "DE02 1203 0000 0000 2020 51",
    "PHONE": "0611 7394825",
    "EMAIL": "erika.mustermann@heidpost.de",
    "ID_CARD": "L01X00T47",
    "CASE_NUMBER": "32-141/2024",
}
PII_QUESTION = (
    f"Frau {PII['PERSON']} (geb. {PII['DATE_OF_BIRTH']}), wohnhaft {PII['ADDRESS']}, "
    f"Steuer-ID {PII['TAX_ID']}, IBAN {PII['IBAN']}, Tel. {PII['PHONE']}, "
    f"E-Mail {PII['EMAIL']}, Ausweisnummer {PII['ID_CARD']}, Aktenzeichen "
    f"{PII['CASE_NUMBER']}: Dürfen Beschäftigte Hunde ins Dienstgebäude mitbringen?"
)
# Fragments that must not survive either (parts of a value, other spellings).
FRAGMENTS = [
    "Mustermann",
    "Erika",
    "Heidestraße",
    "DE02120300000000202051",
    "7394825",
    # Her own mail domain; not example.org, which other tests' fixture URLs use in the same
    # process (a stray copy of such a URL in a native buffer is not her data).
    "heidpost.de",
    "86095742719",
    "L01X00T47",
    "141/2024",
]


def raw_values() -> list[str]:
    return [*PII.values(), *FRAGMENTS]


@pytest.fixture(scope="module")
def redactor():
    return build_redactor()


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    return store_settings(tmp_path, request.param)


@pytest.fixture
def engine(settings):
    eng = build_engine(settings)
    yield eng
    eng.dispose()


@pytest.fixture
def audit(engine, redactor):
    return AuditLog(engine, redactor, b"k" * 32)


def make_answer(question: str = PII_QUESTION, text: str | None = None, **kw) -> Answer:
    hit = Hit(
        rank=1,
        score=0.0325,
        doc_id="hunde",
        chunk_id="hunde:2:1",
        source="/kb/hunde.md",
        title="Dienstanweisung Hundehaltung",
        section="§ 2",
        page=None,
        collection="allgemein",
        text="Beschäftigte dürfen Hunde …",
        version=2,
    )
    values = {
        "answer": text
        if text is not None
        else f"Für {PII['PERSON']} gilt: nur mit Zustimmung [1].",
        "citations": [
            Citation(
                1, "hunde", "/kb/hunde.md", "Dienstanweisung Hundehaltung", "§ 2", None, hit.text, 2
            )
        ],
        "unverified": False,
        "refused": False,
        "mode": "llm",
        "model": "llama3.1:8b",
        "prompt_version": "abcdef1234",
        "timings": {"retrieval_ms": 12.5, "total_ms": 340.0},
        "question": question,
        "standalone_question": question,
        "hits": [hit],
    }
    values.update(kw)
    return Answer(**values)


def stored_row(engine, row_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(sa.select(audit_log).where(audit_log.c.id == row_id)).one()
    return dict(row._mapping)


def assert_no_raw(text: str) -> None:
    leaked = [v for v in raw_values() if v.casefold() in text.casefold()]
    assert not leaked, f"raw personal data stored: {leaked}"


# --- the writer --------------------------------------------------------------------


def test_answer_row_holds_placeholders_and_no_raw_value(audit, engine):
    standalone = f"Darf {PII['PERSON']} ihren Hund mitbringen?"
    row_id = audit.record_answer(
        make_answer(standalone_question=standalone),
        user="Erika Mustermann",
        roles=["mitarbeitende", "wissensmanagement"],
        conversation_id="c-1",
    )
    row = stored_row(engine, row_id)
    assert_no_raw(json.dumps(row, default=str, ensure_ascii=False))
    for entity_type in PII:
        assert f"<{entity_type}_1>" in row["question"], entity_type
    # One placeholder map per record: the same person has the same number everywhere.
    assert "<PERSON_1>" in row["standalone_question"] and "<PERSON_1>" in row["answer"]
    assert row["user_id"] == pseudonym("Erika Mustermann", b"k" * 32)
    assert row["roles"] == "mitarbeitende,wissensmanagement" and row["conversation_id"] == "c-1"
    assert row["citations"] == [{"n": 1, "doc_id": "hunde", "version": 2, "score": 0.0325}]
    assert row["model"] == "llama3.1:8b" and row["prompt_version"] == "abcdef1234"
    assert row["mode"] == "llm" and not row["refused"] and not row["unverified"]
    assert row["timings"] == {"retrieval_ms": 12.5, "total_ms": 340.0}
    # What the question held, once: the answer and the standalone question only repeat it.
    assert row["pii_counts"]["PERSON"] == 1 and row["pii_counts"]["IBAN"] == 1
    assert not row["redaction_failed"] and row["feedback"] is None


def test_caller_placeholders_number_across_a_conversation(audit, redactor):
    placeholders = PlaceholderMap()
    redactor.redact("Herr Jonas Becker hat angerufen.", placeholders)  # an earlier turn
    row_id = audit.record_answer(make_answer(), user="u", placeholders=placeholders)
    assert "<PERSON_2>" in audit.get(row_id).question


class ExplodingRecognizer(EntityRecognizer):
    def __init__(self):
        super().__init__(supported_entities=["BOOM"], supported_language="de", name="Boom")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        raise RuntimeError(f"recognizer crashed on {text!r}")  # quotes the input


class RaisingRedactor:
    def redact(self, text, placeholders=None):
        raise RuntimeError(f"cannot redact {text!r}")


class LyingRedactor:
    """Reports failure but hands back the raw text."""

    def redact(self, text, placeholders=None):
        return Redaction(text, (), {}, True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: build_redactor(extra_recognizers=[ExplodingRecognizer()]),
        RaisingRedactor,
        LyingRedactor,
    ],
    ids=["recognizer-fails", "redactor-raises", "failed-flag"],
)
def test_failed_redaction_masks_the_whole_text(engine, make, caplog):
    audit = AuditLog(engine, make(), b"k" * 32)
    row_id = audit.record_answer(make_answer(), user="Erika Mustermann")
    audit.record_feedback(row_id, -1, f"Falsch für {PII['PERSON']}")
    row = stored_row(engine, row_id)
    assert row["question"] == row["standalone_question"] == row["answer"] == MASK
    assert row["feedback_comment"] == MASK and row["redaction_failed"]
    assert_no_raw(json.dumps(row, default=str, ensure_ascii=False) + caplog.text)


# --- pseudonyms ---------------------------------------------------------------------


def test_pseudonym_is_stable_per_key_and_differs_across_keys():
    a = pseudonym("Erika Mustermann", b"a" * 32)
    assert a == pseudonym("  erika   MUSTERMANN ", b"a" * 32)  # normalized
    assert len(a) == 64 and "Mustermann" not in a
    assert a != pseudonym("Erika Mustermann", b"b" * 32)
    assert a != pseudonym("Max Mustermann", b"a" * 32)


def test_key_file_is_created_once_private_and_reused(tmp_path):
    settings = make_settings(tmp_path)
    key = load_pseudonym_key(settings)
    path = settings.data_dir / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_pseudonym_key(settings) == key and len(key) == 64
    assert [p.name for p in settings.data_dir.iterdir()] == ["pseudonym.key"]  # no temp left
    configured = make_settings(tmp_path, pseudonym_key="geheim-aus-der-env")
    assert load_pseudonym_key(configured) == b"geheim-aus-der-env"


# --- feedback ------------------------------------------------------------------------


def test_feedback_is_stored_redacted(audit, engine):
    row_id = audit.record_answer(make_answer(), user="u")
    audit.record_feedback(row_id, 1)
    assert audit.get(row_id).feedback == 1 and audit.get(row_id).feedback_comment is None
    audit.record_feedback(row_id, -1, f"Bitte Rückruf an {PII['PERSON']}, Tel. {PII['PHONE']}")
    entry = audit.get(row_id)
    assert entry.feedback == -1 and entry.feedback_at.tzinfo is not None
    assert "<PERSON" in entry.feedback_comment and "<PHONE" in entry.feedback_comment
    assert_no_raw(entry.feedback_comment)
    assert entry.pii_counts["PHONE"] == 2  # question + comment
    audit.record_feedback(row_id, None)
    assert audit.get(row_id).feedback is None
    with pytest.raises(ValueError):
        audit.record_feedback(row_id, 5)
    with pytest.raises(NotFoundError, match="Protokolleintrag 999"):
        audit.record_feedback(999, 1)


# --- readers -------------------------------------------------------------------------


def backdate(engine, row_id: int, days: int) -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == row_id).values(created_at=when))


@pytest.fixture
def three_rows(audit, engine):
    a = audit.record_answer(make_answer(), user="Erika Mustermann")
    b = audit.record_answer(
        make_answer(
            "Wie wird das Wetter?",
            "Dazu habe ich nichts gefunden.",
            refused=True,
            citations=[],
            hits=[],
        ),
        user="Max Muster",
    )
    c = audit.record_answer(
        make_answer("Wer gibt Schlüssel aus?", "Die Hausverwaltung.", unverified=True),
        user="Max Muster",
    )
    audit.record_feedback(a, 1)
    audit.record_feedback(b, -1, "unbrauchbar")
    backdate(engine, a, 10)
    return a, b, c


def test_list_get_and_filters(audit, three_rows):
    a, b, c = three_rows
    assert [e.id for e in audit.list()] == [c, b, a]  # newest first
    assert [e.id for e in audit.list(count=1)] == [c]
    assert [e.id for e in audit.list(query="wetter")] == [b]
    assert [e.id for e in audit.list(query="PERSON_1")] == [a]  # placeholders are searchable
    assert audit.list(query="Mustermann") == []  # raw values are not there to find
    assert [e.id for e in audit.list(since=datetime.now(UTC) - timedelta(days=1))] == [c, b]
    assert [e.id for e in audit.list(user="max muster")] == [c, b]
    assert audit.get(a).created_at.tzinfo is not None and audit.get(b).refused
    with pytest.raises(NotFoundError):
        audit.get(12345)


def test_stats_of_one_and_of_no_entry(audit):
    assert audit.stats()["answers"] == 0 and audit.stats()["refusal_rate"] == 0.0
    audit.record_answer(make_answer("Frage", "Antwort [1]"), user="u")
    figures = audit.stats()
    assert figures["refused"] == 0 and figures["refused"] is not False  # counts, not flags
    assert json.dumps(figures).count("false") == 0


def test_stats(audit, three_rows):
    figures = audit.stats()
    assert figures["answers"] == 3 and figures["refused"] == 1 and figures["unverified"] == 1
    assert figures["refusal_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert figures["feedback"] == {"positive": 1, "negative": 1, "none": 1}
    assert figures["top_documents"] == [{"doc_id": "hunde", "answers": 2}]
    # one name in one question: counted once (the answer repeating it is not a second one)
    assert figures["pii_types"]["PERSON"] == 1 and figures["pii_types"]["IBAN"] == 1
    assert sum(figures["per_day"].values()) == 3 and len(figures["per_day"]) == 2
    assert audit.stats(since=datetime.now(UTC) - timedelta(days=1))["answers"] == 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export(audit, three_rows, fmt):
    out = io.StringIO()
    assert audit.export(out, fmt) == 3
    text = out.getvalue()
    assert_no_raw(text)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert [r["id"] for r in rows] == sorted(three_rows)  # oldest first
        assert rows[0]["citations"][0]["doc_id"] == "hunde"
    else:
        assert text.splitlines()[0].startswith("id,created_at,user_id,roles")
        assert len(text.splitlines()) == 4
    with pytest.raises(ValueError):
        audit.export(out, "xml")


def test_purge(audit, three_rows):
    _a, b, c = three_rows
    assert audit.purge(30) == 0
    assert audit.purge(5) == 1
    assert [e.id for e in audit.list()] == [c, b]


# --- retention -------------------------------------------------------------------------


def test_retention_is_applied_when_opened(settings, engine, redactor):
    first = open_audit_log(settings, engine, redactor)
    old = first.record_answer(make_answer(), user="u")
    new = first.record_answer(make_answer(), user="u")
    backdate(engine, old, settings.retention_days + 1)
    keep_all = settings.model_copy(update={"retention_days": 0})
    assert len(open_audit_log(keep_all, engine, redactor).list()) == 2
    reopened = open_audit_log(settings, engine, redactor)
    assert [e.id for e in reopened.list()] == [new]


def test_services_audit_opens_with_retention(tmp_path):
    from assistant.services import Services

    services = Services(make_settings(tmp_path, retention_days=7))
    try:
        row = services.audit.record_answer(make_answer("Frage ohne Daten", "Antwort"), user="u")
        backdate(services.engine, row, 8)
        assert Services(services.settings).audit.list() == []
    finally:
        services.close()
