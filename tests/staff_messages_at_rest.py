"""Staff messages for the end-to-end at-rest test (test_pii_at_rest_e2e.py).

Written for that test as staff type them into a chat: lower case, first names
only, roles and relations instead of titles, hyphenated names, name particles,
Turkish, Polish, Arabic, Vietnamese, Greek and Romanian names with their
diacritics, phone numbers with brackets, spaces, slashes and dashes, SV numbers,
Steuer-IDs, ID card and passport numbers, IBANs with and without spaces, licence
plates in lower case, addresses with `str.`/`weg`/`platz` and house-number
suffixes, and case numbers of persons. The values were not chosen by looking at
the redactor; IBANs, Steuer-IDs and SV numbers carry valid check digits.

`values` lists every personal value of a message as typed; names are listed by
their parts too, since a half-redacted name still names someone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    text: str
    values: tuple[str, ...]


# Through `assistant ask --user …` (an administrator's script, the CLI's path).
CLI_MESSAGES = [
    Message(
        "hab gerade mit aylin vom jugendamt telefoniert, sie meint die akte von familie "
        "kowalczyk ist noch offen. wie lange müssen wir sowas aufbewahren?",
        ("aylin", "kowalczyk"),
    ),
    Message(
        "die mieterin frau dąbrowska aus der lindenstr. 7a hat schimmel gemeldet, "
        "tel 0176 55512340 – wer ist bei uns zuständig?",
        ("dąbrowska", "lindenstr. 7a", "0176 55512340"),
    ),
    Message(
        "bewerberin nguyen thi thu hà hat ihre unterlagen per mail geschickt "
        "(thuha.nguyen87@web.de), dürfen wir die ans personalamt weiterleiten?",
        ("nguyen thi thu hà", "nguyen", "thu hà", "thu", "hà", "thuha.nguyen87@web.de"),
    ),
    Message(
        "ehemann von frau öztürk ruft ständig an, nummer (06131) 6 24 71 93. "
        "wie gehe ich mit beschwerden um?",
        ("öztürk", "(06131) 6 24 71 93", "6 24 71 93"),
    ),
    Message(
        "Antrag auf Wohngeld von Karl-Heinz Schmidt-Bäumler, Am Kirchplatz 3b, 55116 Mainz – "
        "welche Unterlagen fehlen noch?",
        ("Karl-Heinz", "Schmidt-Bäumler", "Am Kirchplatz 3b", "Kirchplatz 3b"),
    ),
    Message(
        "sv-nr. von herrn miguel de la cruz ist 65 170839 C 026, der arbeitgeber fragt "
        "nach der meldung. reisekosten bekommt er auch?",
        ("miguel", "de la cruz", "cruz", "65 170839 C 026", "170839"),
    ),
    Message(
        "Steuer-ID 47 036 892 816 von Frau van der Linden – darf ich die ins Formular "
        "für die Dienstreise eintragen?",
        ("47 036 892 816", "van der Linden", "Linden"),
    ),
    Message(
        "perso-nr. LZ6R7G1V3 von hr. wojciechowski ist abgelaufen, was muss er tun?",
        ("LZ6R7G1V3", "wojciechowski"),
    ),
    Message(
        "überweisung an iban de44 5001 0517 5407 3249 31 für frau al-hashimi bitte "
        "zurückbuchen, das war die falsche kasse",
        ("de44 5001 0517 5407 3249 31", "al-hashimi", "hashimi", "5407 3249 31"),
    ),
    Message(
        "Kontoverbindung Jürgen Pohl DE28600501017496018320, bitte Erstattung der "
        "Schlüsselkaution veranlassen",
        ("Jürgen Pohl", "Pohl", "DE28600501017496018320"),
    ),
    Message(
        "kennzeichen wi-ts 2207 steht seit drei tagen auf dem behindertenparkplatz vorm "
        "rathaus, halterin laut zulassung renate vogelsang, eichendorffweg 12",
        ("wi-ts 2207", "renate vogelsang", "renate", "vogelsang", "eichendorffweg 12"),
    ),
    Message(
        "kfz mz ab 91 wurde abgeschleppt, halter ist wohl ein herr jankowski-meier, "
        "der steht jetzt am empfang",
        ("mz ab 91", "jankowski-meier"),
    ),
    Message(
        "Fallnummer JA-2025-04711 (Kind: Leon Brückner, 7 J.) – wer vertritt Frau Demir im Urlaub?",
        ("JA-2025-04711", "Leon Brückner", "Leon", "Brückner", "Demir"),
    ),
    Message(
        "az 51.3-0815/26 betrifft den unterhaltsvorschuss für emma schulte, wie lange "
        "dauert die bearbeitung?",
        ("51.3-0815/26", "emma schulte", "emma", "schulte"),
    ),
    Message(
        "kollegin sagt frau yılmaz aus der wohngeldstelle ist krank, herr özdemir vertritt "
        "sie – wer zeichnet die bescheide?",
        ("yılmaz", "özdemir"),
    ),
    Message(
        "Rückruf bitte an Hr. Nowak unter 0 61 31 / 12 34 56 oder mobil +49 151 2345 6789",
        ("Nowak", "0 61 31 / 12 34 56", "+49 151 2345 6789", "2345 6789"),
    ),
    Message(
        "frau el amrani, geb. 03.11.1987, wohnt jetzt in der bahnhofstraße 22 c. hat sie "
        "anspruch auf einen wohnberechtigungsschein?",
        ("el amrani", "amrani", "03.11.1987", "bahnhofstraße 22 c"),
    ),
    Message(
        "der nachbar von herrn đặng văn minh hat sich über lärm beschwert, gartenweg 5, "
        "ist das ordnungsamt zuständig?",
        ("đặng văn minh", "đặng", "minh", "gartenweg 5"),
    ),
    Message(
        "pflegekind der familie papadopoulos, ansprechpartner ist der vormund "
        "dr. hans-georg von ahlefeldt",
        ("papadopoulos", "hans-georg", "von ahlefeldt", "ahlefeldt"),
    ),
    Message(
        "brauche noch die neue adresse von stefan für die weiterleitung: rheinallee 104, "
        "55118 mainz",
        ("stefan", "rheinallee 104"),
    ),
    Message(
        "Telefonnotiz: Frau Ingrid Maaß bittet um Rückruf 0049 6131 5550 472, es geht um "
        "die Grundsteuer",
        ("Ingrid Maaß", "Ingrid", "Maaß", "0049 6131 5550 472", "5550 472"),
    ),
    Message(
        "kunde sorin popescu hat von der 0151-27384950 angerufen, er will seinen ausweis "
        "L8Z3K9W21 abholen",
        ("sorin popescu", "sorin", "popescu", "0151-27384950", "27384950", "L8Z3K9W21"),
    ),
    Message(
        "antrag von fatma şahin an die ausländerbehörde geben, reisepass C7HJ2LP95, "
        "sie braucht einen termin",
        ("fatma şahin", "fatma", "şahin", "C7HJ2LP95"),
    ),
    Message(
        "SV-Nummer 12 280592 K 502 bei Herrn Kurz ist falsch übermittelt worden, was tun?",
        ("12 280592 K 502", "280592", "Herrn Kurz"),
    ),
    Message(
        "der sohn der antragstellerin, jonas, 14 jahre, hat auch einen hund – zählt der "
        "bei der hundesteuer mit?",
        ("jonas",),
    ),
    Message(
        "Hausbesuch bei Familie Schäfer-Oğuz, Im Wiesengrund 9a, nächsten Dienstag; "
        "Kontakt Herr Oğuz 06131/2288-41",
        ("Schäfer-Oğuz", "Schäfer", "Oğuz", "Im Wiesengrund 9a", "Wiesengrund 9a", "06131/2288-41"),
    ),
    Message(
        "steuer-id von frau weißenborn ist 28154736803, die lohnstelle braucht sie bis freitag",
        ("weißenborn", "28154736803"),
    ),
]

# Through the browser chat: a question, its follow-up, a feedback comment on the answer,
# and the text a knowledge manager sends with an upload.
CHAT_QUESTION = Message(
    "frau szymańska aus der gartenstr. 18b fragt, ob sie ihren hund mit ins büro bringen "
    "darf, tel 06131 48 29 37",
    ("szymańska", "gartenstr. 18b", "06131 48 29 37"),
)
CHAT_FOLLOW_UP = Message(
    "und ihr sohn kacper? der arbeitet bei uns im bauhof, kfz mz-ks 318",
    ("kacper", "mz-ks 318"),
)
FEEDBACK_COMMENT = Message(
    "stimmt nicht, herr abdelkader ben youssef hat angerufen, rückruf 0176 / 33 21 09 87",
    ("abdelkader", "ben youssef", "youssef", "0176 / 33 21 09 87", "33 21 09 87"),
)
UPLOAD_TEXT = Message(
    "neue dienstanweisung, rückfragen an frau liebknecht-oyelaran, "
    "erstattung an DE15 3704 0044 0532 0138 47",
    (
        "liebknecht-oyelaran",
        "liebknecht",
        "oyelaran",
        "DE15 3704 0044 0532 0138 47",
        "0532 0138 47",
    ),
)
CHAT_MESSAGES = [CHAT_QUESTION, CHAT_FOLLOW_UP, FEEDBACK_COMMENT, UPLOAD_TEXT]
