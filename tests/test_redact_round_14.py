"""Round of session 14 (issue 10): rules that follow a label's form, not a set's wording.

A compound label whose head names a number — "-nummer", "-Nr.", and also "-konto",
"-kennung", "-zeichen" (Beitragskonto, Vorgangskennung, Buchungszeichen) — says that the
value after it is an account or file key of someone's matter, whatever the first part of
the compound is. The contact, plate, document and identifier labels that have a
recognizer of their own keep their type, also inside a compound (Rückrufnummer,
Fahrzeugkennzeichen, Personalausweisnummer), and the administration's own process
numbers (orders, inventory, invoices of suppliers) stay readable.

Every example is made up.
"""

from __future__ import annotations

import pytest
from redact_util import found, masked

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


CASE_NUMBERS = [
    # a head that names an account or a key, any first part
    ("Elternbeitrag bitte auf Beitragskonto 52-71043 buchen, Mutter ist Frau Lenz.", "52-71043"),
    ("Sie fragt nach dem Mitgliedskonto 7731-0082 ihres Sohnes.", "7731-0082"),
    ("gebührenkonto 88.4410.2 ist seit märz im rückstand", "88.4410.2"),
    ("Bitte die Vorgangskennung BW-88213-K im Fachverfahren prüfen.", "BW-88213-K"),
    ("Erstattung mit Buchungszeichen 4.1203.558821.6 anweisen.", "4.1203.558821.6"),
    # one code of six or more digits, letters around it at most four
    ("Die AZR-Nr. 208815530141 fehlt noch in der Akte von Herrn Okoro.", "208815530141"),
    ("Schülernummer 44081729 ist doppelt vergeben.", "44081729"),
    ("Matrikelnr. SW9927104 liegt der Bescheinigung bei.", "SW9927104"),
]


@pytest.mark.parametrize(("text", "value"), CASE_NUMBERS)
def test_a_number_after_a_number_label_is_a_case_number(redactor, text, value):
    assert masked(redactor, text, value, "CASE_NUMBER"), found(redactor, text)


OWN_TYPES = [
    # labels whose value has its own type, also as the tail of a compound
    ("Die Rückrufnummer 061311234567 hat er hinterlassen.", "061311234567", "PHONE"),
    ("Fahrzeugkennzeichen MZ-AB 1234 gehört Herrn Ost.", "MZ-AB 1234", "LICENCE_PLATE"),
    ("Das Girokonto DE02120300000000202051 gehört Frau Lenz.", "DE02120300000000202051", "IBAN"),
    ("Personalausweisnummer L01X00T47 liegt vor.", "L01X00T47", "ID_CARD"),
]


@pytest.mark.parametrize(("text", "value", "kind"), OWN_TYPES)
def test_an_identifier_label_keeps_its_own_type(redactor, text, value, kind):
    assert masked(redactor, text, value, kind), found(redactor, text)


KEPT = [
    # the administration's own processes and products
    "Die Inventarnummer 2026-00412 gehört zum Drucker im Raum 3.",
    "Bestellnummer 45001234567 wurde an den Lieferanten geschickt.",
    "Die Rechnungsnummer RE-2026-88123 des Lieferanten ist falsch.",
    "Seriennummer 5CG81234567 steht auf dem Typenschild.",
    # the accounts of the municipal budget
    "Die Beihilfe wird über das Sachkonto 543120 gebucht, Kostenstelle 5010.",
    "Haushaltskonto 4711.523100 ist ausgeschöpft, bitte Aufwandskonto 542900 nehmen.",
    # a short number after a sign or a form's label is no file key
    "Verkehrszeichen 274 steht an der Einfahrt.",
    "Im Formular Zeichen 12 bitte leer lassen.",
]


@pytest.mark.parametrize("text", KEPT)
def test_no_case_number_is_found_in(redactor, text):
    kinds = {kind for kind, _ in found(redactor, text)}
    assert "CASE_NUMBER" not in kinds, found(redactor, text)


# Pasted tables: the header cell, not the code's shape, says what a column holds.
TABLE_CASE_NUMBERS = [
    # a short code under a file-number cue of the conf
    (
        "Kassenzeichen\tSchuldner\tBetrag\nKB 4471\tJonas Pfeil\t30,00\nKB 4472\tEmma Kurz\t12,00",
        ["KB 4471", "KB 4472"],
    ),
    # Markdown: outer bars and the rule line are no cells
    (
        "| Az. | Antragsteller | Eingang |\n|---|---|---|\n| WG 17 | Mira Olsson | 03.02. |",
        ["WG 17"],
    ),
    ("Personalnummer;Dienststelle;Stunden\n1104;Bauhof;38,5\n7720;Kita;19,5", ["1104", "7720"]),
    # a compound with a number head, no cue word of its own
    (
        "Schülernummer\tKlasse\tName\nSN-88\t4b\tLeon Hartig\nSN-91\t4b\tAda Brink",
        ["SN-88", "SN-91"],
    ),
    (
        "Kundennummer | Tarif | Zähler\nK-3391 | Grundversorgung | 12\nK-3392 | Wärme | 7",
        ["K-3391", "K-3392"],
    ),
]


@pytest.mark.parametrize(("text", "values"), TABLE_CASE_NUMBERS)
def test_a_code_under_a_number_label_header_is_a_case_number(redactor, text, values):
    for value in values:
        assert masked(redactor, text, value, "CASE_NUMBER"), found(redactor, text)


TABLE_KEPT = [
    # the administration's own processes, also rows far below the header
    (
        "Ticket\tKategorie\tStatus\nSD-2026-00412\tDrucker\toffen\nSD-2026-00413\tVPN\toffen\n"
        "SD-2026-00414\tMail\toffen\nSD-2026-00415\tTelefonie\tgeschlossen"
    ),
    (
        "Auftragsnummer | Lieferant | Betrag\n2026-004417 | Büro GmbH | 120,00\n"
        "2026-004418 | Papier AG | 80,00\n2026-004419 | Toner KG | 45,00"
    ),
    (
        "| Inventarnr. | Standort | Zustand |\n|---|---|---|\n| 2026-88101 | Raum 2.14 | gut |\n"
        "| 2026-88102 | Raum 2.15 | defekt |\n| 2026-88103 | Lager | gut |"
    ),
    # a date or an amount under a file-number header is no file number
    "Aktenzeichen;Eingang;Betrag\n12.03.2026;12.03.2026;45,00",
]


@pytest.mark.parametrize("text", TABLE_KEPT)
def test_no_case_number_in_an_own_process_column(redactor, text):
    kinds = {kind for kind, _ in found(redactor, text)}
    assert "CASE_NUMBER" not in kinds, found(redactor, text)


# The administration's own fleet: a pool car, a service's or utility vehicle, a vehicle
# "des Bauhofs" / "vom Jugendamt" right before its plate belongs to no person.
FLEET_KEPT = [
    "Das Poolfahrzeug WI-PS 204 ist ab Montag wieder buchbar.",
    "Bitte das Fahrzeug des Bauhofs GG-BH 88 bis Freitag zum TÜV bringen.",
    "Der Bus vom Jugendamt LD-GA 31 hat einen Platten.",
    "Kehrmaschine NW-K 7 und Müllfahrzeug NW-M 12 fallen diese Woche aus.",
    "Pkw des Ordnungsamts KA-OA 4 und KA-OA 5 fahren heute Streife.",
]


@pytest.mark.parametrize("text", FLEET_KEPT)
def test_a_plate_of_the_own_fleet_stays(redactor, text):
    kinds = {kind for kind, _ in found(redactor, text)}
    assert "LICENCE_PLATE" not in kinds, found(redactor, text)


CITIZEN_PLATES = [
    # a person's vehicle, also after "Fahrzeug" and beside an own vehicle
    ("Das Fahrzeug des Halters WI-XR 813 stand im Halteverbot.", "WI-XR 813"),
    ("Das Fahrzeug WI-XR 813 wurde abgeschleppt.", "WI-XR 813"),
    ("Fahrzeug der Antragstellerin: MZ-TL 902", "MZ-TL 902"),
    ("Das Auto vom Amtsarzt KA-AB 12 steht vor der Tür.", "KA-AB 12"),
    (
        "Unfall mit dem Poolfahrzeug an der Ampel, Unfallgegner war Herr Brix mit KH-RB 55.",
        "KH-RB 55",
    ),
]


@pytest.mark.parametrize(("text", "value"), CITIZEN_PLATES)
def test_a_citizens_plate_after_a_vehicle_word_is_masked(redactor, text, value):
    assert masked(redactor, text, value, "LICENCE_PLATE"), found(redactor, text)


# OCR'd scans: O/o for 0 and l/I for 1 inside a number are read as digits (ocr.py).
OCR_VALUES = [
    ("Geb.-Dat.: l7.O9.l962  Staatsang.: deutsch", "l7.O9.l962", "DATE_OF_BIRTH"),
    ("Tel. O6l3l / 55 2O 91 (privat)", "O6l3l / 55 2O 91", "PHONE"),
    ("Anschrift: Gartenweg l2, 55l16 Mainz", "Gartenweg l2", "ADDRESS"),
    ("amtl. Kennz. MZ-PK 4l7, Halter geb. O2.O5.l971", "MZ-PK 4l7", "LICENCE_PLATE"),
]


@pytest.mark.parametrize(("text", "value", "kind"), OCR_VALUES)
def test_digits_misread_by_ocr_are_read_as_digits(redactor, text, value, kind):
    assert masked(redactor, text, value, kind), found(redactor, text)


def test_ocr_reading_keeps_words_and_positions():
    from assistant.privacy.ocr import read_misread_digits

    text = "KOLL-Ol Il Ilse 1O Uhr, Pass NXR7P2K4l, O3.l1.l984"
    read = read_misread_digits(text)
    assert len(read) == len(text)
    assert read == "KOLL-Ol Il Ilse 10 Uhr, Pass NXR7P2K4l, 03.11.1984"
    # one look-alike alone may be a code of its own ("Raum O621"): no OCR'd text
    assert read_misread_digits("Raum O621 55 43 21 ist belegt").startswith("Raum O621")


# JSON exports of case systems: the key names the field as a table header does.
JSON_VALUES = [
    ('{"familienname": "Brandl", "vorname": "Ute"}', "Brandl", "PERSON"),
    ('{"person": {"nachname": "Okonkwo-Lenz", "plz": "55116"}}', "Okonkwo-Lenz", "PERSON"),
    ('[{"geburts_name": "Lindqvist", "ort": "Bingen"}]', "Lindqvist", "PERSON"),
    ('{"schuelernummer": "0071539", "klasse": "7c"}', "0071539", "CASE_NUMBER"),
    ('{"kassenzeichen": 5110233487, "betrag": 40.5}', "5110233487", "CASE_NUMBER"),
]


@pytest.mark.parametrize(("text", "value", "kind"), JSON_VALUES)
def test_a_json_value_is_read_by_its_key(redactor, text, value, kind):
    assert masked(redactor, text, value, kind), found(redactor, text)


JSON_KEPT = [
    '{"status": "Offen", "kategorie": "Meldewesen", "version": "2.4.1"}',
    '{"ticket": "INC-2026-004410", "inventar": "IT-NB-00912"}',
    '{"name": "Bürgerbüro Mitte", "stockwerk": 2}',
]


@pytest.mark.parametrize("text", JSON_KEPT)
def test_json_fields_of_no_person_stay(redactor, text):
    assert redactor.redact(text).text == text, found(redactor, text)


def test_an_identifier_with_a_letter_keeps_its_first_reading(redactor):
    # a KVNR starts with a letter, also O or I; the OCR reading must not retype it
    text = "Versichertennummer O123456781, Geb.-Dat. O4.l1.l958"
    assert masked(redactor, text, "O123456781", "HEALTH_INSURANCE"), found(redactor, text)
    assert masked(redactor, text, "O4.l1.l958", "DATE_OF_BIRTH"), found(redactor, text)


# A word cut short inside a sentence is an abbreviation, not an unknown name (DIN 5008).
CUT_SHORT = [
    "Bitte Rückmeldg. bis Freitag, sonst Mahng. an die Kasse.",
    "Alte Formbl. entsorgen, neue Antr. liegen im Fach.",
]


@pytest.mark.parametrize("text", CUT_SHORT)
def test_a_word_cut_short_is_no_name(redactor, text):
    assert not {kind for kind, _ in found(redactor, text)} & {"PERSON"}, found(redactor, text)


def test_a_listed_surname_before_a_dot_stays_a_name(redactor):
    text = "Rücksprache mit Schmidt. danach Vorlage an die Amtsleitung."
    assert masked(redactor, text, "Schmidt", "PERSON"), found(redactor, text)


# A company's name carries its legal form (HGB § 19): a surname in it names the firm.
FIRMS = [
    "Die Rechnung der Malerei Kowalczyk GmbH ist noch offen.",
    "Lieferant: Elektro Brandstetter GmbH & Co. KG, Industriestraße",
    "Angebot von Gärtnerei Thiele e.K. liegt vor.",
]


@pytest.mark.parametrize("text", FIRMS)
def test_a_surname_in_a_firm_name_is_no_person(redactor, text):
    assert "PERSON" not in {kind for kind, _ in found(redactor, text)}, found(redactor, text)


FIRM_PERSONS = [
    # a comma ends the firm; "AG" before a word is a working group
    ("Mit freundlichen Grüßen\nRalf Thiele, Thiele Bau GmbH", "Ralf Thiele"),
    ("Bitte Frau Kowalczyk AG Haushalt einladen.", "Kowalczyk"),
]


@pytest.mark.parametrize(("text", "value"), FIRM_PERSONS)
def test_a_person_next_to_a_firm_stays_masked(redactor, text, value):
    assert masked(redactor, text, value, "PERSON"), found(redactor, text)


# The genitive apostrophe of a name in s, ß, x, z belongs to the name's word form.
GENITIVES = [
    ("Klaus' Unterlagen liegen im Fach.", "Klaus'"),
    ("Das ist Frau Voß’ Antrag.", "Voß’"),
]


@pytest.mark.parametrize(("text", "value"), GENITIVES)
def test_a_genitive_apostrophe_is_part_of_the_name(redactor, text, value):
    assert masked(redactor, text, value, "PERSON"), found(redactor, text)


def test_a_quote_after_a_name_is_no_genitive(redactor):
    text = "Herr Lukas sagte 'morgen'."
    entities = redactor.redact(text).entities
    assert not any(text[e.end - 1] == "'" for e in entities), found(redactor, text)
