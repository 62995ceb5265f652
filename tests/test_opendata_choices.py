"""Choices, superlatives and a double budget's years (issue 16, session 14): "A oder B – wer hat
mehr?" answers with the larger value, "der einwohnerstärkste Bezirk" with one row's value (the
total row left out), "Haushaltsplan 2020/2021" names the publication, not two columns, and a
place the file misspells keeps its place in the question's order. Every table, code and name
here is made up; the expected values are read off the CSV text below."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.connectors.opendata.extremes import superlative
from assistant.connectors.opendata.matching import Question, chooses, column_years, compares
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

PEOPLE = """Jahr;Schlüssel;Quartier;BW_GES;BW_W
2020;Q-01;Hafen;1500;760
2020;Q-02;Speicher;900;460
2020;Q-03;Werft;1100;530
2021;Q-01;Hafen;1530;770
2021;Q-02;Speicher;880;450
2021;Q-03;Werft;1150;560
"""
CONFIG = """
tables:
  - match: {title: "Bewohner*"}
    area_code: Schlüssel
    area_name: Quartier
    period: Jahr
    default_column: BW_GES
    units: {BW_GES: Bewohner, BW_W: Bewohnerinnen}
    columns: {Bewohner: BW_GES, Bewohnerinnen: BW_W, Frauen: BW_W}
  - match: {title: "Haushalt*"}
    default_unit: Euro
"""
# A double budget: one column per year; the file spells "Rotenbach" as "Rohtenbach".
BUDGET = """Bezirk;Zeile;Plan 2020;Plan 2021
Nordstadt;11 - Personalkosten;5000;5200
Nordstadt;12 - Sachkosten;800;810
Rohtenbach;11 - Personalkosten;3000;3300
Rohtenbach;12 - Sachkosten;500;560
"""
# Districts with a total row that holds the sum of the others.
DISTRICTS = """Bezirk;Einwohner;Wahlbeteiligung
Ostend;1000;61.5
Westend;3000;48.2
Mitte;2000;55.0
Gesamt;6000;
"""


@pytest.fixture(scope="module")
def ask(tmp_path_factory):
    base = tmp_path_factory.mktemp("choices")
    store = TableStore(base / "t.duckdb")
    for dataset, title, text in (
        ("bw", "Bewohner nach Quartieren", PEOPLE),
        ("hh", "Haushaltsplan 2020/2021 der Bezirke", BUDGET),
        ("bz", "Bezirke im Überblick", DISTRICTS),
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


def test_a_choice_between_two_is_told_from_a_difference():
    assert chooses("Hatte Hafen oder Speicher 2020 mehr Bewohner?") == "max"
    assert chooses("Welches Quartier hatte 2021 weniger Bewohner, Hafen oder Speicher?") == "min"
    assert chooses("Hafen oder Speicher, 2020? Nenn mir die höhere Zahl.") == "max"
    # "mehr … als" asks by how much: a difference, no choice.
    assert chooses("Wie viele Bewohner mehr hatte Hafen 2020 als Speicher?") is None
    assert chooses("Wie viele Bewohner hatte Hafen 2020?") is None
    assert compares("Hatte Hafen oder Speicher 2020 mehr Bewohner?")


def test_a_choice_answers_with_the_chosen_value_then_the_difference(ask):
    found = ask("Hatte Speicher oder Hafen 2020 mehr Bewohner?", "bw")
    assert [f["value"] for f in found["figures"][:2]] == [1500, 600]
    assert found["figures"][0]["place"] == "Hafen"
    assert found["text"].startswith("Mehr: Hafen")
    found = ask("Welches Quartier hatte 2021 weniger Bewohnerinnen, Hafen oder Speicher?", "bw")
    assert first(found) == 450 and found["figures"][0]["place"] == "Speicher"


def test_a_superlative_is_read_after_an_article_only():
    assert superlative("Welches Quartier hatte 2021 die meisten Bewohner?") == "max"
    assert superlative("der einwohnerstärkste Bezirk") == "max"
    assert superlative("Wo war die Wahlbeteiligung am niedrigsten?") == "min"
    assert superlative("Wie viele Bewohner hatte Hafen höchstens?") is None
    assert superlative("Was sagt der Bürgermeister zu den Bewohnern?") is None


def test_a_superlative_reads_one_row_of_the_asked_period(ask):
    found = ask("Welches Quartier hatte 2021 die meisten Bewohner?", "bw")
    assert first(found) == 1530 and "Hafen" in found["figures"][0]["place"]
    assert len(found["table"]["rows"]) == 1 and 1530 in found["table"]["rows"][0]
    assert found["series"] is None  # one row: no line over the sums of all rows
    found = ask("Wo lebten 2020 die wenigsten Frauen?", "bw")
    assert first(found) == 460


def test_a_superlative_leaves_the_total_row_and_empty_cells_out(ask):
    found = ask("Wie viele Einwohner hat der einwohnerstärkste Bezirk?", "bz")
    assert first(found) == 3000  # not the total row's 6000
    found = ask("Wie hoch war die niedrigste Wahlbeteiligung in einem Bezirk?", "bz")
    assert first(found) == 48.2 and "Westend" in found["figures"][0]["how"]


def test_a_double_budgets_years_name_the_publication():
    headers = ["Plan 2020", "Plan 2021"]
    q = Question.parse("Personalkosten 2021 im Haushaltsplan 2020/2021")
    assert column_years(q, headers) == ["2021"]
    # Named only by the publication, both years stay: nothing else tells them apart.
    assert column_years(Question.parse("laut Haushaltsplan 2020/2021"), headers) == [
        "2020",
        "2021",
    ]


def test_a_year_of_the_measure_beats_the_double_budgets_years(ask):
    found = ask("Personalkosten 2021 für Nordstadt im Haushaltsplan 2020/2021", "hh")
    assert found["kind"] == "figure" and first(found) == 5200


def test_a_misspelt_place_keeps_its_place_in_the_questions_order(ask):
    question = (
        "Haushaltsplan 2020/2021: um wie viel Euro liegen die Personalkosten 2020 in "
        "Rotenbach unter denen von Nordstadt?"
    )
    assert first(ask(question, "hh")) == 3000 - 5000
    question = "Personalkosten 2020: liegt Nordstadt über Rotenbach, und um wie viel?"
    assert first(ask(question, "hh")) == 5000 - 3000
