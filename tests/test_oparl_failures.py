"""The council connector against the generated OParl fixture server: failures, crashes,
vendor quirks, files, deletion, and the `assistant oparl` commands (issue 15).

Every sync goes through the real CLI (`--json`); the index (manifest and lexical index)
is compared with the fixture's generated council after the runs; the fixture's request
log shows what was fetched, and how often.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_settings
from oparl_fixture import running_oparl

LIST = r"/bodies/1/(papers|meetings|organizations)$"


@pytest.fixture
def env(cli_env, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SYNC_RATE", "0")  # no pause between requests in tests
    monkeypatch.setenv("ASSISTANT_SYNC_RETRIES", "0")
    return cli_env


@pytest.fixture
def oparl():
    with running_oparl(n_papers=30, textless_fraction=0.0) as server:
        yield server


def sync(run_cli, *args: str) -> tuple[int, dict | list]:
    result = run_cli("oparl", "sync", *args, "--json")
    return result.exit_code, json.loads(result.output)


def live(oparl, kind: str) -> dict[str, dict]:
    """The server's current live objects of one list, by id (from its own data)."""
    objs = (oparl.data.render(kind, i) for i in oparl.data.select(kind))
    return {o["id"]: o for o in objs if o and not o.get("deleted")}


def index(tmp_path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """Council units by oparl_id, and each unit's chunk text; asserts that no unit is
    half-indexed (the manifest's chunk count is what the lexical index holds)."""
    from assistant.services import Services

    services = Services(make_settings(tmp_path))
    try:
        units, texts = {}, {}
        for r in services.manifest.list():
            if (r.meta or {}).get("kind") != "oparl":
                continue
            chunks = services.lexical.chunks_of(r.doc_id, r.version)
            assert len(chunks) == r.chunks > 0, f"half-indexed: {r.meta['oparl_id']}"
            assert r.meta["oparl_id"] not in units, f"twice: {r.meta['oparl_id']}"
            units[r.meta["oparl_id"]] = r
            texts[r.meta["oparl_id"]] = "\n".join(c.text for c in chunks)
        return units, texts
    finally:
        services.close()


def assert_complete(oparl, tmp_path: Path) -> dict[str, object]:
    units, _ = index(tmp_path)
    expected = {**live(oparl, "papers"), **live(oparl, "meetings")}
    assert set(units) == set(expected), (set(expected) - set(units), set(units) - set(expected))
    for oid, paper in live(oparl, "papers").items():
        assert units[oid].meta["reference"] == paper["reference"]
    return units


def list_pages(oparl, kind: str) -> list[str]:
    """The page number of every request for one list ("1" for the first)."""
    return [q.get("page", "1") for q in oparl.queries(rf"/bodies/1/{kind}$")]


# --- a run that cannot complete, and the next run ---------------------------------------------

FAILURES = {
    "malformed_json": ({"kind": "malformed_json"}, "keine gültigen JSON-Daten"),
    "persistent_500": ({"kind": "status", "status": 500}, "HTTP 500"),
    "timeout": ({"kind": "delay", "seconds": 3}, "nicht rechtzeitig geantwortet"),
}


@pytest.mark.parametrize("name", FAILURES)
def test_failed_run_is_resumed_without_refetching(name, env, run_cli, oparl, tmp_path, monkeypatch):
    fault, message = FAILURES[name]
    monkeypatch.setenv("ASSISTANT_SYNC_TIMEOUT", "1")
    # page 2 of the papers fails, always (no retries configured: the run ends)
    oparl.inject(fault.pop("kind"), r"/bodies/1/papers\?.*page=2", **fault)
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 1
    assert report["status"] == "failed"
    assert message in report["error"] and "setzt an dieser Stelle fort" in report["error"]
    status = json.loads(run_cli("oparl", "list", "--json").output)
    assert status[0]["last_run"]["status"] == "failed" and status[0]["last_success"] is None
    assert list_pages(oparl, "papers") == ["1", "2"]

    oparl.clear_faults()
    code, report = sync(run_cli, "--name", "musterstadt")
    assert code == 0, report
    assert report["status"] == "completed" and report["resumed"] is True
    assert list_pages(oparl, "papers") == ["1", "2", "2"]  # page 1 not again
    assert list_pages(oparl, "meetings") == ["1"]  # a list done before is not walked again
    assert list_pages(oparl, "organizations") == ["1"]
    assert_complete(oparl, tmp_path)


def test_server_errors_are_retried_then_succeed(env, run_cli, oparl, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SYNC_RETRIES", "2")
    oparl.inject("status", r"/bodies/1/papers\?.*page=2", status=500, times=1)
    oparl.inject("status", r"/bodies/1/meetings$", status=503, times=1)
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0, report
    assert report["problems"] == []
    assert list_pages(oparl, "papers") == ["1", "2", "2"]
    assert list_pages(oparl, "meetings") == ["1", "1"]
    assert_complete(oparl, tmp_path)


def test_429_waits_for_retry_after(env, run_cli, oparl, tmp_path, monkeypatch):
    arrivals: list[tuple[float, str]] = []
    arrive = oparl._arrive

    def timed(path, raw_query):  # when each request reached the server
        arrivals.append((time.monotonic(), f"{path}?{raw_query}"))
        return arrive(path, raw_query)

    oparl._arrive = timed
    oparl.inject("status", r"/bodies/1/papers\?.*page=2", status=429, retry_after=2, times=2)
    # no retries allowed: the run stops with a clear message and can be resumed
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 1 and "HTTP 429" in report["error"]
    monkeypatch.setenv("ASSISTANT_SYNC_RETRIES", "2")
    code, report = sync(run_cli, "--name", "musterstadt")
    assert code == 0 and report["resumed"] is True
    page2 = [t for t, target in arrivals if re.search(r"/papers\?.*page=2", target)]
    assert len(page2) == 3
    assert page2[2] - page2[1] >= 1.9  # Retry-After: 2 honoured (the backoff alone is 1 s)
    assert_complete(oparl, tmp_path)


def test_timeout_is_retried(env, run_cli, oparl, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_SYNC_TIMEOUT", "1")
    monkeypatch.setenv("ASSISTANT_SYNC_RETRIES", "1")
    oparl.inject("delay", r"/bodies/1/meetings$", seconds=2.5, times=1)
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0, report
    assert list_pages(oparl, "meetings") == ["1", "1"]
    assert_complete(oparl, tmp_path)


def test_object_without_id_or_type_is_counted_not_fatal(env, run_cli, oparl, tmp_path):
    oparl.inject("missing_fields", r"/bodies/1/papers$", times=1)  # first paper of page 1
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0
    assert report["counts"]["failed"] == 1
    [problem] = [p for p in report["problems"] if p["code"] == "invalid_object"]
    assert "ohne id" in problem["message"]
    units, _ = index(tmp_path)
    papers = live(oparl, "papers")
    skipped = oparl.data.render("papers", 1)["id"]
    assert set(papers) - {u for u in units if "/papers/" in u} == {skipped}


# --- a crash in the middle of the build ------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_crash_during_build_leaves_no_half_indexed_paper(sig, env, run_cli, tmp_path):
    with running_oparl(n_papers=60, textless_fraction=0.5) as oparl:
        # downloads of files without text happen while papers are built: slow them down so
        # that the signal lands in the build phase
        oparl.inject("delay", r"^/files/", seconds=0.15)
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "oparl", "sync", oparl.url, "--name", "m",
             "--json"],
            env=dict(os.environ), cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while oparl.request_count(r"^/files/") < 8 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        assert proc.returncode != 0
        units, _ = index(tmp_path)  # as the crash left it: every unit whole
        assert 0 < len(units) < 70
        oparl.clear_faults()
        code, report = sync(run_cli, "--name", "m")
        assert code == 0, report
        assert report["resumed"] is True
        assert list_pages(oparl, "papers") == ["1", "2", "3"]  # fetched once, over both runs
        assert_complete(oparl, tmp_path)


# --- vendor quirks ---------------------------------------------------------------------------


def test_vendor_quirks_are_tolerated(env, run_cli, oparl, tmp_path):
    oparl.inject("aux_file_object", r"/bodies/1/papers")
    oparl.inject("na_values", r"/bodies/1/papers$", fields=("paperType", "date"))
    oparl.inject("bad_offset", LIST)
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0, report
    assert report["cursor"]  # +02::00 timestamps still move the cursor
    units, texts = index(tmp_path)
    assert_complete(oparl, tmp_path)
    first_page = [oparl.data.render("papers", i)["id"] for i in range(1, 21)]
    for oid in first_page:  # "N/A" read as absent, never shown
        assert units[oid].meta["paper_type"] == "" and units[oid].meta["date"] is None
        assert "N/A" not in texts[oid]
    paper = oparl.data.render("papers", 25)  # first file read from an object, not a list
    assert paper["auxiliaryFile"][0]["text"][:40] in " ".join(texts[paper["id"]].split())

    # an incremental run where nothing changed: empty lists answered as `[]`
    oparl.clear_faults()
    oparl.inject("empty_list_array", LIST)
    code, report = sync(run_cli, "--name", "musterstadt")
    assert code == 0, report
    assert report["full"] is False and report["since"]
    assert report["problems"] == [] and report["counts"]["new"] == 0
    assert_complete(oparl, tmp_path)


def test_ids_that_differ_from_the_fetch_url(env, run_cli, oparl, tmp_path):
    oparl.inject("id_mismatch", r"/bodies/1/papers")
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0, report
    units, _ = index(tmp_path)
    papers = {u for u in units if "/papers/" in u}
    assert papers == {f"https://ris.example.org/oparl/papers/{i}" for i in range(1, 31)}


# --- files, changes, deletion, non-public ------------------------------------------------------


def test_files_without_text_are_downloaded_once(env, run_cli, tmp_path):
    with running_oparl(n_papers=20, textless_fraction=0.4) as oparl:
        textless = {
            f["accessUrl"].split(oparl.base)[1]: (i, f)
            for i in range(1, 21)
            for f in oparl.data.render("papers", i)["auxiliaryFile"]
            if "text" not in f
        }
        assert len(textless) >= 4
        code, report = sync(run_cli, oparl.url, "--name", "m")
        assert code == 0, report
        assert {p: oparl.per_path()[p] for p in textless} == dict.fromkeys(textless, 1)
        assert report["counts"]["files"] == len(textless)
        _, texts = index(tmp_path)
        for path, (i, f) in textless.items():  # the downloaded text is indexed
            content = oparl.data.file_content(i, int(path.rsplit("-", 1)[1].split(".")[0]))[1]
            assert " ".join(content.split())[:40] in " ".join(texts[oparl.data.render(
                "papers", i)["id"]].split()), path  # fmt: skip

        # the meetings change (papers linked to them are rebuilt); files did not change
        oparl.reset_log()
        oparl.mutate(changed_meetings=[1, 2, 3, 4])
        code, report = sync(run_cli, "--name", "m")
        assert code == 0, report
        assert not [p for p in oparl.per_path() if p.startswith("/files/")]
        assert report["counts"]["files"] == 0


def test_incremental_changes_deletion_and_non_public_items(env, run_cli, oparl, tmp_path):
    code, report = sync(run_cli, oparl.url, "--name", "musterstadt")
    assert code == 0, report
    deleted = oparl.data.render("papers", 7)
    hidden = oparl.data.render("papers", 12)
    _, texts = index(tmp_path)
    meeting_of = {7: oparl.data.render("meetings", 2)["id"], 12: oparl.data.render(
        "meetings", 3)["id"]}  # fmt: skip
    assert deleted["reference"] in texts[meeting_of[7]]
    assert hidden["name"] in texts[meeting_of[12]]

    oparl.reset_log()
    oparl.mutate(changed=[3], deleted=[7], added=2, nonpublic_agenda=[12])
    code, report = sync(run_cli, "--name", "musterstadt")
    assert code == 0, report
    assert report["full"] is False
    assert all("modified_since" in q for q in oparl.queries(LIST))
    assert report["counts"]["deleted"] == 1 and report["counts"]["new"] >= 2
    units, texts = index(tmp_path)
    assert_complete(oparl, tmp_path)
    assert deleted["id"] not in units
    for oid, text in texts.items():  # the deleted paper is gone from every unit
        assert deleted["reference"] not in text, oid
        assert deleted["name"] not in text, oid
    # the non-public agenda item: not in the meeting, not in the paper's consultation path
    assert hidden["name"] not in texts[meeting_of[12]]
    assert all(c["agenda_number"] == "" for c in units[hidden["id"]].meta["consultations"])
    assert "Stellungnahme der Verwaltung (Fassung 1)" in texts[oparl.data.render("papers", 3)["id"]]


def test_changed_meeting_results_reach_the_papers(env, run_cli, tmp_path):
    with running_oparl(n_papers=30, textless_fraction=0.0) as oparl:
        code, _ = sync(run_cli, oparl.url, "--name", "m")
        assert code == 0
        oparl.mutate(changed_meetings=list(range(1, 7)))
        code, report = sync(run_cli, "--name", "m")
        assert code == 0, report
        units, _ = index(tmp_path)
        checked = 0
        for meeting in live(oparl, "meetings").values():
            for item in meeting["agendaItem"]:
                if "consultation" not in item:
                    continue
                paper_id = item["consultation"].rsplit("/", 1)[1].split("-")[0]
                paper = units[oparl.data.render("papers", int(paper_id))["id"]]
                [c] = [c for c in paper.meta["consultations"] if c["agenda_number"]]
                assert c["result"] == item.get("result", ""), (paper_id, item)
                checked += 1
        assert checked == 30


# --- the commands ------------------------------------------------------------------------------


def test_list_remove_and_sync_all(env, run_cli, tmp_path):
    with (
        running_oparl(n_papers=20, body_name="Stadt Nord") as north,
        running_oparl(n_papers=25, body_name="Stadt Süd", seed=2) as south,
    ):
        assert sync(run_cli, north.url, "--name", "nord")[0] == 0
        assert sync(run_cli, south.url, "--name", "sued")[0] == 0
        status = {s["name"]: s for s in json.loads(run_cli("oparl", "list", "--json").output)}
        assert set(status) == {"nord", "sued"}
        assert status["nord"]["url"] == north.url
        assert status["sued"]["last_success"]["status"] == "completed"
        assert status["sued"]["objects"]["Paper"] == 25

        north.mutate(added=1)
        south.mutate(added=2)
        north.reset_log()
        south.reset_log()
        code, reports = sync(run_cli, "--all")
        assert code == 0
        assert sorted(r["source"] for r in reports) == ["nord", "sued"]
        assert all(r["status"] == "completed" and r["full"] is False for r in reports)
        assert north.request_count() > 0 and south.request_count() > 0
        units, _ = index(tmp_path)
        assert len([u for u in units if "/papers/" in u]) == 21 + 27

        result = run_cli("oparl", "remove", "nord")
        assert result.exit_code == 0 and "entfernt" in result.output
        units, _ = index(tmp_path)
        assert {u.meta["source_name"] for u in units.values()} == {"sued"}
        status = json.loads(run_cli("oparl", "list", "--json").output)
        assert [s["name"] for s in status] == ["sued"]
        result = run_cli("oparl", "remove", "nord")
        assert result.exit_code != 0 and "nord" in result.output
