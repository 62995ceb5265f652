"""Structured identifiers in the shapes their specifications allow (issue 10).

Every case here is written from the format's rules (court file numbers, ISO 9362,
RFC 5322 and the ways people hide addresses from harvesters, ICAO 9303 check
digits, date notations, German street-name types), not from evaluation data.
"""

from __future__ import annotations

import pytest
from redact_util import found

from assistant.privacy import Redactor, build_redactor
from assistant.privacy.recognizers import icao_check_digit


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def with_check_digit(serial: str) -> str:
    return serial + str(icao_check_digit(serial.upper()))


CASE_NUMBERS = [
    # cue with "-Nr." / "-Nummer" glued to it
    ("Bescheid-Nr. 2024-00123 ist falsch", "2024-00123"),
    ("bescheid-nr 2024/123 vom amt", "2024/123"),
    ("Tgb.-Nr. 1234/26 der Polizei", "1234/26"),
    ("BG-Nummer 12345BG0012345", "12345BG0012345"),
    # court file numbers: chamber/senate, register, number/year, place, suffix
    ("aktenzeichen 3 K 512/2026 beim vg", "3 K 512/2026"),
    ("das verfahren XII ZR 12/19 beim bgh", "XII ZR 12/19"),
    ("beim sg mainz S 12 AS 345/21 anhängig", "S 12 AS 345/21"),
    ("L 7 AS 123/19 B ER ist entschieden", "L 7 AS 123/19 B ER"),
    ("B 4 AS 12/20 R beim bsg", "B 4 AS 12/20 R"),
    ("bverwg 5 C 12.19", "5 C 12.19"),
    ("Az.: 2 Ds 123 Js 4567/21", "2 Ds 123 Js 4567/21"),
    ("2 StR 123/20 wurde zitiert", "2 StR 123/20"),
    ("5 AZR 123/19 vom BAG", "5 AZR 123/19"),
    # typed in lower case after a cue; grouped with spaces or " - "
    ("az 3 k 512/26 beim vg", "3 k 512/26"),
    ("Kassenzeichen 1234 5678 9012", "1234 5678 9012"),
    ("kundennummer 123 456 789 bitte", "123 456 789"),
    ("Aktenzeichen: 61.23 - 0815/2026", "61.23 - 0815/2026"),
    # Jobcenter: office, BG, seven digits, without a cue
    ("die bg 12345BG0012345 hat geklagt", "12345BG0012345"),
]


@pytest.mark.parametrize(("text", "value"), CASE_NUMBERS)
def test_case_numbers_in_their_formats(redactor, text, value):
    assert ("CASE_NUMBER", value) in found(redactor, text)


BICS = [
    ("BIC Cobadeffxxx", "Cobadeffxxx"),  # any case right after the cue
    ("bic: malade51mnz", "malade51mnz"),
    ("BIC: DEUT DE FF XXX", "DEUT DE FF XXX"),  # printed in its groups
    ("Swift-Code GENODEF1MZ1", "GENODEF1MZ1"),
]


@pytest.mark.parametrize(("text", "value"), BICS)
def test_bic_in_any_case_and_grouping(redactor, text, value):
    assert ("BIC", value) in found(redactor, text)


def test_bic_later_in_the_clause_of_its_cue_but_no_word(redactor):
    text = "die bic der commerzbank lautet cobadeff"
    assert ("BIC", "cobadeff") in found(redactor, text)
    assert not any(value == "commerzbank" for _, value in found(redactor, text))
    assert not found(redactor, "bic der sparkasse: wohngeld beantragt")


EMAILS = [
    "MAX.MUSTERMANN@WEB.DE",
    "jörg.müller@müller-bau.de",
    "a.b+newsletter@gmail.com",
    "anna.schmidt at gmx.de",
    "anna.schmidt (at) gmx (dot) de",
    "anna.schmidt[at]gmx[dot]de",
    "anna punkt schmidt at gmx punkt de",
    "k.nowak @ web.de",
    "k.nowak(ät)t-online.de",
]


@pytest.mark.parametrize("address", EMAILS)
def test_email_addresses_in_every_shape(redactor, address):
    text = f"bitte schreib an {address} wegen der unterlagen"
    assert ("EMAIL", address) in found(redactor, text)


@pytest.mark.parametrize(
    "text", ["sie ist at home", "Treffen at Google Campus", "das geht at least so"]
)
def test_the_english_word_at_makes_no_address(redactor, text):
    assert not any(kind == "EMAIL" for kind, _ in found(redactor, text))


def test_id_card_serial_in_lower_case_counts_by_its_check_digit(redactor):
    serial = with_check_digit("L01X00T47").lower()
    assert ("ID_CARD", serial) in found(redactor, f"hab die {serial} notiert")
    wrong = serial[:9] + str((int(serial[9]) + 1) % 10)
    assert not found(redactor, f"hab die {wrong} notiert")


DATES_OF_BIRTH = [
    ("geb. 12.3.88", "12.3.88"),
    ("Geburtsdatum: 29-02-1988", "29-02-1988"),
    ("geb. 12.März 1988", "12.März 1988"),
    ("geb. am 3. jan. 88", "3. jan. 88"),
    ("geb 12031988", "12031988"),
    ("dob 12 March 1988", "12 March 1988"),
    ("date of birth: March 12, 1988", "March 12, 1988"),
    ("geburtsdatum 1988/02/29", "1988/02/29"),
    ("sie ist am 1. mai 1980 geboren", "1. mai 1980"),
]


@pytest.mark.parametrize(("text", "value"), DATES_OF_BIRTH)
def test_dates_of_birth_in_every_notation(redactor, text, value):
    assert ("DATE_OF_BIRTH", value) in found(redactor, text)


ADDRESSES = [
    ("wohnt im lindenhof 3", "lindenhof 3"),
    ("Rosenhof 12a, 55116 Mainz", "Rosenhof 12a, 55116 Mainz"),
    ("anschrift: großer sand 12", "großer sand 12"),
    ("Sonnenberg 14 b", "Sonnenberg 14 b"),
    ("frankfurter chaussee 12-14", "frankfurter chaussee 12-14"),
    ("wohnt unterm berg 3", "unterm berg 3"),
    ("wohnt am schwarzen weg 4", "am schwarzen weg 4"),
]


@pytest.mark.parametrize(("text", "value"), ADDRESSES)
def test_addresses_of_further_street_types(redactor, text, value):
    assert any(kind == "ADDRESS" and value in span for kind, span in found(redactor, text))


def test_care_of_names_the_person(redactor):
    text = "post an c/o müller, bahnhofstr. 5, 55116 mainz"
    assert ("PERSON", "müller") in found(redactor, text)
    assert ("PERSON", "Kowalski") in found(redactor, "c/o Kowalski, Lindenweg 3")


@pytest.mark.parametrize(
    "text",
    [
        "Ratsvorlage 2026/0419 und DHH/2025/3105 bleiben",
        "§ 12 Abs. 3 SGB II und Art. 6 Abs. 1 lit. e DSGVO",
        "nach § 3 Nr. 12/20 der Satzung",
        "es waren 5 C um 12.30 Uhr",
        "der Zug fährt um 5 C 12.30 Uhr",
        "Treffpunkt am Bahnhof 3 Minuten vor Abfahrt",
        "im Spielfeld 2 stehen die Tore",
        "das Textfeld 3 ist leer",
        "in Heidelberg 12 Anträge",
        "am 12.03.1985 zugezogen",
    ],
)
def test_look_alikes_stay(redactor, text):
    assert not found(redactor, text)


@pytest.mark.parametrize("value", ["DE89-3704-0044-0532-0130-00", "de89.3704.0044.0532.0130.00"])
def test_iban_groups_joined_by_dashes_or_dots(redactor, value):
    assert ("IBAN", value) in found(redactor, f"iban {value} bitte")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("tel. 123456 (privat)", "123456"),
        ("durchwahl 4711", "4711"),
        ("tel.: 12 34 56", "12 34 56"),
    ],
)
def test_phone_number_without_area_code_after_a_cue(redactor, text, value):
    assert ("PHONE", value) in found(redactor, text)


@pytest.mark.parametrize(
    "text", ["Telefon 2024 eingeführt", "Telefon 115", "die Tel. 12 Uhr", "Tel. 10-12 Uhr besetzt"]
)
def test_years_and_the_city_number_after_tel_stay(redactor, text):
    assert not any(kind == "PHONE" for kind, _ in found(redactor, text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PA-Nr. L01X00T47", "L01X00T47"),
        ("pa nr l01x00t47", "l01x00t47"),
        ("RP-Nr.: C01X00T47", "C01X00T47"),
        ("personalausweis-nummer l01x00t47", "l01x00t47"),
        ("Visum Nr. 123456789", "123456789"),
    ],
)
def test_document_numbers_after_abbreviated_cues(redactor, text, value):
    assert ("ID_CARD", value) in found(redactor, text)


def test_two_digit_year_of_birth_but_not_a_school_year(redactor):
    assert ("DATE_OF_BIRTH", "85") in found(redactor, "Herr Kaya, Jahrgang 85, wohnt allein")
    assert not found(redactor, "Jahrgang 12 macht Abitur")


def _with_iban_check(country: str, bban: str) -> str:
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


@pytest.mark.parametrize(
    "iban",
    [
        _with_iban_check("RU", "044525225" + "40817" + "810538091310419"),
        _with_iban_check("SO", "1000" + "001" + "001000100141"),
        _with_iban_check("YE", "CBYE" + "0001" + "018861234567891234"),
    ],
)
def test_ibans_of_countries_newer_in_the_registry(redactor, iban):
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    for value in (iban, grouped):
        assert ("IBAN", value) in found(redactor, f"das geld geht an {value} zurück")
