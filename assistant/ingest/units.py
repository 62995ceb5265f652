"""Units from connectors: a council paper, a meeting, a dataset — a document without a file.

A connector hands over the text as headed blocks plus the unit's fields (`meta`);
from there it is written like any file: chunked, journaled, visible whole or not at
all through its manifest row. The content hash covers text, title and fields, so an
unchanged unit is skipped and a changed one replaces its previous version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from assistant.errors import IngestError
from assistant.ingest.parse import Block, ParsedDocument
from assistant.models import Chunk
from assistant.retrieval.manifest import DocumentRecord

if TYPE_CHECKING:
    from assistant.ingest.pipeline import FileResult, Ingestor, _Prepared


@dataclass
class Unit:
    doc_id: str
    collection: str
    title: str
    source: str  # where it came from (the object's URL)
    blocks: list[tuple[str, str]]  # (heading, text); a heading starts a section
    meta: dict = field(default_factory=dict)
    doc_date: date | None = None
    format: str = "unit"

    def sha256(self) -> str:
        body = json.dumps(
            [self.title, self.collection, self.blocks, self.meta, str(self.doc_date)],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(body.encode()).hexdigest()


def prepare_unit(ingestor: Ingestor, unit: Unit, result: FileResult) -> _Prepared | None:
    """Chunk `unit` (nothing written yet); None when the visible version is the same."""
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.pipeline import _Prepared

    sha = unit.sha256()
    old = ingestor.manifest.get(unit.doc_id)
    result.doc_id, result.title = unit.doc_id, unit.title
    if old and old.sha256 == sha:
        result.status, result.version, result.chunks = "unchanged", old.version, old.chunks
        return None
    parsed = ParsedDocument(title=unit.title, blocks=_blocks(unit), pages=None)
    settings = ingestor.settings
    drafts = chunk_document(parsed, size=settings.chunk_chars, overlap=settings.chunk_overlap)
    if not drafts:
        raise IngestError("Der Eintrag enthält keinen Text.", code="empty")
    version = (old.version + 1) if old else 1
    chunks = [
        Chunk(
            chunk_id=f"{unit.doc_id}:v{version}:{d.ordinal}",
            doc_id=unit.doc_id,
            version=version,
            collection=unit.collection,
            source=unit.source,
            title=unit.title,
            section=d.section,
            page=None,
            ordinal=d.ordinal,
            text=d.text,
        )
        for d in drafts
    ]
    questions = ingestor._questions(chunks, result)
    vectors = ingestor.embed(chunks, unit.format) if ingestor.embeds_format(unit.format) else None
    record = DocumentRecord(
        doc_id=unit.doc_id,
        collection=unit.collection,
        source=unit.source,
        title=unit.title,
        sha256=sha,
        version=version,
        chunks=len(chunks),
        pages=None,
        bytes=sum(len(h) + len(t) for h, t in unit.blocks),
        format=unit.format,
        ingested_at=datetime.now(UTC),
        doc_date=unit.doc_date,
        meta=unit.meta,
    )
    return _Prepared(record, chunks, vectors, old, questions)


def _blocks(unit: Unit) -> list[Block]:
    blocks = [Block(unit.title, "heading", None, 1)]
    for heading, body in unit.blocks:
        if heading:
            blocks.append(Block(heading, "heading", None, 2))
        for para in (p.strip() for p in body.split("\n\n")):
            if para:
                blocks.append(Block(para, "text", None, None))
    return blocks
