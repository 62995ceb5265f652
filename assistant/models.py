"""Plain data passed between the services."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document version."""

    chunk_id: str
    doc_id: str
    version: int
    collection: str
    source: str
    title: str
    section: str
    page: int | None
    ordinal: int
    text: str


@dataclass
class Hit:
    """One search result, as shown to people and in `--json`."""

    rank: int
    score: float
    doc_id: str
    chunk_id: str
    source: str
    title: str
    section: str
    page: int | None
    collection: str
    text: str
    version: int = 1
    scores: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "collection": self.collection,
            "version": self.version,
            "text": self.text,
        }
