"""The upload service: who may upload where, the rate limit, bad files refused in German
with nothing half-ingested, and an upload that does not block searches."""

from __future__ import annotations

import threading
import time
from datetime import date

import conftest_ingest as make
import pytest

from assistant.access.accounts import User
from assistant.access.collections import CollectionService
from assistant.ingest.upload import NO_UPLOAD, UploadRefused, UploadService, parse_validity
from assistant.models import Scope

MANAGER = User("wissen", ("mitarbeitende", "wissensmanagement"), ("allgemein",))
OTHER_MANAGER = User("petra", ("wissensmanagement",), ("personal",))
STAFF = User("sabine", ("mitarbeitende",), ("allgemein",))


@pytest.fixture
def service(services):
    collections = CollectionService(services.engine, services.settings)
    collections.grant("allgemein", managers=["wissen"])
    collections.add("personalamt", ["personal"], ["petra", "wissen"])
    return UploadService(services, collections)


def good(tmp_path, name="regel.md", text="Die Regel gilt für alle Ämter der Stadtverwaltung."):
    return make.write(tmp_path / name, f"# Regel\n\n## § 1 Geltung\n\n{text}\n")


def test_only_managers_upload_and_only_into_their_collections(service, tmp_path):
    assert service.targets(MANAGER) == ["allgemein", "personalamt"]
    assert service.targets(OTHER_MANAGER) == ["personalamt"]
    assert not service.may_upload(STAFF)
    with pytest.raises(UploadRefused) as refused:
        service.upload(STAFF, "allgemein", [("regel.md", good(tmp_path))])
    assert refused.value.message == NO_UPLOAD
    with pytest.raises(UploadRefused, match="verwalten die Sammlung „allgemein“ nicht"):
        service.upload(OTHER_MANAGER, "allgemein", [("regel.md", good(tmp_path))])
    report = service.upload(OTHER_MANAGER, "personalamt", [("regel.md", good(tmp_path))])
    assert report.results[0].status == "added"
    assert service.services.manifest.list()[0].collection == "personalamt"


BAD = [
    ("encrypted", lambda d: make.encrypted_pdf(d / "geheim.pdf"), "passwortgeschützt"),
    ("zip_bomb", lambda d: make.zip_bomb_docx(d / "bombe.docx"), "entpackt"),
    ("mismatch", lambda d: make.write(d / "bescheid.pdf", make.HTML), "passt nicht"),
    (
        "mismatch",
        lambda d: make.write(d / "vorlage.docx", make.odt(d / "x.odt").read_bytes()),
        "passt nicht",
    ),
    (
        "no_text",
        lambda d: make.scanned_pdf(d / "scan.pdf"),
        "kein Textlayer – bitte eine OCR-Version hochladen",
    ),
    ("unsupported", lambda d: make.write(d / "tabelle.xlsx", b"PK\x03\x04"), ".xlsx"),
]


@pytest.mark.parametrize(("code", "factory", "phrase"), BAD, ids=[r[0] for r in BAD])
def test_bad_files_are_refused_in_german_and_nothing_is_half_ingested(
    service, tmp_path, code, factory, phrase
):
    path = factory(tmp_path)
    [result] = service.upload(MANAGER, "allgemein", [(path.name, path)]).results
    assert result.failed and result.code == code, result
    assert phrase in result.message and path.name in result.message
    assert not service.services.manifest.list()
    assert service.services.lexical.search("Regel Ausweis Dienstanweisung", 10, None) == []
    uploads = service.settings.data_dir / "uploads"
    assert not any(p.is_file() for p in uploads.rglob("*"))  # the staged copy is gone too


def test_html_scripts_never_reach_the_index(service, tmp_path):
    page = make.write(tmp_path / "faq.html", make.HTML)
    [result] = service.upload(MANAGER, "allgemein", [(page.name, page)]).results
    assert result.status == "added"
    chunks = service.services.lexical.search("tracking Personalausweis", 50, None)
    assert chunks and not any("tracking" in c.text for c, _ in chunks)


def test_per_user_upload_rate_limit(services, tmp_path):
    settings = services.settings.model_copy(update={"upload_max_files_per_hour": 2})
    services.settings = settings
    collections = CollectionService(services.engine, settings)
    collections.grant("allgemein", managers=["wissen"])
    service = UploadService(services, collections)
    files = [(f"r{i}.md", good(tmp_path, f"r{i}.md", f"Regel Nummer {i}.")) for i in range(3)]
    results = service.upload(MANAGER, "allgemein", files).results
    assert [r.status for r in results] == ["added", "added", "failed"]
    assert (
        results[2].code == "rate_limit" and "höchstens 2 Dateien pro Stunde" in results[2].message
    )
    again = service.upload(MANAGER, "allgemein", files[:1]).results[0]
    assert again.code == "rate_limit"  # counted in the store, not in memory


def test_upload_does_not_block_searches(service, tmp_path):
    service.services.search.search("warm up", 1, Scope.everything())
    big = good(tmp_path, "gross.md", "Lange Regel über Dienstreisen und Kilometergeld. " * 3000)
    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (service.upload(MANAGER, "allgemein", [("gross.md", big)]), done.set())
    )
    worker.start()
    latencies = []
    while not done.is_set():
        t = time.perf_counter()
        service.services.search.search("Kilometergeld", 5, Scope.everything())
        latencies.append(time.perf_counter() - t)
    worker.join()
    assert latencies and max(latencies) < 5.0, max(latencies)


def test_validity_from_the_upload_message():
    found = parse_validity("bitte gültig ab 01.02.2027 und gültig bis 31.12.2027")
    assert found == (date(2027, 2, 1), date(2027, 12, 31))
    assert parse_validity("neue Fassung") == (None, None)
    with pytest.raises(UploadRefused, match="gibt es nicht"):
        parse_validity("gültig ab 31.02.2027")
