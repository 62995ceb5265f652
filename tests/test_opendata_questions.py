"""Statistics questions without an LLM (issue 16): a German question and the search hits → the
figure, computed from the stored table (connectors/opendata/questions.py), configured only
through the figures YAML (the sample docs/opendata/kennzahlen.yaml for the real Berlin/Köln
files; a fixture with other columns and codes through its own YAML), the number check for a
model's answer, and `assistant ask --json` after a real `opendata sync` against
../shared/opendata/serve.py. Expected values were read from the raw files (awk/grep), not
from the code: see tests/data/eval/opendata_a.jsonl for how each was obtained."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_opendata_sync import SHARED, free_port, invoke, sync_json

from assistant.answering.figures import facts, unsupported_numbers
from assistant.connectors.opendata.questions import StatisticsQuestions
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

DATA = SHARED / "data"
CONFIG = Path(__file__).resolve().parents[1] / "docs" / "opendata" / "kennzahlen.yaml"
BERLIN_2013 = "3652a82b-e105-4f0d-868c-cb0755f9f9df"
WAHL_BEZIRKE = "ae6779e7-3734-409e-9905-1a4b1845cd8d"


def _titles() -> dict[str, tuple[str, dict]]:
    out = {}
    for portal in ("berlin", "koeln"):
        with gzip.open(DATA / "packages" / f"{portal}.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)
                out[p["id"]] = (p["title"], {r["id"]: r.get("name") for r in p["resources"]})
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> TableStore:
    """The 24 real files with the titles the sync gives them (dataset title – resource)."""
    if not DATA.exists():
        pytest.skip("../shared/opendata is not there")
    titles = _titles()
    s = TableStore(tmp_path_factory.mktemp("odq") / "tables.duckdb")
    for e in json.loads((DATA / "files.json").read_text(encoding="utf-8")):
        title, resources = titles[e["package_id"]]
        name = resources.get(e["resource_id"]) or ""
        s.put(
            parse_bytes((DATA / e["path"]).read_bytes(), filename=e["path"]),
            Provenance(
                e["portal"], e["package_id"], e["resource_id"], e["original_url"], e["sha256"],
                "", e["licence"], f"{title} – {name}" if name and name != title else title,
            ),
        )  # fmt: skip
    return s


def hit(dataset_id: str, portal: str, title: str = "Datensatz") -> SimpleNamespace:
    meta = {
        "kind": "opendata", "dataset_id": dataset_id, "portal": portal,
        "url": f"http://portal.example/dataset/{dataset_id}", "publisher": "Statistikamt",
        "license": "cc-by",
    }  # fmt: skip
    return SimpleNamespace(meta=meta, title=title)


@pytest.fixture(scope="module")
def ask(store):
    questions = StatisticsQuestions(lambda: store, CONFIG)
    return lambda q, *hits: questions(q, list(hits))


def test_planning_area_population_2013(ask):
    found = ask(
        "Wie viele Einwohnerinnen und Einwohner hatte der Berliner LOR-Planungsraum 01011103 "
        "am 31.12.2013?",
        hit(BERLIN_2013, "berlin"),
    )
    fig = found["figures"][0]
    assert (fig["value"], fig["unit"], fig["dataset_id"]) == (4880, "Einwohner", BERLIN_2013)
    assert fig["how"] == "Zeile RAUMID = 01011103, Spalte E_E, Stand 31.12.2013"
    assert "4.880 Einwohner" in found["text"] and "Lizenz: cc-by" in found["text"]
    assert found["table"]["rows"] == [["01011103", "31.12.2013", 4880]]
    # one figure of a yearly series: a line over all 13 years, 2013's value last
    series = found["series"]
    assert series["kind"] == "line" and len(series["points"]) == 13
    assert series["points"][-1] == ["31.12.2013", 4880]


def test_a_district_named_as_context_is_not_a_second_place(ask):
    # The planning area lies in Mitte ("01…"): Mitte only locates it, nothing is compared.
    found = ask(
        "Wie viele Einwohner hatte der Planungsraum 01011103 im Bezirk Mitte Ende 2013?",
        hit(BERLIN_2013, "berlin"),
    )
    assert [f["value"] for f in found["figures"]] == [4880]
    assert found["figures"][0]["how"].startswith("Zeile RAUMID = 01011103")


def test_two_places_without_a_comparison_word_read_the_most_specific(ask):
    # Pankow does not contain 01011103, but the question compares nothing: the code is asked.
    found = ask(
        "Einwohner Planungsraum 01011103, Sachbearbeitung Pankow, Stand Ende 2013",
        hit(BERLIN_2013, "berlin"),
    )
    assert [f["value"] for f in found["figures"]] == [4880]


def test_places_set_against_each_other_in_other_words_are_compared(ask):
    found = ask(
        "Vergleich der Einwohnerzahlen Ende 2013: Bezirk Pankow und Bezirk Mitte",
        hit(BERLIN_2013, "berlin"),
    )
    assert found["figures"][0]["value"] == abs(377532 - 348102)


def test_district_is_the_sum_of_its_planning_areas(ask):
    # awk on EWR201312E_Matrix.csv, BEZ == 01: 348102 over 41 rows
    found = ask("Wie viele Einwohner hatte der Bezirk Mitte Ende 2013?", hit(BERLIN_2013, "berlin"))
    fig = found["figures"][0]
    assert fig["value"] == 348102
    assert fig["how"].startswith("Summe der 41 Planungsräume im Bezirk Mitte, Spalte E_E")
    assert len(found["table"]["rows"]) == 41


def test_change_between_two_years_reads_both_yearly_tables(ask):
    # E_E of RAUMID 01011101: 3060 (2013) − 3140 (2008); the hit is the 2013 dataset only
    found = ask(
        "Um wie viele Einwohner hat sich die Bevölkerung im Berliner Planungsraum 01011101 "
        "zwischen Ende 2008 und Ende 2013 verändert?",
        hit(BERLIN_2013, "berlin"),
    )
    diff, later, earlier = found["figures"]
    assert (diff["value"], later["value"], earlier["value"]) == (-80, 3060, 3140)
    assert later["period"] == "31.12.2013" and earlier["period"] == "31.12.2008"
    assert earlier["dataset_id"] != BERLIN_2013 and diff["percent"] == -2.5
    assert found["text"].startswith("Differenz: -80 Einwohner (-2,5 %)")
    assert len(found["sources"]) == 2  # both yearly datasets are named
    assert found["series"]["kind"] == "line"


def test_two_districts_compared_as_bars(ask):
    found = ask(
        "Wie viele Einwohner hatte der Bezirk Pankow Ende 2013 mehr als der Bezirk Mitte?",
        hit(BERLIN_2013, "berlin"),
    )
    assert found["figures"][0]["value"] == 377532 - 348102
    assert found["series"] == {
        "kind": "bar", "title": "E_E – Mitte und Pankow", "unit": "Einwohner",
        "points": [["Mitte", 348102], ["Pankow", 377532]],
    }  # fmt: skip


def test_koeln_eligible_voters_of_a_district(ask):
    found = ask(
        "Wahlberechtigte im Kölner Stadtbezirk Porz bei der Bundestagswahl 2013?",
        hit(WAHL_BEZIRKE, "koeln"),
    )
    fig = found["figures"][0]
    assert (fig["value"], fig["unit"]) == (76392, "Wahlberechtigte")
    assert fig["how"] == "Zeile Name = Porz, Spalte Wahlberechtigte"
    turnout = ask(
        "Um wie viele Prozentpunkte lag die Wahlbeteiligung bei der Bundestagswahl 2013 im "
        "Stadtbezirk Lindenthal höher als in Chorweiler?",
        hit(WAHL_BEZIRKE, "koeln"),
    )["figures"][0]
    assert (turnout["value"], turnout["unit"], turnout["percent"]) == (
        16.31, "Prozentpunkte", None,
    )  # fmt: skip


def test_a_dataset_question_is_not_a_figure(ask):
    assert ask("Gibt es offene Daten zu Einwohnern in Berlin?", hit(BERLIN_2013, "berlin")) is None
    council = SimpleNamespace(meta={"kind": "oparl"}, title="Vorlage")
    assert ask("Wie viele Einwohner hatte Mitte 2013?", council) is None


def test_a_year_the_series_lacks_gives_no_figure(ask):
    assert (
        ask("Wie viele Einwohner hatte der Bezirk Mitte 2020?", hit(BERLIN_2013, "berlin")) is None
    )


# --- configuration only: other columns, other codes -------------------------------------------

FIXTURE = "Berichtsjahr;Schlüssel;Gebiet;Köpfe;davon weiblich\n" + "".join(
    f"{year};{code};{name};{n + year - 2019};{w}\n"
    for year in (2019, 2020)
    for code, name, n, w in (("H-01", "Hafen", 1200, 610), ("H-02", "Speicher", 800, 390),
                             ("W-07", "Feldmark", 500, 260))
)  # fmt: skip
FIXTURE_CONFIG = """
tables:
  - match: {portal: muster, title: "Kleinräumige*"}
    area_code: Schlüssel
    area_name: Gebiet
    period: Berichtsjahr
    units: {Köpfe: Personen}
    default_column: Köpfe
    columns: {Personen: Köpfe, Frauen: davon weiblich}
areas:
  - {name: Nordufer, kind: Ortsteil, member_kind: Quartiere, prefixes: ["H-"]}
"""


@pytest.fixture
def fixture_questions(tmp_path):
    s = TableStore(tmp_path / "t.duckdb")
    s.put(parse_bytes(FIXTURE.encode("utf-8")),
          Provenance("muster", "bev", "r1", title="Kleinräumige Bevölkerung", licence="dl-de/by-2-0"))  # fmt: skip
    (tmp_path / "k.yaml").write_text(FIXTURE_CONFIG, encoding="utf-8")
    return s, tmp_path / "k.yaml"


def test_fixture_through_configuration_alone(fixture_questions):
    store, config = fixture_questions
    with_config = StatisticsQuestions(lambda: store, config)
    h = hit("bev", "muster")
    nord = with_config("Wie viele Personen lebten 2020 im Ortsteil Nordufer?", [h])
    assert nord["figures"][0]["value"] == 1201 + 801
    assert nord["figures"][0]["how"].startswith("Summe der 2 Quartiere im Ortsteil Nordufer")
    women = with_config("Wie viele Frauen lebten 2019 in Feldmark?", [h])["figures"][0]
    assert (women["value"], women["column"]) == (260, "davon weiblich")
    change = with_config("Wie stark ist Hafen von 2019 bis 2020 gewachsen?", [h])["figures"][0]
    assert change["value"] == 1
    # Without the configuration the area list is unknown: no figure for "Nordufer".
    assert (
        StatisticsQuestions(lambda: store, None)(
            "Wie viele Personen lebten 2020 im Ortsteil Nordufer?", [h]
        )
        is None
    )


# --- a model's numbers must come from the table -----------------------------------------------


def test_numbers_in_a_model_answer_are_checked(ask):
    found = ask("Wie viele Einwohner hatte der Bezirk Mitte Ende 2013?", hit(BERLIN_2013, "berlin"))
    question = "Wie viele Einwohner hatte der Bezirk Mitte Ende 2013?"
    assert "348.102 Einwohner" in facts(found)
    assert (
        unsupported_numbers("Mitte hatte am 31.12.2013 348.102 Einwohner [1].", found, question)
        == []
    )
    assert unsupported_numbers("Mitte hatte 2013 rund 350.000 Einwohner [1].", found, question) == [
        350000.0
    ]
    # a row's cell (one Planungsraum) is in the table, so it may be quoted
    assert unsupported_numbers("Der Planungsraum 01011101 hatte 3060 [1].", found, question) == []


# --- the real CLI after a real sync ------------------------------------------------------------


@pytest.fixture(scope="module")
def koeln_synced(tmp_path_factory):
    if not (SHARED / "serve.py").exists():
        pytest.skip("../shared/opendata is not there")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "serve.py"), "--root", str(DATA), "--port", str(port),
         "--portal", "koeln"],
        env={**os.environ, "SERVE_QUIET": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        data_dir = tmp_path_factory.mktemp("koeln") / "data"
        code, report = sync_json(data_dir, url, "--name", "koeln")
        assert code == 0 and report["counts"]["tables"] > 0, report
        yield data_dir
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def ask_json(data_dir: Path, question: str) -> dict:
    result = invoke(data_dir, "ask", question, "--json", ASSISTANT_OPENDATA_FIGURES=str(CONFIG))
    return json.loads(result.stdout)


def test_ask_json_answers_with_the_computed_figure(koeln_synced):
    data = ask_json(
        koeln_synced, "Wie viele Wahlberechtigte gab es bei der Bundestagswahl 2013 im Kölner "
        "Stadtbezirk Porz?",
    )  # fmt: skip
    fig = data["figures"][0]
    assert (fig["value"], fig["unit"], fig["dataset_id"]) == (
        76392,
        "Wahlberechtigte",
        WAHL_BEZIRKE,
    )
    assert "76.392 Wahlberechtigte" in data["answer"] and fig["how"] in data["answer"]
    assert data["mode"] == "search" and not data["refused"]
    source = data["citations"][0]
    assert source["title"].startswith("Bundestagswahl8-Stadtbezirk") and source["n"] == 1
    assert "Lizenz:" in data["answer"] and data["statistics"]["sources"][0]["url"]


def test_ask_json_comparison_of_two_quarters(koeln_synced):
    data = ask_json(koeln_synced, "Einwohner Neustadt-Süd minus Altstadt-Süd (Köln, 2012)?")
    diff, a, b = data["figures"]
    assert (diff["value"], a["value"], b["value"]) == (38416 - 27515, 38416, 27515)
    assert "Differenz: +10.901 Einwohner" in data["answer"]


# --- what the chat shows -------------------------------------------------------------------------


def test_chat_renders_table_chart_source_and_licence(ask):
    from assistant.answering.answer import Answer, Citation
    from assistant.web import ui
    from assistant.web.opendata import CHART_NAME, chart_svg

    found = ask(
        "Um wie viele Einwohner hat sich die Bevölkerung im Berliner Planungsraum 01011101 "
        "zwischen Ende 2008 und Ende 2013 verändert?",
        hit(BERLIN_2013, "berlin", "Einwohnerinnen und Einwohner in Berlin … 31.12.2013"),
    )
    found["hit"] = 1
    answer = Answer(
        answer=found["text"], citations=[Citation(1, "d", "s", "EWR 2013", "", None, "t")],
        unverified=False, refused=False, mode="search", model=None, prompt_version="p",
        statistics=found,
    )  # fmt: skip
    rendered = _render(ui, answer, ("portal.example",))
    text = rendered.content
    assert "Differenz: -80 Einwohner" in text and "| RAUMID | ZEIT | E\\_E |" in text
    assert (
        "| 01011101 | 31.12.2013 | 3.060 |" in text and "| 01011101 | 31.12.2008 | 3.140 |" in text
    )
    assert "Lizenz: cc-by" in text and "Statistikamt" in text
    assert f"(http://portal.example/dataset/{BERLIN_2013})" in text  # a registered portal: a link
    chart = rendered.elements[0]
    assert chart.name == CHART_NAME and chart.display == "inline" and chart.mime == "image/svg+xml"
    svg = chart_svg(found["series"], found["sources"]).decode()
    assert "<polyline" in svg and "31.12.2013: 3.060" in svg and "31.12.2008: 3.140" in svg
    assert text.count("Lizenz: cc-by") == 1  # the text names the source once; the chart, below it
    assert re.search(
        r"<text[^>]*>Quelle: Einwohnerinnen[^<]*Statistikamt[^<]* Lizenz: cc-by</text>", svg
    )
    foreign = _render(ui, answer, ()).content
    assert f"`http://portal.example/dataset/{BERLIN_2013}`" in foreign  # not registered: text


def _render(ui, answer, allowed):
    """`ui.render_answer` inside a Chainlit context on an event loop, as in the app."""
    import asyncio

    from chainlit.context import init_http_context

    async def render():
        init_http_context()
        return ui.render_answer(answer, {}, allowed)

    return asyncio.run(render())


def test_a_named_place_is_read_from_the_table_that_has_it(ask):
    """The polling-district table ranks first but has no "Porz" row: its total over all
    1,024 districts (722.435) is not the answer; the district table ranked second is
    (Bundestagswahl8_0.csv: Porz 76392)."""
    polling = "c1320f84-ae09-4335-97e1-33a71875fe99"  # Bundestagswahl6.csv, 1,024 rows
    found = ask(
        "Wie viele Wahlberechtigte hatte Porz bei der Bundestagswahl 2013?",
        hit(polling, "koeln"),
        hit(WAHL_BEZIRKE, "koeln"),
    )
    assert found["figures"][0]["value"] == 76392 and found["hit"] == 2


def test_a_dataset_with_a_table_behind_catalogue_entries_without_one_still_answers(koeln_synced):
    # One hit only: "Stimmbezirk – Stadt Köln" (a map layer, no table) ranks first. The second,
    # narrower search among the datasets with a stored table finds the polling-district table
    # (Bundestagswahl6.csv, Nr 10101: 1600 Wahlberechtigte), and it becomes source [1].
    question = "Wie viele Wahlberechtigte gab es im Stimmbezirk 10101?"
    top = json.loads(invoke(koeln_synced, "search", question, "--json", "-k", "1").stdout)
    assert top[0]["title"].startswith("Stimmbezirk")  # the situation this test is about
    result = invoke(
        koeln_synced, "ask", question, "--json",
        ASSISTANT_OPENDATA_FIGURES=str(CONFIG), ASSISTANT_SEARCH_K="1",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert [f["value"] for f in data["figures"]][:1] == [1600]
    assert data["citations"][0]["title"].startswith("Bundestagswahl6-Wahlbezirk")


def test_the_narrower_search_answers_only_what_names_its_measure_and_place(koeln_synced):
    # "Personen" is no column of any table, "Urlaub" neither: no figure from a dataset that
    # was not found for the question's words.
    for question in (
        "Wie viele Personen wohnten 2012 im Stadtteil Sülz?",
        "Wie viele Tage Urlaub haben Beschäftigte der Stadt Köln?",
    ):
        result = invoke(
            koeln_synced, "ask", question, "--json",
            ASSISTANT_OPENDATA_FIGURES=str(CONFIG), ASSISTANT_SEARCH_K="1",
        )  # fmt: skip
        assert json.loads(result.stdout)["figures"] == [], question
