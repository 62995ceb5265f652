"""The council connector against the real Karlsruhe snapshot over real HTTP (issue 15).

Harness protocol of ../shared/oparl/karlsruhe/README.md: `serve.py` serves `old` on a free
port, the real CLI does a full sync; the server is stopped and `new` is served on the SAME
port, the CLI does an incremental sync. The expected objects are read from the server
itself (its lists walked with plain urllib, independent of the connector's code), and the
index (manifest records with `meta.kind == "oparl"`, chunks in the lexical index) is
compared with them object by object after each sync.

The two syncs take minutes, so they run once per module (`synced`) and every test asserts
on the captured states.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import dead_url, make_settings

SNAPSHOT = Path(__file__).resolve().parents[2] / "shared/oparl/karlsruhe"
DELETED = {"2026/0298": "papers/vo/54459", "2025/0729": "papers/vo/52215"}
NONPUBLIC = "Kliniklotsen"

pytestmark = pytest.mark.skipif(
    not (SNAPSHOT / "serve.py").exists(), reason="Karlsruhe snapshot not available"
)


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Snapshot:
    """serve.py in a subprocess; its request log (stderr) in a file."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.proc = port, log, None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, state: str) -> None:
        self.log.write_text("")
        with self.log.open("a") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(SNAPSHOT / "serve.py"), "--root", str(SNAPSHOT / "data"),
                 "--port", str(self.port), "--snapshot", state],
                stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                get_json(self.base + "/oparl/system")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"serve.py did not start: {self.log.read_text()[-500:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # by its PID, never by name
            self.proc.wait(10)
        self.proc = None

    def requests(self) -> list[str]:
        """Paths with query of every GET the server answered since `start`."""
        return re.findall(r'"GET (\S+) HTTP', self.log.read_text())


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def walk(url: str) -> list[dict]:
    """Every object of one server list, along links.next (404 or no list: none)."""
    out: list[dict] = []
    while url:
        try:
            page = get_json(url)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                break
            raise
        if not isinstance(page, dict):
            break
        out += [o for o in page.get("data") or [] if isinstance(o, dict)]
        url = (page.get("links") or {}).get("next")
    return out


@dataclass
class Public:
    """The server's current public papers and meetings, by id."""

    papers: dict[str, dict] = field(default_factory=dict)
    meetings: dict[str, dict] = field(default_factory=dict)


def public_objects(base: str) -> Public:
    system = get_json(base + "/oparl/system")
    seen = Public()
    for body in walk(system["body"]):
        for key, into in (("paper", seen.papers), ("meeting", seen.meetings)):
            if isinstance(body.get(key), str):
                for o in walk(body[key]):
                    if o.get("deleted") is not True:
                        into[o["id"]] = o
    return seen


# --- the index ----------------------------------------------------------------------------


@dataclass
class Indexed:
    """What the index holds about council units after one sync."""

    records: list  # DocumentRecord with meta.kind == "oparl"
    chunks: dict[str, str]  # doc_id -> joined text of its chunks in the lexical index
    chunk_counts: dict[str, int]

    def by_oparl_id(self, kind: str) -> dict[str, list]:
        out: dict[str, list] = {}
        for r in self.records:
            if r.meta.get("type") == kind:
                out.setdefault(r.meta["oparl_id"], []).append(r)
        return out


def capture(data: Path) -> Indexed:
    from assistant.services import Services

    services = Services(make_settings(data.parent, data_dir=data))
    try:
        records = [r for r in services.manifest.list() if (r.meta or {}).get("kind") == "oparl"]
        chunks, counts = {}, {}
        for r in records:
            found = services.lexical.chunks_of(r.doc_id, r.version)
            counts[r.doc_id] = len(found)
            chunks[r.doc_id] = "\n".join(c.text for c in found)
        return Indexed(records, chunks, counts)
    finally:
        services.close()


# --- the module's two syncs -----------------------------------------------------------------


@dataclass
class Synced:
    server: Snapshot
    env: dict
    old: Public
    new: Public
    full: dict  # the CLI's --json report
    incremental: dict
    full_requests: list[str]
    incremental_requests: list[str]
    after_full: Indexed
    after_incremental: Indexed
    exit_codes: tuple[int, int]
    seconds: tuple[float, float]


def cli(env: dict, *args: str):
    from assistant.cli import cli as main

    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("karlsruhe")
    env = {k: None for k in os.environ if k.startswith("ASSISTANT_")}
    env |= {
        "ASSISTANT_DATA_DIR": str(tmp / "data"),
        "ASSISTANT_OLLAMA_BASE_URL": dead_url(),
        "ASSISTANT_SYNC_RATE": "0",
    }
    server = Snapshot(free_port(), tmp / "serve.log")
    cwd = os.getcwd()
    os.chdir(tmp)  # no developer .env
    try:
        server.start("old")
        old = public_objects(server.base)
        server.log.write_text("")  # count only the connector's requests
        began = time.perf_counter()
        full = cli(env, "oparl", "sync", server.base + "/oparl/system", "--name", "karlsruhe",
                   "--json")  # fmt: skip
        full_s = time.perf_counter() - began
        full_requests = server.requests()
        after_full = capture(tmp / "data")
        server.stop()
        server.start("new")
        new = public_objects(server.base)
        server.log.write_text("")  # count only the connector's requests
        began = time.perf_counter()
        inc = cli(env, "oparl", "sync", "--name", "karlsruhe", "--json")
        inc_s = time.perf_counter() - began
        inc_requests = server.requests()
        after_inc = capture(tmp / "data")
        print(
            f"\nKarlsruhe: full sync {len(full_requests)} requests, {full_s:.0f} s; "
            f"incremental {len(inc_requests)} requests, {inc_s:.0f} s"
        )
        yield Synced(
            server, env, old, new, json.loads(full.output), json.loads(inc.output),
            full_requests, inc_requests, after_full, after_inc,
            (full.exit_code, inc.exit_code), (full_s, inc_s),
        )  # fmt: skip
    finally:
        server.stop()
        os.chdir(cwd)


# --- the checks ---------------------------------------------------------------------------


def clean(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def assert_matches(index: Indexed, public: Public) -> None:
    """Every public paper and meeting exactly once, with the server's fields; nothing else."""
    papers, meetings = index.by_oparl_id("Paper"), index.by_oparl_id("Meeting")
    assert set(papers) == set(public.papers), (
        f"missing {sorted(set(public.papers) - set(papers))[:5]}, "
        f"extra {sorted(set(papers) - set(public.papers))[:5]}"
    )
    assert set(meetings) == set(public.meetings)
    assert len(index.records) == len(public.papers) + len(public.meetings)
    for oid, paper in public.papers.items():
        [record] = papers[oid]  # exactly once
        meta = record.meta
        assert meta["reference"] == clean(paper.get("reference")), oid
        assert meta["paper_type"] == clean(paper.get("paperType")), oid
        assert meta["date"] == (clean(paper.get("date"))[:10] or None), oid
        assert clean(paper.get("name")) in record.title, oid
        results = [c["result"] for c in meta["consultations"]]
        assert results == [published_result(c, public) for c in paper.get("consultation") or []]
    for oid, meeting in public.meetings.items():
        [record] = meetings[oid]
        assert record.meta["date"] == (clean(meeting.get("start"))[:10] or None), oid
        if clean(meeting.get("name")):
            assert record.title.startswith(clean(meeting["name"])), oid
    for r in index.records:  # never a half-indexed unit
        assert r.chunks == index.chunk_counts[r.doc_id] > 0, r.meta["oparl_id"]


def published_result(consultation: dict, public: Public) -> str:
    """The result of the consultation's agenda item as the server publishes it ("" when
    the meeting or the item is not public)."""
    meeting = public.meetings.get(consultation.get("meeting") or "")
    for item in (meeting or {}).get("agendaItem") or []:
        if item.get("id") == consultation.get("agendaItem") and item.get("public") is not False:
            return clean(item.get("result"))
    return ""


def test_full_sync_matches_the_old_snapshot(synced: Synced):
    assert synced.exit_codes[0] == 0
    assert synced.full["status"] == "completed" and synced.full["full"] is True
    assert len([i for i in synced.old.papers if "/karlsruhe/" in i]) == 1546
    assert len([i for i in synced.old.meetings if "/karlsruhe/" in i]) == 333
    assert_matches(synced.after_full, synced.old)


def test_incremental_sync_matches_the_new_snapshot(synced: Synced):
    assert synced.exit_codes[1] == 0
    inc = synced.incremental
    assert inc["status"] == "completed" and inc["full"] is False and inc["since"]
    assert len([i for i in synced.new.papers if "/karlsruhe/" in i]) == 1554
    assert_matches(synced.after_incremental, synced.new)


def test_incremental_sync_asks_for_changes_only_and_is_cheap(synced: Synced):
    lists = [r for r in synced.incremental_requests if re.search(r"/(papers|meetings)\b", r)]
    lists = [r for r in lists if "/oparl/bodies/0001/" in r]
    assert lists and all("modified_since=" in r for r in lists), lists[:3]
    full, inc = synced.full["requests"], synced.incremental["requests"]
    assert full == len(synced.full_requests)  # the report counts what the server saw
    assert inc == len(synced.incremental_requests)
    assert inc * 4 <= full, f"incremental {inc} requests, full {full}"
    # problems are counted, never fatal
    assert len(synced.incremental["problems"]) == synced.incremental["counts"].get(
        "problems", len(synced.incremental["problems"])
    )


def test_new_papers_are_added_and_changed_papers_replaced(synced: Synced):
    old, new = synced.old, synced.new
    added = set(new.papers) - set(old.papers)
    assert len([i for i in added if "/karlsruhe/" in i]) == 10
    before = {r.meta["oparl_id"]: r for r in synced.after_full.records}
    after = {r.meta["oparl_id"]: r for r in synced.after_incremental.records}
    assert added <= set(after) and not added & set(before)
    # a paper with a new attachment: its text is searchable now, and was not before
    replaced = 0
    for oid in set(old.papers) & set(new.papers):
        old_files = {f["id"] for f in old.papers[oid].get("auxiliaryFile") or []}
        fresh = [
            f for f in new.papers[oid].get("auxiliaryFile") or []
            if f["id"] not in old_files and len(clean(f.get("text"))) > 200
        ]  # fmt: skip
        if not fresh:
            continue
        lines = [
            " ".join(line.split())
            for line in fresh[0]["text"].splitlines()
            if len(line.split()) >= 6 and " ".join(line.split()) not in squash(before_text(synced, oid))
        ][:8]  # fmt: skip
        if not lines:
            continue
        now = squash(synced.after_incremental.chunks[after[oid].doc_id])
        assert any(line in now for line in lines), (oid, lines[:2])
        assert after[oid].version > before[oid].version
        replaced += 1
    assert replaced >= 10, replaced


def before_text(synced: Synced, oid: str) -> str:
    record = next(r for r in synced.after_full.records if r.meta["oparl_id"] == oid)
    return synced.after_full.chunks[record.doc_id]


def squash(text: str) -> str:
    return " ".join(text.split())


def test_deleted_papers_are_gone_everywhere(synced: Synced):
    old_by_ref = {clean(p.get("reference")): (i, p) for i, p in synced.old.papers.items()}
    after = synced.after_incremental
    refs = {r.meta.get("reference") for r in after.records}
    ids = {r.meta["oparl_id"] for r in after.records}
    shown = 0
    for reference, suffix in DELETED.items():
        oid, paper = old_by_ref[reference]
        assert oid.endswith(suffix)
        title = squash(paper["name"])
        # before: the paper and a meeting's agenda showed it
        shown_before = [d for d, t in synced.after_full.chunks.items() if reference in t]
        assert shown_before, reference
        shown += len(shown_before)
        assert reference not in refs and oid not in ids
        for doc, text in after.chunks.items():
            assert reference not in text, (reference, doc)
            assert title not in squash(text), (title, doc)
    assert shown > len(DELETED)  # before, another unit (a meeting's agenda) showed one too


def test_non_public_agenda_item_is_never_indexed(synced: Synced):
    meeting = next(i for i in synced.new.meetings if i.endswith("/meetings/10299"))
    items = synced.new.meetings[meeting]["agendaItem"]
    assert any(NONPUBLIC in i["name"] and i.get("public") is False for i in items)
    assert any(NONPUBLIC in t for t in synced.after_full.chunks.values())  # public in old
    assert not [d for d, t in synced.after_incremental.chunks.items() if NONPUBLIC in t]


def test_search_finds_the_paper_by_reference(synced: Synced):
    result = cli(synced.env, "search", "Vorlage 2026/0419", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert hits[0]["reference"] == "2026/0419"
    assert hits[0]["oparl_id"] in synced.new.papers


def test_filtered_search_returns_only_matching_papers(synced: Synced):
    query = "Anfrage zur Verwaltung"
    unfiltered = json.loads(cli(synced.env, "search", query, "-k", "20", "--json").output)
    assert any(
        h.get("paper_type") != "Anfrage" or not (h.get("date") or "").startswith("2026")
        for h in unfiltered
    )  # without the filters, other hits come up
    result = cli(synced.env, "search", query, "--type", "Anfrage", "--year", "2026",
                 "-k", "20", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert len({h["oparl_id"] for h in hits}) >= 3
    for hit in hits:
        paper = synced.new.papers[hit["oparl_id"]]  # a live paper of the server
        assert clean(paper["paperType"]) == hit["paper_type"] == "Anfrage"
        assert paper["date"].startswith("2026") and hit["date"].startswith("2026")
