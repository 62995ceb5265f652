"""Which year, which direction, which unit (issue 16, session 11): a year that names a
publication ("Wirtschaftsplan 2020") is not a year column, a difference without a direction
is a size, a unit and its feminine form compare, "zwischen 6 und unter 18" is one band, and a
keyword question with a year asks for a figure. Every table, code and name here is made up;
the expected values are read off the CSV text below."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.connectors.opendata.figures import common_unit
from assistant.connectors.opendata.matching import (
    Question,
    column_years,
    compares,
    spelled_ages,
    undirected,
    wants_figure,
    word_matches,
    year_labels,
)
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

PEOPLE = """Jahr;Schlüssel;Quartier;BW_GES;BW_W;BW_M;BW_U6;BW_6U18;BW_18U100
2020;Q-01;Hafen;1500;760;740;100;200;1200
2020;Q-02;Speicher;900;460;440;50;100;750
2021;Q-01;Hafen;1530;770;760;110;210;1210
2021;Q-02;Speicher;880;450;430;40;100;740
"""
CONFIG = """
tables:
  - match: {title: "Bewohner*"}
    area_code: Schlüssel
    area_name: Quartier
    period: Jahr
    default_column: BW_GES
    units: {BW_GES: Bewohner, BW_W: Bewohnerinnen, BW_M: Bewohner}
    columns:
      {Bewohner: BW_GES, Bewohnerinnen: BW_W, Frauen: BW_W, Männer: BW_M, Kinder: [BW_U6, BW_6U18]}
  - match: {title: "Wirtschaftsplan*"}
    default_unit: Euro
"""
# A plan with one column per year: "Ist" (the result) and "Soll" (the plan).
BUDGET = """Zeile;Ist 2019;Soll 2020;Soll 2021;Soll 2022
1 - Sachkosten;410;420;450;470
2 - Mieten;95;99;101;104
3 = Summe;505;519;551;574
"""
# Budget lines per pool: a total line and a line whose label holds the total's words.
POOLS = """Bereich;Zeile;Soll 2021
Bad Nord;10 = ordentliche Erträge;900
Bad Nord;07 - sonstige ordentliche Erträge;50
Bad Nord;11 - Personalaufwendungen;300
Bad Süd;10 = ordentliche Erträge;700
Bad Süd;07 - sonstige ordentliche Erträge;40
Bad Süd;11 - Personalaufwendungen;200
"""
# Results per district (negative: a deficit); the file spells "Rotenbach" as "Rohtenbach".
RESULTS = """Nr;Bezirk;Jahresergebnis 2021;Jahresergebnis 2022
1;Nordstadt;-500;-520
2;Südstadt;-300;-310
3;Rohtenbach;-200;-150
"""


@pytest.fixture(scope="module")
def ask(tmp_path_factory):
    base = tmp_path_factory.mktemp("directions")
    store = TableStore(base / "t.duckdb")
    for dataset, title, text in (
        ("bw", "Bewohner nach Quartieren", PEOPLE),
        ("wp", "Wirtschaftsplan der Bäderbetriebe", BUDGET),
        ("wp-bad", "Wirtschaftsplan der Bäder nach Bereichen", POOLS),
        ("je", "Jahresergebnisse der Bezirke", RESULTS),
    ):
        store.put(
            parse_bytes(text.encode("utf-8")),
            Provenance("lindau", dataset, f"r-{dataset}", title=title, licence="cc-by"),
        )
    (base / "k.yaml").write_text(CONFIG, encoding="utf-8")
    questions = StatisticsQuestions(lambda: store, base / "k.yaml")

    def run(question: str, *datasets: str) -> dict | None:
        hits = [
            SimpleNamespace(meta={"kind": "opendata", "dataset_id": d, "portal": "lindau"}, title=d)
            for d in datasets
        ]
        return questions(question, hits)

    return run


def first(found: dict | None):
    assert found, "no figure"
    return found["figures"][0]["value"]


def test_a_year_after_a_time_word_is_a_period_and_after_a_noun_a_label():
    assert year_labels("laut Wirtschaftsplan 2020 für das Jahr 2021 am 31.12.2019") == [
        ("2020", "wirtschaftsplan"),
        ("2021", None),
        ("2019", None),
    ]
    # "2020/2021" shares its label; "Ende 2021" and "Planjahr 2022" are periods.
    assert year_labels("Doppelhaushalt 2020/2021, Ende 2021, Planjahr 2022") == [
        ("2020", "doppelhaushalt"),
        ("2021", "doppelhaushalt"),
        ("2021", None),
        ("2022", None),
    ]


def test_column_years_keep_a_year_labelled_by_a_header_word():
    headers = ["Ist 2019", "Soll 2020", "Soll 2021"]
    q = Question.parse("vom Ist 2019 bis zum Soll 2021 (Wirtschaftsplan 2020)")
    assert column_years(q, headers) == ["2019", "2021"]
    # The only year, even after a noun no header has, is still the asked one.
    assert column_years(Question.parse("im Wirtschaftsplan 2020"), headers) == ["2020"]


def test_the_publications_year_picks_no_column(ask):
    question = "Welche Sachkosten sieht der Wirtschaftsplan 2020 für das Jahr 2021 vor?"
    found = ask(question, "wp")
    assert found["kind"] == "figure" and first(found) == 450


def test_a_change_between_two_columns_ignores_the_publications_year(ask):
    question = (
        "Um wie viel steigen die Sachkosten vom Ist 2019 bis zum Soll 2022 (Wirtschaftsplan 2020)?"
    )
    assert first(ask(question, "wp")) == 470 - 410


def test_a_difference_without_direction_is_its_size(ask):
    for question in (
        "Differenz der Bewohner zwischen Speicher und Hafen 2020",
        "Speicher vs. Hafen 2020: Unterschied bei den Bewohnern",
        "Vergleich Bewohner Speicher und Hafen 2020 – wie viele Bewohner hat Hafen mehr?",
    ):
        assert compares(question) and undirected(question), question
        assert first(ask(question, "bw")) == 600, question


def test_a_directed_difference_keeps_its_sign(ask):
    question = "Bewohner 2020: Speicher minus Hafen"
    assert not undirected(question)
    assert first(ask(question, "bw")) == -600
    assert first(ask("Wie viele Bewohner mehr hatte Speicher 2020 als Hafen?", "bw")) == -600


def test_a_unit_and_its_feminine_form_compare(ask):
    assert common_unit("Bewohnerinnen", "Bewohner") == "Bewohner"
    assert common_unit("Euro", "Bewohner") is False
    found = ask("Wie viele Frauen mehr als Männer lebten 2021 in Hafen?", "bw")
    assert first(found) == 770 - 760 and found["figures"][0]["unit"] == "Bewohner"


def test_between_and_under_is_one_band(ask):
    question = "Wie viele Bewohner zwischen 6 und unter 18 Jahren lebten 2020 in Hafen?"
    assert first(ask(question, "bw")) == 200


def test_a_keyword_question_with_a_year_asks_for_a_figure(ask):
    assert wants_figure("bewohner hafen 2021")
    assert not wants_figure("bewohner hafen")
    assert not wants_figure("Gibt es Daten zu Bewohnern 2021?")
    assert first(ask("bewohner hafen 2021", "bw")) == 1530


def test_two_ranges_compare_in_the_questions_order(ask):
    # "Bewohner" and "Kinder" are both configured phrases: the two ranges still decide.
    question = (
        "Wie viele Bewohner von 6 bis unter 18 Jahren hatte Hafen 2020 mehr als Kinder unter 6?"
    )
    assert first(ask(question, "bw")) == 200 - 100
    question = "Wie viele Kinder unter 6 Jahren hatte Hafen 2020 weniger als 6 bis unter 18?"
    assert first(ask(question, "bw")) == 200 - 100


def test_the_label_named_in_full_wins_a_tie(ask):
    # "ordentliche Erträge" names all of its label and most of "sonstige ordentliche Erträge".
    question = "Wie hoch sind die ordentlichen Erträge von Bad Nord im Soll 2021?"
    assert first(ask(question, "wp-bad")) == 900


def test_a_deficit_is_compared_by_its_amount(ask):
    question = "Um wie viel war der Fehlbetrag von Nordstadt 2021 größer als der von Südstadt?"
    assert first(ask(question, "je")) == 200
    # Without the word the signed values are compared, as written.
    question = "Um wie viel war das Jahresergebnis von Nordstadt 2021 höher als das von Südstadt?"
    assert first(ask(question, "je")) == -200


def test_a_name_the_file_misspells_by_one_letter_is_found(ask):
    assert word_matches("rohtenbach", {"rotenbach"}) and word_matches("rotenbach", {"rohtenbach"})
    assert not word_matches("nordstadt", {"südstadt"})
    question = "Wie hoch war das Jahresergebnis 2022 von Rotenbach?"
    assert first(ask(question, "je")) == -150


def test_an_age_written_as_a_word_is_a_range(ask):
    assert (
        spelled_ages("Kinder unter einem Jahr, ab zwei Jahren")
        == "Kinder unter 1 Jahr, ab 2 Jahren"
    )
    assert first(ask("Wie viele Bewohner unter sechs Jahren lebten 2020 in Hafen?", "bw")) == 100
