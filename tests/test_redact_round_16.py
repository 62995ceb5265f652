"""Round 16 (issue 10, set 12): general patterns the twelfth set's tuning part showed.

* the part of a building and the side of a floor after the house number ("Haus B",
  "Aufgang 2", "3. OG rechts", "DG li.") belong to the address;
* an XML element is a field named by its element, as a JSON member by its key;
* a file cue's value in pasted data: quoted (`personalnummer: "…"`), as an XML element
  (`<Az>…</Az>`) or `key=value`;
* an abbreviated compound label ("Vollstr.-Nr."), unless the abbreviation may stand for
  an order, an invoice or another of the administration's own numbers ("Best.-Nr.");
* a syslog time stamp ("Mar 12 07:30:11") names no one;
* a plate is typed in one case (or with the district capitalized): "to Q3" is prose;
* a hyphenated compound headed by a noun (a school, a foundation) in a name field is
  no person; a double surname is.

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
    (
        "Bescheinigung für Birkenweg 12, 1. OG rechts, bitte prüfen",
        "Birkenweg 12, 1. OG rechts",
        "ADDRESS",
    ),
    ("Termin vor Ort: Mühlgasse 4, Haus C (Hinterhof)", "Mühlgasse 4, Haus C", "ADDRESS"),
    (
        "wohnt jetzt in der Eichenallee 7, Aufgang 2, 55122 Mainz",
        "Eichenallee 7, Aufgang 2",
        "ADDRESS",
    ),
    ("Lärm aus Rosenstraße 19, DG li. gemeldet", "Rosenstraße 19, DG li.", "ADDRESS"),
    ('- nachname: Kuhnert\n  personalnummer: "018842"', "018842", "CASE_NUMBER"),
    ("<Fall>\n  <Az>WB-OST-40217</Az>\n</Fall>", "WB-OST-40217", "CASE_NUMBER"),
    ("import ok: az='61.3-1188/2026' name='Lemke'", "61.3-1188/2026", "CASE_NUMBER"),
    ("Pfändung Hr. Sauer, Vollstr.-Nr. VZ-25-03391, Termin offen", "VZ-25-03391", "CASE_NUMBER"),
    ("Mitgl.-Nr. 4471-22918 der Antragstellerin", "4471-22918", "CASE_NUMBER"),
    ("Kennzeichen: ko AB 12 falsch geparkt", "ko AB 12", "LICENCE_PLATE"),
    ("das auto mit mz-rt 518 stand wieder da", "mz-rt 518", "LICENCE_PLATE"),
    ("Name: Schulte-Fischer\nVorname: Ilka", "Schulte-Fischer", "PERSON"),
    ("Name: Anna-Lena Brück\nGeb.: 03.04.1991", "Anna-Lena Brück", "PERSON"),
    ("<Person><Name>Vogt</Name><Vorname>Heike</Vorname></Person>", "Vogt", "PERSON"),
    ("<Kind><Geburtsdatum>04.11.2019</Geburtsdatum></Kind>", "04.11.2019", "DATE_OF_BIRTH"),
]


@pytest.mark.parametrize("text, value, kind", PERSONAL)
def test_personal_values_are_masked(redactor, text, value, kind):
    assert masked(redactor, text, value, kind)


CLEAN = [
    # own process numbers behind abbreviated labels
    "Best.-Nr. 4711-08152 Toner schwarz, 3 Stück",
    "Art.-Nr. 2231-44871 (Aktenvernichter) ist nachbestellt",
    "Inv.-Nr. 1182-55301 gehört zum Sitzungssaal",
    # markup that names no one's case
    "<Vorlage>\n  <Nr>2026/0419</Nr>\n  <Titel>Radweg</Titel>\n</Vorlage>",
    'status: "offen"\nzustaendig: "Amt 32"',
    # syslog lines
    (
        "Mar 12 07:30:11 mail-gw postfix/smtp: relay=local status=sent\n"
        "Mar 12 07:30:12 mail-gw postfix/smtp: relay=local status=sent"
    ),
    "Dec 3 22:01:45 fileserver smbd: share Amt32 mounted",
    # plates and prose
    "FYI: the rollout is postponed to Q3, the pilot stays on Q2.",
    "we move the go-live to Q4 and keep it at P1",
    # institutions in name fields
    "name: Konrad-Adenauer-Gymnasium, Aula\nbarrierefrei: ja",
    "Name: Friedrich-Ebert-Stiftung\nOrt: Bonn",
    "Bezeichnung: Käthe-Kollwitz-Schule\nSchulform: Grundschule",
    "<Lieferant><Name>Stadtwerke Nord</Name><Ort>Mainz</Ort></Lieferant>",
    "<Software><Name>Outlook</Name><Version>16</Version></Software>",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_stays(redactor, text):
    assert not redactor.redact(text).entities, redactor.redact(text).text


def test_the_floor_ends_the_address_before_other_words(redactor):
    text = "Mieter in Lindenhof 3, 2. OG links, meldet Schimmel"
    found = [text[e.start : e.end] for e in redactor.redact(text).entities if e.type == "ADDRESS"]
    assert found == ["Lindenhof 3, 2. OG links"]
