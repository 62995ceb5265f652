"""Dictated numbers and switchboards (session 9, fifth set's tuning part, issue 10).

Staff dictate into a phone or a speech-to-text tool and get numbers written as words,
digit by digit ("null sechs eins drei eins …"), letters spelled one by one, dates as
ordinals ("am dritten mai neunzehnhundertachtzig") and house numbers as cardinals
("lindenweg vierzehn"). A switchboard (Zentrale, extension "-0" as DIN 5008 writes it)
belongs to an organisation, not to a person. Every value here is made up.
"""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def covering(redactor: Redactor, text: str, value: str) -> str | None:
    """The type of the one detection covering all of `value`, or None."""
    start = text.index(value)
    for e in redactor.redact(text).entities:
        if e.start <= start and start + len(value) <= e.end:
            return e.type
    return None


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        (
            "rückruf bitte unter null sechs eins eins neun acht sieben sechs fünf vier danke",
            "null sechs eins eins neun acht sieben sechs fünf vier",
            "PHONE",
        ),
        (
            "seine handynummer plus vier neun eins fünf zwo drei vier vier fünf sechs",
            "plus vier neun eins fünf zwo drei vier vier fünf sechs",
            "PHONE",
        ),
        (
            "die iban lautet de eins zwei drei vier fünf sechs sieben acht neun null eins zwei",
            "de eins zwei drei vier fünf sechs sieben acht neun null eins zwei",
            "IBAN",
        ),
        (
            "versichertennummer k eins zwei drei vier fünf sechs sieben acht neun bitte",
            "k eins zwei drei vier fünf sechs sieben acht neun",
            "HEALTH_INSURANCE",
        ),
        (
            "personalnummer null null acht drei eins fünf ab montag",
            "null null acht drei eins fünf",
            "CASE_NUMBER",
        ),
        (
            "neues kennzeichen k l m eins zwei drei vier zum ersten",
            "k l m eins zwei drei vier",
            "LICENCE_PLATE",
        ),
        ("bic x y z b d e f f x x x", "x y z b d e f f x x x", "BIC"),
    ],
)
def test_numbers_dictated_digit_by_digit(redactor, text, value, kind):
    assert covering(redactor, text, value) == kind


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("kind mia geboren am dritten mai zweitausendzwölf", "dritten mai zweitausendzwölf"),
        (
            "geburtsdatum siebzehnter oktober neunzehnhundertdreiundachtzig",
            "siebzehnter oktober neunzehnhundertdreiundachtzig",
        ),
        ("sohn ben geboren elfter elfter zwanzig fünfzehn", "elfter elfter zwanzig fünfzehn"),
    ],
)
def test_dates_of_birth_in_words(redactor, text, value):
    assert covering(redactor, text, value) == "DATE_OF_BIRTH"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sie wohnt jetzt im lindenweg vierzehn in bingen", "lindenweg vierzehn"),
        ("neue adresse birkenallee zweihundertdrei", "birkenallee zweihundertdrei"),
        ("grundstück im ulmenring sieben b es geht um den zaun", "ulmenring sieben b"),
    ],
)
def test_house_numbers_in_words(redactor, text, value):
    assert covering(redactor, text, value) == "ADDRESS"


@pytest.mark.parametrize(
    "text",
    [
        "Die Sitzung hat Punkt drei, vier und fünf vertagt.",
        "eins zwei drei, los geht es",
        "Die Mannschaft landete auf Platz zwei hinter dem Heimweg-Team.",
        "Auf dem Schulweg zwei Tage lang Baustellen, bitte Eltern informieren.",
        "Am dritten Mai zweitausendzwölf trat die Satzung in Kraft.",
        "Zentrale 06131 98-0, Durchwahlen siehe Intranet",
        "Bitte die Vermittlung unter 0621 777-0 anrufen.",
    ],
)
def test_counting_words_events_and_switchboards_stay(redactor, text):
    assert redactor.redact(text).text == text


def test_a_direct_line_is_still_a_phone_number(redactor):
    text = "Rückruf an Frau Berg, Tel. 06131 98-4711"
    assert covering(redactor, text, "06131 98-4711") == "PHONE"


def test_a_switchboard_without_an_office_is_still_a_phone_number(redactor):
    text = "Der Vermieter, Herr Brandt, ist unter 0611 4455-0 erreichbar."
    assert covering(redactor, text, "0611 4455-0") == "PHONE"


def test_an_offices_switchboard_stays(redactor):
    text = "Rückfragen an das Standesamt, Tel. 06131 98-0."
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Die Dienstfahrzeuge KL-XY 101 und KL-XY 102 werden ausgemustert.",
        "der fuhrpark meldet das dienstfahrzeug k l x y eins null drei hat einen platten",
        "Der städtische Wagen KL-XY 7E steht in der Werkstatt.",
    ],
)
def test_the_administrations_own_vehicles_stay(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Herr Lenz parkt mit KL-XY 101 vor der Einfahrt. Die Dienstfahrzeuge stehen im Hof.",
        "Unfall mit dem Dienstwagen an der Kreuzung, Unfallgegner Herr Lenz mit KL-XY 101.",
    ],
)
def test_a_persons_plate_near_the_fleet_is_found(redactor, text):
    assert covering(redactor, text, "KL-XY 101") == "LICENCE_PLATE"


@pytest.mark.parametrize(
    "text",
    [
        # Abbreviations in a chain: the dot is followed by another abbreviation.
        "Lt. Beschluss Genehmigungspfl. f. Anlagen ab 1.1.; Rückfr. erb.",
        "Wg. Sanierg. d. Turnhalle Unterr. im Container, Verlegg. v. 3.4. an.",
        # Umlauts typed as ae/oe/ue.
        "Termine fuer Trauungen und Geburtsfaelle stehen in der Uebersicht.",
        # A functional mailbox named after the office's task.
        "Bitte Antraege an hundesteuer@beispielstadt.de oder einbuergerung@beispielstadt.de.",
        # An office signs.
        "Die Kasse schließt früher.\n\nMit freundlichen Grüßen\nBauordnungsamt",
        "Viele Grüße\nFriedhofsverwaltung",
    ],
)
def test_abbreviations_transliterations_and_offices_are_no_names(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Gestern war Frau Nowak da, Kowalczyk. Sie kommt morgen.", "Kowalczyk", "PERSON"),
        ("Rückruf an Herrn Mueller erbeten", "Mueller", "PERSON"),
        ("Mit freundlichen Grüßen\nJana Kolbe", "Jana Kolbe", "PERSON"),
        ("Mit freundlichen Grüßen\nNeumann", "Neumann", "PERSON"),
        ("Mail an mueller@beispielstadt.de", "mueller@beispielstadt.de", "EMAIL"),
        ("Mail an koch@beispielstadt.de", "koch@beispielstadt.de", "EMAIL"),
    ],
)
def test_names_next_to_these_rules_are_still_found(redactor, text, value, kind):
    assert covering(redactor, text, value) == kind


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Fall Familie Weber (JG-2025-00417): Hausbesuch am Dienstag", "JG-2025-00417"),
        ("1. 61-BV-2025-0333 – Carport – Bauherr Jonas Keil", "61-BV-2025-0333"),
        ("Zahlungsreferenz: KA-2025-007731", "KA-2025-007731"),
        ("Tagebuchnummer der PI: 2025-00771234.", "2025-00771234"),
        ("bewilligt (Bescheid vom 3.2., Nr. 2025-LT-04417)", "2025-LT-04417"),
        ("unter Angabe des Aktenzeichens 12.4-771/2025 antworten", "12.4-771/2025"),
    ],
)
def test_file_references_with_a_year_and_a_serial(redactor, text, value):
    assert covering(redactor, text, value) == "CASE_NUMBER"


@pytest.mark.parametrize(
    "text",
    [
        "Die Sitzung ist am 2026-03-15 um 17 Uhr.",
        "Die Vorlagen 2026-0419 und 2026-0422 liegen vor.",
        "Zertifiziert nach DIN EN ISO 9001:2015, Förderperiode 2021-2027.",
        "Corona-Verordnung (COVID-19) vom Mai.",
        "Das Ticket HD-2025-04411 ist erledigt, siehe auch INC-2025-00412.",
        "Die Bestellung BE-2025-00412 ist eingegangen.",
    ],
)
def test_dates_periods_and_council_papers_are_no_file_references(redactor, text):
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Hausbesuch bei Familie Ott, Lindenallee 12, 2. OG, 55122 Mainz, am Montag.",
            "Lindenallee 12, 2. OG, 55122 Mainz",
        ),
        ("Frau Ott wohnt Rosenstraße 3, 1. Stock", "Rosenstraße 3, 1. Stock"),
        ("Herr Ott, Hauptstr. 9, Hinterhaus", "Hauptstr. 9, Hinterhaus"),
    ],
)
def test_the_floor_belongs_to_the_address(redactor, text, value):
    assert covering(redactor, text, value) == "ADDRESS"
