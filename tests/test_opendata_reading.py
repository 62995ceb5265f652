"""How a statistics question is read against tables of our own (issue 16, questions.py and
matching.py): which column a question names when it qualifies a total ("männliche Bewohner"),
names a range ("von 3 bis unter 6 Jahren") or a year among year columns; a comparison whose
"mehr" and "als" stand apart; a written-out code against a city adjective; and the table whose
named labels pin one row against one that still sums an unnamed dimension. Every table, code
and name here is made up; the expected values are read off the CSV text below."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from test_opendata_questions import CONFIG as KOELN_CONFIG
from test_opendata_questions import koeln_synced as _koeln_synced  # noqa: F401 (a fixture)
from test_opendata_sync import invoke

from assistant.connectors.opendata.matching import Question, band_score, compares
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

PEOPLE = """Jahr;Schlüssel;Quartier;BW_GES;BW_M;BW_W;BW_U1;BW_1U3;BW_3U6;BW_6U18;BW_65U100
2020;Q-01;Hafen;1500;760;740;13;28;52;190;301
2020;Q-02;Speicher;900;430;470;7;15;31;104;188
2021;Q-01;Hafen;1530;771;759;14;30;50;196;305
2021;Q-02;Speicher;880;420;460;6;14;33;101;190
"""
# Listed before the qualifiers on purpose: a tie between "Bewohner" and "männlich" must not
# fall to the total by the order of the configuration.
CONFIG = """
tables:
  - match: {portal: muster, title: "Bewohner*"}
    area_code: Schlüssel
    area_name: Quartier
    period: Jahr
    default_column: BW_GES
    columns:
      Bewohner: BW_GES
      Bewohnerinnen und Bewohner: BW_GES
      Bewohnerinnen: BW_W
      männlich: BW_M
  - match: {portal: muster, title: "Haushalt*"}
    default_unit: Euro
  - match: {portal: muster, title: "Wahl*"}
    area_code: Nr
    area_name: Gebiet
    default_column: Wahlberechtigte
    columns: {Wahlberechtigte: Wahlberechtigte, Stimmen Liste A: Liste A, Stimmen Liste B: Liste B}
"""
# Budget lines per district, and the same per district and product group: "Bezirk" is a
# number (a key with its label beside it), the values stand in one column per year.
DISTRICTS = """Bezirk;Bezeichnung;Zeile;Ist 2019;Soll 2020;Soll 2021
1;Nordstadt;11 - Sachkosten;400;410;420
1;Nordstadt;12 - Mieten;90;95;99
2;Südstadt;11 - Sachkosten;300;310;330
2;Südstadt;12 - Mieten;70;75;80
"""
GROUPS = """Gruppe;Bezirk;Bezeichnung;Zeile;Ist 2019;Soll 2020;Soll 2021
Bibliothek;1;Nordstadt;11 - Sachkosten;150;160;170
Schwimmbad;1;Nordstadt;11 - Sachkosten;250;250;250
Bibliothek;2;Südstadt;11 - Sachkosten;100;110;120
Schwimmbad;2;Südstadt;11 - Sachkosten;200;200;210
Bibliothek;1;Nordstadt;12 - Mieten;40;45;49
Schwimmbad;1;Nordstadt;12 - Mieten;50;50;50
"""
CITY_VOTE = "Nr;Gebiet;Wahlberechtigte\n0;Stadt Hafenburg;54321\n1;Umland;12000\n"
PRECINCT_VOTE = "Nr;Gebiet;Wahlberechtigte\n20201;Hafen Nord;1400\n20202;Hafen Süd;1650\n"
# Votes per party as counts and, beside each, its share in percent.
PARTY_VOTE = """Nr;Gebiet;Wahlberechtigte;Liste A;Liste A_Proz;Liste B;Liste B_Proz
1;Hafen;2000;600;40,00;900;60,00
2;Speicher;1000;300;37,50;500;62,50
"""


@pytest.fixture(scope="module")
def ask(tmp_path_factory):
    base = tmp_path_factory.mktemp("reading")
    store = TableStore(base / "t.duckdb")
    for dataset, title, text in (
        ("bw", "Bewohner nach Quartieren", PEOPLE),
        ("hh-bez", "Haushalt der Bezirke", DISTRICTS),
        ("hh-grp", "Haushalt der Bezirke nach Produktgruppen", GROUPS),
        ("wahl-stadt", "Wahl – Stadt", CITY_VOTE),
        ("wahl-bezirk", "Wahl – Stimmbezirke", PRECINCT_VOTE),
        ("wahl-listen", "Wahl – Listen", PARTY_VOTE),
    ):
        store.put(
            parse_bytes(text.encode("utf-8")),
            Provenance("muster", dataset, f"r-{dataset}", title=title, licence="dl-de/by-2-0"),
        )
    (base / "k.yaml").write_text(CONFIG, encoding="utf-8")
    questions = StatisticsQuestions(lambda: store, base / "k.yaml")

    def run(question: str, *datasets: str) -> dict:
        hits = [
            SimpleNamespace(meta={"kind": "opendata", "dataset_id": d, "portal": "muster"}, title=d)
            for d in datasets
        ]
        found = questions(question, hits)
        assert found, question
        return found

    return run


def value(found: dict) -> tuple:
    fig = found["figures"][0]
    return fig["value"], fig["column"]


def test_a_qualifier_beside_the_total_names_its_own_column(ask):
    assert value(ask("Wie viele männliche Bewohner hatte Hafen 2021?", "bw")) == (771, "BW_M")


def test_one_word_of_the_question_names_one_word_of_a_phrase(ask):
    # "Bewohnerinnen" alone is not "Bewohnerinnen und Bewohner" (the total).
    assert value(ask("Wie viele Bewohnerinnen lebten 2020 in Speicher?", "bw")) == (470, "BW_W")
    both = ask("Wie viele Bewohnerinnen und Bewohner lebten 2020 in Speicher?", "bw")
    assert value(both) == (900, "BW_GES")


def test_a_range_in_the_question_names_the_column_with_that_range(ask):
    kids = ask("Wie viele Kinder von 3 bis unter 6 Jahren lebten 2021 in Speicher?", "bw")
    assert value(kids) == (33, "BW_3U6")
    old = ask("Wie viele Bewohner ab 65 Jahren hatte Hafen im Jahr 2020?", "bw")
    assert value(old) == (301, "BW_65U100")
    babies = ask("Wie viele Kinder unter 1 Jahr lebten 2020 in Hafen?", "bw")
    assert value(babies) == (13, "BW_U1")


def test_ranges_are_read_from_the_question_not_from_dates_or_codes():
    q = Question.parse("Wie viele Kinder zwischen 6 und 18 lebten am 31.12.2020 in Q-01?")
    assert band_score("BW_6U18", q) and not band_score("BW_0U3", q)
    assert not band_score("E_12U31", Question.parse("Einwohner am 31.12.2020 in 01011101?"))


def test_more_and_than_apart_still_compare(ask):
    assert compares("Wie viele Bewohner mehr hatte 2021 Hafen als Speicher?")
    found = ask("Wie viele Bewohner mehr hatte 2021 Hafen als Speicher?", "bw")
    assert found["kind"] == "comparison" and found["figures"][0]["value"] == 1530 - 880


def test_less_than_gives_the_amount_the_first_falls_short(ask):
    found = ask("Wie viele Bewohner weniger hatte 2021 Speicher als Hafen?", "bw")
    assert found["figures"][0]["value"] == 1530 - 880


def test_the_year_picks_the_column_not_a_key_the_question_names(ask):
    # "Bezirk" is a header and a word of the question; its cells are keys, not values.
    found = ask("Wie hoch sind die Sachkosten im Bezirk Südstadt 2020?", "hh-bez")
    assert value(found) == (310, "Soll 2020")


def test_the_table_whose_labels_pin_one_row_wins(ask):
    # The product-group table ranks first but would sum two groups the question never names.
    found = ask("Welche Sachkosten sind 2021 für die Nordstadt geplant?", "hh-grp", "hh-bez")
    assert value(found) == (420, "Soll 2021") and found["hit"] == 2


def test_a_written_out_code_outweighs_a_city_adjective(ask):
    found = ask(
        "Wie viele Wahlberechtigte gab es im Hafenburger Stimmbezirk 20202?",
        "wahl-stadt",
        "wahl-bezirk",
    )
    assert value(found) == (1650, "Wahlberechtigte") and found["hit"] == 2


def test_a_share_reads_the_percent_twin_of_the_count(ask):
    share = ask("Wie viel Prozent der Stimmen bekam Liste B in Speicher?", "wahl-listen")
    assert value(share) == (62.5, "Liste B_Proz")
    count = ask("Wie viele Stimmen bekam Liste B in Speicher?", "wahl-listen")
    assert value(count) == (500, "Liste B")


def test_a_change_in_percent_leads_with_the_percent(ask):
    found = ask("Um wie viel Prozent ist Speicher von 2020 bis 2021 geschrumpft?", "bw")
    assert [f["value"] for f in found["figures"][:2]] == [-2.2, -20]  # 880 against 900
    assert found["text"].startswith("Veränderung: -2,2 % (Differenz: -20)")
    points = ask(
        "Um wie viele Prozentpunkte lag Liste A in Hafen höher als in Speicher?", "wahl-listen"
    )
    assert points["figures"][0]["value"] == 2.5 and points["figures"][0]["unit"] == "Prozentpunkte"


def test_since_a_year_compares_it_with_the_newest_year(ask):
    found = ask("Wie hat sich die Zahl der Bewohner in Speicher seit 2020 entwickelt?", "bw")
    assert found["kind"] == "comparison" and found["figures"][0]["value"] == 880 - 900
    assert [f["period"] for f in found["figures"][1:]] == ["2021", "2020"]


def test_two_places_together_are_added(ask):
    found = ask("Wie viele Bewohner hatten Hafen und Speicher 2021 zusammen?", "bw")
    assert found["kind"] == "figure" and found["figures"][0]["value"] == 1530 + 880
    assert found["figures"][0]["how"] == "Summe: Hafen 2021 1.530 + Speicher 2021 880"


# --- through `assistant ask`: the top hit's table against a better one further down ---------


def test_a_table_further_down_that_reads_more_of_the_question_wins(request):
    koeln_synced = request.getfixturevalue("_koeln_synced")  # Köln synced for real
    # The top hit (the election by district) has a table and would answer with its own row and
    # default column (52.542 Wahlberechtigte); the search among the datasets with a table finds
    # the age groups by district, which name the range and the place: 2012_Altersgruppen_
    # Stadtbezirk.csv, "6;Chorweiler;80895;…", column "18 - 20" = 3046.
    question = (
        "Wie viele Einwohner zwischen 18 und 20 Jahren hatte der Stadtbezirk Chorweiler "
        "bei der Bundestagswahl?"
    )
    top = json.loads(invoke(koeln_synced, "search", question, "--json", "-k", "1").stdout)
    assert top[0]["title"].startswith("Bundestagswahl8")  # the situation this test is about
    result = invoke(
        koeln_synced, "ask", question, "--json",
        ASSISTANT_OPENDATA_FIGURES=str(KOELN_CONFIG), ASSISTANT_SEARCH_K="1",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert [f["value"] for f in data["figures"]][:1] == [3046]
    assert data["citations"][0]["title"].startswith("Einwohner nach Altersgruppen")
