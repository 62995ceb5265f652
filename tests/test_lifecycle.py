"""Document lifecycle: no-op re-upload, atomic replace and retire (also under concurrent
searches), validity dates, and version + date in the answer's source list."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from assistant.access.accounts import User
from assistant.access.collections import CollectionService
from assistant.ingest.upload import UploadRefused, UploadService
from assistant.models import Scope

MANAGER = User("wissen", ("mitarbeitende", "wissensmanagement"), ("allgemein",))
STAFF = User("sabine", ("mitarbeitende",), ("allgemein",))


def document(n: int) -> str:
    sections = [
        f"## § {i} Abschnitt {i}\n\nReisekostenregel Fassung{n} Nummer {i}: Das Kilometergeld "
        f"beträgt in Fassung{n} genau {n}{i} Cent je Kilometer. " + "Weitere Erläuterung. " * 40
        for i in range(1, 5)
    ]
    return "# Reisekostenregel\n\n" + "\n\n".join(sections) + "\n"


@pytest.fixture
def km(services, tmp_path):
    CollectionService(services.engine, services.settings).grant("allgemein", managers=["wissen"])
    service = UploadService(services, CollectionService(services.engine, services.settings))

    def upload(n: int, **dates):
        path = tmp_path / f"in{n}" / "reisekosten.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(document(n))
        return service.upload(MANAGER, "allgemein", [("reisekosten.md", path)], **dates).results[0]

    service.put = upload
    return service


def test_same_content_is_a_no_op_and_a_change_replaces(km, services):
    first = km.put(1)
    assert first.status == "added" and first.version == 1 and first.chunks > 1
    again = km.put(1)
    assert again.status == "unchanged" and again.version == 1 and again.doc_id == first.doc_id
    changed = km.put(2)
    assert changed.status == "updated" and changed.version == 2
    hits = services.search.search("Kilometergeld Fassung1", 20, Scope.everything()).hits
    assert hits and all(h.version == 2 and "Fassung2" in h.text for h in hits)
    left = services.lexical.search("Kilometergeld Fassung1", 50, None)
    assert left and {c.version for c, _ in left} == {2}  # the old version's chunks are gone
    uploads = services.settings.data_dir / "uploads" / "allgemein"
    assert len(list(uploads.iterdir())) == 1  # the old version's file is gone too


def test_retire_from_the_view_and_the_cli(km, services, run_cli, cli_env):
    doc_id = km.put(1).doc_id
    with pytest.raises(UploadRefused):
        km.retire(STAFF, doc_id)
    [listed] = km.documents(MANAGER)
    assert listed.record.doc_id == doc_id and listed.record.chunks > 1
    km.retire(MANAGER, doc_id)
    assert services.manifest.get(doc_id) is None
    assert not services.search.search("Kilometergeld", 20, Scope.everything()).hits
    assert services.lexical.search("Kilometergeld", 50, None) == []


def test_docs_remove_in_the_cli(run_cli, tmp_path):
    path = tmp_path / "reisekosten.md"
    path.write_text(document(1))
    assert run_cli("ingest", str(path), "--json").exit_code == 0
    [record] = json.loads(run_cli("docs", "list", "--json").output)
    doc_id = record["doc_id"]
    assert run_cli("docs", "remove", doc_id).exit_code == 0
    assert "Keine Treffer" in run_cli("search", "Kilometergeld").output


def test_validity_dates(km, services, run_cli, tmp_path):
    today = date.today()
    expired = km.put(1, valid_until=today - timedelta(days=1))
    assert expired.status == "added"
    assert not services.search.search(
        "Kilometergeld", 20, Scope.everything()
    ).hits  # expired: not retrieved
    km.put(2, valid_from=today + timedelta(days=30))
    assert not services.search.search("Kilometergeld", 20, Scope.everything()).hits  # not yet valid
    km.put(3, valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=1))
    assert services.search.search("Kilometergeld", 20, Scope.everything()).hits
    with pytest.raises(UploadRefused, match="vor"):
        km.put(4, valid_from=today, valid_until=today - timedelta(days=1))


def test_new_dates_for_the_same_content_change_the_dates_not_the_version(km, services):
    today = date.today()
    first = km.put(1)
    assert services.search.search("Kilometergeld", 20, Scope.everything()).hits
    ended = km.put(1, valid_until=today - timedelta(days=1))
    assert ended.status == "unchanged" and ended.version == first.version
    assert any("Gültigkeit geändert" in w for w in ended.warnings), ended.warnings
    assert not services.search.search("Kilometergeld", 20, Scope.everything()).hits  # expired now
    again = km.put(1, valid_until=today + timedelta(days=365))
    assert services.manifest.get(first.doc_id).valid_until == today + timedelta(days=365)
    assert (
        again.version == first.version
        and services.search.search("Kilometergeld", 20, Scope.everything()).hits
    )
    same = km.put(1)  # no dates given: the stored ones stay
    assert not same.warnings
    assert services.manifest.get(first.doc_id).valid_until == today + timedelta(days=365)


def test_cli_ingest_valid_until(run_cli, tmp_path):
    path = tmp_path / "alt.md"
    path.write_text(document(1))
    out = run_cli("ingest", str(path), "--valid-until", "01.01.2020")
    assert out.exit_code == 0, out.output
    assert '"valid_until": "2020-01-01"' in run_cli("docs", "list", "--json").output
    assert "Keine Treffer" in run_cli("search", "Kilometergeld").output


def test_replace_and_retire_are_atomic_under_concurrent_searches(km, services):
    km.put(1)
    services.search.search("warm up", 1, Scope.everything())
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            try:
                hits = services.search.search(
                    "Kilometergeld Reisekostenregel", 20, Scope.everything()
                ).hits
            except BaseException as exc:  # noqa: BLE001 - any error fails the test
                errors.append(exc)
                return
            versions = {h.version for h in hits}
            if len(versions) > 1 or any(f"Fassung{h.version}" not in h.text for h in hits):
                errors.append(AssertionError(f"mixed versions: {versions}"))
            seen.update(versions)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(2, 6):
            assert km.put(n).version == n
        km.retire(MANAGER, services.manifest.list()[0].doc_id)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(seen) >= 2  # the searches really ran across replacements
    assert not services.search.search("Kilometergeld Reisekostenregel", 20, Scope.everything()).hits


def test_sources_show_version_and_date():
    from assistant.answering.answer import Citation
    from assistant.retrieval.manifest import DocumentRecord
    from assistant.web import ui

    record = DocumentRecord(
        "d1",
        "allgemein",
        "/x.md",
        "Reisekosten",
        "0" * 64,
        3,
        4,
        None,
        10,
        "md",
        datetime(2026, 3, 1, tzinfo=UTC),
        date(2026, 4, 1),
    )
    citation = Citation(1, "d1", "/x.md", "Reisekosten", "§ 1", None, "Text", 3)
    line = ui._with_pdf(ui._from_citation(citation, {"d1": record}))  # a line of the source list
    # no date stated in the document: the ingestion day, never called "Stand" (issue 13)
    assert (
        line == "[1] Reisekosten, § 1 · Version 3, aufgenommen am 01.03.2026, gültig ab 01.04.2026"
    )
    assert ui.edition(2, None) == "Version 2"
