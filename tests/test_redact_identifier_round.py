"""Identifier round of session 12 (issue 10): ID documents, licence plates, tax numbers.

Every value is made up from the format's rules, none copied from a data file:
document numbers of ICAO 9303 (any grouping, the machine-readable zone), the plate
kinds of the FZV (spaced dash, short-term and red plates), the Steuer-ID with its check
digit set apart, the federal 13-digit Steuernummer. Each new rule is paired with
confusers of the same shape that must stay.
"""

from __future__ import annotations

import pytest
from redact_util import found, masked

from assistant.privacy import Redactor, build_redactor
from assistant.privacy.recognizers import steuer_id_valid

IDENTIFIER_TYPES = {"ID_CARD", "LICENCE_PLATE", "TAX_ID"}


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


# --- ID documents ---------------------------------------------------------------------

DOCUMENTS = [
    # grouped as people read a number out: a letter, then digit groups
    ("Pass-Nr.: C 4J7T R218 liegt in Kopie vor", "C 4J7T R218"),
    ("Pass-Nr. F 2201 773, gültig bis 2029", "F 2201 773"),
    ("ihr ukrainischer Pass FK 3320871 ist abgelaufen", "FK 3320871"),
    # the issuing country between cue and number
    ("Reisepass (Republik Moldau) AB0419926 vorgelegt", "AB0419926"),
    ("Pass aus Georgien 13AD52271, Kopie anbei", "13AD52271"),
    ("Reisepass der Türkei: U40718253", "U40718253"),
    # a verb of naming between cue and number
    ("seine Führerscheinnummer lautete J06513ZT8P1", "J06513ZT8P1"),
    ("die alte Ausweisnummer war vx3k02m95", "vx3k02m95"),
    # a serial of the document alphabet with "Dokument" nearby
    ("das Ersatzdokument wurde unter der Nummer VX3K02M95 ausgestellt", "VX3K02M95"),
    # lines of a machine-readable zone: number, birth date, name
    ("MRZ: IDD<<VX3K02M951<<<<<<<<<<<<<<<", "IDD<<VX3K02M951<<<<<<<<<<<<<<<"),
    ("KAYA<<ELIF<<<<<<<<<<<<<<<<<<<<", "KAYA<<ELIF<<<<<<<<<<<<<<<<<<<<"),
]


@pytest.mark.parametrize(("text", "value"), DOCUMENTS)
def test_document_numbers(redactor: Redactor, text: str, value: str) -> None:
    assert masked(redactor, text, value, "ID_CARD"), found(redactor, text)


# --- licence plates -------------------------------------------------------------------

PLATES = [
    ("Kennzeichen KO - XY 512 parkt seit Montag", "KO - XY 512"),
    ("kfz: mz - ab 12, halter unbekannt", "mz - ab 12"),
    ("Falschparker, Kennzeichen B - RT 771", "B - RT 771"),
    # short-term (03/04) and red plates (06/07) after a cue
    ("Kurzzeitkennzeichen WI-04 5521 für die Überführung", "WI-04 5521"),
    ("rotes Kennzeichen MZ-06 217 vom Autohaus", "MZ-06 217"),
    ("Oldtimerkennzeichen DA-07 31", "DA-07 31"),
    # already known formats, kept as a guard
    ("Saisonkennzeichen KH-RT 77 (04-10)", "KH-RT 77"),
    ("amtl. Kennz. LU K 4711 H", "LU K 4711 H"),
    ("kennzeichen mz-ab123", "mz-ab123"),
]


@pytest.mark.parametrize(("text", "value"), PLATES)
def test_plates(redactor: Redactor, text: str, value: str) -> None:
    assert masked(redactor, text, value, "LICENCE_PLATE"), found(redactor, text)


# --- tax identifiers ------------------------------------------------------------------


def test_made_up_steuer_id_is_valid() -> None:
    assert steuer_id_valid("47152038493")


TAX = [
    ("Steuer-ID 4715203849 3 bitte eintragen", "4715203849 3", "TAX_ID"),
    ("IdNr. 47 15 20 38 49 3", "47 15 20 38 49 3", "TAX_ID"),
    # the federal 13-digit Steuernummer with a tax word nearby, not right after it
    ("die Steuernummer, bundeseinheitlich 2722081508154", "2722081508154", "TAX_ID"),
    ("Finanzamt Nürnberg, ELSTER-Format: 9181081508155", "9181081508155", "TAX_ID"),
    ("laut Finanzamt 5133081508159 (neues Format)", "5133081508159", "TAX_ID"),
]


@pytest.mark.parametrize(("text", "value", "kind"), TAX)
def test_tax_identifiers(redactor: Redactor, text: str, value: str, kind: str) -> None:
    assert masked(redactor, text, value, kind), found(redactor, text)


# --- confusers of the same shapes -----------------------------------------------------

CONFUSERS = [
    "Bestellnummer 4500123456 ist raus",
    "Rechnungsnummer RE-2026-00451 bitte buchen",
    "Auftrag 4711 0815 23 erledigt",
    "gem. § 34 Abs. 2 Satz 1 GewO",
    "siehe Vorlage 0815/2026 und Drucksache 12/3456",
    "Postleitzahlen 55116 bis 55131 gehören zur Innenstadt",
    # a document word without a number, a date or a fee after it
    "Ausweis 12 03 2024 vorgelegt",
    "Reisepass der Mutter fehlt noch",
    "Pass aus Syrien liegt vor, Kopie in der Akte",
    "Personalausweis Gebühr 37 EUR",
    "Ausweis Nr. 3 vom Stapel",
    # a dash set apart in ranges and room numbers; a one-letter district needs a cue
    "Anlage A - B 12 beachten",
    "Raum A - EG 12",
    "Seite 3 - 5 lesen",
    # short-term plate shapes without a cue
    "Projekt KO-04 123 gestartet",
    # 13 digits without a tax word: an article or a barcode
    "Artikelnummer 2722081508154 bestellt",
    "EAN 4006381333931",
    # an order number whose check digit does not fit a Steuer-ID
    "Bestellung 4715203849 4 ist da",
    # the administration's own vehicle right after its name
    "Dienstwagen MZ-SM 112 steht im Hof",
]


@pytest.mark.parametrize("text", CONFUSERS)
def test_confusers_stay(redactor: Redactor, text: str) -> None:
    assert not {kind for kind, _ in found(redactor, text)} & IDENTIFIER_TYPES, found(redactor, text)


def test_city_fleet_in_running_text_is_redacted(redactor: Redactor) -> None:
    """Our call (docs/privacy.md, session 12): "Fahrzeuge der Stadt" is no official-vehicle
    cue; a plate after it is masked like any other. Over-redaction, not a leak."""
    text = "die Fahrzeuge der Stadt: MZ-SM 118"
    assert masked(redactor, text, "MZ-SM 118", "LICENCE_PLATE")
