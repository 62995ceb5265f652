"""The publisher of a dataset without organisation comes from `author` — only when the project's
real redactor finds no person, e-mail address or phone number in it (issue 16, item 2).

Berlin's datenregister keeps the publishing office in `author` („Amt für Statistik
Berlin-Brandenburg“); other catalogues put a civil servant's name there. Synced through the
real CLI over real HTTP from our own CKAN fixture.
"""

from __future__ import annotations

import pytest
from ckan_fixture import CkanFixture, package, running_ckan
from test_opendata_sync import sync_json, units

from assistant.connectors.opendata.units import strip_contacts

OFFICE = "Amt für Statistik Berlin-Brandenburg"
PERSONAL = {
    "pkg-0002": "Max Beispielmann",
    "pkg-0003": "Referat IV B, Tel. 030 9025 1234",
    "pkg-0004": "statistik.beispiel@stadt-beispiel.example",
}


@pytest.fixture
def portal():
    packages = [package(n, organization=None) for n in range(1, 5)]
    packages[0]["author"] = f"  {OFFICE} "  # spaces as in the real catalogue
    for p in packages[1:]:
        p["author"] = PERSONAL[p["id"]]
    with_org = package(5, author="Senatsverwaltung für Finanzen")  # organisation wins
    with running_ckan(CkanFixture([*packages, with_org])) as running:
        yield running


def test_office_in_author_is_the_publisher_a_person_is_not(portal, tmp_path):
    data = tmp_path / "data"
    assert sync_json(data, portal.url, "--name", "beispiel")[0] == 0
    indexed = units(data, "beispiel")

    record, texts = indexed["pkg-0001"]
    assert record.meta["publisher"] == OFFICE
    assert f"Herausgeber: {OFFICE}" in "\n".join(texts)

    for pid in PERSONAL:
        record, texts = indexed[pid]
        assert record.meta["publisher"] is None
        assert "Herausgeber" not in "\n".join(texts)
    record, texts = indexed["pkg-0005"]
    assert record.meta["publisher"] == "Stadt Beispielstadt"
    assert "Senatsverwaltung für Finanzen" not in "\n".join(texts)

    stored = b"".join(f.read_bytes() for f in data.rglob("*") if f.is_file())
    for value in [*PERSONAL.values(), "Senatsverwaltung für Finanzen"]:
        assert value.encode() not in stored, value
    assert OFFICE.encode() in stored


def test_author_is_dropped_without_a_check_or_with_an_organisation():
    bare = package(1, organization=None, author=OFFICE)
    assert "author" not in strip_contacts(bare)  # no redactor: fail closed
    assert "author" not in strip_contacts(bare, lambda value: True)
    assert strip_contacts(bare, lambda value: False)["author"] == OFFICE
    assert "author" not in strip_contacts(package(1, author=OFFICE), lambda value: False)


def test_unit_title_and_first_passage_carry_publisher_portal_and_description():
    from assistant.connectors.opendata.units import dataset_unit

    pkg = strip_contacts(package(7, organization=None, author=OFFICE), lambda value: False)
    unit = dataset_unit(pkg, portal="beispiel", base_url="http://x", collection="c", resources=[])
    assert unit.title == f"Testdatensatz 7 – {OFFICE} – offene Daten im Open-Data-Portal beispiel"
    assert unit.meta["title"] == "Testdatensatz 7" and unit.meta["publisher"] == OFFICE
    first = unit.blocks[0][1]
    assert "Beschreibung: Beschreibung des Datensatzes 7 über Spielplätze." in first
    assert "Schlagwörter: Spielplatz" in first and len(unit.blocks) == 1
