"""Ranges and shares in statistics questions (issue 16, questions.py with ranges.py and
shares.py): "unter 10", "ab 65", "zwischen 6 und 18" are summed over the age bands that tile
them exactly — read from the headers in three naming styles —, a range the bands do not tile
gets no figure, "Anteil der Ausländer an den Einwohnern" divides two columns, and a configured
column that is not in its table is reported (`assistant opendata check`). Every table here is
made up; the expected values are read off the CSV text below."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_opendata_sync import invoke

from assistant.connectors.opendata.areas import FiguresConfig
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.ranges import asked_ranges, families, summed_bands
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

# Bands in words ("unter 3", "3 bis unter 6", "75 und älter"); each row adds up to "Personen".
WORDS = """Nr;Ortsteil;Personen;unter 3;3 bis unter 6;6 bis unter 10;10 bis unter 18;18 bis unter 65;65 bis unter 75;75 und älter;Nichtdeutsche
1;Altdorf;2000;60;70;90;150;1200;250;180;300
2;Neudorf;1000;40;35;45;80;600;120;80;90
"""
# Inclusive bands ("0-5" is 0 to 5 years), and "80+".
INCLUSIVE = """Jahr;Gebiet;Summe;0-5;6-9;10-17;18-64;65-79;80+
2022;Oberau;500;30;20;50;250;110;40
2022;Unterau;700;45;35;60;370;130;60
"""
CONFIG = """
tables:
  - match: {portal: muster, title: "Altersgruppen*"}
    area_code: Nr
    area_name: Ortsteil
    default_column: Personen
    columns:
      Einwohner: Personen
      Ausländer: Nichtdeutsche
      Kleinkinder: ["unter 3", "3 bis unter 6"]
  - match: {portal: muster, title: "Bevölkerung*"}
    area_name: Gebiet
    period: Jahr
    default_column: Summe
    units: {Summe: Personen}
    columns:
      Einwohner: Summe
      Kinder unter 6: U6          # a column the table does not have
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    data = tmp_path_factory.mktemp("ranges") / "data"
    store = TableStore(data / "opendata.duckdb")
    for dataset, title, text in (
        ("alter", "Altersgruppen nach Ortsteilen", WORDS),
        ("bev", "Bevölkerung nach Gebieten", INCLUSIVE),
    ):
        store.put(
            parse_bytes(text.encode("utf-8")),
            Provenance("muster", dataset, f"r-{dataset}", title=title, licence="dl-de/by-2-0"),
        )
    config = data.parent / "k.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return data, store, config


@pytest.fixture(scope="module")
def ask(setup):
    _, store, config = setup
    questions = StatisticsQuestions(lambda: store, config)

    def run(question: str, dataset: str) -> dict | None:
        hit = SimpleNamespace(meta={"kind": "opendata", "dataset_id": dataset, "portal": "muster"})
        return questions(question, [hit])

    return run


def first(found: dict | None) -> tuple:
    assert found, "no figure"
    fig = found["figures"][0]
    return fig["value"], fig["how"]


def test_band_headers_of_three_naming_styles_become_half_open_ranges():
    words = WORDS.splitlines()[0].split(";")
    assert [(b.lo, b.hi) for b in families(words)["#"]] == [
        (0, 3), (3, 6), (6, 10), (10, 18), (18, 65), (65, 75), (75, None)
    ]  # fmt: skip
    # Neighbours one apart are inclusive bounds: 0-5 is 0 to under 6.
    inclusive = INCLUSIVE.splitlines()[0].split(";")
    assert [(b.lo, b.hi) for b in families(inclusive)["#"]][:2] == [(0, 6), (6, 10)]
    # Neighbours sharing a bound are exclusive: X_00_03 is 0 to under 3; 95 to 110 is open.
    coded = ["X_00_03", "X_03_06", "X_06_18", "X_18_95", "X_95_110", "XU3", "X_1999"]
    assert [(b.lo, b.hi) for b in families(coded)["x_#"]] == [
        (0, 3), (3, 6), (6, 18), (18, 95), (95, None)
    ]  # fmt: skip
    assert summed_bands("Wie viele Personen unter 18 Jahren?", coded)[0] == [
        "X_00_03", "X_03_06", "X_06_18"
    ]  # fmt: skip


def test_a_range_is_read_from_the_question_not_from_places_or_years():
    assert asked_ranges("Einwohner unter 18 Jahren") == ((0, 18),)
    assert asked_ranges("Wie viele Menschen ab 65 leben hier?") == ((65, None),)
    assert asked_ranges("zwischen 25 und 55") == ((25, 56), (25, 55))
    assert asked_ranges("von 6 bis unter 15 Jahren") == ((6, 15),)
    assert asked_ranges("Einwohner in Bezirk 1 und 2 zusammen") == ()
    assert asked_ranges("Einwohner 2012 und 2013") == ()


def test_a_range_is_read_through_the_hyphens_of_german_compounds():
    # The suspended hyphen stands for a shared ending: "6- bis unter 15-Jährige".
    assert asked_ranges("Wie viele 6- bis unter 15-Jährige leben dort?") == ((6, 15),)
    assert asked_ranges("Anzahl der 20- bis 29-Jährigen") == ((20, 30), (20, 29))
    # A bound inside a compound: "die Über-70-Jährigen", "der Unter-5-Jährigen".
    assert asked_ranges("Wie hoch ist der Anteil der Über-70-Jährigen?") == ((70, None),)
    assert asked_ranges("Zahl der Unter-5-Jährigen im Bezirk") == ((0, 5),)
    # A minus sign before a number is no suspended hyphen: "Saldo 12 -3" stays no range.
    assert asked_ranges("Wanderungssaldo 12 -3 im Bezirk") == ()


def test_an_open_range_sums_the_bands_that_tile_it(ask):
    value, how = first(ask("Wie viele Kinder unter 10 Jahren leben in Altdorf?", "alter"))
    assert value == 60 + 70 + 90
    assert "Summe der Spalten unter 3 (60) + 3 bis unter 6 (70) + 6 bis unter 10 (90)" in how
    assert first(ask("Wie viele Einwohner ab 65 hat Neudorf?", "alter"))[0] == 120 + 80
    closed = ask("Wie viele Einwohner zwischen 6 und 18 Jahren leben in Neudorf?", "alter")
    assert first(closed)[0] == 45 + 80


def test_inclusive_bands_tile_the_same_ranges(ask):
    assert first(ask("Wie viele Einwohner unter 18 Jahren hatte Unterau 2022?", "bev"))[0] == 140
    assert first(ask("Wie viele Einwohner ab 65 hatte Oberau 2022?", "bev"))[0] == 150


def test_a_range_the_bands_do_not_tile_gets_no_figure_and_says_why(ask):
    # Not the total, not the nearest band: "unter 5" splits the band 3 bis unter 6.
    found = ask("Wie viele Kinder unter 5 Jahren leben in Altdorf?", "alter")
    assert found["kind"] == "note" and found["figures"] == []
    assert found["text"].startswith(
        "Die Tabelle „Altersgruppen nach Ortsteilen“ teilt die Werte in die Gruppen unter 3, "
        "3 bis unter 6,"
    )
    assert "nicht genau zusammensetzen" in found["text"]


def test_a_share_divides_the_part_by_the_whole(ask):
    value, how = first(
        ask("Wie hoch ist der Anteil der Ausländer an den Einwohnern in Neudorf?", "alter")
    )
    assert value == 9.0  # 90 / 1000
    assert "Spalte Nichtdeutsche (90) / Spalte Personen (1.000) × 100" in how
    old = ask("Wie viel Prozent der Einwohner von Altdorf sind 65 Jahre und älter?", "alter")
    assert first(old)[0] == round((250 + 180) / 2000 * 100, 1)
    assert old["figures"][0]["unit"] == "%"


def test_shares_of_two_places_differ_in_percentage_points(ask):
    found = ask(
        "Um wie viele Prozentpunkte ist der Ausländeranteil in Altdorf höher als in Neudorf?",
        "alter",
    )
    assert found["figures"][0]["value"] == 15.0 - 9.0
    assert found["figures"][0]["unit"] == "Prozentpunkte"


def test_a_configured_list_of_columns_is_added_up(ask):
    assert first(ask("Wie viele Kleinkinder leben in Neudorf?", "alter"))[0] == 40 + 35


def test_a_configured_column_missing_from_its_table_is_reported(setup):
    data, store, config = setup
    table = store.tables("bev", "muster")[0]
    notes = FiguresConfig.load(config).missing_columns(table)
    assert notes == [
        (
            "Kennzahlen-Konfiguration: Die Spalte „U6“ („Kinder unter 6“) gibt es in der "
            "Tabelle „Bevölkerung nach Gebieten“ (muster) nicht."
        )
    ]
    result = invoke(data, "opendata", "check", ASSISTANT_OPENDATA_FIGURES=str(config))
    assert result.exit_code == 1 and "„U6“" in result.output
