"""One vector per open-data dataset (session 11): the real CLI syncs a CKAN fixture portal
over real HTTP into real Chroma with the real (default, e5) embedder.

With the dense ranking on, a dataset's first chunk carries the only vector, of its compact
text (`dense_text`: no licence, portal, date or "Offene Daten" line); knowledge documents
keep one vector per chunk.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from ckan_fixture import CkanFixture, package, running_ckan
from click.testing import CliRunner
from conftest import dead_url, make_settings

from assistant.cli import cli
from assistant.connectors.opendata.units import DENSE_CHARS, dense_text
from assistant.ingest.backfill import embed_text
from assistant.models import Chunk
from assistant.services import Services

DENSE = "0.3"  # documents' and datasets' dense weight in these tests ("0": nothing embedded)
LONG = "pkg-0001"
# A long description: the unit is chunked into several passages (chunk_chars 1200).
NOTES = " ".join(
    f"<p>Abschnitt {n}: Die Tabelle nennt je Stadtbezirk die Zahl der Spielplätze, ihre Fläche "
    f"in Quadratmetern und das Jahr der letzten Sanierung durch das Grünflächenamt.</p>"
    for n in range(40)
)


def invoke(data_dir: Path, *args: str, dense: str = DENSE, **extra: str):
    values = {k: None for k in os.environ if k.startswith("ASSISTANT_")}
    values.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_OLLAMA_BASE_URL=dead_url(),
        ASSISTANT_SYNC_RATE="0",
        ASSISTANT_SYNC_TIMEOUT="1",
        ASSISTANT_WEIGHT_DENSE=dense,
        ASSISTANT_OPENDATA_WEIGHT_DENSE=dense,
        **extra,
    )
    result = CliRunner().invoke(cli, list(args), env=values, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def sync(data_dir: Path, *args: str, dense: str = DENSE) -> dict:
    return json.loads(invoke(data_dir, "opendata", "sync", *args, "--json", dense=dense).stdout)


def stored(services: Services, doc_id: str) -> list[tuple[str, list[float]]]:
    """(chunk id, vector) of every vector of `doc_id`, in any collection."""
    out = []
    for col in services.vectors.collections().values():
        got = col.get(where={"doc_id": doc_id}, include=["embeddings"])
        out += [(i, list(e)) for i, e in zip(got["ids"], got["embeddings"])]
    return out


def cosine(a, b) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


@pytest.fixture
def portal():
    fixture = CkanFixture([package(1, notes=NOTES), package(2), package(3)])
    with running_ckan(fixture) as running:
        yield running


@pytest.fixture
def opened(tmp_path):
    """Services on the CLI's data dir, opened after each sync (closed at the end)."""
    opened: list[Services] = []

    def open_() -> Services:
        weight = float(DENSE)
        services = Services(
            make_settings(tmp_path, weight_dense=weight, opendata_weight_dense=weight)
        )
        opened.append(services)
        return services

    yield open_
    for services in opened:
        services.close()


def the_dataset(services: Services, dataset_id: str):
    record = next(r for r in services.manifest.list() if r.meta.get("dataset_id") == dataset_id)
    return record, services.lexical.chunks_of(record.doc_id, record.version)


def assert_one_compact_vector(services: Services, dataset_id: str) -> str:
    record, chunks = the_dataset(services, dataset_id)
    vectors = stored(services, record.doc_id)
    assert [cid for cid, _ in vectors] == [chunks[0].chunk_id]  # one, on the first chunk
    text = dense_text(chunks[0])
    compact, whole = services.embeddings.embed_documents([text, embed_text(chunks[0])])
    assert cosine(vectors[0][1], compact) > 0.999  # the vector is of the compact text …
    assert cosine(vectors[0][1], whole) < 0.99  # … not of the whole passage
    return text


def test_a_dataset_gets_one_vector_of_its_compact_text(portal, tmp_path, opened):
    data = tmp_path / "data"
    assert sync(data, portal.url, "--name", "beispiel")["counts"]["new"] == 3
    services = opened()
    record, chunks = the_dataset(services, LONG)
    assert len(chunks) >= 3 and record.chunks == len(chunks)
    text = assert_one_compact_vector(services, LONG)
    assert text.startswith("Datensatz: Testdatensatz 1") and "Spielplatz" in text
    assert len(text) == DENSE_CHARS
    for shared in ("Lizenz", "Portal:", "Offene Daten", "Zuletzt geändert", "Datenlizenz"):
        assert shared not in text
    assert len(stored(services, the_dataset(services, "pkg-0002")[0].doc_id)) == 1
    assert services.vectors.count() == 3  # one per dataset, however long

    portal.touch(LONG, title="Spielplätze je Stadtbezirk")
    portal.touch("pkg-0002", state="deleted")
    counts = sync(data, "--name", "beispiel")["counts"]
    assert (counts["changed"], counts["deleted"]) == (1, 1)
    services = opened()
    record, _ = the_dataset(services, LONG)
    assert record.version == 2
    text = assert_one_compact_vector(services, LONG)  # replaced: the old version's is gone
    assert text.startswith("Datensatz: Spielplätze je Stadtbezirk")
    assert services.vectors.count() == 2  # the deleted dataset's vector went with it

    invoke(data, "opendata", "remove", "beispiel")
    assert opened().vectors.count() == 0


def test_vectors_filled_in_later_follow_the_same_rule(portal, tmp_path, opened):
    """A lexical-only sync, then `assistant reindex --vectors`: one vector per dataset."""
    data = tmp_path / "data"
    sync(data, portal.url, "--name", "beispiel", dense="0")
    assert "3 Abschnitte eingebettet" in invoke(data, "reindex", "--vectors").output
    services = opened()
    assert services.vectors.count() == 3
    assert_one_compact_vector(services, LONG)


def test_renew_embeds_every_dataset_again_with_the_configured_text(portal, tmp_path, opened):
    """After changing what a dataset's vector is of (ASSISTANT_OPENDATA_DENSE_CHARS), a plain
    `reindex --vectors` writes nothing (every dataset has one); `--renew` replaces them all."""
    data = tmp_path / "data"
    sync(data, portal.url, "--name", "beispiel")
    before = dict(stored(opened(), the_dataset(opened(), LONG)[0].doc_id))
    short = {"ASSISTANT_OPENDATA_DENSE_CHARS": "80"}
    assert "0 Abschnitte eingebettet" in invoke(data, "reindex", "--vectors", **short).output
    out = invoke(data, "reindex", "--vectors", "--renew", **short).output
    assert "3 Abschnitte eingebettet" in out
    services = opened()
    assert services.vectors.count() == 3  # replaced under the same ids, none added
    record, chunks = the_dataset(services, LONG)
    [(cid, vector)] = stored(services, record.doc_id)
    assert cid == chunks[0].chunk_id
    [expected] = services.embeddings.embed_documents([dense_text(chunks[0], 80)])
    assert cosine(vector, expected) > 0.999
    assert cosine(vector, before[cid]) < 0.99  # not the old 300-character vector


def test_knowledge_documents_keep_one_vector_per_chunk(tmp_path, opened):
    source = tmp_path / "satzung.md"
    paragraphs = [
        f"## Paragraf {n}\n\n"
        + f"Die Gebühr für die Nutzung der Halle {n} beträgt zehn Euro. " * 30
        for n in range(4)
    ]
    source.write_text("# Gebührensatzung\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    services = opened()
    result = services.ingestor.ingest_paths([source]).results[0]
    assert result.chunks >= 3
    vectors = stored(services, result.doc_id)
    chunks = services.lexical.chunks_of(result.doc_id, result.version)
    assert sorted(cid for cid, _ in vectors) == sorted(c.chunk_id for c in chunks)


def test_dense_text_drops_shared_lines_and_the_repeated_title():
    title = "Badegewässer – offene Daten im Open-Data-Portal beispiel"
    body = "\n".join([
        title,
        "Datensatz: Badegewässer (Stadt Beispiel)",
        "Offene Daten (Open Data) im Open-Data-Portal beispiel",
        "Lizenz: Lizenz nicht angegeben",
        "Schlagwörter: Baden, Seen",
        "Zuletzt geändert: 3. Mai 2024",
        "Portal: beispiel",
        "",
        "Beschreibung: Lizenz: siehe Webseite. " + "Messwerte der Wasserqualität. " * 20,
    ])  # fmt: skip
    chunk = Chunk("d:v1:0", "d", 1, "offene-daten", "", title, "", None, 0, body)
    text = dense_text(chunk)
    assert text.splitlines()[:2] == [
        "Datensatz: Badegewässer (Stadt Beispiel)",
        "Schlagwörter: Baden, Seen",
    ]
    assert len(text) == DENSE_CHARS and text.splitlines()[2].startswith("Beschreibung: ")
    assert dense_text(chunk, 40) == text[:40]
    assert "Beschreibung: Lizenz: siehe Webseite." in text  # the free text is left alone
    # A facts block longer than a chunk reaches it with its lines joined by spaces.
    head, _, description = body.partition("\n\n")
    joined = head.split("\n", 1)[0] + "\n" + " ".join(head.split("\n")[1:]) + " " + description
    assert (
        dense_text(Chunk("d:v1:0", "d", 1, "offene-daten", "", title, "", None, 0, joined)) == text
    )
