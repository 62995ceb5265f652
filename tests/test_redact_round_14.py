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
