"""Identifiers from their specifications (session 9, issue 10).

Every value here is made up and written from the format's rules: German street-name
types and house numbers, the Steuer-ID of § 139b AO (ISO/IEC 7064 MOD 11,10 and the
digit-repetition rule), the states' Steuernummer formats, the document numbers of
ICAO 9303 and the Fahrerlaubnis-Verordnung, the notations of a date of birth.
"""

from __future__ import annotations

import pytest
from redact_util import found, masked

from assistant.privacy import Redactor, build_redactor
from assistant.privacy.recognizers import steuer_id_valid


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def steuer_id(first_ten: str) -> str:
    """The eleventh digit of ISO/IEC 7064 MOD 11,10."""
    product = 10
    for digit in first_ten:
        total = (int(digit) + product) % 10 or 10
        product = total * 2 % 11
    return first_ten + str((11 - product) % 10)


# --- 1. addresses ------------------------------------------------------------------------

ADDRESSES = [
    # prepositional street names of the common German types, any case, no cue
    "An der Kirche 3a",
    "an der kirche 3a",
    "Im Wiesengrund 12",
    "auf dem kamp 4",
    "Zur Mühle 7",
    "unter den eichen 2",
    "In den Gärten 3",
    # "Alt-" names of old village cores
    "Alt-Moabit 10",
    "alt-tegel 4",
    # an adjective before a street word of the northern and bridge types
    "große twiete 3",
    "Hohe Brücke 2",
    # house numbers with suffixes and ranges
    "Zur Mühle 14 a-c",
]


@pytest.mark.parametrize("value", ADDRESSES)
def test_street_names_of_the_german_types(redactor, value):
    text = f"kannst du {value} nachschauen?"
    assert masked(redactor, text, value), found(redactor, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("wohnt jetzt zur mühle 7, 55116 mainz", "zur mühle 7, 55116 mainz"),
        ("Post an Postfach 12 34 56, 55116 Mainz", "Postfach 12 34 56, 55116 Mainz"),
        ("Postfach 123456", "Postfach 123456"),
        ("sein postfach 12 34", "postfach 12 34"),
        ("goethestr 5 in mainz", "goethestr 5 in mainz"),
        ("55116 Mainz, Goethestr. 5", "55116 Mainz, Goethestr. 5"),
        ("lindenallee 3, mainz", "lindenallee 3, mainz"),
        ("neue anschrift: 55118 mainz", "55118 mainz"),
        # DIN 5008: postcode and town on the next line, a country before the postcode
        ("Herr Kaya\nHauptstraße 12\n55116 Mainz", "Hauptstraße 12\n55116 Mainz"),
        ("Hauptstraße 12 D-55116 Mainz", "Hauptstraße 12 D-55116 Mainz"),
        ("Hauptstraße 12; 55116 Mainz", "Hauptstraße 12; 55116 Mainz"),
        # the house number labelled
        ("Lindenstraße, Hausnummer 12", "Lindenstraße, Hausnummer 12"),
        ("lindenstr. hausnr. 7", "lindenstr. hausnr. 7"),
    ],
)
def test_postcode_town_and_post_office_boxes_belong_to_the_address(redactor, text, value):
    assert masked(redactor, text, value), found(redactor, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sie wohnt jetzt in der gartenstraße", "gartenstraße"),
        ("wohnhaft lindenweg, mainz", "lindenweg, mainz"),
        ("gemeldet in der Karl-Marx-Str.", "Karl-Marx-Str."),
    ],
)
def test_a_street_of_residence_needs_no_house_number(redactor, text, value):
    assert masked(redactor, text, value), found(redactor, text)


@pytest.mark.parametrize(
    "text",
    ["die gartenstraße ist gesperrt", "wohnt in der nähe vom bahnhof", "wohnt in der straße"],
)
def test_a_street_without_number_or_word_of_residence_stays(redactor, text):
    assert not any(kind == "ADDRESS" for kind, _ in found(redactor, text))


@pytest.mark.parametrize(
    "text",
    [
        "am Montag 5 Termine",
        "im Raum 3 um zehn",
        "Zimmer 2.14 im Rathaus",
        "nach § 5 Abs. 2",
        "Vorlage 2026/0419 im Rat",
        "an der Reihe 3 sind wir",
        "Zur Sitzung 7 Leute",
        "unter den Umständen 2 Fälle",
        "wir stehen an der Kirche 3 Stunden",
        "an der Kirche 3 Kinder gesehen",
        "an der kirche 3 kinder gesehen",
        "zur schule 2 kinder bringen",
        "auf der wiese 3 zelte",
        "am Tor 3 warten",
        "Postfach-Verwaltung 2 Stellen",
        "Goethestraße, 5 Minuten zu Fuß",
    ],
)
def test_look_alikes_of_prepositional_streets_stay(redactor, text):
    assert not any(kind == "ADDRESS" for kind, _ in found(redactor, text))


# --- 2. Steuer-ID and Steuernummer -------------------------------------------------------

TAX_ID = steuer_id("4715203849")  # 4 twice, the other digits once


def test_the_made_up_steuer_id_is_valid():
    assert steuer_id_valid(TAX_ID)
    assert not steuer_id_valid(steuer_id("5551234678"))  # a digit three times in a row
    assert not steuer_id_valid(steuer_id("4715203869"))  # no digit repeated


@pytest.mark.parametrize(
    "grouping",
    [
        "{0}{1}-{2}{3}{4}-{5}{6}{7}-{8}{9}{10}",
        "{0}{1}{2}{3}{4}{5} {6}{7}{8}{9}{10}",
        "{0} {1}{2} {3}{4} {5}{6} {7}{8} {9}{10}",
        "{0}{1} / {2}{3}{4} / {5}{6}{7} / {8}{9}{10}",
    ],
)
def test_steuer_id_in_any_grouping(redactor, grouping):
    value = grouping.format(*TAX_ID)
    text = f"die steuer-id ist {value}, bitte prüfen"
    assert ("TAX_ID", value) in found(redactor, text)


def test_check_digit_alone_is_not_enough_without_the_repetition_rule(redactor):
    looks_valid = steuer_id("5551234678")
    assert not found(redactor, f"zahl {looks_valid} in der tabelle")
    assert ("TAX_ID", looks_valid) in found(redactor, f"steuer-id {looks_valid}")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("StNr 181/815/08155", "181/815/08155"),  # Bayern 3/3/5
        ("St.-Nr. 2181508150", "2181508150"),  # Hamburg without separators
        ("steuernummer 93815/08152", "93815/08152"),  # Baden-Württemberg 5/5
        ("Steuernummer 29 815 08158", "29 815 08158"),  # Schleswig-Holstein with spaces
        ("st-nr. 133/8150/8159", "133/8150/8159"),  # Nordrhein-Westfalen 3/4/4
        ("ihre steuer-nr lautet 2722081508154", "2722081508154"),  # 13-digit federal
        ("stnr.: 013 815 08153 beim finanzamt", "013 815 08153"),  # Hessen
    ],
)
def test_steuernummer_in_the_states_formats_after_a_cue(redactor, text, value):
    assert ("TAX_ID", value) in found(redactor, text)


def test_steuernummer_without_a_cue_stays(redactor):
    assert not found(redactor, "Seite 181/815 und Zeile 08155")


# --- 3. identity documents ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("führerschein b072rrk2u51", "b072rrk2u51"),
        ("Führerschein-Nr.: B072RRK2U51", "B072RRK2U51"),
        ("führerscheinnummer j0102345671 liegt vor", "j0102345671"),
        ("fs-nr B072RRK2U51", "B072RRK2U51"),
    ],
)
def test_driving_licence_numbers_after_a_cue(redactor, text, value):
    assert masked(redactor, text, value), found(redactor, text)


def test_id_card_serial_in_lower_case_without_check_digit_after_a_cue(redactor):
    text = "personalausweis von frau kaya: l01x00t47"
    assert ("ID_CARD", "l01x00t47") in found(redactor, text)
    assert not any(kind == "ID_CARD" for kind, _ in found(redactor, "notiz l01x00t47 prüfen"))


# --- 4. dates of birth --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("geb. 3 4 1987 in kiel", "3 4 1987"),
        ("Geb.-Datum 3.4.87", "3.4.87"),
        ("Geb.-Dat. 03.04.1987", "03.04.1987"),
        ("geboren am 3. april 1987", "3. april 1987"),
        ("herr kaya, jahrgang 1961, wohnt allein", "1961"),
        ("sie ist jahrgang 58 und wohnt allein", "58"),
    ],
)
def test_dates_of_birth_in_their_notations(redactor, text, value):
    assert ("DATE_OF_BIRTH", value) in found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "der Jahrgang 2024 der Azubis startet",
        "NVwZ Jg. 1985, S. 12",
        "Jahrgang 85 war ein guter Wein",
        "frist bis 3.4.2027",
        "Sitzung am 3. April 2026",
    ],
)
def test_a_year_after_jahrgang_alone_is_no_date_of_birth(redactor, text):
    assert not any(kind == "DATE_OF_BIRTH" for kind, _ in found(redactor, text))
