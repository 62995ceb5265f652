"""Round 15b (issue 10, set 11): general patterns the eleventh set showed missing.

* dates of birth in the ISO 8601 basic format (YYYYMMDD) after a birth label, as
  registers and exports write them; a date followed by a clock time is a timestamp;
* document numbers after a passport cue joined by English "is" or opening a bracket
  with the issuing country;
* the bounds of a range of licence plates ("… bis …") name no vehicle;
* the surnames of an attendance list in minutes ("Anwesend: …", "TN: …");
* Romanian street words before the name, Russian ones after it ("Mirnyj prospekt 12");
* a person's id ("Pers-ID", "Personal-ID") and a file cue whose words end in a colon
  ("Vorgang der Polizei: …");
* English names of languages are no names ("into Turkish and Arabic");
* a Steuernummer in a table column headed "Steuernummer";
* form labels padded with dot leaders ("Halter .......:") or followed by their English
  translation ("Name / Surname:"); an OCR'd date after "Geburtstag".

Each personal case is paired with clean text of the same shape. Every example is made up.
"""

from __future__ import annotations

import pytest
from redact_util import masked

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


PERSONAL = [
    ("Satz übernommen: GebDat=19870412, Name=Pohl", "19870412", "DATE_OF_BIRTH"),
    ('{"name": "Lemke", "geburtsdatum": "19750823"}', "19750823", "DATE_OF_BIRTH"),
    ("geb. 20011130 in Tiflis", "20011130", "DATE_OF_BIRTH"),
    ("her passport is K3920571, please check", "K3920571", "ID_CARD"),
    ("Bitte den Reisepass (P4830217, Kenia) mitbringen.", "P4830217", "ID_CARD"),
    ("Passport was A7719320 (Indian)", "A7719320", "ID_CARD"),
    ("Protokoll Bauamt\nAnwesend: Hoffmann, Kessler, Brandt", "Hoffmann", "PERSON"),
    ("anwesend: Lemke, Reuter, Sander", "Lemke", "PERSON"),
    ("Teilnehmende: Wieland (ASD), Dr. Rausch (Kinderarzt), Holm (Kita)", "Holm", "PERSON"),
    ("Teilnehmende: Wieland (ASD), Dr. Rausch (Kinderarzt), Holm (Kita)", "Rausch", "PERSON"),
    ("TN: Lorenz, Pohl, Sander\n1. Haushalt", "Lorenz", "PERSON"),
    (
        "Neue Anschrift: Mirnyj prospekt 12, kv. 4, 198095 Sankt Petersburg",
        "Mirnyj prospekt 12",
        "ADDRESS",
    ),
    ("Adresse: Strada Florilor 22, Brașov", "Strada Florilor 22", "ADDRESS"),
    ("[DMS] Eintrag angelegt: Pers-ID 5528031, Name=Lemke", "5528031", "CASE_NUMBER"),
    ("Personal-ID der Kollegin: 88123", "88123", "CASE_NUMBER"),
    ("Die Anzeige läuft, Vorgang der Polizei: KB 0412/25/7781.", "KB 0412/25/7781", "CASE_NUMBER"),
    ("Herr Polish rief an.", "Polish", "PERSON"),
    ("kasse;name;steuernummer\nHS-12;Lemke;93815/08152\nHS-14;Reuter;", "93815/08152", "TAX_ID"),
    ("Geburtstag: 14.O3.1949", "14.O3.1949", "DATE_OF_BIRTH"),
    (
        "MELDEREGISTER\nOrdnungsmerkmal ..: 2231\nFamilienname .....: WIECZOREK",
        "WIECZOREK",
        "PERSON",
    ),
    (
        "Kfz-Register\nHalter .......: KRAUSE HEINO\nKennzeichen ..: MZ-HK 31",
        "KRAUSE HEINO",
        "PERSON",
    ),
    ("REISEPASS\nName / Surname: KOWALCZYK\nVornamen / Given names: JOHANNA", "JOHANNA", "PERSON"),
    ("Az|Name|Steuer-Nr.\n7|Pohl|181/815/08155", "181/815/08155", "TAX_ID"),
]


@pytest.mark.parametrize("text, value, kind", PERSONAL)
def test_personal_values_are_masked(redactor, text, value, kind):
    assert masked(redactor, text, value, kind)


CLEAN = [
    # a log with timestamps: no birth
    (
        "2026-11-02 08:15:33 INFO [SYNC] Abgleich Gewerberegister beendet, 88 Sätze\n"
        "2026-11-02 08:15:34 INFO [SYNC] Meldungen an Landesamt übermittelt (37)\n"
        "2026-11-02 08:15:35 WARN [SYNC] Schlüssel läuft ab"
    ),
    "Letzter Lauf 2025-06-30T23:59 ohne Fehler, nächster Lauf 2025-07-01T23:59.",
    # plate ranges
    "Reservierungsblock MZ-KA 100 bis MZ-KZ 999 ist ausgeschöpft.",
    "Kennzeichen MZ-KA 100 – MZ-KA 199 für Händler gesperrt.",
    # a passport cue without a number
    "the passport is valid (checked), thanks",
    "Reisepass (Ghana, abgelaufen) liegt vor.",
    # "Str." is German too; a label's words before a colon without a code
    "Die Str. ist gesperrt, 3 Fahrspuren betroffen.",
    "Vorgang abgeschlossen: 2026 wurden 14 Anträge bearbeitet.",
    "Verfahren Stand: 12.03.2026, weiter offen.",
    # English names of languages
    "Please translate the leaflet into Polish, Turkish and Arabic.",
    "Can you put this into Ukrainian and Romanian?",
    # padded and bilingual labels of fields that name no one
    "Status ..........: offen\nBemerkung .......: Akte liegt vor",
    "Dienststelle / Office: Bürgerbüro Mitte\nName / Surname: siehe Anlage",
    # a Steuernummer column with no Steuernummer in it
    "lfd;objekt;steuernummer\n1;Garage;siehe Akte\n2;Halle;12/2026",
    # attendance lists of units and roles
    "Anwesend: Amtsleitung, Jugendamt, Kämmerei",
    "Teilnehmende: alle Sachgebietsleitungen, Personalrat",
    "Anwesend: 12 von 14 Mitgliedern, Beschlussfähigkeit festgestellt",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_stays(redactor, text):
    assert not redactor.redact(text).entities


def test_plate_beside_bis_in_prose_still_masked(redactor):
    text = "Herr Lemke fährt MZ-KA 123 bis Freitag, danach MZ-KB 77."
    assert masked(redactor, text, "MZ-KA 123", "LICENCE_PLATE")


def test_birth_with_time_keeps_the_cued_date(redactor):
    text = "Frau Lemke, geboren am 03.05.1984 um 14:32 Uhr in Mainz."
    assert masked(redactor, text, "03.05.1984", "DATE_OF_BIRTH")
