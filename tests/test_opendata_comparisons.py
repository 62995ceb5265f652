"""Comparisons and places in statistics questions (issue 16, session 10 round 2): dates that
carry the year ("31.12.2020"), "um wie viel" as a difference, two row labels of one column
compared, the place's kind named right before it ("Stadtteil Hafen"), and the portal's city
named as the whole table. Every table, code and name here is made up; the expected values are
read off the CSV text below."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.connectors.opendata.matching import compares, wants_figure, years
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

PEOPLE = """Jahr;Schlüssel;Quartier;BW_GES;BW_W;BW_U6;BW_6U18;BW_18U100
2020;Q-01;Hafen;1500;760;100;200;1200
2020;Q-02;Speicher;900;460;50;100;750
2021;Q-01;Hafen;1530;770;110;210;1210
2021;Q-02;Speicher;880;450;40;100;740
"""
CONFIG = """
tables:
  - match: {title: "Bewohner*"}
    area_code: Schlüssel
    area_name: Quartier
    period: Jahr
    default_column: BW_GES
    columns: {Bewohner: BW_GES, Bevölkerung: BW_GES, Bewohnerinnen: BW_W}
  - match: {title: "Wahl*"}
    units: {Beteiligung: "%"}
    columns: {Beteiligung: Beteiligung}
"""
# Budget lines per district: the districts are labels beside a key, not configured places.
DISTRICTS = """Bezirk;Bezeichnung;Zeile;Soll 2020;Soll 2021
1;Nordstadt;11 - Sachkosten;410;420
1;Nordstadt;12 - Mieten;95;99
2;Südstadt;11 - Sachkosten;310;330
2;Südstadt;12 - Mieten;75;80
"""
# The same place name in a table of quarters and in a table of districts.
QUARTERS = "Nr.;Stadtteil;Einwohner insgesamt\n101;Hafen;1500\n102;Speicher;900\n"
DISTRICT_PEOPLE = "Nr.;Stadtbezirk;Einwohner insgesamt\n1;Hafen;5200\n2;Altstadt;7100\n"
# Turnout by area; a constituency's name holds both town names.
TURNOUT = "Nr;Gebiet;Beteiligung\n1;Hafen;71,5\n2;Speicher;68,0\n"
CONSTITUENCY = "Nr;Gebiet;Beteiligung\n7;Speicher - Hafen Land;69,9\n8;Altstadt;66,1\n"


@pytest.fixture(scope="module")
def ask(tmp_path_factory):
    base = tmp_path_factory.mktemp("comparisons")
    store = TableStore(base / "t.duckdb")
    for dataset, title, text in (
        ("bw", "Bewohner nach Quartieren", PEOPLE),
        ("hh-bez", "Haushalt der Bezirke", DISTRICTS),
        ("ew-teil", "Einwohner nach Stadtteilen", QUARTERS),
        ("ew-bez", "Einwohner nach Stadtbezirken", DISTRICT_PEOPLE),
        ("wahl-gebiet", "Wahl – Gebiete", TURNOUT),
        ("wahl-kreis", "Wahl – Wahlkreise", CONSTITUENCY),
    ):
        store.put(
            parse_bytes(text.encode("utf-8")),
            Provenance("lindau", dataset, f"r-{dataset}", title=title, licence="cc-by"),
        )
    (base / "k.yaml").write_text(CONFIG, encoding="utf-8")
    questions = StatisticsQuestions(lambda: store, base / "k.yaml")

    def run(question: str, *datasets: str, strict: bool = False) -> dict | None:
        hits = [
            SimpleNamespace(meta={"kind": "opendata", "dataset_id": d, "portal": "lindau"}, title=d)
            for d in datasets
        ]
        return questions(question, hits, strict=strict)

    return run


def first(found: dict | None):
    assert found, "no figure"
    return found["figures"][0]["value"]


def test_a_date_names_its_year():
    assert years("vom 31.12.2019 bis zum 31.12.2021") == ["2019", "2021"]
    assert years("Stand 12.2020") == ["2020"]
    assert years("3.337.233 Einwohner, 1.2020,5") == []


def test_two_dates_compare_two_years(ask):
    found = ask(
        "Um wie viel Prozent hat sich die Zahl der Bewohner in Speicher vom 31.12.2020 bis "
        "zum 31.12.2021 verändert?",
        "bw",
    )
    assert [f["value"] for f in found["figures"][:2]] == [-2.2, -20]


def test_a_date_between_more_and_than_still_compares(ask):
    question = "Wie viele Bewohner mehr hatte Hafen am 31.12.2021 als Speicher?"
    assert compares(question)
    assert first(ask(question, "bw")) == 1530 - 880


def test_by_how_much_with_two_places_is_a_difference(ask):
    question = "Um wie viele Prozentpunkte lag die Beteiligung in Hafen über der in Speicher?"
    assert compares(question)
    found = ask(question, "wahl-gebiet")
    assert found["kind"] == "comparison" and first(found) == 3.5


def test_a_table_with_one_side_of_a_comparison_loses(ask):
    # The constituency "Speicher - Hafen Land" holds both names in one row and ranks first.
    question = "Um wie viele Prozentpunkte lag die Beteiligung in Hafen über der in Speicher?"
    found = ask(question, "wahl-kreis", "wahl-gebiet")
    assert found["hit"] == 2 and first(found) == 3.5


def test_a_difference_between_two_places_asks_for_a_figure():
    assert wants_figure("der Unterschied in der Beteiligung zwischen Hafen und Speicher?")
    assert not wants_figure("Gibt es Daten zum Unterschied zwischen Hafen und Speicher?")


def test_two_labels_of_one_column_are_compared(ask):
    found = ask("Wie viel mehr Sachkosten plant Nordstadt 2021 als Südstadt?", "hh-bez")
    assert found["kind"] == "comparison" and first(found) == 420 - 330
    assert [f["value"] for f in found["figures"][1:]] == [420, 330]


def test_the_kind_named_before_the_place_picks_the_table(ask):
    question = "Wie viele Einwohner hat der Stadtteil Hafen (nicht der ganze Stadtbezirk)?"
    found = ask(question, "ew-bez", "ew-teil")
    assert first(found) == 1500 and found["hit"] == 2
    found = ask("Wie viele Einwohner hat der Stadtbezirk Hafen?", "ew-teil", "ew-bez")
    assert first(found) == 5200 and found["hit"] == 2


def test_the_portals_city_is_the_whole_table(ask):
    # In the narrower search every figure needs a measure and a place: the city is one.
    question = "Welcher Anteil der Lindauer Bewohner war 2021 unter 6 Jahre alt?"
    assert first(ask(question, "bw", strict=True)) == round(150 / 2410 * 100, 1)
    assert ask("Welcher Anteil der Bewohner war 2021 unter 6 Jahre alt?", "bw", strict=True) is None


def test_two_phrases_of_the_total_keep_a_subgroup_from_looking_more_specific(ask):
    # "Bevölkerung" outscores "Bewohner" for the total; "Bewohner" also half-names
    # "Bewohnerinnen" (BW_W), which must not win as if it were a qualifier.
    found = ask("Wie viele Bewohner zählte die Bevölkerung von Hafen 2021?", "bw")
    assert found["figures"][0]["column"] == "BW_GES" and first(found) == 1530
