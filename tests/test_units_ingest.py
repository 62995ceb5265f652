"""Connector units through the real ingest pipeline: written whole, skipped when unchanged,
replaced when changed, fields kept; and one passage per unit in the hit list."""

from __future__ import annotations

import pytest
from conftest import make_settings

from assistant.ingest.units import Unit
from assistant.models import Scope
from assistant.services import Services

LONG = "\n\n".join(
    f"Absatz {n}: Der Winterdienst räumt die Radwege und streut Salz, Abschnitt {n}." * 4
    for n in range(12)
)


def unit(doc_id: str, title: str, body: str, ref: str) -> Unit:
    meta = {"kind": "oparl", "type": "Paper", "reference": ref, "oparl_id": f"x/{doc_id}"}
    return Unit(doc_id, "ratsinfo", title, f"https://ris.example/{doc_id}", [("", body)], meta)


@pytest.fixture
def services(tmp_path):
    s = Services(make_settings(tmp_path, chunk_chars=400, chunk_overlap=0))
    yield s
    s.close()


def test_units_are_written_whole_skipped_when_unchanged_and_replaced(services):
    ingestor = services.ingestor
    first = ingestor.ingest_units([unit("p1", "2026/0001 – Winterdienst", LONG, "2026/0001")])
    [result] = first.results
    assert result.status == "added" and result.chunks > 3
    record = services.manifest.get("p1")
    assert record.meta["reference"] == "2026/0001" and record.format == "unit"
    again = ingestor.ingest_units([unit("p1", "2026/0001 – Winterdienst", LONG, "2026/0001")])
    assert again.results[0].status == "unchanged"
    changed = ingestor.ingest_units(
        [unit("p1", "2026/0001 – Winterdienst", LONG + "\n\nNeu: Gehwege.", "2026/0001")]
    )
    assert changed.results[0].status == "updated"
    assert services.manifest.get("p1").version == 2


def test_a_bad_unit_does_not_stop_the_others(services):
    report = services.ingestor.ingest_units(
        [unit("empty", "Leer", "   ", "2026/0002"), unit("p3", "Gut", "Text da.", "2026/0003")]
    )
    statuses = {r.doc_id: r.status for r in report.results}
    assert statuses == {"empty": "failed", "p3": "added"}
    assert services.manifest.get("empty") is None


def test_one_passage_per_unit_in_the_hits(services):
    services.ingestor.ingest_units(
        [
            unit("p1", "2026/0001 – Winterdienst", LONG, "2026/0001"),
            unit("p2", "2026/0002 – Radwege im Winter", "Radwege Winterdienst Salz.", "2026/0002"),
        ]
    )
    hits = services.search.search("Winterdienst Radwege Salz", 5, Scope.everything()).hits
    docs = [h.doc_id for h in hits]
    assert sorted(docs) == ["p1", "p2"], docs  # p1 has many matching passages, shown once
