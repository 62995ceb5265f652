"""A document's own date and its validity in what knowledge managers and staff read
(issue 13, items 13, 14, 15): "Stand" is the date the document states, never the day it was
read in; a document valid only from a later day is not reported as findable now; the
`/dokumente` page has one row per document with its own action and a hint for a document
that is not valid yet."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docgen import docx_bytes

from assistant.access.accounts import User
from assistant.access.collections import CollectionService
from assistant.ingest.docdate import document_date
from assistant.ingest.upload import UploadService
from assistant.retrieval.manifest import DocumentRecord
from assistant.web import docdates, docpage, kmtexts

MANAGER = User("wissen", ("mitarbeitende", "wissensmanagement"), ("allgemein",))
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
FUTURE = date(date.today().year + 1, 1, 1)


@pytest.fixture
def uploads(services):
    collections = CollectionService(services.engine, services.settings)
    collections.grant("allgemein", managers=["wissen"])
    return UploadService(services, collections)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dienstanweisung, Stand: 01.03.2025. Herausgegeben vom Amt 10.", date(2025, 3, 1)),
        ("KI-Leitlinie, Version 1.2, Stand 7. April 2025.", date(2025, 4, 7)),
        ("Stand vom 2.6.2025", date(2025, 6, 2)),
        ("Der Bestand 01.03.2025 wurde gezählt; der Standort 02.03.2025 auch.", None),
        ("Stand: 31.02.2025", None),  # no such day
        ("Stand: 01.01.2999", None),  # in the future: a typo, not the document's date
    ],
)
def test_the_date_a_text_states(tmp_path, text, expected):
    assert document_date(tmp_path / "x.txt", text) == expected


def test_the_date_in_the_metadata_of_the_samples():
    assert document_date(KNOWLEDGE / "dienstreiserichtlinie.pdf", "") == date(2024, 11, 15)
    assert document_date(KNOWLEDGE / "mobiles-arbeiten.docx", "") == date(2024, 6, 3)
    assert document_date(KNOWLEDGE / "arbeitszeit-und-urlaub.odt", "") == date(2024, 12, 2)
    assert document_date(KNOWLEDGE / "rundschreiben-buergerservice-115.eml", "") == date(2025, 3, 3)
    # the text wins over the metadata: it is what readers see
    assert document_date(KNOWLEDGE / "mobiles-arbeiten.docx", "Stand: 01.02.2025") == date(
        2025, 2, 1
    )


def test_python_docx_template_date_is_not_a_document_date(tmp_path):
    path = tmp_path / "leer.docx"
    path.write_bytes(docx_bytes("Regel", [("§ 1", "Die Regel gilt.")]))
    assert document_date(path, "Die Regel gilt.") is None


def _record(**values) -> DocumentRecord:
    base = {
        "doc_id": "d1",
        "collection": "allgemein",
        "source": "/x.md",
        "title": "Reisekosten",
        "sha256": "0" * 64,
        "version": 3,
        "chunks": 4,
        "pages": None,
        "bytes": 10,
        "format": "md",
        "ingested_at": datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
    }
    return DocumentRecord(**{**base, **values})


def test_the_ingestion_day_is_never_called_stand():
    undated = _record(valid_from=date(2026, 4, 1))
    assert (
        docdates.edition(3, undated) == "Version 3, aufgenommen am 06.12.2026, gültig ab 01.04.2026"
    )
    dated = _record(doc_date=date(2025, 3, 1))
    assert docdates.edition(3, dated) == "Version 3, Stand 01.03.2025"
    assert docdates.edition(3, None) == "Version 3"


def test_upload_keeps_the_stated_date_and_reports_when_it_becomes_findable(uploads, tmp_path):
    path = tmp_path / "reisekosten.md"
    path.write_text(
        "# Reisekosten\n\nStand: 01.03.2025\n\n## § 1 Tagegeld\n\nDas Tagegeld beträgt 28 Euro.\n",
        encoding="utf-8",
    )
    report = uploads.upload(MANAGER, "allgemein", [(path.name, path)], valid_from=FUTURE)
    [result] = report.results
    record = uploads.services.manifest.get(result.doc_id)
    assert record.doc_date == date(2025, 3, 1)
    text = kmtexts.upload_report("allgemein", report.results, {record.doc_id: record})
    day = f"{FUTURE:%d.%m.%Y}"
    assert "1 von 1 Dateien sind jetzt durchsuchbar" not in text, text
    assert "0 von 1 Dateien sind jetzt durchsuchbar" in text, text
    assert f"gültig ab {day}" in text and f"wird erst ab {day} gefunden" in text, text
    assert "Stand 01.03.2025" in text, text


def test_document_page_one_row_per_document_with_its_action_and_a_hint(uploads, tmp_path):
    for name, valid_from in (("a.md", None), ("b.md", FUTURE)):
        path = tmp_path / name
        path.write_text(f"# Regel {name}\n\n## § 1\n\nDie Regel {name} gilt.\n", encoding="utf-8")
        uploads.upload(MANAGER, "allgemein", [(name, path)], valid_from=valid_from)
    html = docpage.render_page(uploads.documents(MANAGER))
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", html)
    assert len(rows) == 2, html
    for row in rows:  # each row carries its own retire link, named by its document
        assert row.count("/dokumente/zurueckziehen?doc=") == 1, row
    waiting = next(r for r in rows if "b.md" in r)
    assert f"noch nicht gültig – wird erst ab {FUTURE:%d.%m.%Y} gefunden" in waiting
    assert "noch nicht gültig" not in next(r for r in rows if "a.md" in r)
    assert "Rückmeldungen (30&nbsp;Tage)" in html
