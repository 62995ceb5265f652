"""Statistics tables (issue 16): the reader on all 24 real files and on quirky synthetic ones,
the DuckDB store with provenance, and figures (value, sum over sub-areas, comparison)
configured only through `FiguresConfig` — a fixture with other columns and codes proves it."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from assistant.connectors.opendata.areas import AreaList, FiguresConfig
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.figures import compare, detect_roles, figure, format_number
from assistant.connectors.opendata.render import render_table
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import CODE, FLOAT, INT, TEXT, parse_bytes

DATA = Path(__file__).resolve().parents[2] / "shared" / "opendata" / "data"
MANIFEST = json.loads((DATA / "files.json").read_text(encoding="utf-8"))
BY_NAME = {Path(f["path"]).name: f for f in MANIFEST}


def raw(name: str) -> bytes:
    return (DATA / BY_NAME[name]["path"]).read_bytes()


def parsed(name: str):
    return parse_bytes(raw(name), filename=name)


def provenance(entry: dict) -> Provenance:
    return Provenance(
        portal=entry["portal"],
        dataset_id=entry["package_id"],
        resource_id=entry["resource_id"],
        resource_url=entry["original_url"],
        sha256=entry["sha256"],
        fetched_at="2026-12-06T10:00:00+00:00",
        licence=entry["licence"],
        title=Path(entry["path"]).name,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> TableStore:
    """All 24 real files parsed and stored once for the module."""
    s = TableStore(tmp_path_factory.mktemp("od") / "tables.duckdb")
    for entry in MANIFEST:
        s.put(
            parse_bytes((DATA / entry["path"]).read_bytes(), filename=entry["path"]),
            provenance(entry),
        )
    return s


def by_file(store: TableStore, name: str):
    return store.table(BY_NAME[name]["resource_id"])


# --- the 24 real files -------------------------------------------------------------------------


def test_manifest_has_the_24_files():
    assert len(MANIFEST) == 24
    assert {e["portal"] for e in MANIFEST} == {"berlin", "koeln"}


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: Path(e["path"]).name)
def test_every_real_file_parses_completely(entry):
    data = (DATA / entry["path"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    table = parse_bytes(data, filename=entry["path"])
    # Expected rows counted independently: non-blank lines minus the header (and the one stray
    # sum line of EWR200912E, which is not data).
    lines = [line for line in data.splitlines() if line.strip(b" ;,\r\n")]
    stray = 1 if entry["path"].endswith("EWR200912E_Matrix.csv") else 0
    assert len(table.rows) == len(lines) - 1 - stray
    assert all(len(row) == len(table.columns) for row in table.rows)
    assert len(table.columns) >= 7
    assert all(
        c.name and c.name == c.name.strip() and not c.name.startswith("\ufeff")
        for c in table.columns
    )
    numeric = [c for c in table.columns if c.kind in (INT, FLOAT)]
    assert len(numeric) >= 5, "the statistics' value columns must come out as numbers"


def test_berlin_planungsraum_population_with_codes_as_strings():
    t2013 = parsed("EWR201312E_Matrix.csv")
    names = [c.name for c in t2013.columns]
    assert names[:8] == ["ZEIT", "RAUMID", "BEZ", "PGR", "BZR", "PLR", "STADTRAUM", "E_E"]
    kinds = {c.name: c.kind for c in t2013.columns}
    assert kinds["RAUMID"] == kinds["BEZ"] == CODE
    assert kinds["E_E"] == INT  # "3060,00" (decimal comma, always ,00) → whole numbers
    row = t2013.rows[0]
    # Raw line 2: "201312";"01011101";"01";…;3060,00;1585,00;1475,00
    assert row[:3] == (201312, "01011101", "01")
    assert row[7:10] == (3060, 1585, 1475)
    t2001 = parsed("EWR200112E_Matrix.csv")
    assert t2001.rows[0][1] == "01011101" and t2001.rows[0][7] == 3412  # unquoted 2001 file
    assert t2001.rows[-1][1] == "12304314" and t2001.rows[-1][7] == 9753
    assert "Dezimalkomma" in t2013.quirks and "Dezimalkomma" not in t2001.quirks


def test_berlin_2009_stray_sum_row_is_dropped():
    table = parsed("EWR200912E_Matrix.csv")
    assert len(table.rows) == 447
    assert all(row[0] == 200912 and row[1] for row in table.rows)
    assert any("Summenzeile" in q for q in table.quirks)


def test_koeln_altersgruppen_comma_file_with_spaced_headers():
    total = parsed("2012_Altersgruppen_Insgesamt.csv")
    assert total.delimiter == ","
    assert [c.name for c in total.columns][:4] == [
        "Stadt Köln",
        "Einwohner insgesamt",
        "0 - 2",
        "3 - 5",
    ]
    # Raw line 2: Köln insgesamt,1044555,29838,27866,…,39556,46426
    assert len(total.rows) == 1 and total.rows[0][:3] == ("Köln insgesamt", 1044555, 29838)
    assert total.rows[0][-2:] == (39556, 46426)
    districts = parsed("2012_Altersgruppen_Stadtbezirk.csv")
    assert (6, "Chorweiler", 80895) in [r[:3] for r in districts.rows]


def test_koeln_election_files():
    city = parsed("Bundestagswahl3_0.csv")
    cols = [c.name for c in city.columns]
    assert "" not in cols and len(cols) == 101  # trailing ";" on every line is no column
    assert [r[1] for r in city.rows] == ["Stadt Köln", "Leverkusen"]
    köln = city.rows[0]
    assert köln[cols.index("Wahlberechtigte")] == 722435
    assert köln[cols.index("Wahlbeteiligung")] == pytest.approx(72.5)
    assert köln[cols.index("gültigeStimmzettel")] is None  # an empty column stays empty
    constituencies = parsed("Bundestagswahl2_0.csv")
    assert constituencies.rows[0][:2] == ("093", "Köln I")  # leading zero kept


def test_koeln_budget_thousands_dots_negatives_and_bom():
    plan = parsed("gesamtfinanzplan.csv")
    cols = [c.name for c in plan.columns]
    assert plan.rows[0][0] == "01 - Steuern und ähnliche Abgaben"
    assert plan.rows[0][cols.index("Plan 2012")] == 1643683000
    assert plan.rows[-1][cols.index("Plan 2015")] == -175959729
    assert "Tausenderpunkte" in plan.quirks and "negative Werte" in plan.quirks
    districts = parsed("Bezirke_einzeldarstellung.csv")
    assert districts.encoding == "utf-8-sig" and districts.columns[0].name == "Bezirk"
    parts = parsed("teilergebnisplan.csv")
    assert (
        parts.rows[0][2] == "0101" and {c.name: c.kind for c in parts.columns}["Teilplan"] == CODE
    )


# --- synthetic quirky files --------------------------------------------------------------------


def test_latin1_title_lines_footnotes_and_german_numbers():
    text = (
        "Bevölkerung in den Ortsteilen;;;\r\n"
        "Stand: 31.12.2022;;;\r\n"
        ";;;\r\n"
        "Schlüssel;Ortsteil;Einwohner;Fläche km²\r\n"
        "0011;Altstadt;1.234;2,5\r\n"
        "0012;Süderfeld;12.345.678;10,25\r\n"
        "0013;Über dem Bach;-;.\r\n"
        "\r\n"
        "Quelle: Statistikstelle;;;\r\n"
        "1) ohne Nebenwohnsitze;;;\r\n"
    )
    table = parse_bytes(text.encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.title_lines == ["Bevölkerung in den Ortsteilen", "Stand: 31.12.2022"]
    assert table.footnotes == ["Quelle: Statistikstelle", "1) ohne Nebenwohnsitze"]
    assert [(c.name, c.kind) for c in table.columns] == [
        ("Schlüssel", CODE),
        ("Ortsteil", TEXT),
        ("Einwohner", INT),
        ("Fläche km²", FLOAT),
    ]
    assert table.rows == [
        ("0011", "Altstadt", 1234, 2.5),
        ("0012", "Süderfeld", 12345678, 10.25),
        ("0013", "Über dem Bach", None, None),
    ]


def test_utf8_bom_tab_separated():
    data = "\ufeffGebiet\tJahr\tWert\nA\t2020\t1,5\nB\t2021\t2,25\n".encode()
    table = parse_bytes(data)
    assert table.delimiter == "\t" and table.encoding == "utf-8-sig"
    assert table.columns[0].name == "Gebiet"
    assert table.rows == [("A", 2020, 1.5), ("B", 2021, 2.25)]


def test_english_numbers_in_a_comma_file_and_mixed_line_ends():
    data = b'area,value,share\r\n"North","1,234.5",0.25\n"South","2,000.0",0.75\r"East",7,0.5\r\n'
    table = parse_bytes(data)
    assert table.number_style == "en"
    assert table.rows == [("North", 1234.5, 0.25), ("South", 2000.0, 0.75), ("East", 7.0, 0.5)]
    assert any("Zeilenenden" in q for q in table.quirks)


def test_two_header_rows_are_merged():
    data = "Bezirk;Einwohner;;Ausländer;\n;insgesamt;weiblich;insgesamt;weiblich\nNord;100;51;10;4\nSüd;200;99;30;16\n"
    table = parse_bytes(data.encode())
    assert [c.name for c in table.columns] == [
        "Bezirk",
        "Einwohner insgesamt",
        "Einwohner weiblich",
        "Ausländer insgesamt",
        "Ausländer weiblich",
    ]
    assert table.rows[1] == ("Süd", 200, 99, 30, 16)


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Seite fehlt</body></html>",
        b"\xef\xbb\xbf\r\n  <html lang='de'><body><h1>Anmeldung</h1></body></html>",
    ],
)
def test_html_instead_of_csv_is_refused_in_german(page):
    with pytest.raises(OpendataError) as err:
        parse_bytes(page, filename="daten.csv")
    assert err.value.code == "opendata_html"
    assert "HTML-Seite" in err.value.message


def test_empty_and_unsupported_files():
    with pytest.raises(OpendataError) as err:
        parse_bytes(b"  \r\n")
    assert err.value.code == "opendata_empty" and "leer" in err.value.message
    with pytest.raises(OpendataError) as err:
        parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="alt.xls")
    assert err.value.code == "opendata_unsupported"


def test_xlsx_is_read_or_refused_clearly():
    xlsx = b"PK\x03\x04" + b"\0" * 200
    if importlib.util.find_spec("openpyxl") is None:
        with pytest.raises(OpendataError) as err:
            parse_bytes(xlsx, filename="tabelle.xlsx")
        assert err.value.code == "opendata_unsupported"
        assert "XLSX" in err.value.message and "nicht unterstützt" in err.value.message
    else:  # openpyxl present: a real workbook must parse like a CSV
        import io

        import openpyxl

        book = openpyxl.Workbook()
        for row in (["Gebiet", "Wert", "Anteil"], ["0101", 5, 0.5], ["0102", 7, 0.25]):
            book.active.append(row)
        buf = io.BytesIO()
        book.save(buf)
        assert parse_bytes(buf.getvalue(), filename="t.xlsx").rows[0][0] == "0101"


# --- the store -----------------------------------------------------------------------------------


def test_store_keeps_all_tables_with_provenance(store):
    listed = store.list()
    assert len(listed) == 24
    t = by_file(store, "EWR201312E_Matrix.csv")
    entry = BY_NAME["EWR201312E_Matrix.csv"]
    assert t.provenance.sha256 == entry["sha256"] and t.provenance.licence.startswith(
        "CC BY 3.0 DE"
    )
    assert t.provenance.resource_url.endswith("EWR201312E_Matrix.csv")
    assert t.rows[0][1] == "01011101" and t.rows[0][7] == 3060  # code stays text through DuckDB
    assert t.rows == parsed("EWR201312E_Matrix.csv").rows
    assert store.sha256("berlin", entry["resource_id"]) == entry["sha256"]


def test_dataset_with_several_tables_needs_a_resource(store):
    dataset = BY_NAME["2012_Altersgruppen_Stadtteil.csv"]["package_id"]
    assert len(store.tables(dataset)) == 3
    with pytest.raises(OpendataError) as err:
        store.table(dataset)
    assert err.value.code == "opendata_ambiguous" and "3 Tabellen" in err.value.message
    with pytest.raises(OpendataError) as err:
        store.table("gibt-es-nicht")
    assert err.value.code == "opendata_not_found"


def test_resync_replaces_and_remove_drops_a_dataset(tmp_path):
    s = TableStore(tmp_path / "t.duckdb")
    prov = Provenance("p", "ds1", "r1", sha256="a")
    s.put(parse_bytes(b"Gebiet;Wert\nA;1\nB;2\n"), prov)
    s.put(parse_bytes(b"Gebiet;Wert\nA;1\n"), prov)
    s.put(parse_bytes(b"Gebiet;Wert\nC;3\n"), Provenance("p", "ds2", "r2"))
    assert len(s.list()) == 2
    assert s.table("ds1").rows == [("A", 1)]
    assert s.remove_dataset("ds1") == 1
    assert [t["dataset_id"] for t in s.list()] == ["ds2"]
    with pytest.raises(OpendataError):
        s.table("ds1")


def test_render_table_for_the_cli(store):
    text = render_table(by_file(store, "gesamtfinanzplan.csv"), max_rows=2)
    assert "Lizenz: CC BY (Stadt Köln)" in text and "gesamtfinanzplan.csv" in text
    assert "1.643.683.000" in text and "… 34 weitere Zeilen" in text
    assert "Tausenderpunkte" in text


# --- figures on the real files ----------------------------------------------------------------

BERLIN = FiguresConfig.from_dict(
    {
        "tables": [{"match": {"portal": "berlin", "title": "EWR*"}, "units": {"E_E": "Einwohner"}}],
        "areas": [
            {
                "name": "Mitte",
                "kind": "Bezirk",
                "code": "01",
                "member_kind": "Planungsräume",
                "prefixes": ["01"],
            }
        ],
    }
)


def test_berlin_roles_detected_by_type(store):
    roles = detect_roles(by_file(store, "EWR201312E_Matrix.csv"))
    assert (roles.area_code, roles.period) == ("RAUMID", "ZEIT")


def test_berlin_value_sum_and_year_comparison(store):
    t2013, t2008 = by_file(store, "EWR201312E_Matrix.csv"), by_file(store, "EWR200812E_Matrix.csv")
    one = figure(t2013, "E_E", area="01011101", config=BERLIN)
    assert one["value"] == 3060 and one["unit"] == "Einwohner"
    assert one["dataset_id"] == BY_NAME["EWR201312E_Matrix.csv"]["package_id"]
    assert one["how"] == "Zeile RAUMID = 01011101, Spalte E_E, Stand 31.12.2013"
    # Sums computed with awk on the raw files (BEZ == 01): 348102 (2013) and 323304 (2008), 41 rows.
    mitte = figure(t2013, "E_E", area="Mitte", config=BERLIN)
    assert mitte["value"] == 348102
    assert (
        mitte["how"] == "Summe der 41 Planungsräume im Bezirk Mitte, Spalte E_E, Stand 31.12.2013"
    )
    change = compare(figure(t2008, "E_E", area="Mitte", config=BERLIN), mitte)
    assert change["value"] == 24798 and change["percent"] == 7.7
    assert "+24.798" in change["how"] and "31.12.2008" in change["how"]
    assert len(change["dataset_ids"]) == 2
    assert figure(t2013, "E_E", config=BERLIN)["how"].startswith("Summe aller 447 Zeilen")
    with pytest.raises(OpendataError) as err:
        figure(t2013, "E_E", area="Atlantis", config=BERLIN)
    assert err.value.code == "opendata_area" and "Atlantis" in err.value.message


def test_koeln_stadtteile_summed_through_a_csv_area_list(store, tmp_path):
    # Innenstadt = Stadtteile 101–105; the Stadtbezirk file states 127827 for it.
    (tmp_path / "bezirke.csv").write_text(
        "area;kind;code;member;member_kind\n"
        + "".join(f"Innenstadt;Stadtbezirk;1;{n};Stadtteile\n" for n in (101, 102, 103, 104, 105)),
        encoding="utf-8",
    )
    (tmp_path / "kennzahlen.yaml").write_text("areas_csv: bezirke.csv\n", encoding="utf-8")
    config = FiguresConfig.load(tmp_path / "kennzahlen.yaml")
    quarters = by_file(store, "2012_Altersgruppen_Stadtteil.csv")
    total = figure(quarters, "Einwohner insgesamt", area="Innenstadt", config=config)
    districts = by_file(store, "2012_Altersgruppen_Stadtbezirk.csv")
    assert (
        total["value"]
        == figure(districts, "Einwohner insgesamt", area="Innenstadt")["value"]
        == 127827
    )
    assert total["how"].startswith("Summe der 5 Stadtteile im Stadtbezirk Innenstadt")
    places = compare(
        figure(quarters, "Einwohner insgesamt", area="Deutz"),
        figure(quarters, "Einwohner insgesamt", area="101"),
    )
    assert (places["value"], places["percent"]) == (27515 - 15419, 78.4)
    assert (
        places["how"] == "Altstadt-Süd: 27.515 gegenüber Deutz: 15.419, Differenz +12.096 (+78,4 %)"
    )


def test_alias_bridges_the_budget_files_spelling(store):
    # The budget files write "Mühlheim", the population files "Mülheim" (146182 in raw line 10).
    districts = by_file(store, "2012_Altersgruppen_Stadtbezirk.csv")
    with pytest.raises(OpendataError):
        figure(districts, "Einwohner insgesamt", area="Mühlheim")
    config = FiguresConfig.from_dict({"areas": [{"name": "Mülheim", "aliases": ["Mühlheim"]}]})
    found = figure(districts, "Einwohner insgesamt", area="Mühlheim", config=config)
    assert (found["value"], found["place"]) == (146182, "Mülheim")
    assert found["how"] == "Zeile Stadtbezirk = Mülheim, Spalte Einwohner insgesamt"
    by_code = figure(districts, "Einwohner insgesamt", area="9")
    assert by_code["how"] == "Zeile Nr. = 9 (Mülheim), Spalte Einwohner insgesamt"


def test_election_turnout_is_a_percentage_and_not_summed(store):
    districts = by_file(store, "Bundestagswahl8_0.csv")
    turnout = figure(districts, "Wahlbeteiligung", area="Chorweiler")
    assert (turnout["value"], turnout["unit"]) == (65.26, None)
    config = FiguresConfig.from_dict(
        {"tables": [{"match": {"title": "Bundestagswahl*"}, "units": {"Wahlbeteiligung": "%"}}]}
    )
    assert figure(districts, "Wahlbeteiligung", area="Chorweiler", config=config)["unit"] == "%"
    with pytest.raises(OpendataError) as err:
        figure(districts, "Wahlbeteiligung", config=config)
    assert err.value.code == "opendata_sum_percent"


def test_german_number_format():
    assert format_number(1643683000) == "1.643.683.000"
    assert format_number(-5.25, sign=True) == "-5,25" and format_number(7.7, sign=True) == "+7,7"


# --- a portal of our own: other columns, other codes, configuration only ------------------------

FIXTURE = (
    "Kleinräumige Bevölkerung Musterstadt\n\n"
    "Berichtsjahr\tGebietsschlüssel\tBezeichnung\tPersonen gesamt\tdarunter ab 65\n"
    + "".join(
        f"{year}\t{code}\t{name}\t{pop + year - 2019}\t{old}\n"
        for year in (2019, 2020)
        for code, name, pop, old in (
            ("N-1a", "Hafen", 1200, 300),
            ("N-1b", "Speicher", 800, 100),
            ("S-7", "Feld", 500, 250),
        )
    )
)
FIXTURE_CONFIG = """
tables:
  - match: {portal: muster, title: "Kleinräumige*"}
    area_code: Gebietsschlüssel
    area_name: Bezeichnung
    period: Berichtsjahr
    units: {Personen gesamt: Personen}
areas:
  - {name: Nord, kind: Stadtbezirk, member_kind: Quartiere, members: ["N-1a", "N-1b"]}
  - {name: Süd, kind: Stadtbezirk, member_kind: Quartiere, prefixes: ["S-"]}
"""


@pytest.fixture
def fixture_table(tmp_path):
    s = TableStore(tmp_path / "t.duckdb")
    s.put(
        parse_bytes(FIXTURE.encode("cp1252")),
        Provenance(
            "muster", "bev-klein", "res-1", title="Kleinräumige Bevölkerung", licence="dl-de/by-2-0"
        ),
    )
    (tmp_path / "k.yaml").write_text(FIXTURE_CONFIG, encoding="utf-8")
    return s.table("bev-klein"), FiguresConfig.load(tmp_path / "k.yaml")


def test_fixture_needs_the_configured_area_list(fixture_table):
    table, config = fixture_table
    with pytest.raises(OpendataError):
        figure(table, "Personen gesamt", area="Nord", config=FiguresConfig())
    assert figure(table, "Personen gesamt", area="Nord", config=config)["value"] == 1201 + 801


def test_fixture_figures_through_configuration_alone(fixture_table):
    table, config = fixture_table
    nord = figure(table, "Personen gesamt", area="Nord", period="2020", config=config)
    assert (nord["value"], nord["unit"], nord["dataset_id"]) == (2002, "Personen", "bev-klein")
    assert (
        nord["how"]
        == "Summe der 2 Quartiere im Stadtbezirk Nord, Spalte Personen gesamt, Stand 2020"
    )
    nord_2019 = figure(table, "Personen gesamt", area="Nord", period="2019", config=config)
    assert nord_2019["value"] == 2000
    years = compare(nord_2019, nord)
    assert (years["value"], years["percent"]) == (2, 0.1)
    sued = figure(table, "darunter ab 65", area="Süd", period="2020", config=config)
    places = compare(
        sued, figure(table, "darunter ab 65", area="Nord", period="2020", config=config)
    )
    assert (sued["value"], places["value"], places["percent"]) == (250, 150, 60.0)
    hafen = figure(table, "Personen gesamt", area="hafen", config=config)  # by name, latest year
    assert hafen["value"] == 1201 and hafen["how"].endswith("Stand 2020")
    with pytest.raises(OpendataError) as err:
        figure(table, "Personen gesamt", area="Nord", period="2031", config=config)
    assert err.value.code == "opendata_period" and "2019" in err.value.hint


def test_area_list_from_csv_latin1():
    areas = AreaList.from_csv(
        "area,kind,code,member\nOst,Bezirk,3,O-1\nOst,Bezirk,3,O-2\n".encode("cp1252")
    )
    assert areas.find("ost").members == ("O-1", "O-2") and areas.find("3").name == "Ost"


def test_a_second_process_waits_for_the_table_file(tmp_path):
    """DuckDB admits one process at a time: a chat worker reading while a sync writes
    waits a moment instead of failing ("gesperrt")."""
    import subprocess
    import sys

    path = tmp_path / "tables.duckdb"
    script = (
        f"import duckdb, time\ncon = duckdb.connect({str(path)!r})\n"
        "print('held', flush=True)\ntime.sleep(1.0)\ncon.close()"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert TableStore(path).list() == []  # waited for the holder, then read
    finally:
        holder.wait(timeout=10)
