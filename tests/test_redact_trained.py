"""The trained name tagger (privacy/trained.py): shipped, offline, vetoed by the word
lists, and worth its cost on staff messages it was never trained on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.privacy import build_redactor
from assistant.privacy import conf as privacy_conf
from assistant.privacy.conf import load_conf
from assistant.privacy.trained import MODEL_DIR, TrainedNameRecognizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pii


@pytest.fixture(scope="module")
def tagger() -> TrainedNameRecognizer:
    recognizer = TrainedNameRecognizer(load_conf()["names"])
    recognizer.load()
    return recognizer


def names(tagger: TrainedNameRecognizer, text: str) -> set[str]:
    return {text[r.start : r.end] for r in tagger.analyze(text, ["PERSON"])}


def test_the_configured_redactor_uses_the_shipped_tagger() -> None:
    assert (MODEL_DIR / "meta.json").is_file()
    tagger = privacy_conf.trained_tagger(load_conf()["names"])
    assert [t.path for t in tagger] == [MODEL_DIR]
    assert privacy_conf.trained_tagger({"scores": {}}) == []  # without the key: rules alone


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("kann jemand die akte von zeynep arslan raussuchen?", "zeynep arslan"),
        ("die antragstellerin heißt laura pietsch und wohnt in mombach", "laura pietsch"),
    ],
)
def test_lower_case_names_in_context(tagger, text: str, name: str) -> None:
    """Found without a cue or capitals; each span lies within the name."""
    found = names(tagger, text)
    assert found and all(span in name for span in found)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("i. A. Hoffmann", "Hoffmann"),  # no abbreviation inside the name
        ("das hat frank formuliert, nicht ich", "frank"),  # no verb after it
    ],
)
def test_spans_hold_the_name_only(tagger, text: str, name: str) -> None:
    assert names(tagger, text) <= {name}


@pytest.mark.parametrize(
    "text",
    [
        "Die Ausweishersteller und jedermann nach § 5 BauNVO.",  # ordinary words
        "Hardware: 2x NVIDIA L40S im Raum U.11.",  # a span with a digit
        "BVerwG, Urteil vom 12.03.2019 – 3 C 12.18",  # an abbreviation
        "deniz bedeutet meer, wäre das ein name für den kiosk?",  # a word talked about
        "bitte das file auf den core server legen",  # English words
    ],
)
def test_the_word_lists_veto(tagger, text: str) -> None:
    assert names(tagger, text) == set()


def test_no_message_word_stays_in_the_model(tagger) -> None:
    word = "Quxorwitzki"
    tagger.analyze(f"Herr {word} hat angerufen.", ["PERSON"])
    assert word not in tagger.model.vocab.strings


def test_more_names_on_an_untrained_set_and_no_law_paragraph_changed(monkeypatch) -> None:
    """Set 2 was never trained on (bench/train_ner.py); the law paragraphs sampled by
    bench/pii.py were left out of training too."""
    items = pii.read_jsonl("staff_messages_2.jsonl")
    with_tagger = build_redactor()
    monkeypatch.setattr(privacy_conf, "trained_tagger", lambda names: [])
    rules_only = build_redactor()
    caught = {
        name: pii.staff_recall(red, None, items=items)["PERSON"][0]
        for name, red in (("tagger", with_tagger), ("rules", rules_only))
    }
    total = sum(1 for item in items for span in item["spans"] if span[2] == "PERSON")
    assert caught["tagger"] / total >= 0.95
    assert caught["tagger"] >= caught["rules"] + 3
    paragraphs = pii.law_paragraphs(600)
    assert not [p for p in paragraphs if with_tagger.redact(p).entities]


def test_only_common_words_are_kept_in_the_model(tagger) -> None:
    """Loading makes the training texts' common words permanent (speed), never a first
    name, and redacting adds nothing."""
    vocab = tagger.model.vocab
    assert "Antrag" in vocab and "der" in vocab
    assert "Zeynep" not in vocab
    text = "Frau Zeynep Quxorwitzki beantragt Wohngeld."
    tagger.analyze(text, ["PERSON"])
    before = {lexeme.orth_ for lexeme in vocab}
    other = "Zyrnakowa"  # in no training text
    assert other not in vocab.strings
    tagger.analyze(text.replace("Quxorwitzki", other), ["PERSON"])
    assert {lexeme.orth_ for lexeme in vocab} == before
    assert other not in vocab and other not in vocab.strings
