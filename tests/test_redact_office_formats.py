"""The administration's own contact data and identifier formats (session 10, issue 10).

Every value here is made up. Precision: an office's address, direct line, switchboard,
functional mailbox and vehicles name no person; a street or product after an
abbreviation is no name. Recall, from the formats: file-number cues as staff type them,
document serials grouped in fours, the eAT's serial, streets named after a date, and
street forms and postcodes of neighbouring countries.
"""

from __future__ import annotations

import pytest
from redact_util import found, masked

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


# --- precision: the administration's own contacts ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # an office's direct line: the office's name, then only a phone word
        "Bei Fragen erreichen Sie das Straßenverkehrsamt unter 06232 14-2750.",
        "Rückfragen bitte an das Standesamt, Tel. 0951 87-1420.",
        "Mit freundlichen Grüßen\nSchulverwaltungsamt\nTel. 0721 133-4410",
        # a switchboard ("-0") of an office named anywhere earlier in the message
        (
            "Die Stadtkasse bleibt am Freitag wegen einer Schulung geschlossen, Barzahlungen "
            "sind am Automaten im Foyer möglich; bei Rückfragen Tel. 0931 37-0."
        ),
        # an administration's address after its name in a signature
        (
            "Büro des Oberbürgermeisters\nStadtverwaltung Wittlich, Kurfürstenstraße 16, "
            "54516 Wittlich"
        ),
        # the venue of a meeting
        "Die Tagung findet am 14.05.2026 in Trier, Augustinerhof 4, statt.",
        # a functional mailbox: a function word joined to a noun or an English word
        "Störungen bitte an infodesk@kreis-beispiel.de melden.",
        "Anfragen an infopoint@stadt-beispiel.de.",
    ],
)
def test_own_contacts_stay(redactor: Redactor, text: str) -> None:
    assert found(redactor, text) == set()


def test_vehicles_of_a_named_fleet_stay(redactor: Redactor) -> None:
    text = (
        "Die Dienstwagen TR-ST 210 und TR-ST 214 gehen in die Werkstatt; als Ersatz "
        "stehen die Leihwagen TR-ST 590 und TR-ST 591 bereit. Unfallgegner war TR-KL 77."
    )
    assert found(redactor, text) == {("LICENCE_PLATE", "TR-KL 77")}


def test_streets_after_abbreviations_are_no_names(redactor: Redactor) -> None:
    text = "Umleitung ü. Lindenring und Sperrung bis Mai."
    assert not any(kind == "PERSON" for kind, _ in found(redactor, text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("laut SB Kowalczyk fehlt noch der Mietvertrag", "Kowalczyk"),
        ("SB Nowak hat den Antrag geprüft.", "Nowak"),
        ("Termin mit OB Ebling am Montag", "Ebling"),
    ],
)
def test_names_after_role_abbreviations_stay_names(
    redactor: Redactor, text: str, value: str
) -> None:
    # Staff abbreviate roles before names (SB = Sachbearbeiter, OB = Oberbürgermeister).
    assert masked(redactor, text, value, "PERSON")


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # a person's line at an office stays a phone number
        ("Frau Okafor, Standesamt, Tel. 0951 87-1433", "0951 87-1433", "PHONE"),
        # a person's address at a meeting stays an address
        (
            "Die Versammlung findet bei Herrn Brandl, Lindenstraße 9, statt.",
            "Lindenstraße 9",
            "ADDRESS",
        ),
        # a name after a capitalized salutation is still found
        ("Gespräch mit Mr Oyelaran über die Frist.", "Oyelaran", "PERSON"),
        # a mailbox with a first name in it is a person's
        ("Bitte an serviceanna@gmx.de schreiben.", "serviceanna@gmx.de", "EMAIL"),
    ],
)
def test_persons_next_to_office_rules_are_still_found(
    redactor: Redactor, text: str, value: str, kind: str
) -> None:
    assert masked(redactor, text, value, kind)


# The guards above (persons next to office rules), test_kz_before_a_plate_stays_a_plate
# and test_dates_are_no_streets hold on the code before too: they keep the new rules
# from reaching a person's data or a date. Every other case fails on the code before.


# --- recall: formats ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a dropped vowel in the cue
        ("Aktenzeichn 61.2-0447/2026 bitte angeben", "61.2-0447/2026"),
        ("das Aktnzeichen lautet 32-118/25", "32-118/25"),
        # up to three words between cue and value
        ("Kundennr. bei der Sparkasse 70044219 hat sie genannt", "70044219"),
        # Kz. (Kassenzeichen) before a dotted number
        ("Forderung 312,00 €, Kz. 6.2025.118204.3, bitte prüfen", "6.2025.118204.3"),
    ],
)
def test_case_numbers_as_staff_type_their_cues(redactor: Redactor, text: str, value: str) -> None:
    assert masked(redactor, text, value, "CASE_NUMBER")


def test_kz_before_a_plate_stays_a_plate(redactor: Redactor) -> None:
    assert ("LICENCE_PLATE", "TR-AB 123") in found(redactor, "Kz. TR-AB 123 falsch geparkt")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ausweisnummer T22C 0MK4 9 liegt in Kopie vor", "T22C 0MK4 9"),
        ("Reisepass C4FH 7NR2 P1 abgelaufen", "C4FH 7NR2 P1"),
        # the electronic residence permit has the ID card's serial format
        ("Aufenthaltserlaubnis erteilt, Karten-Nr. YC7R2M4N9.", "YC7R2M4N9"),
        ("eAT liegt zur Abholung bereit: YL3T9K0P5", "YL3T9K0P5"),
    ],
)
def test_document_serials_grouped_and_residence_permits(
    redactor: Redactor, text: str, value: str
) -> None:
    assert masked(redactor, text, value, "ID_CARD")


def test_label_of_a_card_number_is_no_name(redactor: Redactor) -> None:
    text = "Aufenthaltserlaubnis, Kartennr. YC7R2M4N9"
    assert ("PERSON", "Kartennr") not in found(redactor, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a street named after a day in history
        ("sie wohnt Straße des 17. Juni 40, 10623 Berlin", "Straße des 17. Juni 40"),
        ("neue Anschrift: Platz des 9. November 3", "Platz des 9. November 3"),
        # Dutch: glued street word, postcode of four digits and two letters
        ("verzogen nach Molenstraat 8, 6511 AB Nijmegen", "Molenstraat 8, 6511 AB Nijmegen"),
        ("neue Anschrift: Beukenlaan 21", "Beukenlaan 21"),
        # Polish postcode "NN-NNN"
        ("wohnt jetzt ul. Polna 14, 61-001 Poznań", "ul. Polna 14, 61-001 Poznań"),
        # Turkish street words and "No:"
        ("Adresse in Izmir: Cumhuriyet Bulvarı No: 45", "Cumhuriyet Bulvarı No: 45"),
        ("Anschrift: Gazi Cad. No. 7, Ankara", "Gazi Cad. No. 7"),
        ("wohnhaft Lale Sokak 12", "Lale Sokak 12"),
        # Danish and Swedish glued street words
        ("neue Adresse: Strandvej 17, 2100 København", "Strandvej 17"),
    ],
)
def test_addresses_of_other_forms(redactor: Redactor, text: str, value: str) -> None:
    assert masked(redactor, text, value, "ADDRESS")


@pytest.mark.parametrize(
    "text",
    [
        "Die Frist endet am 17. Juni 12 Uhr.",
        "Bis zum 9. November 3 Anträge bearbeiten.",
        "Die Brigade 3 rückt zum Einsatz aus.",
    ],
)
def test_dates_are_no_streets(redactor: Redactor, text: str) -> None:
    assert not any(kind == "ADDRESS" for kind, _ in found(redactor, text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a role noun takes a place only with a preposition: a bare place word is a name
        ("die mieterin lindenberg hat sich beschwert", "lindenberg"),
        ("der vermieter hellweg will kündigen", "hellweg"),
    ],
)
def test_unlisted_lower_case_names_after_a_role(redactor: Redactor, text: str, value: str) -> None:
    assert masked(redactor, text, value, "PERSON")


@pytest.mark.parametrize(
    "text",
    ["die mieterin selbst hat angerufen", "der antragsteller bekommt bescheid"],
)
def test_words_after_a_role_stay(redactor: Redactor, text: str) -> None:
    assert found(redactor, text) == set()
