"""Qualifiers and a place's share in statistics questions (issue 16, qualifiers.py, shares.py):
"Frauen ab 65" is answered only from bands of women — a table with a women total but age bands
of all people gets no figure and a German note —, a qualifier the table has nowhere
("Ausländer") gets no figure, and "Welchen Anteil hat Nordheim an der Bevölkerung?" divides
the place by the whole without counting a total row twice. Every table here is made up, in
column naming unlike the real files; the expected values are read off the CSV text below."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

# A women total (BevW), but age bands (A_…) of all people only.
CODED = """Bezirk;Name;Bev;BevW;A_U18;A_18U65;A_65U99
11;Nordheim;1000;520;180;600;220
12;Südheim;2000;1010;400;1250;350
13;Westheim;3000;1530;500;1900;600
"""
# Bands of all people and of women, in words; a citizenship column.
WORDED = """Gebiet;Einwohner gesamt;weiblich;weiblich unter 18;weiblich 18 bis unter 65;weiblich 65 und älter;unter 18;18 bis unter 65;65 und älter;nichtdeutsch
Oberdorf;800;410;70;250;90;150;480;170;60
Unterdorf;1200;600;110;370;120;230;720;250;95
"""
# A total row ("Stadt gesamt") above the areas.
TOTALLED = """Nr;Gebiet;Bewohner
0;Stadt gesamt;600
1;Nordheim;100
2;Südheim;200
3;Westheim;300
"""
CONFIG = """
tables:
  - match: {portal: muster, title: "Bevölkerung nach Bezirken*"}
    area_code: Bezirk
    area_name: Name
    default_column: Bev
    columns:
      Einwohner: Bev
      Frauen: BevW
  - match: {portal: muster, title: "Einwohner nach Dörfern*"}
    area_name: Gebiet
    default_column: Einwohner gesamt
    columns:
      Einwohner: Einwohner gesamt
      Frauen: weiblich
      Ausländer: nichtdeutsch
  - match: {portal: muster, title: "Bewohner*"}
    area_code: Nr
    area_name: Gebiet
    default_column: Bewohner
    columns:
      Bevölkerung: Bewohner
qualifiers:
  Geschlecht: [Frauen, weiblich, Männer, männlich]
  Staatsangehörigkeit: [Ausländer, Nichtdeutsche]
"""


@pytest.fixture(scope="module")
def ask(tmp_path_factory):
    data = tmp_path_factory.mktemp("qualifiers") / "data"
    store = TableStore(data / "opendata.duckdb")
    for dataset, title, text in (
        ("bez", "Bevölkerung nach Bezirken", CODED),
        ("dorf", "Einwohner nach Dörfern", WORDED),
        ("tot", "Bewohner nach Gebieten", TOTALLED),
    ):
        store.put(
            parse_bytes(text.encode("utf-8")),
            Provenance("muster", dataset, f"r-{dataset}", title=title, licence="dl-de/by-2-0"),
        )
    config = data.parent / "k.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    questions = StatisticsQuestions(lambda: store, config)

    def run(question: str, dataset: str, strict: bool = False) -> dict | None:
        hit = SimpleNamespace(meta={"kind": "opendata", "dataset_id": dataset, "portal": "muster"})
        return questions(question, [hit], strict=strict)

    return run


def value(found: dict | None):
    assert found and found["figures"], f"no figure: {found and found.get('text')}"
    return found["figures"][0]["value"]


def test_a_qualifier_without_its_own_bands_gets_no_figure(ask):
    found = ask("Wie viele Frauen ab 65 leben in Nordheim?", "bez")
    assert found["kind"] == "note" and found["figures"] == []
    assert "„Frauen“ nur die Gesamtzahl (Spalte BevW)" in found["text"]
    assert "A_U18, A_18U65 und A_65U99" in found["text"]
    # The same range without the qualifier, and the qualifier without a range, still answer.
    assert value(ask("Wie viele Einwohner ab 65 leben in Nordheim?", "bez")) == 220
    assert value(ask("Wie viele Frauen leben in Nordheim?", "bez")) == 520


def test_a_qualifier_with_its_own_bands_reads_them_and_others_do_not(ask):
    assert value(ask("Wie viele Frauen ab 65 leben in Unterdorf?", "dorf")) == 120
    assert value(ask("wie viele frauen unter 65 wohnen in oberdorf", "dorf")) == 70 + 250
    # Without the qualifier the bands of all people, not the women's.
    assert value(ask("Wie viele Einwohner ab 65 leben in Unterdorf?", "dorf")) == 250
    assert value(ask("Wie viele Einwohner unter 65 leben in Oberdorf?", "dorf")) == 150 + 480


def test_a_qualifier_the_table_has_nowhere_gets_no_figure(ask):
    found = ask("Wie viele Ausländer leben in Südheim?", "bez")
    assert found["kind"] == "note" and found["figures"] == []
    assert "unterscheidet nicht nach Staatsangehörigkeit („Ausländer“)" in found["text"]
    # Where a configured phrase names it, it is read.
    assert value(ask("Wie viele Ausländer leben in Unterdorf?", "dorf")) == 95


def test_a_place_share_of_the_whole_sums_all_rows(ask):
    found = ask("Welchen Anteil hat Nordheim an der Bevölkerung?", "bez")
    fig = found["figures"][0]
    assert (fig["value"], fig["unit"]) == (round(1000 / 6000 * 100, 1), "%")
    assert "Nordheim 1.000 / gesamt 6.000 × 100" in fig["how"]
    percent = ask("Wie viel Prozent der Einwohner wohnen in Westheim?", "bez")
    assert value(percent) == 50.0


def test_a_total_row_is_the_whole_and_not_counted_twice(ask):
    found = ask("Welchen Anteil hat Südheim an der Bevölkerung?", "tot")
    assert value(found) == round(200 / 600 * 100, 1)
    assert "Summenzeile" in found["figures"][0]["how"]
    assert value(ask("Wie viele Bewohner gibt es insgesamt?", "tot")) == 600


def test_a_city_share_found_for_its_table_counts_in_the_narrower_search(ask):
    # Hits found only for having a table must name measure and place; for a place's share
    # the whole may name the city of the portal instead ("an der Mustermer Bevölkerung").
    found = ask("Welchen Anteil hat Südheim an der Mustermer Bevölkerung?", "tot", strict=True)
    assert value(found) == round(200 / 600 * 100, 1)
    assert ask("Welchen Anteil hat Südheim an den Baugenehmigungen?", "tot", strict=True) is None
