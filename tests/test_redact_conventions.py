"""Dates of birth and licence plates as staff write them (issue 10, second round).

Written from general conventions, not from evaluation data: a date of birth follows
the name it belongs to (in brackets, after a comma or a space), a relation ("die
tochter vom …") or an age; licence plates follow the Fahrzeug-Zulassungsverordnung
(district code of Anlage 1, 1–2 letters, 1–4 digits, E/H suffix) in any case and
with any separator or none.
"""

from __future__ import annotations

import pytest
from redact_util import found

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


BIRTH_DATES = [
    # right after the name: in brackets, after a comma, after a space
    ("yilmaz, ahmet (03.04.1981) hat angerufen", "03.04.1981"),
    ("Herr Kaya, 3. april 1979, wohnt jetzt woanders", "3. april 1979"),
    ("kind lena 12.5.2019 braucht einen kitaplatz", "12.5.2019"),
    ("antragstellerin 1975-04-03 sucht eine wohnung", "1975-04-03"),
    ("mutter: elif demir 14 02 1968", "14 02 1968"),
    # a relation with "von"/"vom"
    ("die tochter vom 12.05.2019 ist krank", "12.05.2019"),
    # an age next to it
    ("frau k., 43 j., 12.03.1983", "12.03.1983"),
    # a birth phrase after the date
    ("sie kam am 3.4.1981 in kiel zur welt", "3.4.1981"),
    # the general case: an old full date in a message about a person
    ("herr demir, wohnhaft in mainz, 14.02.1968", "14.02.1968"),
]


@pytest.mark.parametrize(("text", "value"), BIRTH_DATES)
def test_dates_of_birth_by_where_they_stand(redactor, text, value):
    assert ("DATE_OF_BIRTH", value) in found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Gesetz vom 12. März 1990 (BGBl. I S. 2)",
        "der bescheid vom 12.03.1999 an frau k.",
        "herr demir ist am 12.03.1985 zugezogen",
        "Herr Kaya 02.12.2026 angerufen",
        "der antragsteller hat am 12.03.1999 den antrag gestellt",
        "es waren 12 03 1985 leute da",
    ],
)
def test_other_dates_stay(redactor, text):
    assert not {t for t, _ in found(redactor, text)} & {"DATE_OF_BIRTH"}


PLATES = [
    ("mzab123 steht im halteverbot", "mzab123"),
    ("MZAB123 steht im halteverbot", "MZAB123"),
    ("kennzeichen mzk481", "mzk481"),
    ("Mz-ab 123 steht da", "Mz-ab 123"),
    ("kennzeichen KO AB 123 H ist ein oldtimer", "KO AB 123 H"),
    # district codes of Anlage 1 beyond the most common ones
    ("gap xy 99 steht seit tagen da", "gap xy 99"),
    ("alf k 12 steht da", "alf k 12"),
]


@pytest.mark.parametrize(("text", "value"), PLATES)
def test_licence_plates_in_any_case_and_separation(redactor, text, value):
    assert ("LICENCE_PLATE", value) in found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "kw12 ist urlaub",
        "TOP3 der sitzung",
        "raum b204",
        "ticket inc123",
        "das ist es um 12",
        "FFP2-Masken und LKW40 im Lager",
        "zwei FFP2 für die kita3",
    ],
)
def test_codes_and_words_are_no_plates(redactor, text):
    assert not found(redactor, text)


def covered(redactor: Redactor, text: str, value: str) -> bool:
    """Every character of `value` lies inside a PERSON redaction."""
    start = text.index(value)
    spans = [(e.start, e.end) for e in redactor.redact(text).entities if e.type == "PERSON"]
    return all(any(s <= i < e for s, e in spans) for i in range(start, start + len(value)))


NAMES = [
    # initial and surname, with or without a space
    ("bitte an a. yilmaz weiterleiten", "a. yilmaz"),
    ("A.Yilmaz ist zuständig", "A.Yilmaz"),
    # "Nachname, Vorname"
    ("Müller, Hans hat angerufen", "Müller"),
    # a list after a name: commas, semicolons, und
    ("gespräch mit murat, nguyen; hoang und emre", "nguyen"),
    # a listed name before a name in a list
    ("teilnehmer: schmidt, kowalski, nguyen", "schmidt"),
    # endings only surnames have
    ("termin mit jankowski morgen", "jankowski"),
    ("petrović hat angerufen", "petrović"),
    # elided particles and particles after a salutation
    ("post für o'brien", "o'brien"),
    ("akte von d'angelo liegt vor", "d'angelo"),
    ("herr van der berg kommt", "van der berg"),
    ("Termin mit Jan-Hendrik van der Meer am Montag", "Jan-Hendrik van der Meer"),
    # the Arabic article joined by a hyphen
    ("Antrag von Yusuf ibn Khalid al-Amin", "Yusuf ibn Khalid al-Amin"),
]


@pytest.mark.parametrize(("text", "value"), NAMES)
def test_names_by_general_conventions(redactor, text, value):
    assert covered(redactor, text, value)


@pytest.mark.parametrize(
    "text",
    [
        "die frau von der stadt kommt",
        "Die Richter, Staatsanwälte und Beamten",
        "z. B. Müll und Papier",
        "termin mit kollegen, bitte",
        "Empfänger von der Stadt",
        "die Vertreter von den Ländern",
    ],
)
def test_ordinary_words_in_these_shapes_stay(redactor, text):
    assert not found(redactor, text)


@pytest.mark.parametrize(
    "text",
    [
        "Kündigung Frau Weber 31.03.2010",
        "Eintritt: 01.04.2005, Herr Müller",
        "Herr Müller † 12.03.1999",
        "Herr Müller, gest. 12.03.1999",
    ],
)
def test_dates_of_events_of_a_person_are_no_birth_dates(redactor, text):
    assert not {t for t, _ in found(redactor, text)} & {"DATE_OF_BIRTH"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("geb. 3.apr.1979", "3.apr.1979"),
        ("am 3.apr.1979 geboren", "3.apr.1979"),
        ("antragsteller 1981/04/03 wohnt hier", "1981/04/03"),
        ("antragsteller 1981.4.3 wohnt hier", "1981.4.3"),
    ],
)
def test_birth_dates_in_further_notations(redactor, text, value):
    assert ("DATE_OF_BIRTH", value) in found(redactor, text)


def test_a_brand_that_is_also_a_first_name_stays_after_a_preposition(redactor):
    assert not found(redactor, "angebot von mercedes liegt vor")


def test_year_of_birth_after_jg_without_a_dot(redactor):
    assert ("DATE_OF_BIRTH", "1981") in found(redactor, "herr k., jg 1981")
