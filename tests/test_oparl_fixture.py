"""The generated OParl server itself (tests/oparl_fixture.py): paging, filters, changes, faults."""

from __future__ import annotations

import http.client
import io
import json
import re
import time
import tracemalloc
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from oparl_fixture import running_oparl

CEST = timezone(timedelta(hours=2))


def get(url: str, timeout: float = 5) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url: str):
    status, _, body = get(url)
    assert status == 200, body
    return json.loads(body)


def walk(url: str) -> list[dict]:
    """Every object of a list, following links.next as a client does."""
    out = []
    while url:
        page = get_json(url)
        out += page["data"]
        url = page["links"].get("next")
    return out


def lists(oparl) -> dict:
    return get_json(get_json(get_json(oparl.url)["body"])["data"][0]["id"])


def test_paging_reaches_every_object_and_references_resolve():
    with running_oparl(n_papers=50, page_size=20) as oparl:
        body = lists(oparl)
        papers = walk(body["paper"])
        assert [p["id"] for p in papers] == [
            oparl.base + f"/oparl/papers/{i}" for i in range(1, 51)
        ]
        assert oparl.request_count("/papers$") == 3
        first = get_json(body["paper"])
        assert first["pagination"] == {
            "totalElements": 50,
            "elementsPerPage": 20,
            "currentPage": 1,
            "totalPages": 3,
        }
        meetings = walk(body["meeting"])
        assert len(meetings) == 10 and len(walk(body["organization"])) == 10
        assert walk(body["person"]) == []
        assert {p["paperType"] for p in papers} <= {
            "Beschlussvorlage",
            "Antrag",
            "Anfrage",
            "Informationsvorlage",
        }
        assert all(re.fullmatch(r"202[56]/\d{4}", p["reference"]) for p in papers)
        assert all(re.search(r"\+0[12]:00$", p["modified"]) for p in papers)
        item = meetings[0]["agendaItem"][1]
        consultation = get_json(item["consultation"])
        assert consultation["agendaItem"] == item["id"]
        assert get_json(consultation["paper"])["consultation"][0] == consultation
        assert get_json(consultation["organization"][0])["name"]
        assert get_json(item["id"]) == item
        # the same seed gives the same council
        with running_oparl(n_papers=50) as again:
            assert get_json(again.base + "/oparl/papers/17")["name"] == papers[16]["name"]


def test_files_without_text_serve_pdf_or_plain_text():
    pypdf = pytest.importorskip("pypdf")
    with running_oparl(n_papers=40, textless_fraction=0.5) as oparl:
        files = [f for p in walk(lists(oparl)["paper"]) for f in p["auxiliaryFile"]]
        textless = [f for f in files if "text" not in f]
        kinds = {f["mimeType"] for f in textless}
        assert kinds == {"application/pdf", "text/plain"}
        for f in textless[:6]:
            status, headers, body = get(f["accessUrl"])
            assert status == 200
            if f["mimeType"] == "text/plain":
                assert headers["Content-Type"].startswith("text/plain")
                text = body.decode()
            else:
                text = pypdf.PdfReader(io.BytesIO(body)).pages[0].extract_text()
            assert f["fileName"].split("-")[1] in text and "Verwaltung" in text


def test_mutate_changes_show_up_with_modified_since_incl_tombstones():
    with running_oparl(n_papers=50) as oparl:
        body = lists(oparl)
        before = {p["id"]: p for p in walk(body["paper"])}
        cursor = max(p["modified"] for p in before.values())
        oparl.clock = datetime(2026, 8, 3, 9, 30, tzinfo=CEST)
        stamp = oparl.mutate(changed=[3], deleted=[7], added=2, nonpublic_agenda=[12])
        _, headers, _ = get(oparl.url)
        assert headers["Date"] == "Mon, 03 Aug 2026 07:30:00 GMT"

        since = body["paper"] + "?modified_since=" + quote(stamp.isoformat())
        changed = {p["id"].rsplit("/", 1)[1]: p for p in walk(since)}
        assert sorted(changed, key=int) == ["3", "7", "51", "52"]
        assert changed["7"] == {
            "body": body["id"],
            "created": before[changed["7"]["id"]]["created"],
            "deleted": True,
            "id": changed["7"]["id"],
            "modified": "2026-08-03T09:30:00+02:00",
            "name": "",
            "paperType": "",
            "reference": "",
            "type": "https://schema.oparl.org/1.1/Paper",
        }
        assert changed["3"]["auxiliaryFile"][-1]["name"].startswith("Stellungnahme")
        assert changed["51"]["reference"] == "2026/0051"
        # an older cursor (inclusive) still sees nothing before it; no filter hides the tombstone
        assert len(walk(body["paper"] + "?modified_since=" + quote(cursor))) >= 4
        plain = walk(body["paper"])
        assert len(plain) == 51 and changed["7"]["id"] not in {p["id"] for p in plain}
        assert get(before[changed["7"]["id"]]["consultation"][0]["id"])[0] == 404
        assert get_json(changed["7"]["id"])["deleted"] is True

        meetings = walk(body["meeting"] + "?modified_since=" + quote(stamp.isoformat()))
        assert [m["id"] for m in meetings] == [oparl.base + "/oparl/meetings/3"]
        hidden = [a for a in meetings[0]["agendaItem"] if not a["public"]]
        assert [a["number"] for a in hidden] == ["3"]
        assert get(body["paper"] + "?modified_since=gestern")[0] == 400
        seen = [q.get("modified_since") for q in oparl.queries("/papers$")]
        assert seen.count(None) == 3 + 3 and seen[-1] == "gestern"  # two full walks
        oparl.reset_log()
        walk(since)
        assert oparl.queries() == [{"modified_since": stamp.isoformat()}]


def test_errors_fire_as_configured():
    with running_oparl(n_papers=30) as oparl:
        papers = lists(oparl)["paper"]
        fault = oparl.inject("status", "/papers", status=500, times=2)
        assert [get(papers)[0] for _ in range(3)] == [500, 500, 200]
        assert fault.fired == 2
        oparl.inject("status", "page=2", status=429, times=1)
        status, headers, _ = get(papers + "?page=2")
        assert (status, headers["Retry-After"]) == (429, "1")
        oparl.inject("malformed_json", "/papers/4$", times=1)
        with pytest.raises(json.JSONDecodeError):
            json.loads(get(oparl.base + "/oparl/papers/4")[2])
        oparl.inject("missing_fields", "/papers/5$", times=1)
        assert "id" not in get_json(oparl.base + "/oparl/papers/5")
        oparl.inject("not_found", "/organizations/2$")
        assert get(oparl.base + "/oparl/organizations/2")[0] == 404
        oparl.inject("delay", "/meetings/1$", seconds=1.5, times=1)
        with pytest.raises(TimeoutError):
            get(oparl.base + "/oparl/meetings/1", timeout=0.3)
        oparl.inject("drop_connection", "/meetings/2$", times=1)
        with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError)):
            get(oparl.base + "/oparl/meetings/2")
        oparl.clear_faults()
        oparl.inject("status", skip=1, times=1, status=503)  # by request count: the 2nd one
        assert [get(oparl.url)[0] for _ in range(3)] == [200, 503, 200]
        assert oparl.per_path()["/oparl/system"] >= 4


def test_vendor_quirks():
    with running_oparl(n_papers=30) as oparl:
        papers = lists(oparl)["paper"]
        for kind in ("aux_file_object", "na_values", "bad_offset", "id_mismatch"):
            oparl.inject(kind, r"/papers/2$")
        paper = get_json(oparl.base + "/oparl/papers/2")
        assert isinstance(paper["auxiliaryFile"], dict)
        assert paper["date"] == paper["paperType"] == "N/A"
        assert re.search(r"\+0[12]::00$", paper["modified"])
        assert paper["id"] == "https://ris.example.org/oparl/papers/2"
        oparl.inject("empty_list_array", "/papers")
        assert get_json(papers + "?modified_since=2030-01-01T00:00:00%2B01:00") == []
        assert get_json(papers)["data"]  # non-empty pages keep their shape


def test_ten_thousand_papers_are_quick_and_small():
    tracemalloc.start()
    began = time.perf_counter()
    with running_oparl(n_papers=10_000) as oparl:
        papers = lists(oparl)["paper"]
        first = get_json(papers)
        last = get_json(first["links"]["last"])
        since = get_json(papers + "?modified_since=2026-01-01T00:00:00%2B01:00")
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert first["pagination"]["totalPages"] == 500 and len(last["data"]) == 20
    assert last["data"][-1]["id"].endswith("/papers/10000")
    assert 0 < since["pagination"]["totalElements"] < 10_000
    assert elapsed < 5, elapsed  # measured ~1.5 s with tracemalloc on
    assert peak < 8_000_000, peak
