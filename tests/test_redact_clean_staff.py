"""Clean staff messages stay unchanged, names next to the same shapes are still found
(session 11, issue 10).

Every value here is made up. Precision: the postcode and town of an office's address,
compass points naming a part of a town or building. Recall: the same positions with a
person's data in them.
"""

from __future__ import annotations

import pytest
from redact_util import masked

from assistant.privacy import Redactor, build_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return build_redactor()


@pytest.mark.parametrize(
    "text",
    [
        # an office's postal address: the cue "Postanschrift" must not lift its town
        "Postanschrift: Ausländerbehörde, Bahnhofstraße 47, 56068 Koblenz.",
        "Postanschrift: Stadtverwaltung, Postfach 3820, 55028 Mainz",
        "Anschrift: Standesamt Mainz, Gartenweg 3, 55118 Mainz",
        # a table of offices under an address header
        (
            "Standort;Adresse;Öffnungszeiten\nBürgerbüro Mitte;Rathausplatz 1, 67059 "
            "Ludwigshafen;Mo–Fr 8–12\nWohngeldstelle;Stadthaus Nord, Westendstraße 17, "
            "67059 Ludwigshafen;nach Termin"
        ),
        # compass points name a part of a building or town
        "Zugang Süd ist wegen Baumfällarbeiten gesperrt.",
        "Bürgerbüro Ost hat heute geschlossen.",
        "Ab Montag gilt für den Parkplatz Nordost eine neue Regelung.",
        # a service's or office's line: a reachability phrase or a signature block between
        "Die Hotline der IT ist unter 0621 504-7777 erreichbar.",
        "Für Rückfragen steht das Sekretariat unter 0611 31-2345 zur Verfügung.",
        "Amt für Soziales\nZimmer 214\nTelefon 06131 12-2840\nFax 06131 12-2841",
        "Das Bürgertelefon erreichen Sie unter 06131 12-0.",
        # a fleet register: vehicles listed by organisational unit, no person column
        (
            "Fahrzeug;Kennzeichen;Abteilung;nächster TÜV\nVW ID.3;MZ-SM 101;Ordnungsamt;"
            "05/2026\nRenault Kangoo;MZ-SM 104;Grünamt;11/2026"
        ),
        "Kennzeichen | Fachbereich | Baujahr\nKO-ST 12 | Bauhof | 2019\nKO-ST 15 | Kita | 2021",
        # case law cited from a federal court, and a council's decision number
        "BVerwG, Urteil vom 12.03.2019 – 3 C 12.18",
        "vgl. BGH, Urt. v. 3.7.2020 – V ZR 123/19",
        "Siehe BVerwG, Beschluss vom 4. Mai 2021, 3 B 12.20.",
        "Beschluss-Nr. 112/2025 wurde aufgehoben.",
        # meeting rooms named like products
        "sitzungssaal kaiser ist belegt, nehmt raum merkur",
        "Sitzung im Raum Merkur, danach Kaffee.",
        "Treffen im Besprechungsraum Jupiter.",
        # asking, calling, reporting: places, brands and words are no persons there
        "frag mal bei mainz nach",
        "wiesbaden hat geantwortet",
        "mit wiesbaden besprochen",
        "frag mal google",
        "die telekom hat angerufen",
        "outlook hat gemeldet dass das postfach voll ist",
        "frag mal die kollegin",
        "sag bescheid",
        "ruf mal bei der stadtkasse an",
    ],
)
def test_clean_staff_message_unchanged(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text).entities == ()


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # a person's new address after a cue: postcode and town alone
        ("neue anschrift: 55118 mainz", "55118 mainz", "ADDRESS"),
        ("emre ist umgezogen, neue anschrift: lindenweg 4, 55118 mainz", "55118 mainz", None),
        # an office named, but the address is a person's: a clause, not an apposition
        (
            "Das Jobcenter hat die Anschrift: Gartenweg 3, 55118 Mainz, von emre kaya",
            "55118 Mainz",
            None,
        ),
        (
            "Das Standesamt hat die neue Anschrift der Antragstellerin: Gartenweg 3, 55118 Mainz",
            "Gartenweg 3, 55118 Mainz",
            "ADDRESS",
        ),
        ("Frau Kaya, neue Anschrift: Gartenweg 3, 55118 Mainz", "Gartenweg 3, 55118 Mainz", None),
        ("Name;Adresse\nKaya, Emre;Gartenweg 3, 55118 Mainz", "Gartenweg 3, 55118 Mainz", None),
        # a person's line at an office: named on the line or signing above it, or "vom Amt"
        ("emre kaya, bürgeramt, tel 06131 12-4410", "06131 12-4410", "PHONE"),
        ("kaya vom bürgeramt ist unter 06131 12-4410 erreichbar", "06131 12-4410", "PHONE"),
        ("Herr Kaya vom Bürgeramt ist unter 06131 12-4410 erreichbar.", "06131 12-4410", "PHONE"),
        ("Sekretariat: Frau Roth, Tel. 0611 31-2345", "0611 31-2345", "PHONE"),
        (
            (
                "Mit freundlichen Grüßen\nPetra Lindner\nAmt für Soziales\nZimmer 214\n"
                "Telefon 06131 12-2840"
            ),
            "06131 12-2840",
            "PHONE",
        ),
        ("Der Antragsteller ist unter 06131 12-4410 erreichbar.", "06131 12-4410", "PHONE"),
        (
            "Das Standesamt ist unter 06131 12-2222 erreichbar, Frau Okafor unter 06131 12-2223.",
            "06131 12-2223",
            "PHONE",
        ),
        # vehicle lists that name a driver or keeper, or log places, are no fleet register
        (
            "Kennzeichen | Amt | Fahrer\nMZ-SM 101 | Ordnungsamt | Kaya\nMZ-AB 12 | Bauamt | Roth",
            "MZ-AB 12",
            "LICENCE_PLATE",
        ),
        (
            "Kennzeichen;Halter;Verstoß\nMZ-AB 123;Kaya, Emre;Parken im Halteverbot",
            "MZ-AB 123",
            "LICENCE_PLATE",
        ),
        ("Datum;Kennzeichen;Standort\n12.03.;MZ-AB 123;Rheinallee 5", "MZ-AB 123", None),
        (
            "Fahrzeug;Kennzeichen;Abteilung\nVW Golf;MZ-SM 101;Bauhof\n\nFalschparker: MZ-AB 99",
            "MZ-AB 99",
            "LICENCE_PLATE",
        ),
        # a person's court case: a local court, or a federal one without a citation
        ("Klage von Herrn Kaya: VG Mainz 3 K 123/24.MZ", "3 K 123/24.MZ", "CASE_NUMBER"),
        ("die klage ist beim vg unter 3 K 123/24.MZ anhängig", "3 K 123/24.MZ", "CASE_NUMBER"),
        (
            "Das BVerwG hat über die Revision von Herrn Kaya noch nicht entschieden, Az. 3 C 12.24",
            "3 C 12.24",
            "CASE_NUMBER",
        ),
        ("OVG Koblenz, Beschluss vom 4.5.2021 – 7 B 10234/21.OVG", "7 B 10234/21.OVG", None),
        ("Kennzeichen V ZR 123", "V ZR 123", "LICENCE_PLATE"),
        ("Hundesteuer-Nr. 03-1177 bitte angeben.", "03-1177", "CASE_NUMBER"),
        # a person in a waiting room, or named after the room
        ("Im Wartezimmer Kowalczyk aufrufen.", "Kowalczyk", "PERSON"),
        ("im wartezimmer murat", "murat", "PERSON"),
        ("im wartezimmer murat yilmaz, bitte aufrufen", "murat yilmaz", "PERSON"),
        ("frag mal raum merkur ob noch platz ist, sonst helga", "helga", "PERSON"),
        ("Herr Merkur wartet im Raum 3.", "Merkur", "PERSON"),
        # who is asked, called or told, who called: a person, also with a place's name
        ("frag mal lindenberg wegen der akte", "lindenberg", "PERSON"),
        ("schreib mal lindenberg eine mail", "lindenberg", "PERSON"),
        ("sag lindenberg bescheid", "lindenberg", "PERSON"),
        ("lindenberg hat angerufen", "lindenberg", "PERSON"),
        ("ruf mal bei hellweg an", "hellweg", "PERSON"),
        ("mit hellweg besprochen", "hellweg", "PERSON"),
        # compass points are still surnames after a salutation
        ("Herr Ost hat angerufen.", "Ost", "PERSON"),
        ("Frau West kommt morgen.", "West", "PERSON"),
        ("frau süd hat angerufen", "süd", "PERSON"),
        # names in the positions the precision rules look at
        ("SB Kowalczyk ist heute krank.", "Kowalczyk", "PERSON"),
        ("die mieterin yildiz hat gekündigt", "yildiz", "PERSON"),
        ("Herr Engel kommt um 10.", "Engel", "PERSON"),
    ],
)
def test_personal_data_still_found(redactor: Redactor, text: str, value: str, kind) -> None:
    assert masked(redactor, text, value, kind)
