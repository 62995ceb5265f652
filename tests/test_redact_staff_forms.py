"""Names and numbers in pasted tables, OCR'd forms and notes (session 10, round 2, issue 10).

Every value here is made up. Recall from structure: a column's header or a form's field
says what a value is; a name never runs over a field end; names as typed on a German
keyboard; a surname and first name with a comma are one person; a sign-off after
"im Auftrag", a signature "Name, Funktion", a chat mention; a number after a "-nummer"
label, in a list after a cue, and repeated without its cue. Precision guards next to
each rule.
"""

from __future__ import annotations

import pytest

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


def covered(redactor: Redactor, text: str, value: str, kind: str | None = None) -> bool:
    """Every character of `value` lies inside one detection (of type `kind`)."""
    start = text.index(value)
    return any(
        e.start <= start and start + len(value) <= e.end and kind in (None, e.type)
        for e in redactor.redact(text).entities
    )


def spans(redactor: Redactor, text: str) -> set[tuple[str, str]]:
    return {(e.type, text[e.start : e.end]) for e in redactor.redact(text).entities}


# --- pasted tables -----------------------------------------------------------------------

TABLE = (
    "Name;Vorname;Geburtsdatum;Ort\n"
    "Bauer;Rosa;02.09.1971;Worms\n"
    "Gärtner;Emil;14.11.1988;Speyer\n"
    "Kurz;Wilma;30.01.1960;Alzey"
)


@pytest.mark.parametrize("value", ["Bauer", "Rosa", "Gärtner", "Kurz", "Wilma"])
def test_cells_under_a_name_header_are_persons(redactor: Redactor, value: str) -> None:
    assert covered(redactor, TABLE, value, "PERSON")


def test_a_table_row_is_no_single_name(redactor: Redactor) -> None:
    # the first name of a row once took the date and the next cells as its surname
    found = spans(redactor, TABLE)
    assert ("PERSON", "Emil") in found
    assert ("DATE_OF_BIRTH", "14.11.1988") in found


@pytest.mark.parametrize(
    "text,value",
    [
        ("Vorgang\tAntragsteller\tBetrag\nWG-40117\tErika Sommerfeld\t120,00", "WG-40117"),
        ("Kennzeichen;Tatzeit;Kassenzeichen\nKH-AB 12;08:15;7.2201.448812.9", "7.2201.448812.9"),
        ("Aktenzeichen | Name | Frist\n62/1187/26 | Hoxha, Arben | 30.06.", "62/1187/26"),
    ],
)
def test_a_column_header_is_the_cue_of_its_cells(redactor: Redactor, text: str, value: str) -> None:
    assert covered(redactor, text, value, "CASE_NUMBER")


def test_surname_comma_first_name_cell_is_one_person(redactor: Redactor) -> None:
    text = "Name\tIBAN\tBetrag\nFerretti, Giulia\tDE02120300000000202051\t85,50"
    assert ("PERSON", "Ferretti, Giulia") in spans(redactor, text)


def test_an_office_under_a_name_header_stays(redactor: Redactor) -> None:
    text = "Name;Adresse;Öffnungszeiten\nBürgerbüro Mitte;Markt 1;Mo–Fr 8–12"
    assert not any(kind == "PERSON" for kind, _ in spans(redactor, text))


# --- OCR'd forms -------------------------------------------------------------------------

FORM = (
    "Antrag auf Wohnberechtigungsschein\n"
    "Name: OSTERKAMP  Vorname: Jelena\n"
    "Geburtsname: K0WALSK1\n"
    "Name Ingelheim   Vorname Waltraud\n"
    "Geb.-Datum 11.07.1958\n"
    "Sorgeberechtigte: Demiri, Afrim / Demiri, Lule\n"
    "Beitragsnummer: 418 203 557"
)


@pytest.mark.parametrize(
    "value",
    ["OSTERKAMP", "Jelena", "K0WALSK1", "Ingelheim", "Demiri, Afrim", "Demiri, Lule"],
)
def test_form_fields_name_persons(redactor: Redactor, value: str) -> None:
    assert covered(redactor, FORM, value, "PERSON")


def test_a_name_stops_at_the_line_end(redactor: Redactor) -> None:
    found = spans(redactor, FORM)
    assert ("PERSON", "Waltraud") in found
    assert not any(kind == "PERSON" and "\n" in value for kind, value in found)


def test_a_form_field_without_a_name_stays(redactor: Redactor) -> None:
    text = "Name der Einrichtung: Stadtbibliothek\nVorname fehlt noch"
    assert not any(kind == "PERSON" for kind, _ in spans(redactor, text))


def test_a_name_in_capitals_is_found_again(redactor: Redactor) -> None:
    text = "Name: OSTERKAMP\nverpflichtet sich für: OSTERKAMP, Milan, serb. StA"
    assert ("PERSON", "OSTERKAMP, Milan") in spans(redactor, text)


# --- names as typed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,value",
    [
        ("kannst du schauen ob der antrag von celik schon da ist?", "celik"),
        ("die akte von kocak liegt bei mir", "kocak"),
    ],
)
def test_names_typed_without_their_letters(redactor: Redactor, text: str, value: str) -> None:
    assert covered(redactor, text, value, "PERSON")


def test_a_capitalized_particle_inside_a_name(redactor: Redactor) -> None:
    text = "Die Kopie des Passes von Herrn Pham Van Duc liegt vor."
    assert covered(redactor, text, "Pham Van Duc", "PERSON")


def test_an_ambiguous_first_name_after_a_kinship_word(redactor: Redactor) -> None:
    text = "Nutzungsberechtigt ist deren Tochter Rosa Wolf-Bauer, Lindenweg 4, 55411 Bingen."
    assert covered(redactor, text, "Rosa Wolf-Bauer", "PERSON")


def test_a_brand_after_a_kinship_word_stays(redactor: Redactor) -> None:
    assert not spans(redactor, "Die Mutter Teams nutzt das Portal nicht.")


def test_a_name_in_the_genitive_when_named_elsewhere(redactor: Redactor) -> None:
    text = "Sabrinas Kollege übernimmt ab Montag.\nGruß Sabrina Koppelmann"
    assert covered(redactor, text, "Sabrinas", "PERSON")


# --- sign-offs, signatures, mentions -----------------------------------------------------


def test_a_name_after_im_auftrag(redactor: Redactor) -> None:
    text = "Mit freundlichen Grüßen\nim Auftrag\nJohannsen"
    assert covered(redactor, text, "Johannsen", "PERSON")


def test_im_auftrag_in_a_sentence_is_no_cue(redactor: Redactor) -> None:
    assert not spans(redactor, "Wir prüfen das im Auftrag der Stadt Mainz.")


def test_a_signature_name_comma_function(redactor: Redactor) -> None:
    text = "Die Unterlagen wurden ausgehändigt.\nFink, Sachbearbeiterin"
    assert covered(redactor, text, "Fink", "PERSON")


def test_an_office_signature_stays(redactor: Redactor) -> None:
    text = "Die Unterlagen wurden ausgehändigt.\nStadtkasse, Sachbearbeiterin"
    assert not spans(redactor, text)


@pytest.mark.parametrize("text,value", [("@lena kannst du das übernehmen?", "lena")])
def test_a_chat_mention(redactor: Redactor, text: str, value: str) -> None:
    assert covered(redactor, text, value, "PERSON")


def test_a_group_mention_and_an_email_stay_apart(redactor: Redactor) -> None:
    text = "@alle bitte an m.kranz@example.org schreiben"
    assert ("EMAIL", "m.kranz@example.org") in spans(redactor, text)
    assert not any(kind == "PERSON" for kind, _ in spans(redactor, text))


# --- file numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,value",
    [
        ("Hundesteuer-Nr. 07-2291 – Abmeldung liegt vor", "07-2291"),
        ("Rückrufbitte wegen Sperrmüll, Abholnummer SM-26-10442", "SM-26-10442"),
        ("Beitragsnummer: 731 552 019", "731 552 019"),
    ],
)
def test_a_number_after_a_nummer_label(redactor: Redactor, text: str, value: str) -> None:
    assert covered(redactor, text, value, "CASE_NUMBER")


@pytest.mark.parametrize(
    "text",
    [
        "Zimmernummer 2.031 im Stadthaus",
        "Inventarnummer INV-2024-00871 ist defekt",
        "Artikelnr. 4711-0815-12 bestellt",
    ],
)
def test_numbers_of_rooms_inventory_and_products_stay(redactor: Redactor, text: str) -> None:
    assert not spans(redactor, text)


def test_a_list_of_numbers_after_one_cue_and_a_repetition(redactor: Redactor) -> None:
    text = "Kundennr. 310-22871, 310-22904 und 310-23015. Bei 310-22904 fehlt die Unterschrift."
    found = spans(redactor, text)
    for value in ("310-22871", "310-22904", "310-23015"):
        assert ("CASE_NUMBER", value) in found
    assert len([1 for kind, value in found if value == "310-22904"]) == 1
    redacted = redactor.redact(text).text
    assert "310-22904" not in redacted


# --- precision: streets named after persons, hosts --------------------------------------


def test_a_street_named_after_a_person_is_no_name(redactor: Redactor) -> None:
    text = "Ampelausfall an der Kreuzung Brucknerufer / Neue Brücke, Reparatur am Dienstag."
    assert not any(kind == "PERSON" for kind, _ in spans(redactor, text))


@pytest.mark.parametrize(
    "text", ["Der Dienst läuft auf srv-ki-02 nicht.", "Host mz-db-07 neu starten"]
)
def test_a_host_name_with_a_leading_zero_is_no_plate(redactor: Redactor, text: str) -> None:
    assert not spans(redactor, text)


def test_a_plate_still_counts(redactor: Redactor) -> None:
    text = "Halter des Fahrzeugs mz-db 7 ist unbekannt."
    assert covered(redactor, text, "mz-db 7", "LICENCE_PLATE")
