"""Comparable key figures across cities (issue 16, item 5): `assistant opendata compare`.

The real Berlin (13 yearly EWR files) and Köln (Altersgruppen 2012) tables are stored as the
sync stores them, and compared through the shipped sample configuration
(docs/opendata-keyfigures.yaml); a fixture of our own with other columns, codes and a
configured period column proves that nothing depends on the real files' names.
Expected values are computed here from the raw CSV files, not taken from the code.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from test_opendata_sync import invoke

from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "opendata" / "data"
SAMPLE = ROOT / "docs" / "opendata-keyfigures.yaml"
MANIFEST = json.loads((DATA / "files.json").read_text(encoding="utf-8"))


def berlin_total(year: int) -> int:
    path = DATA / "files" / "berlin" / f"EWR{year}12E_Matrix.csv"
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("latin-1")), delimiter=";")
    return round(sum(float(r["E_E"].replace(",", ".")) for r in rows if r["E_E"]))


def koeln_total() -> int:
    text = (DATA / "files" / "koeln" / "2012_Altersgruppen_Insgesamt.csv").read_bytes()
    row = list(csv.reader(io.StringIO(text.decode("latin-1"))))[1]
    return int(row[1])


def packages() -> dict[str, dict]:
    out = {}
    for portal in ("berlin", "koeln"):
        with gzip.open(DATA / "packages" / f"{portal}.jsonl.gz", "rt", encoding="utf-8") as f:
            out.update({p["id"]: p for p in map(json.loads, f)})
    return out


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """The store as a sync leaves it: title „<dataset> – <resource>“, the download URL."""
    data = tmp_path_factory.mktemp("kf") / "data"
    store, known = TableStore(data / "opendata.duckdb"), packages()
    for entry in MANIFEST:
        name = Path(entry["path"]).name
        if not name.startswith(("EWR", "2012_Altersgruppen")):
            continue
        package = known[entry["package_id"]]
        store.put(
            parse_bytes((DATA / entry["path"]).read_bytes(), filename=name),
            Provenance(
                portal=entry["portal"],
                dataset_id=entry["package_id"],
                resource_id=entry["resource_id"],
                resource_url=f"http://127.0.0.1:1/dataset/x/resource/y/download/{name}",
                licence="cc-by",
                title=f"{package['title']} – {'Datenmatrix' if name.startswith('EWR') else name}",
            ),
        )
    return data


def compare(data: Path, *args: str, config: Path = SAMPLE):
    return invoke(data, "opendata", "compare", *args, ASSISTANT_OPENDATA_KEYFIGURES=str(config))


def test_einwohner_berlin_2013_against_koeln_2012_flags_the_years(data_dir, tmp_path):
    chart = tmp_path / "einwohner.svg"
    result = compare(data_dir, "Einwohner", "--json", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rows = {r["portal"]: r for r in out["rows"]}
    assert rows["berlin"]["value"] == berlin_total(2013) == 3_517_424
    assert rows["berlin"]["as_of"] == "31.12.2013" and rows["berlin"]["year"] == "2013"
    assert rows["berlin"]["dataset_id"] == "3652a82b-e105-4f0d-868c-cb0755f9f9df"
    assert rows["koeln"]["value"] == koeln_total() and rows["koeln"]["year"] == "2012"
    assert rows["koeln"]["licence"] == "cc-by"
    assert any("verschiedenen Jahren" in n and "2013" in n and "2012" in n for n in out["notes"])
    assert any("nicht überall gleich definiert" in n for n in out["notes"])
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<rect ") == 3  # background + two bars
    assert "3.517.424" in svg and "1.044.555" in svg and "verschiedenen Jahren" in svg


def test_a_year_picks_from_the_series_and_the_years_then_agree(data_dir):
    result = compare(data_dir, "einwohner", "--year", "2012")
    assert result.exit_code == 0, result.output
    assert "31.12.2012" in result.stdout and "verschiedenen Jahren" not in result.stdout
    expected = f"{berlin_total(2012):,}".replace(",", ".")
    assert expected in result.stdout and "Hinweis: Achtung: Die Kennzahl" in result.stdout


FIXTURE_CONFIG = """
figures:
  Kita-Plätze je 100 Kinder:
    definition: Genehmigte Plätze je 100 Kinder unter 6 Jahren
    portals:
      nordstadt:
        title: "Kinderbetreuung Nordstadt *"
        column: Plätze/100
        area: "9"
      suedstadt:
        dataset: sued-kita
        column: Quote
        area: Gesamtstadt
        period: "{sued_year}"
      weststadt:
        dataset: gibt-es-nicht
        column: Quote
tables:
  - match: {{portal: suedstadt}}
    period: Berichtsjahr
    area_name: Gebiet
"""


@pytest.fixture
def fixture_dir(tmp_path) -> Path:
    data = tmp_path / "data"
    store = TableStore(data / "opendata.duckdb")
    files = {
        ("nordstadt", "nord-2020", "Kinderbetreuung Nordstadt 2020"): "Bez;Name;Plätze/100\n"
        "1;Altstadt;41,5\n2;Hafen;38,0\n9;Stadt gesamt;40,2\n",
        ("nordstadt", "nord-2021", "Kinderbetreuung Nordstadt 2021"): "Bez;Name;Plätze/100\n"
        "1;Altstadt;43,5\n2;Hafen;39,0\n9;Stadt gesamt;42,1\n",
        ("suedstadt", "sued-kita", "Betreuungsquote"): "Berichtsjahr;Gebiet;Quote\n"
        "2020;Gesamtstadt;35,5\n2021;Gesamtstadt;36,7\n",
    }
    for (portal, dataset, title), text in files.items():
        store.put(
            parse_bytes(text.encode("utf-8"), filename=f"{dataset}.csv"),
            Provenance(portal, dataset, f"{dataset}-csv", f"http://x/{dataset}.csv",
                       licence="dl-de/by-2-0", title=title),
        )  # fmt: skip
    return data


def write_config(tmp_path: Path, sued_year: str) -> Path:
    path = tmp_path / "kennzahlen.yaml"
    path.write_text(FIXTURE_CONFIG.format(sued_year=sued_year), encoding="utf-8")
    return path


def test_fixture_columns_through_configuration_alone(fixture_dir, tmp_path):
    config = write_config(tmp_path, "2021")
    result = compare(fixture_dir, "Kita-Plätze je 100 Kinder", "--json", config=config)
    assert result.exit_code == 0, result.output
    rows = {r["portal"]: r for r in json.loads(result.stdout)["rows"]}
    notes = json.loads(result.stdout)["notes"]
    assert rows["nordstadt"]["value"] == 42.1 and rows["nordstadt"]["year"] == "2021"
    assert rows["suedstadt"]["value"] == 36.7 and rows["suedstadt"]["as_of"] == "2021"
    assert rows["weststadt"]["value"] is None and "gibt-es-nicht" in rows["weststadt"]["error"]
    assert not any("Jahren" in n or "definiert" in n for n in notes)  # same year, same text
    assert any(n.startswith("weststadt: kein Wert") for n in notes)


def test_fixture_years_differ(fixture_dir, tmp_path):
    result = compare(
        fixture_dir, "Kita-Plätze je 100 Kinder", config=write_config(tmp_path, "2020")
    )
    assert result.exit_code == 0, result.output
    assert "35,5" in result.stdout and "42,1" in result.stdout
    assert "verschiedenen Jahren (nordstadt: 2021; suedstadt: 2020)" in result.stdout


def test_unknown_figure_and_missing_configuration_are_german_errors(fixture_dir, tmp_path):
    result = compare(fixture_dir, "Arbeitslose", config=write_config(tmp_path, "2021"))
    assert result.exit_code != 0 and "nicht konfiguriert" in result.output
    assert "Kita-Plätze je 100 Kinder" in result.output
    result = invoke(fixture_dir, "opendata", "compare", "Einwohner")
    assert result.exit_code != 0 and "keine Kennzahlen-Datei" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("figures:\n  X:\n    portals:\n      a: {column: c}\n", encoding="utf-8")
    result = compare(fixture_dir, "X", config=bad)
    assert result.exit_code != 0 and "dataset oder title" in result.output
