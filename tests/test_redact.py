"""The redactor's contract: placeholders, numbering, overlaps, allow-list,
fail-closed masking, line mode, and no network."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer

from assistant.privacy import (
    MASK,
    Entity,
    PlaceholderMap,
    Redaction,
    Redactor,
    build_redactor,
    redact_lines,
)
from assistant.privacy import recognizers as recognizer_module
from assistant.privacy.engine import CHUNK_CHARS, chunk_bounds, merge_overlaps


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


class ExplodingRecognizer(EntityRecognizer):
    """A recognizer that fails the way a buggy third-party one would."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="de", name="Boom")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        raise RuntimeError(f"cannot handle {text!r}")  # quotes the input, as real errors do


def test_typed_placeholders_and_result_fields(redactor):
    text = "Frau Müller, Tel. 0611 1234567, IBAN DE89 3704 0044 0532 0130 00"
    result = redactor.redact(text)
    assert isinstance(result, Redaction)
    assert result.text == "Frau <PERSON>, Tel. <PHONE>, IBAN <IBAN>"
    assert result.counts == {"PERSON": 1, "PHONE": 1, "IBAN": 1}
    assert result.failed is False
    assert [text[e.start : e.end] for e in result.entities] == [
        "Müller",
        "0611 1234567",
        "DE89 3704 0044 0532 0130 00",
    ]
    assert all(isinstance(e, Entity) and 0 < e.score <= 1 for e in result.entities)


def test_text_without_personal_data_is_unchanged(redactor):
    text = "Wie lange ist die Frist nach § 17 BMG? Die Gebühr beträgt 37,00 €."
    result = redactor.redact(text)
    assert (result.text, result.entities, result.counts, result.failed) == (text, (), {}, False)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(redactor, text):
    assert redactor.redact(text) == Redaction(text, (), {}, False)


def test_placeholder_map_numbers_values_across_messages(redactor):
    placeholders = PlaceholderMap()
    first = redactor.redact("Frau Anna Schmidt und Herr Weber, Tel. 0611 1234567.", placeholders)
    second = redactor.redact("Rückruf an Herrn Weber unter 0611 1234567.", placeholders)
    third = redactor.redact("Anna Schmidt hat sich gemeldet.", placeholders)
    assert first.text == "Frau <PERSON_1> und Herr <PERSON_2>, Tel. <PHONE_1>."
    assert second.text == "Rückruf an Herrn <PERSON_2> unter <PHONE_1>."
    assert third.text == "<PERSON_1> hat sich gemeldet."


def test_placeholder_map_catches_bare_later_mentions(redactor):
    placeholders = PlaceholderMap()
    redactor.redact("Die Antragstellerin heißt Frau Oyelaran-Koch.", placeholders)
    later = redactor.redact("Oyelaran-Koch hat den Bescheid erhalten.", placeholders)
    assert later.text == "<PERSON_1> hat den Bescheid erhalten."


def test_placeholder_map_holds_no_raw_values(redactor):
    placeholders = PlaceholderMap()
    redactor.redact("Frau Holle, Tel. 0611 1234567", placeholders)
    state = repr(placeholders) + repr(vars(placeholders))
    assert "Holle" not in state and "1234567" not in state


def test_separate_maps_number_independently(redactor):
    one, two = PlaceholderMap(), PlaceholderMap()
    redactor.redact("Frau Holle", one)
    assert redactor.redact("Herr Weber", two).text == "Herr <PERSON_1>"


def test_overlaps_resolve_to_one_span_covering_all():
    entities = [
        Entity("PHONE", 10, 20, 0.6),
        Entity("CASE_NUMBER", 5, 20, 0.9),
        Entity("PERSON", 30, 36, 0.8),
        Entity("ADDRESS", 34, 50, 0.7),
    ]
    assert merge_overlaps(entities) == (
        Entity("CASE_NUMBER", 5, 20, 0.9),
        Entity("ADDRESS", 30, 50, 0.8),
    )


def test_same_span_keeps_highest_score():
    merged = merge_overlaps([Entity("PHONE", 0, 8, 0.6), Entity("TAX_ID", 0, 8, 1.0)])
    assert merged == (Entity("TAX_ID", 0, 8, 1.0),)


def test_allow_list_keeps_city_contacts(redactor):
    text = "Schreiben Sie an buergerservice@musterstadt.example oder rufen Sie die 115 an."
    assert redactor.redact(text).text == text
    private = "Schreiben Sie an erika.mustermann@web.de."
    assert redactor.redact(private).text == "Schreiben Sie an <EMAIL>."


def test_allow_list_from_parameter():
    # An address of a person (a functional mailbox would stay anyway): only the list keeps it.
    custom = build_redactor(allow_list=["ob.schmitt@trier.example"])
    assert custom.redact("Post an ob.schmitt@trier.example").entities == ()
    assert custom.redact("Post an max@trier.example").counts == {"EMAIL": 1}
    assert build_redactor().redact("Post an ob.schmitt@trier.example").counts == {"EMAIL": 1}


def test_functional_mailboxes_name_no_person(redactor):
    for address in ("poststelle@mainz.de", "it-support@stadt-mainz.de", "noreply@service-bw.de"):
        text = f"Bitte an {address} schicken."
        assert redactor.redact(text).text == text
    assert redactor.redact("an k.nowak@mainz.de").counts == {"EMAIL": 1}
    # spelled out too
    assert not redactor.redact("schreib an poststelle (at) mainz.de").entities
    assert redactor.redact("an k.nowak (at) mainz.de").counts == {"EMAIL": 1}


def test_entities_parameter_restricts_types():
    only_email = build_redactor(entities=["EMAIL"])
    result = only_email.redact("Frau Holle, holle@web.de, Tel. 0611 1234567")
    assert result.text == "Frau Holle, <EMAIL>, Tel. 0611 1234567"


def test_score_threshold_parameter():
    strict = build_redactor(score_threshold=0.9)
    # A first name alone scores 0.6: kept at threshold 0.9, redacted at 0.5.
    assert strict.redact("Thomas hat heute frei.").entities == ()
    assert build_redactor().redact("Thomas hat heute frei.").counts == {"PERSON": 1}


def test_failing_recognizer_masks_whole_text(caplog):
    redactor = Redactor([ExplodingRecognizer()])
    text = "Frau Holle, Tel. 0611 1234567"
    result = redactor.redact(text)
    assert result == Redaction(MASK, (), {}, True)
    assert "Holle" not in caplog.text and "RuntimeError" in caplog.text


def test_failing_recognizer_added_to_full_redactor_masks():
    redactor = build_redactor(extra_recognizers=[ExplodingRecognizer()])
    assert redactor.redact("Herr Weber").text == MASK


def test_failing_recognizer_with_placeholders_masks():
    redactor = Redactor([ExplodingRecognizer()])
    assert redactor.redact("Herr Weber", PlaceholderMap()).failed


@pytest.mark.parametrize("bad", [None, 42, b"Frau Holle", ["Frau Holle"]])
def test_bad_input_is_masked(redactor, bad):
    assert redactor.redact(bad) == Redaction(MASK, (), {}, True)


def test_too_long_text_is_masked():
    short = build_redactor(max_chars=20)
    assert short.redact("Frau Holle wohnt in der Hauptstraße 12.").failed


def test_missed_deadline_masks():
    slow = build_redactor(deadline_s=0.0)
    assert slow.redact("Frau Holle").text == MASK


def test_custom_recognizer_through_public_constructor():
    badge = PatternRecognizer(
        supported_entity="BADGE",
        supported_language="de",
        name="Badge",
        patterns=[Pattern("badge", r"\bMA-\d{5}\b", 0.9)],
    )
    redactor = Redactor([badge])
    assert redactor.redact("Dienstausweis MA-12345").text == "Dienstausweis <BADGE>"


# --- line mode (assistant redact) ---------------------------------------------------------


def test_redact_lines_one_output_line_per_input_line(redactor):
    lines = ["Frau Holle\n", "\n", "", "Frist nach § 17 BMG\r\n", "Tel. 0611 1234567"]
    out = list(redact_lines(lines, redactor, as_json=False))
    assert out == ["Frau <PERSON>", "", "", "Frist nach § 17 BMG", "Tel. <PHONE>"]


def test_redact_lines_json(redactor):
    out = list(redact_lines(["Frau Holle", ""], redactor, as_json=True))
    first, empty = (json.loads(line) for line in out)
    assert first == {
        "text": "Frau <PERSON>",
        "entities": [{"type": "PERSON", "start": 5, "end": 10, "score": 0.85}],
    }
    assert empty == {"text": "", "entities": []}
    assert all("\n" not in line for line in out)


def test_redact_lines_masks_failures():
    out = list(redact_lines(["Frau Holle"], Redactor([ExplodingRecognizer()]), as_json=True))
    assert json.loads(out[0]) == {"text": MASK, "entities": []}


# --- offline --------------------------------------------------------------------------------


def test_builds_and_redacts_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # A fresh suffix extractor, so the offline e-mail check really runs here.
    monkeypatch.setattr(recognizer_module, "_TLD", recognizer_module.offline_tld_extractor())
    redactor = build_redactor()
    result = redactor.redact("Frau Holle, holle@example.com, holle@stadt.de, Tel. 0611 1234567")
    assert result.text == "Frau <PERSON>, <EMAIL>, <EMAIL>, Tel. <PHONE>"
    assert not result.failed


# --- long texts and logs ------------------------------------------------------------------


def test_long_text_is_redacted_in_chunks(redactor):
    filler = "Die Frist nach § 17 BMG läuft zwei Wochen. " * 120
    text = (
        "Frau Oyelaran-Koch hat angerufen. "
        + filler
        + "Oyelaran-Koch kommt morgen, Tel. 0611 1234567."
    )
    assert len(text) > 2 * CHUNK_CHARS
    result = redactor.redact(text)
    assert not result.failed
    assert "Oyelaran" not in result.text and "1234567" not in result.text
    assert result.counts == {"PERSON": 2, "PHONE": 1}


def test_chunk_bounds_cover_text_at_sentence_ends():
    text = "Ein Satz mit ein paar Wörtern. " * 200
    bounds = chunk_bounds(text, size=500)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    assert all(end - start <= 500 for start, end in bounds)
    assert all(text[end - 2 : end] == ". " for _, end in bounds[:-1])


@pytest.mark.parametrize(
    "text",
    ["Herr " * 15000, "Hauptstraße-" * 5000 + "Weg 1", "1 " * 40000, "Az. " + "a" * 50000],
    ids=["salutations", "hyphens", "digits", "long-word"],
)
def test_pathological_input_finishes_in_time(redactor, text):
    started = time.perf_counter()
    result = redactor.redact(text)
    assert time.perf_counter() - started < redactor.deadline_s
    assert not result.failed


def test_no_text_in_logs_even_at_debug(caplog):
    with caplog.at_level(logging.DEBUG):
        redactor = build_redactor()
        redactor.redact("Frau Oyelaran-Koch, Tel. 0611 1234567, IBAN DE89 3704 0044 0532 0130 00")
    assert "Oyelaran" not in caplog.text and "1234567" not in caplog.text


def test_concurrent_use_from_threads(redactor):
    texts = [f"Frau Holle{'abcdefgh'[i % 8]}, Tel. 0611 12345{i:02d}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(redactor.redact, texts))
    assert all(r.text == "Frau <PERSON>, Tel. <PHONE>" for r in results)


@pytest.mark.parametrize(
    "kwargs", [{"entities": ["PERSON", "SHOE_SIZE"]}, {"score_threshold": 1.5}]
)
def test_misconfiguration_is_refused(kwargs):
    with pytest.raises(ValueError):
        build_redactor(**kwargs)
