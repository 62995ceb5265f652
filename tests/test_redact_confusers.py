"""Name-like words and numbers in clean staff text that are no personal data
(issue 10, precision on confusers), while names and identifiers in the same
positions are still found.

One test per class of confuser; the sentences are made up for these tests from
the rules in docs/privacy.md, not copied from any evaluation set.
"""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def found(redactor: Redactor, text: str, kind: str = "PERSON") -> set[str]:
    return {text[e.start : e.end] for e in redactor.redact(text).entities if e.type == kind}


def changed(redactor: Redactor, text: str) -> list[str]:
    return [f"{e.type}: {text[e.start : e.end]}" for e in redactor.redact(text).entities]


# A section, tariff or version number named by its numbering word.
NUMBERED = [
    "die fachanwendung läuft jetzt mit version 5.3.2, bitte neu anmelden",
    "Die E-Akte bekommt Release 7.1.4 am Montag.",
    "Abgerechnet wird nach Tarifstelle 6.3.1.2 der Gebührenordnung.",
    "siehe ziffer 4.2.3.1 der dienstanweisung",
    "In Kapitel 2.5.1 steht, wie die Akte abzuschließen ist.",
]


@pytest.mark.parametrize("text", NUMBERED)
def test_numbered_sections_and_versions_are_no_identifiers(redactor, text):
    assert changed(redactor, text) == []


def test_a_file_number_after_its_cue_is_still_found(redactor):
    text = "Az. 5.3.2/2026, bitte an die Akte"
    assert "5.3.2/2026" in found(redactor, text, "CASE_NUMBER")


# A salutation before an office or title names no one: "herr bürgermeister".
TITLES = [
    "sehr geehrte frau bürgermeisterin, anbei die unterlagen",
    "hallo herr pfarrer, der saal ist frei",
    "wie schreibe ich sehr geehrter herr präsident richtig?",
    "frau ministerin kommt erst um zehn",
]


@pytest.mark.parametrize("text", TITLES)
def test_a_title_after_a_salutation_is_no_name(redactor, text):
    assert found(redactor, text) == set()


def test_the_name_after_salutation_and_title_is_still_found(redactor):
    assert found(redactor, "hallo herr bürgermeister wojcik, kurze frage") == {"wojcik"}


# A degree adverb is followed by an adjective, not by a name ("ganz frank").
def test_a_first_name_after_a_degree_adverb_is_an_adjective(redactor):
    assert found(redactor, "ehrlich gesagt und ganz frank: das formular ist zu lang") == set()
    assert found(redactor, "das war sehr frank formuliert von der aufsicht") == set()


def test_a_first_name_without_the_adverb_is_still_found(redactor):
    assert found(redactor, "das hat frank formuliert, nicht ich") == {"frank"}


# A word talked about as a word: "deniz bedeutet meer".
WORD_USE = [
    "deniz bedeutet meer, wäre das ein name für den neuen badesee-kiosk?",
    "noor ist arabisch für licht – passt das fürs nachbarschaftsfest?",
    "Das Wort yusuf steht im Flyer falsch getrennt.",
    "Yara bedeutet Schmetterling, so soll das neue Familiencafé heißen.",
    "wie schreibt man annelies im flyer, mit einem oder zwei l?",
]


@pytest.mark.parametrize("text", WORD_USE)
def test_a_name_talked_about_as_a_word_is_no_person(redactor, text):
    assert found(redactor, text) == set()


def test_a_person_who_is_turkish_is_still_a_person(redactor):
    assert found(redactor, "deniz ist türkisch und braucht einen dolmetscher") == {"deniz"}


# A name-like word that begins an English phrase ("amber alert").
ENGLISH = [
    "was heißt eigentlich amber alert auf deutsch?",
    "die grace period für das update endet freitag",
]


@pytest.mark.parametrize("text", ENGLISH)
def test_a_name_like_word_in_an_english_phrase_is_no_person(redactor, text):
    assert found(redactor, text) == set()


def test_a_name_before_a_german_verb_is_still_found(redactor):
    assert found(redactor, "grace hat den antrag zurückgezogen") == {"grace"}
    # only a name that is an English word too starts an English phrase
    assert found(redactor, "anna office ist heute zu") == {"anna"}


def test_names_after_a_salutation_and_a_title_or_office_surname_are_still_found(redactor):
    assert found(redactor, "herr dr. müller kommt um zehn") == {"müller"}
    assert found(redactor, "frau richter ruft zurück") == {"richter"}


# Place names after a building or district noun, models after a brand.
PLACES_AND_MODELS = [
    "Der Saal im Gemeindehaus Pützchen ist am Samstag belegt.",
    "Die Grundschule Holzlar bekommt neue Tafeln.",
    "Mein Rechner ist ein Lenovo Yogabook, der andere ein Dell Vostrox.",
    "Bestellt sind zwei Brother Farbdrucker und ein Dell Precisionbook.",
    "der zweite dienstwagen ist ein renault zoe, der dritte ein seat leon",
    "Der Seat Leon und der Renault Zoe sind bestellt.",
    "das catering macht das café luise aus der altstadt",
]


@pytest.mark.parametrize("text", PLACES_AND_MODELS)
def test_places_after_a_building_and_models_after_a_brand_are_no_names(redactor, text):
    assert found(redactor, text) == set()


def test_a_surname_after_a_brand_first_name_is_still_a_name(redactor):
    assert found(redactor, "Mercedes Gonzalez hat den Antrag gestellt.") == {"Mercedes Gonzalez"}
    assert found(redactor, "hab bei der telekom mit leon schäfer gesprochen") == {"leon schäfer"}


# Voice assistants and funding programmes: products, no persons.
PRODUCTS = [
    "dürfen cortana oder siri auf dienstgeräten an sein?",
    "der antrag auf erasmus+ mittel ist raus",
    "Das Projekt läuft über Interreg und Horizon Europe.",
]


@pytest.mark.parametrize("text", PRODUCTS)
def test_assistants_and_programmes_are_no_names(redactor, text):
    assert found(redactor, text) == set()
