"""Results of council decisions in an answer are checked against the cited text (issue 15).

`finish()` of the real `AnswerService` over passages as the council connector writes them
(a paper with its consultation path): a result the cited passage does not hold makes the
answer unverified, one it holds does not.
"""

from __future__ import annotations

import time

import pytest
from conftest import make_settings

from assistant.answering.answer import Prepared, check_citations
from assistant.answering.results import sentences, unsupported_results
from assistant.models import Hit
from assistant.services import Services

PAPER = (
    "Vorlage 2025/0007: Sanierung der Grundschule Nordstadt\n"
    "Art: Beschlussvorlage\nDatum: 12.03.2025\n\n"
    "Beratungsfolge:\nHauptausschuss, Sitzung am 10.06.2025 (TOP 4) – Vorberatung: vertagt\n"
    "Gemeinderat, Sitzung am 24.06.2025 (TOP 3) – Entscheidung: einstimmig beschlossen"
)
INQUIRY = (
    "Anfrage 2025/0011: Parkraumkonzept: Sachstand und Kosten\n\n"
    "Beratungsfolge:\nGemeinderat, Sitzung am 24.06.2025 (TOP 9): Kenntnisnahme"
)


def hit(n: int, text: str) -> Hit:
    return Hit(n, 1.0, f"doc{n}", f"doc{n}#0", "oparl", "Vorlage", "", None, "ratsinfo", text)


@pytest.fixture
def answers(tmp_path):
    services = Services(make_settings(tmp_path))
    yield services.answers
    services.close()


def finish(answers, text: str):
    hits = [hit(1, PAPER), hit(2, INQUIRY)]
    prepared = Prepared("Frage", "Frage", hits, {}, time.perf_counter(), {})
    return answers.finish(prepared, text)


@pytest.mark.parametrize(
    "text",
    [
        "Der Gemeinderat hat die Sanierung am 24.06.2025 einstimmig beschlossen [1].",
        "Im Hauptausschuss wurde sie zunächst vertagt. [1] Die Anfrage nahm er zur Kenntnis [2].",
        "Die Sanierung wurde beschlossen [1, 2].",  # one of the cited sources holds it
    ],
)
def test_a_result_the_cited_source_holds_is_verified(answers, text):
    answer = finish(answers, text)
    assert not answer.unverified, answer.answer


@pytest.mark.parametrize(
    "text",
    [
        "Der Gemeinderat hat die Sanierung abgelehnt [1].",  # never in the data
        "Die Sanierung wurde mehrheitlich beschlossen [1].",  # the vote was unanimous
        "Das Parkraumkonzept wurde beschlossen [2].",  # the other paper's result
        "Die Anfrage wurde zur Kenntnis genommen [2]. Sie wurde danach vertagt. [2]",
    ],
)
def test_a_result_not_in_the_cited_source_makes_the_answer_unverified(answers, text):
    answer = finish(answers, text)
    assert answer.unverified, answer.answer
    assert answer.citations  # the citations themselves are valid


def test_marks_after_the_full_stop_belong_to_the_sentence_before():
    assert sentences("Er hat es vertagt. [1] Dann beschlossen [2].") == [
        "Er hat es vertagt. [1]",
        "Dann beschlossen [2].",
    ]


def test_sentences_without_a_citation_are_not_checked_here():
    # An answer without any citation is unverified anyway (check_citations).
    found = unsupported_results(
        "Der Rat hat abgelehnt.", [PAPER], lambda s: check_citations(s, 1)[0]
    )
    assert found == []
    found = unsupported_results(
        "Der Rat hat abgelehnt [1].", [PAPER], lambda s: check_citations(s, 1)[0]
    )
    assert found == ["abgelehnt"]


def test_a_later_passage_of_a_paper_carries_its_consultation_path(answers):
    """The hit list shows one passage per paper, often one of its attachments: the
    consultation path from the paper's data goes with it to the model and the check."""
    from assistant.answering.prompts import format_context

    meta = {
        "kind": "oparl",
        "type": "Paper",
        "reference": "2025/0007",
        "paper_type": "Beschlussvorlage",
        "date": "2025-03-12",
        "consultations": [
            {
                "organization": "Gemeinderat",
                "date": "2025-06-24",
                "result": "einstimmig beschlossen",
            }
        ],
    }
    attachment = Hit(1, 1.0, "d", "d#3", "oparl", "Vorlage", "Anlage", None, "ratsinfo",
                     "Die Sanierung kostet 2,4 Mio. Euro.", meta=meta)  # fmt: skip
    context = format_context([attachment])
    assert "Gemeinderat, 2025-06-24: einstimmig beschlossen" in context
    prepared = Prepared("Frage", "Frage", [attachment], {}, time.perf_counter(), {})
    verified = answers.finish(prepared, "Der Gemeinderat hat es einstimmig beschlossen [1].")
    assert not verified.unverified
    wrong = answers.finish(prepared, "Der Gemeinderat hat es abgelehnt [1].")
    assert wrong.unverified
