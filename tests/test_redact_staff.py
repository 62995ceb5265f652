"""Redaction of staff chat as people really type it (issue 10): names in lower case and as
first names only, repeated values, whole tokens, and the assistant's own text left readable.

Example values here are made up for these tests; the evaluation sets under
tests/data/pii are measured by bench/pii.py, not asserted here.
"""

from __future__ import annotations

import pytest

from assistant.privacy import Entity, PlaceholderMap, Redactor, build_redactor
from assistant.privacy.engine import widen
from assistant.privacy.redact import ConversationRedactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def _raw_left(text: str, values: list[str]) -> list[str]:
    lowered = text.lower()
    return [v for v in values if v.lower() in lowered]


@pytest.mark.parametrize(
    ("message", "values"),
    [
        (
            "hab heute mit renate kowalewski telefoniert wegen der grundsteuer",
            ["renate", "kowalewski"],
        ),
        ("frau pietrzak hat angerufen, rückruf bitte", ["pietrzak"]),
        ("bewerber okan meint er hätte die unterlagen geschickt", ["okan"]),
        ("der sohn von hildegard holt den bescheid ab", ["hildegard"]),
        ("die tochter von lorenzo und giulia ist krank gemeldet", ["lorenzo", "giulia"]),
        ("termin mit herr y. wegen der ummeldung", ["y."]),
        ("Anfrage von Mehmet Öztürk zur Gewerbeanmeldung", ["Mehmet", "Öztürk"]),
        ("Jean-Baptiste Kouassi fragt nach dem Aufenthaltstitel", ["Jean-Baptiste", "Kouassi"]),
    ],
)
def test_names_as_staff_type_them(redactor, message, values):
    result = redactor.redact(message)
    assert not result.failed
    assert _raw_left(result.text, values) == [], result.text


@pytest.mark.parametrize(
    "text",
    [
        "wie viele präsenztage pro woche gelten im homeoffice?",
        "Zwei Präsenztage pro Woche und verbindliche Teamtage sind vorgesehen.",
        "Der Sprachmodell-Server (Ollama) läuft im Rechenzentrum.",
        "Schank- und Speisewirtschaften brauchen eine Erlaubnis.",
        "die Leiter oder der Einrichtungen melden das dem Amt",
        "nach § 54 bmg ist das eine ordnungswidrigkeit",
        "die mutter muss den antrag stellen, nicht die schule",
    ],
)
def test_ordinary_text_stays(redactor, text):
    assert redactor.redact(text).text == text


def test_a_repeated_value_in_one_message_is_no_failure(redactor):
    # Presidio's anonymizer joined the two neighbours into one value without a
    # placeholder: KeyError, and the whole question was masked.
    names = PlaceholderMap()
    result = redactor.redact(
        "Bitte überweisen an DE02120300000000202051 DE02120300000000202051.", names
    )
    assert not result.failed
    assert result.text == "Bitte überweisen an <IBAN_1> <IBAN_1>."
    again = redactor.redact("Frau Edeltraud Wiesner und Frau Edeltraud Wiesner", names)
    assert again.text == "Frau <PERSON_1> und Frau <PERSON_1>"


def test_an_identifier_is_masked_whole():
    # A recognizer that stops inside a token must not leave its tail readable.
    text = "Konto DE02120300000000202051xy, Ref. 12-345/b."
    iban = widen(text, Entity("IBAN", 6, 28, 0.9))
    assert text[iban.start : iban.end] == "DE02120300000000202051xy"
    case = widen(text, Entity("CASE_NUMBER", 37, 40, 0.9))
    assert text[case.start : case.end] == "12-345/b"  # the sentence's full stop stays
    name = Entity("PERSON", 6, 10, 0.9)
    assert widen(text, name) is name


def test_answers_keep_their_words_but_not_the_askers_values(redactor):
    names = PlaceholderMap()
    question = redactor.redact(
        "darf frau kowalewski mit iban de02 1203 0000 0000 2020 51 zahlen", names
    )
    assert "kowalewski" not in question.text
    answer = (
        "Frau Kowalewski kann mit DE02120300000000202051 zahlen. Zwei Präsenztage, "
        "verbindliche Teamtage; der Server (Ollama) rechnet. Das Bürgerbüro: 06131 12-3456."
    )
    source = "Das Bürgerbüro erreichen Sie unter 06131 12-3456."
    stored = redactor.redact(answer, names, quoted=True, sources=[source]).text
    assert "Kowalewski" not in stored and "DE0212" not in stored
    assert "<IBAN_1>" in stored  # the same value as in the question, though spaced differently
    for word in ("Präsenztage", "Teamtage", "Ollama", "06131 12-3456"):
        assert word in stored, stored


def test_a_phone_number_not_from_the_sources_is_redacted_in_an_answer(redactor):
    stored = redactor.redact("Rufen Sie 0171 2345678 an.", PlaceholderMap(), quoted=True)
    assert "2345678" not in stored.text


def test_the_conversation_redactor_keeps_quoted_passages_readable(redactor):
    conversations = ConversationRedactor(redactor)
    passage = "Ansprechpartnerin ist Frau Dr. Sommerfeld, Tel. 06131 12-4711, Zimmer 3."
    conversations.remember_sources("t1", [passage])
    question = conversations.redact("hat gisela brenner schon angerufen?", "t1")
    assert "brenner" not in question.text
    shown = conversations.redact(passage, "t1", quoted=True)
    assert shown.text == passage
    answer = conversations.redact("Gisela Brenner soll 06131 12-4711 anrufen.", "t1", quoted=True)
    assert "Brenner" not in answer.text and "06131 12-4711" in answer.text
