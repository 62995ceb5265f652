"""Open-data sync (issue 16): the real CLI against CKAN over real HTTP.

The real Köln catalogue (137 DKAN datasets, 11 real CSV files) is served by
../shared/opendata/serve.py, started once for the module and stopped by its PID; changes,
removals and failures come from tests/ckan_fixture.py, a CKAN server of our own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from ckan_fixture import CONTACT, CSV, CkanFixture, package, running_ckan
from click.testing import CliRunner
from conftest import dead_url, make_settings

from assistant.cli import cli
from assistant.services import Services

SHARED = Path(__file__).resolve().parents[2] / "shared" / "opendata"


def free_port() -> int:
    return int(dead_url().rsplit(":", 1)[1])


def invoke(data_dir: Path, *args: str, **env):
    """The real CLI in-process, with its own data dir and no developer settings."""
    values = {k: None for k in os.environ if k.startswith("ASSISTANT_")}
    values.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_OLLAMA_BASE_URL=dead_url(),
        ASSISTANT_SYNC_RATE="0",
        ASSISTANT_SYNC_TIMEOUT="1",
        ASSISTANT_SYNC_RETRIES="2",
    )
    values.update(env)
    return CliRunner().invoke(cli, list(args), env=values, catch_exceptions=False)


def sync_json(data_dir: Path, *args: str, **env) -> tuple[int, dict]:
    result = invoke(data_dir, "opendata", "sync", *args, "--json", **env)
    return result.exit_code, json.loads(result.stdout)


def units(data_dir: Path, portal: str) -> dict[str, tuple]:
    """dataset_id -> (manifest record, all chunk texts) of a portal's units."""
    services = Services(make_settings(data_dir.parent))
    try:
        out = {}
        for record in services.manifest.list():
            meta = record.meta or {}
            if meta.get("kind") == "opendata" and meta.get("portal") == portal:
                assert meta["dataset_id"] not in out, "dataset indexed twice"
                chunks = services.lexical.chunks_of(record.doc_id, record.version)
                out[meta["dataset_id"]] = (record, [c.text for c in chunks])
        return out
    finally:
        services.close()


# --- the real catalogue ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def koeln(tmp_path_factory):
    if not (SHARED / "serve.py").exists():
        pytest.skip("../shared/opendata is not there")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SHARED / "serve.py"), "--root", str(SHARED / "data"),
         "--port", str(port), "--portal", "koeln"],
        env={**os.environ, "SERVE_QUIET": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        search = f"{url}/api/3/action/package_search?q=*:*&rows=1000"
        with urllib.request.urlopen(search, timeout=10) as r:
            served = json.load(r)["result"]
        data_dir = tmp_path_factory.mktemp("koeln") / "data"
        began = time.perf_counter()
        code, report = sync_json(data_dir, url, "--name", "koeln")
        report["wall_seconds"] = time.perf_counter() - began
        yield {"url": url, "served": served, "data": data_dir, "code": code, "report": report}
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_full_sync_indexes_every_public_dataset_exactly_once(koeln):
    report, served = koeln["report"], koeln["served"]
    assert koeln["code"] == 0 and report["status"] == "completed", report
    assert served["count"] == 137
    assert report["counts"]["new"] == served["count"]
    assert report["counts"]["unchanged"] == 0  # overlapping pages are not counted twice
    indexed = units(koeln["data"], "koeln")
    assert set(indexed) == {p["id"] for p in served["results"]}
    # The 11 real Köln files became tables; every other CSV link of 2013/14 is dead.
    assert report["counts"]["tables"] == 11
    assert report["counts"]["dead_links"] > 100
    assert report["cursor"].startswith("2015-")  # the portal's clock, not ours


def test_second_sync_changes_nothing(koeln):
    before = {d: r.version for d, (r, _) in units(koeln["data"], "koeln").items()}
    code, again = sync_json(koeln["data"], "--name", "koeln")
    assert code == 0 and not again["full"]
    assert again["since"] and again["counts"]["new"] == again["counts"]["changed"] == 0
    code, full = sync_json(koeln["data"], "--name", "koeln", "--full")
    assert code == 0 and full["full"]
    counts = full["counts"]
    assert (counts["new"], counts["changed"], counts["deleted"]) == (0, 0, 0)
    assert counts["unchanged"] == koeln["served"]["count"] and counts["tables"] == 0
    after = {d: r.version for d, (r, _) in units(koeln["data"], "koeln").items()}
    assert after == before


def test_units_carry_fields_and_never_contact_data(koeln):
    contacts = {
        str(p.get(k)).strip()
        for p in koeln["served"]["results"]
        for k in ("maintainer", "maintainer_email", "author", "author_email")
        if p.get(k) and len(str(p.get(k)).strip()) > 3
    }
    assert contacts  # the real catalogue has them: the check below is not empty
    indexed = units(koeln["data"], "koeln")
    for dataset_id, (record, texts) in indexed.items():
        text = "\n".join(texts) + json.dumps(record.meta, ensure_ascii=False)
        assert not [c for c in contacts if c in text], dataset_id
        assert record.meta["url"].startswith(koeln["url"] + "/dataset/")
    kita = next(r for r, _ in indexed.values() if r.title.startswith("Kindertagesstätten"))
    assert kita.meta["publisher"] == "Stadt Köln" and kita.meta["license"]
    dead = [t for _, texts in indexed.values() for t in texts if "Link nicht erreichbar" in t]
    assert dead


def test_search_hits_carry_dataset_id_portal_and_url(koeln):
    result = invoke(koeln["data"], "search", "Einwohner nach Altersgruppen", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    hits = data["hits"] if isinstance(data, dict) else data
    top = hits[0]
    assert top["portal"] == "koeln" and top["dataset_id"] in {
        p["id"] for p in koeln["served"]["results"] if p["name"] == "einwohner-nach-altersgruppen"
    }
    assert top["url"] == f"{koeln['url']}/dataset/einwohner-nach-altersgruppen"


def test_table_prints_the_real_table(koeln):
    result = invoke(koeln["data"], "opendata", "table", "einwohner-nach-altersgruppen")
    assert result.exit_code == 0, result.output
    assert "2012_Altersgruppen_Stadtbezirk.csv" in result.output
    assert "Köln insgesamt" in result.output and "1.044.555" in result.output
    assert "Lizenz: cc-by" in result.output
    missing = invoke(koeln["data"], "opendata", "table", "gibt-es-nicht")
    assert missing.exit_code != 0 and "keine Tabelle" in missing.output


def test_list(koeln):
    listed = invoke(koeln["data"], "opendata", "list")
    assert "koeln" in listed.output and "137 Datensätze" in listed.output


# --- changes, removals and failures: our own fixture portal ----------------------------------
@pytest.fixture
def portal():
    fixture = CkanFixture([package(n) for n in range(1, 26)])
    with running_ckan(fixture) as running:
        yield running


def with_table(fixture: CkanFixture, n: int, name: str, body: bytes = CSV, **file) -> str:
    url = fixture.add_file(name, body, **file)
    pid = f"pkg-{n:04d}"
    resource = {"id": f"{pid}-{name}", "name": name, "format": "CSV", "url": url,
                "last_modified": "2021-01-01T00:00:00"}  # fmt: skip
    fixture.packages[pid]["resources"] = [*fixture.packages[pid]["resources"], resource]
    return url


def test_change_deletion_private_and_vanished(portal, tmp_path):
    data = tmp_path / "data"
    with_table(portal, 3, "kita.csv")
    code, first = sync_json(
        data, portal.url, "--name", "beispiel", ASSISTANT_OPENDATA_PAGE_ROWS="10"
    )
    assert code == 0 and first["counts"]["new"] == 25 and first["counts"]["tables"] == 1
    assert first["counts"]["pages"] == 3

    portal.touch("pkg-0005", title="Spielplätze (aktualisiert)")
    portal.touch("pkg-0007", state="deleted")
    portal.touch("pkg-0008", private=True)
    portal.touch("pkg-0003", title="Kita-Plätze je Stadtteil")  # the file itself is unchanged
    portal.hidden.add("pkg-0009")  # gone without a trace: only a full walk can tell
    code, second = sync_json(data, "--name", "beispiel", ASSISTANT_OPENDATA_PAGE_ROWS="10")
    assert code == 0 and not second["full"]
    assert (second["counts"]["changed"], second["counts"]["deleted"]) == (2, 2)
    assert portal.downloads("kita.csv") == 1  # unchanged resource: not downloaded again
    indexed = units(data, "beispiel")
    assert indexed["pkg-0005"][0].title.startswith("Spielplätze (aktualisiert) – ")
    assert "pkg-0007" not in indexed and "pkg-0008" not in indexed and "pkg-0009" in indexed

    code, full = sync_json(data, "--name", "beispiel", "--full", ASSISTANT_OPENDATA_PAGE_ROWS="10")
    assert code == 0 and full["counts"]["deleted"] == 1
    assert set(units(data, "beispiel")) == {f"pkg-{n:04d}" for n in range(1, 26)} - {
        "pkg-0007", "pkg-0008", "pkg-0009"
    }  # fmt: skip
    shown = invoke(data, "opendata", "table", "datensatz-3")
    assert "Kita-Plätze" in shown.output and "1.310" in shown.output

    removed = invoke(data, "opendata", "remove", "beispiel")
    assert removed.exit_code == 0 and "22 Einträge" in removed.output
    assert units(data, "beispiel") == {}
    gone = invoke(data, "opendata", "table", "datensatz-3")
    assert gone.exit_code != 0 and "keine Tabelle" in gone.output


def test_units_show_licence_coverage_and_no_contact_data(portal, tmp_path):
    data = tmp_path / "data"
    portal.packages["pkg-0002"].pop("license_id")
    portal.packages["pkg-0002"].pop("license_title")
    assert sync_json(data, portal.url, "--name", "beispiel")[0] == 0
    indexed = units(data, "beispiel")
    record, texts = indexed["pkg-0001"]
    text = "\n".join(texts)
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in text  # mojibake repaired
    assert "regionalKey/081110000000" in text and "2020-01-01 – 2021-12-31" in text
    assert "Herausgeber: Stadt Beispielstadt" in text and "Spielplatz" in text
    assert "Lizenz nicht angegeben" in "\n".join(indexed["pkg-0002"][1])
    assert record.meta["resources"][0]["url"] == "https://stadt-beispiel.example/seite/1"
    assert record.meta["formats"] == ["HTML"] and record.meta["dataset_id"] == "pkg-0001"
    stored = b"".join(f.read_bytes() for f in data.rglob("*") if f.is_file())
    for value in [*CONTACT.values(), "emustermann"]:
        assert value.encode() not in stored, value
        for _, texts in indexed.values():
            assert all(value not in t for t in texts)


def test_dead_link_and_html_instead_of_csv_are_counted_not_fatal(portal, tmp_path):
    data = tmp_path / "data"
    with_table(portal, 4, "tabelle.csv", b"<!DOCTYPE html><html><body>Portal</body></html>",
               ctype="text/html")  # fmt: skip
    with_table(portal, 6, "weg.csv", b"", status=404)
    with_table(portal, 6, "gut.csv")
    code, report = sync_json(data, portal.url, "--name", "beispiel")
    assert code == 0 and report["status"] == "completed"
    assert report["counts"]["dead_links"] == 2 and report["counts"]["tables"] == 1
    assert {p["code"] for p in report["problems"]} == {"dead", "not_table"}
    indexed = units(data, "beispiel")
    assert "Link nicht erreichbar" in "\n".join(indexed["pkg-0006"][1])
    assert "liefert keine Tabelle" in "\n".join(indexed["pkg-0004"][1])
    statuses = {r["name"]: r["status"] for r in indexed["pkg-0006"][0].meta["resources"]}
    assert statuses == {"Webseite": "unchecked", "weg.csv": "dead", "gut.csv": "ok"}


def test_server_errors_are_retried(portal, tmp_path):
    portal.faults["package_search"] = ["429", "slow"]
    portal.slow_seconds = 1.5  # over the 1 s timeout
    code, report = sync_json(data := tmp_path / "data", portal.url, "--name", "beispiel")
    assert code == 0 and report["counts"]["new"] == 25
    assert report["requests"] == 3  # two failed attempts, then the page
    assert len(units(data, "beispiel")) == 25


def test_failure_ends_the_run_and_the_next_run_resumes(portal, tmp_path):
    data = tmp_path / "data"
    rows = {"ASSISTANT_OPENDATA_PAGE_ROWS": "10"}
    # First page fine, then the second page fails for good: run incomplete, exit 1.
    portal.faults["package_search"] = [None, "500", "500", "500"]
    result = invoke(data, "opendata", "sync", portal.url, "--name", "beispiel", **rows)
    assert result.exit_code == 1
    assert "HTTP 500" in result.output and "setzt an dieser Stelle fort" in result.output
    code, report = sync_json(data, "--name", "beispiel", **rows)
    assert code == 0 and report["resumed"] and report["full"]
    assert report["counts"]["new"] == 25 - 10  # the first page was not fetched again
    assert len(units(data, "beispiel")) == 25

    portal.always["package_search"] = "malformed"
    result = invoke(data, "opendata", "sync", "--name", "beispiel", "--full", **rows)
    assert result.exit_code == 1 and "keine gültigen JSON-Daten" in result.output
    assert len(units(data, "beispiel")) == 25  # nothing lost


def test_bad_url_is_a_usage_error(tmp_path):
    result = invoke(tmp_path / "data", "opendata", "sync", "ftp://nicht-http")
    assert result.exit_code != 0 and "keine gültige Adresse" in result.output
