"""Round of session 15 (issue 10): clean staff messages stay unchanged.

The administration's own lines are no person's: a switchboard ("-0", DIN 5008) with the
office named anywhere in the text, the number ranges the Bundesnetzagentur assigns to
services (0800 free, 0180 shared cost, 0900 premium), and an office's number given as an
alternative to its mailbox or to the online service, or with the office named in brackets
after it. A person's number in the same shapes still goes.

Every example is made up.
"""

from __future__ import annotations

import pytest
from redact_util import masked

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


OFFICE_LINES = [
    "Anmeldung zur Sprechstunde telefonisch unter 0261 40-0 (Vermittlung).\n\nIhr Jugendamt",
    "Störungen bitte an die kostenlose Nummer 0800 330 4455 melden.",
    "Die Servicenummer des Herstellers ist 01805 22 33 44.",
    "Rückfragen an jugendamt@koblenz.example oder 0261 129-2300.",
    "Anträge online oder telefonisch 0261 129-2300 stellen.",
    "Bitte melden: Tel. 0261 129-2300 (Bürgertelefon Sozialamt)",
    "Auskunft unter 0261 129-2310 (Servicenummer Elterngeld).",
]


@pytest.mark.parametrize("text", OFFICE_LINES)
def test_office_lines_stay(redactor, text):
    assert not redactor.redact(text).entities


PERSONAL_LINES = [
    ("Frau Roth bittet um Rückruf, roth@example.org oder 0261 129-2301.", "0261 129-2301"),
    ("Herr Kaya: 0171 2345678, oder per Mail kaya@gmx.de", "0171 2345678"),
    ("Tel. 0261 129-2300 (Herr Özdemir)", "0261 129-2300"),
    ("die mutter ist unter 0176 55512345 erreichbar", "0176 55512345"),
    ("Herr Brandt arbeitet im Jugendamt, privat 0261 88 41 20", "0261 88 41 20"),
    (
        "Rückruf an Frau Weiß unter 06131 48-227, sie ist online oder telefonisch da.",
        "06131 48-227",
    ),
]


@pytest.mark.parametrize("text, value", PERSONAL_LINES)
def test_personal_lines_still_masked(redactor, text, value):
    assert masked(redactor, text, value, "PHONE")


# Functional mailboxes: a role or distribution word beside an office's short form.
OWN_MAILBOXES = [
    "Bitte an ga-leitung@kreis-mayen.example schicken.",
    "Rundmail an alle-mitarbeitenden@stadt.example, bitte lesen.",
    "Info ging an verteiler-bauamt@stadt.example und alle-beschaeftigten@stadt.example.",
]


@pytest.mark.parametrize("text", OWN_MAILBOXES)
def test_functional_mailboxes_stay(redactor, text):
    assert not redactor.redact(text).entities


PERSONAL_MAILBOXES = [
    ("Mail von jk@gmx.example kam gestern.", "jk@gmx.example"),
    ("Bitte an tim-leitung@web.example antworten.", "tim-leitung@web.example"),
    ("Kopie an ab.mueller@stadt.example", "ab.mueller@stadt.example"),
]


@pytest.mark.parametrize("text, value", PERSONAL_MAILBOXES)
def test_personal_mailboxes_still_masked(redactor, text, value):
    assert masked(redactor, text, value, "EMAIL")


# Words the lexicon lacked: the noun "Kontingent" (also as a compound's head), languages
# whose German name is no -isch adjective, and two-factor apps named after their task.
COMMON_WORDS = [
    "Bitte Jahreskontingent beim Land anfragen.",
    "Termine gibt es noch, Restkontingent ab Montag.",
    "Merkblätter gibt es auf Deutsch, Urdu, Paschtu und Kurmandschi.",
    "Anmeldung per MFA über MS Authenticator oder Authy.",
    "Der Login klappt nur mit Authenticator.",
]


@pytest.mark.parametrize("text", COMMON_WORDS)
def test_common_words_stay(redactor, text):
    assert not redactor.redact(text).entities


# As with the compass points, a salutation still makes such a word a name; after a role
# word ("Kollegin Urdu") it is read as the noun, like "Kollegin Wald".
NAMES_WITH_CUES = [
    ("Frau Hindi hat angerufen.", "Hindi"),
    ("Herr Dari kommt morgen um neun.", "Dari"),
    ("Termin mit Frau Tigrinya-Haile am Montag.", "Tigrinya-Haile"),
]


@pytest.mark.parametrize("text, value", NAMES_WITH_CUES)
def test_such_words_after_a_cue_stay_names(redactor, text, value):
    assert masked(redactor, text, value, "PERSON")


# Numbers of the administration's own dealings: its customer, member or contract number
# with a supplier or an association, a framework agreement (VgV § 21), lost property.
OWN_NUMBERS = [
    "Kundennummer der Stadt 44-10923, bitte bei Rechnungen angeben.",
    "Mitgliedsnummer unserer Verwaltung im Städtetag: 2026-00412",
    "Vertragsnr. des Landkreises: KV-2025-00871 (Wartung Aufzüge)",
    "Abruf aus dem Rahmenvertrag RV-2026-0114 ist ausgelöst.",
    "Fundnr. FB-2026-0412: schwarzer Rucksack, abgeholt.",
    "Die Fundsache 2026-00123 liegt im Keller.",
]


@pytest.mark.parametrize("text", OWN_NUMBERS)
def test_own_numbers_stay(redactor, text):
    assert not redactor.redact(text).entities


PERSONS_NUMBERS = [
    ("Kundennummer der Mutter 44-10923, sie ruft zurück.", "44-10923"),
    ("Vertragsnummer des Mieters: 2026-00871", "2026-00871"),
    ("Mitgliedsnr. 77-31904 gehört zu Herrn Adeyemi.", "77-31904"),
    ("Az. JA-2026-00412 (Fundsache im Kinderzimmer)", "JA-2026-00412"),
]


@pytest.mark.parametrize("text, value", PERSONS_NUMBERS)
def test_persons_numbers_still_masked(redactor, text, value):
    assert masked(redactor, text, value, "CASE_NUMBER")


# Dictated numbers right after the switchboard, a hotline or a framework agreement.
DICTATED_OWN = [
    "Bitte über die Vermittlung null zwei sechs eins eins zwei neun null anrufen.",
    "Abruf aus Rahmenvertrag null acht eins fünf Strich zwei null ist raus.",
]


@pytest.mark.parametrize("text", DICTATED_OWN)
def test_dictated_own_numbers_stay(redactor, text):
    assert not redactor.redact(text).entities


def test_dictated_personal_number_still_masked(redactor):
    text = "Herr Okafor ist unter null eins sieben eins zwei drei vier fünf sechs erreichbar."
    assert masked(redactor, text, "null eins sieben eins zwei drei vier fünf sechs", "PHONE")


# After a role label, a compound with the head of an organisational unit is that unit.
UNITS_IN_ROLES = [
    "Ansprechpartner: Projektteam Digitalisierung.",
    "Ansprechpartnerin: Stabsstelle Klimaschutz, Raum 2.14",
]


@pytest.mark.parametrize("text", UNITS_IN_ROLES)
def test_units_in_roles_stay(redactor, text):
    assert not redactor.redact(text).entities


@pytest.mark.parametrize(
    "text, value",
    [
        ("Sachbearbeiter: Amtsleitung Müller", "Müller"),
        ("Sachbearbeiterin: Teamleitung Okonkwo-Baptiste", "Okonkwo-Baptiste"),
        ("Ansprechpartnerin: Yildiz", "Yildiz"),
    ],
)
def test_names_after_units_in_roles_still_masked(redactor, text, value):
    assert masked(redactor, text, value, "PERSON")


@pytest.mark.parametrize(
    "text, value",
    [
        ("Frau Ilić (Fahrschule) erreichen Sie unter 0800 444 2718.", "0800 444 2718"),
        ("Kopie an j.k+newsletter@example.org", "j.k+newsletter@example.org"),
    ],
)
def test_service_shapes_of_persons_still_masked(redactor, text, value):
    assert masked(redactor, text, value)
