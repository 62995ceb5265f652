"""Clean staff text stays readable (issue 10): brands, products, English words and
abbreviations are no names, while names in the same positions are still found.

Written from the principles in docs/privacy.md, not from evaluation data.
"""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def persons(redactor: Redactor, text: str) -> set[str]:
    return {text[e.start : e.end] for e in redactor.redact(text).entities if e.type == "PERSON"}


CLEAN = [
    # brands and products that name lists also have as first names
    "hab gestern bei lidl und aldi eingekauft für das sommerfest",
    "bitte per dhl oder hermes versenden",
    "unser dienstwagen ist ein skoda octavia, der andere ein vw golf",
    "Wir haben Chrome und Firefox auf allen Rechnern.",
    # a product cue before the word: a company or product, no person
    "die firma otto liefert die möbel morgen",
    "Die Firma Otto liefert die Möbel morgen.",
    "das tool mattermost testen wir im sommer",
    "Das Tool Zulipchat testen wir im Sommer.",
    # English words in German chat (some name lists have them as names)
    "the office ist heute zu, wir machen das call morgen",
    "bitte das file auf den core server legen",
    # abbreviations typed in lower case
    "hab grad mit der awo telefoniert wegen der kita plätze",
    "hast du den link zum webinar von der kgst",
    "die drk bereitschaft kommt zum stadtfest",
    # English compounds and loanwords
    "Streetworker melden mehr Obdachlose am Hauptbahnhof.",
    "Wir planen Coworking im alten Kaufhaus.",
    # a saint's name names a church, a feast day or a place
    "Die Kita St. Martin braucht neue Spielgeräte.",
    "sankt martin umzug am 11.11. braucht absperrung",
    # compounds of a word-forming prefix and a noun or verb are ordinary words
    "Bei Nichtbestehen der Prüfung gilt das Höchstmaß der Gebühr.",
    # greetings and chat words of many languages
    "moin, kurze frage zur gebührenordnung",
    "ciao zusammen, merci für die infos, grazie mille",
]


@pytest.mark.parametrize("text", CLEAN)
def test_brands_products_and_english_words_are_no_names(redactor, text):
    assert persons(redactor, text) == set()


NAMES = [
    # German first names that are also brands stay names (a missed name is a leak)
    ("otto hat angerufen wegen der steuer", "otto"),
    # a brand as a first name counts with a surname or a cue
    ("Hermes Kowalczyk hat den Antrag gestellt.", "Hermes Kowalczyk"),
    ("frau hermes kommt um 10", "hermes"),
    ("die firma otto schmidt gmbh", "otto schmidt"),
    # first names that are no English word are unaffected
    ("hab murat aus dem jugendamt gefragt", "murat"),
    ("max kommt morgen später", "max"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_names_in_the_same_positions_are_still_found(redactor, text, name):
    assert any(name in found for found in persons(redactor, text))


OFFICE_ADDRESSES = [
    "das bürgerbüro in der kaiserstraße 3 hat heute zu",
    "Rathaus, Jockel-Fuchs-Platz 1, 55116 Mainz",
    "die Kita Sonnenschein, Lindenweg 5, braucht Spielgeräte",
    "das standesamt ist jetzt in der hauptstraße 12",
    "adresse des bürgerbüros: kaiserstraße 3",
]


@pytest.mark.parametrize("text", OFFICE_ADDRESSES)
def test_the_address_of_an_office_is_no_personal_data(redactor, text):
    assert not redactor.redact(text).entities


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Frau Kaya wohnt in der Lindenallee 4.", "Lindenallee 4"),
        ("frau müller vom jugendamt wohnt privat in der gartenstraße 7", "gartenstraße 7"),
        ("Tochter, Kita-Platz, Bescheid bitte an Am Fort Elisabeth 21", "Am Fort Elisabeth 21"),
        ("insgesamt wohnen in der hauptstraße 12 drei familien", "hauptstraße 12"),
        (
            "Eigentümer laut Auskunft des Katasteramts ist Herr Gerd Wolf, Am Hang 4, 55131 Mainz.",
            "Am Hang 4, 55131 Mainz",
        ),
    ],
)
def test_a_persons_address_near_an_office_word_is_still_found(redactor, text, value):
    found = {text[e.start : e.end] for e in redactor.redact(text).entities if e.type == "ADDRESS"}
    assert value in found
