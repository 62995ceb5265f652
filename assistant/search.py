"""Hybrid retrieval: German BM25 + dense vectors, fused by weighted reciprocal rank.

Both indexes filter by the caller's collections inside the query, so a chunk
of a collection the caller may not read is never even a candidate. Hits are
then checked against the manifest: only the committed, currently valid
version of a document is returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .models import Chunk, Hit

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from .config import Settings
    from .lexical import LexicalIndex
    from .manifest import Manifest
    from .vectorstore import ChromaIndex


@dataclass
class SearchResult:
    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)


class SearchService:
    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        lexical: LexicalIndex,
        vectors: Callable[[], ChromaIndex],
        embeddings: Callable[[], Embeddings],
    ):
        self.settings = settings
        self.manifest = manifest
        self.lexical = lexical
        self._vectors = vectors  # factories: dense parts load only when weighted in
        self._embeddings = embeddings

    def search(
        self,
        query: str,
        k: int | None = None,
        collections: Sequence[str] | None = None,
        *,
        weights: tuple[float, float] | None = None,
    ) -> SearchResult:
        """Best `k` passages for `query`, restricted to `collections` (None: all)."""
        k = k or self.settings.search_k
        w_lex, w_dense = weights or (self.settings.weight_lexical, self.settings.weight_dense)
        timings: dict[str, float] = {}
        if not query.strip() or (collections is not None and not collections):
            return SearchResult([], timings)
        visible = self.manifest.visible()
        n = max(self.settings.candidates, k)
        rankings: list[tuple[str, float, list[tuple[Chunk, float]]]] = []
        if w_lex > 0:
            t = time.perf_counter()
            rankings.append(("lexical", w_lex, self.lexical.search(query, n, collections)))
            timings["lexical_ms"] = _ms(t)
        if w_dense > 0:
            t = time.perf_counter()
            vector = self._embeddings().embed_query(query)
            timings["embed_ms"] = _ms(t)
            t = time.perf_counter()
            rankings.append(("dense", w_dense, self._vectors().search(vector, n, collections)))
            timings["dense_ms"] = _ms(t)
        hits = _fuse(rankings, visible, self.settings.rrf_k, k)
        return SearchResult(hits, timings)


def _fuse(rankings, visible, rrf_k: int, k: int) -> list[Hit]:
    """Weighted reciprocal-rank fusion over the visible candidates of each ranking."""
    today = date.today()
    fused: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    parts: dict[str, dict[str, float]] = {}
    for name, weight, ranking in rankings:
        rank = 0
        for chunk, raw in ranking:
            record = visible.get(chunk.doc_id)
            if record is None or record.version != chunk.version or not record.is_current(today):
                continue  # uncommitted, replaced, retired or expired
            rank += 1
            fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + weight / (rrf_k + rank)
            chunks.setdefault(chunk.chunk_id, chunk)
            parts.setdefault(chunk.chunk_id, {})[name] = raw
    best = sorted(fused, key=lambda cid: (-fused[cid], cid))[:k]
    return [_hit(i + 1, fused[cid], chunks[cid], parts[cid]) for i, cid in enumerate(best)]


def _hit(rank: int, score: float, c: Chunk, parts: dict[str, float]) -> Hit:
    return Hit(
        rank=rank, score=score, doc_id=c.doc_id, chunk_id=c.chunk_id, source=c.source,
        title=c.title, section=c.section, page=c.page, collection=c.collection, text=c.text,
        version=c.version, scores=parts,
    )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
