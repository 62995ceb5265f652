"""Hybrid retrieval: German BM25 + dense vectors, fused by weighted reciprocal rank.

Both indexes filter by the caller's collections inside the query, so a chunk
of a collection the caller may not read is never even a candidate (the dense
index keeps one Chroma collection per document collection and queries only
the allowed ones). Hits are then checked against the manifest: only the
committed, currently valid version of a document is returned.

Latency (docs/benchmarks.md): the lexical search runs in a worker thread while
the calling thread embeds the query (tantivy and onnxruntime release the GIL),
and the dense side asks Chroma for ids and distances only; chunk texts and
metadata are loaded after fusion for the few hits that are kept (Chroma's
metadata fetch cost as much as its HNSW search).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from assistant.errors import VectorsUnavailable
from assistant.models import Chunk, Hit, Scope, require_scope
from assistant.retrieval.filters import SearchFilters, Vocabulary, allowed, feasible
from assistant.retrieval.lanes import fuse_lanes, lane_documents
from assistant.retrieval.references import ReferenceIndex

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.config import Settings
    from assistant.retrieval.lexical import AnalysedQuery, LexicalIndex
    from assistant.retrieval.manifest import DocumentRecord, Manifest
    from assistant.retrieval.relevance import Judgement, RefusalModel
    from assistant.retrieval.vectorstore import ChromaIndex

log = logging.getLogger(__name__)

# A Chroma server that could not be reached is left alone this long (a black-holed host
# would cost every search its timeout); then the next search asks it again.
DENSE_BACKOFF_S = 15.0


@dataclass
class SearchResult:
    hits: list[Hit]
    timings: dict[str, float] = field(default_factory=dict)
    query: AnalysedQuery | None = None  # the analysed question, for the relevance gate
    variants: tuple[AnalysedQuery, ...] = ()  # analysed rewrites that were searched too
    # What restricted the hits: {"explicit": {...}, "recognised": {...}, "references": [...]}
    filters: dict = field(default_factory=dict)
    # The dense side was weighted in but Chroma could not be reached: keywords alone.
    dense_unavailable: bool = False


class SearchService:
    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        lexical: LexicalIndex,
        vectors: Callable[[], ChromaIndex],
        embeddings: Callable[[], Embeddings],
        dense_query: Callable[[str], str] | None = None,
    ):
        """`dense_query`: the question as it is embedded (e.g. without the words that name
        the open-data catalogue, which no dataset's vector holds); default: as asked."""
        self.settings = settings
        self._dense_query = dense_query or (lambda q: q)
        self.manifest = manifest
        self.lexical = lexical
        self._vectors = vectors  # factories: dense parts load only when weighted in
        self._embeddings = embeddings
        self._pool: ThreadPoolExecutor | None = None
        self._scope_cache: tuple[dict | None, tuple[set[str], dict[str, str]]] = (
            None,
            (set(), {}),
        )
        self._council_cache: tuple[dict | None, Vocabulary, ReferenceIndex] = (
            None,
            Vocabulary(),
            ReferenceIndex(),
        )
        self._allowed_cache: dict = {}
        self._refusal: RefusalModel | None = None
        self._dense_down_until = 0.0

    def judge(self, result: SearchResult) -> Judgement:
        """Whether `result` answers its question at all (the calibrated refusal of
        search mode, relevance.py), weighing the question's words by their rarity in
        this index."""
        if self._refusal is None:
            from assistant.retrieval.relevance import RefusalModel, RelevanceGate

            gate = RelevanceGate(0.0, 1.0, lexical=self.lexical)
            self._refusal = RefusalModel(gate, depth=self.settings.search_k)
        question = result.query.text if result.query else ""
        if any("reference" in h.scores for h in result.hits):  # a looked-up paper answers
            from assistant.retrieval.relevance import Judgement

            return Judgement(False, 1.0, {"reference": 1.0})
        return self._refusal.judge(question, result.hits, result.query)

    def search(
        self,
        query: str,
        k: int | None,
        scope: Scope,
        *,
        weights: tuple[float, float] | None = None,
        lane_weight: float | None = None,
        variants: Sequence[str] = (),
        filters: SearchFilters | None = None,
        where: Callable[[dict], bool] | None = None,
    ) -> SearchResult:
        """Best `k` passages for `query` within `scope` (required: there is no default).

        `where`: only documents whose `meta` it accepts (e.g. datasets with a stored table).
        `lane_weight`: the datasets' dense weight for this search (default: the setting).

        `variants` (multi-query rewrites, rewrite.py) are searched like the question,
        each in both rankings, and fused with it by weighted reciprocal rank, each
        ranking at the weight of its kind: a passage that the question and a rewrite
        both find rises, one that only a rewrite finds can still enter the list.

        `filters` apply to every document; filters recognised in the question restrict
        council units only, and a paper reference in it puts that paper first
        (filters.py, references.py)."""
        collections = require_scope(scope).names()
        k = k or self.settings.search_k
        w_lex, w_docs = weights or (self.settings.weight_lexical, self.settings.weight_dense)
        w_lane = self.settings.opendata_weight_dense if lane_weight is None else lane_weight
        w_lane = w_docs if weights else w_lane
        timings: dict[str, float] = {}
        if not query.strip() or scope.empty:
            return SearchResult([], timings)
        t = time.perf_counter()
        visible = self.manifest.visible()
        analysed = self.lexical.analyse(query)
        others = tuple(self.lexical.analyse(v) for v in variants if v.strip())
        ok, applied, pinned = self._restrictions(query, filters, visible, scope)
        if where is not None:
            chosen = {d for d, r in visible.items() if where(r.meta or {})}
            ok, pinned = (chosen if ok is None else ok & chosen), [p for p in pinned if p in chosen]
        datasets = self._datasets(visible, collections) if w_lane != w_docs else set()
        w_dense = max(w_docs, w_lane) if datasets else w_docs  # the question is embedded
        timings["manifest_ms"] = _ms(t)
        if ok is not None and not ok and not pinned:
            return SearchResult([], timings, analysed, others, applied)
        # A `where` search asks for the few documents of one kind (datasets with a table):
        # they may rank far below the first candidates, so it may look much deeper.
        widen = _widening(len(visible), ok, MAX_WHERE_WIDENING if where else MAX_WIDENING)
        rankings: list[tuple[str, float, list[tuple[Chunk, float]]]] = []
        lexical = None
        if w_lex > 0:
            n = max(self.settings.candidates, k) * widen
            if datasets:  # a dataset found by meaning gains from a lexical rank beyond 50 too
                n = max(n, self.settings.opendata_candidates)  # (a filter widens n already)
            if w_dense > 0:  # in parallel with the query embedding below
                lexical = self._executor().submit(self._lexical, analysed, n, collections)
            else:
                rankings.append(
                    ("lexical", w_lex, self._lexical(analysed, n, collections, timings))
                )
        dense = None
        # Chroma collections to ask: with documents unweighted, only those holding datasets.
        scope_dense = self._dense_scope(collections, visible, datasets if w_docs <= 0 else None)
        if w_dense > 0:
            dense = self._dense(
                query, max(self.settings.dense_candidates, k) * widen, scope_dense, timings
            )
            rankings.append(("dense", w_dense, dense or []))
        if lexical is not None:
            ranking, timings["lexical_ms"] = lexical.result()
            rankings.insert(0, ("lexical", w_lex, ranking))
        if others:
            t = time.perf_counter()
            rankings += self._variant_rankings(
                others,
                (w_lex, w_dense),
                max(self.settings.candidates, k) * widen,
                collections,
                scope_dense,
            )
            timings["variants_ms"] = _ms(t)
        t = time.perf_counter()
        fetch = self._fetch if w_dense > 0 else None
        if datasets:  # open data with a dense weight of its own (lanes.py)
            fuse = lambda r, allowed: _fuse(r, visible, self.settings.rrf_k, k, fetch, allowed)
            hits = fuse_lanes(fuse, rankings, (w_docs, w_lane), datasets, ok, k)
        else:
            hits = _fuse(rankings, visible, self.settings.rrf_k, k, fetch, ok)
        if pinned:
            hits = self._pin(hits, pinned, visible, k)
        timings["fuse_ms"] = _ms(t)
        degraded = w_dense > 0 and dense is None
        return SearchResult(hits, timings, analysed, others, applied, degraded)

    def _restrictions(self, query, filters, visible, scope: Scope):
        """(doc ids that pass the filters or None, the filters applied, the doc ids of the
        papers the question names by reference that the caller may see)."""
        cached, vocab, references = self._council_cache
        if cached is not visible:  # visible() hands out the same dict until a commit
            vocab, references = Vocabulary.build(visible), ReferenceIndex.build(visible)
            self._council_cache = (visible, vocab, references)
            self._allowed_cache = {}
        explicit = vocab.resolve(filters) if filters and filters.active else SearchFilters()
        found = references.find(query)
        words = query
        for written, _ in found:  # "2026/0419" names a paper, not the year 2026
            words = words.replace(written, " ")
        recognised = vocab.recognise(words)
        if recognised.active:
            recognised = feasible(vocab.facets, explicit, recognised)
        key = (explicit, recognised)
        if key not in self._allowed_cache:
            if len(self._allowed_cache) > 64:
                self._allowed_cache.clear()
            self._allowed_cache[key] = allowed(vocab.facets, explicit, recognised)
        ok = self._allowed_cache[key]
        today = date.today()
        pinned: list[str] = []
        for _, doc_ids in found:
            for doc_id in doc_ids:
                record = visible[doc_id]
                if (
                    scope.allows(record.collection)
                    and record.is_current(today)
                    and (not explicit.active or explicit.matches(record))
                    and doc_id not in pinned
                ):
                    pinned.append(doc_id)
                    break
        applied = {
            "explicit": explicit.to_dict(),
            "recognised": recognised.to_dict(),
            "references": [visible[d].meta["reference"] for d in pinned],
        }
        return ok, {name: v for name, v in applied.items() if v}, pinned

    def _pin(self, hits: list[Hit], pinned: list[str], visible, k: int) -> list[Hit]:
        """The named papers first, in the question's order: each by its best hit, or by
        its first passage when the ranking did not find it."""
        top = hits[0].score if hits else 0.0
        first: list[Hit] = []
        for doc_id in pinned:
            hit = next((h for h in hits if h.doc_id == doc_id), None)
            if hit is None:
                record = visible[doc_id]
                chunks = self.lexical.chunks_of(doc_id, record.version)
                if not chunks:
                    continue
                chunk = min(chunks, key=lambda c: c.ordinal)
                hit = _hit(0, top, chunk, {}, record.meta)
            hit.scores = {**hit.scores, "reference": 1.0}
            first.append(hit)
        chosen = {id(h) for h in first}
        rest = [h for h in hits if id(h) not in chosen]
        out = (first + rest)[:k]
        for i, h in enumerate(out, 1):
            h.rank = i
        return out

    def _variant_rankings(self, variants, weights, k, collections, scope_dense) -> list:
        """The rankings of each rewrite, named apart from the question's own ("lexical",
        "dense"), so that signals read from those names stay the question's."""
        w_lex, w_dense = weights
        n = max(self.settings.candidates, k)
        pending = [
            (f"lexical_{i}", self._executor().submit(self._lexical, v, n, collections))
            for i, v in enumerate(variants, 1)
            if w_lex > 0
        ]
        dense = []
        if w_dense > 0:  # embedded here while the lexical searches run in their threads
            for i, v in enumerate(variants, 1):
                dense.append((f"dense_{i}", w_dense, self._dense(v.text, n, scope_dense, {}) or []))
        return [(name, w_lex, future.result()[0]) for name, future in pending] + dense

    def question_terms(self, hits: Sequence[Hit]) -> dict[str, frozenset[str]]:
        """Terms of the questions a model wrote for these hits at ingest (doc2query), by
        chunk id: the relevance gate counts them as the passage's own words."""
        return self.lexical.question_terms([h.chunk_id for h in hits])

    def has_documents(self, scope: Scope) -> bool:
        """Whether any document valid today lies in `scope`."""
        require_scope(scope)
        today = date.today()
        return any(
            scope.allows(r.collection) and r.is_current(today)
            for r in self.manifest.visible().values()
        )

    def _lexical(self, query, n, collections, timings=None):
        t = time.perf_counter()
        ranking = self.lexical.search(query, n, collections)
        if timings is None:
            return ranking, _ms(t)
        timings["lexical_ms"] = _ms(t)
        return ranking

    def _dense(self, query: str, n: int, scope: list[str], timings: dict) -> list | None:
        """Dense candidates as (chunk id, similarity, collection); chunks are fetched
        after fusion, only for the hits that are kept. None: Chroma is not reachable."""
        if not scope:
            return []
        if self._dense_down():
            return None
        t = time.perf_counter()
        vector = self._embeddings().embed_query(self._dense_query(query))
        timings["embed_ms"] = _ms(t)
        t = time.perf_counter()
        try:
            ranking = self._vectors().nearest(vector, n, scope)
        except VectorsUnavailable:
            self._vectors_lost()
            return None
        timings["dense_ms"] = _ms(t)
        return ranking

    def _fetch(self, refs: Sequence[tuple[str, str]]) -> dict[str, Chunk]:
        """The dense hits' chunks; none when Chroma went away since the query."""
        try:
            return self._vectors().fetch(refs)
        except VectorsUnavailable:
            self._vectors_lost()
            return {}

    def _dense_down(self) -> bool:
        return time.monotonic() < self._dense_down_until

    def _vectors_lost(self) -> None:
        """Keywords alone until the back-off has passed: the lexical index holds every
        passage too, and an answer with a little less recall beats none."""
        self._dense_down_until = time.monotonic() + DENSE_BACKOFF_S
        log.warning("Chroma-Server nicht erreichbar: %.0f s nur Stichwortsuche", DENSE_BACKOFF_S)

    def _dense_scope(
        self,
        collections: Sequence[str] | None,
        visible: dict[str, DocumentRecord],
        only: set[str] | None = None,
    ) -> list[str]:
        """Collections to query in Chroma: the allowed ones that have visible documents
        (the manifest knows them; listing Chroma's collections per query would not be free);
        with `only`, those that hold one of these documents."""
        present = self._visible_facts(visible)[0]
        if only is not None:
            present = {visible[d].collection for d in only}
        if collections is None:
            return sorted(present)
        return [c for c in dict.fromkeys(collections) if c in present]

    def _datasets(self, visible, collections: Sequence[str] | None) -> set[str]:
        """The visible open-data datasets in the allowed collections."""
        lane = self._visible_facts(visible)[1]
        if collections is None:
            return set(lane)
        allowed = set(collections)
        return {d for d, c in lane.items() if c in allowed}

    def _visible_facts(self, visible) -> tuple[set[str], dict[str, str]]:
        """(collections with visible documents, visible datasets → collection), cached:
        visible() hands out the same dict until a commit."""
        cached, facts = self._scope_cache
        if cached is not visible:
            facts = ({r.collection for r in visible.values()}, lane_documents(visible))
            self._scope_cache = (visible, facts)
        return facts

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lexical")
        return self._pool


MAX_WIDENING = 10
MAX_WHERE_WIDENING = 400
_CHUNK_ID = re.compile(r"(?P<doc>.+):v(?P<version>\d+):\d+")


def _widening(total: int, ok: set[str] | None, cap: int = MAX_WIDENING) -> int:
    """How many more candidates to fetch when filters let only part of the documents
    through, so that filtering does not empty the top k (at most 10 times as many)."""
    if not ok:
        return 1
    return max(1, min(cap, math.ceil(total / len(ok))))


def _fuse(
    rankings,
    visible,
    rrf_k: int,
    k: int,
    fetch: Callable | None = None,
    ok: set[str] | None = None,
) -> list[Hit]:
    """Weighted reciprocal-rank fusion over the visible candidates of each ranking
    (and of those, only documents in `ok`, when filters are given).

    A ranking holds (Chunk, score) or, from the dense side, (chunk id, score, collection):
    doc id and version then come from the chunk id the ingest pipeline builds
    (`<doc_id>:v<version>:<ordinal>`), and `fetch` loads only the chunks that are kept —
    checked once more against the manifest."""
    today = date.today()

    def current(doc_id: str, version: int) -> bool:
        record = visible.get(doc_id)
        if ok is not None and doc_id not in ok:
            return False
        return record is not None and record.version == version and record.is_current(today)

    fused: dict[str, float] = {}
    chunks: dict[str, Chunk] = {}
    pending: dict[str, str] = {}  # chunk id -> collection, not loaded yet
    parts: dict[str, dict[str, float]] = {}
    docs: dict[str, str] = {}  # chunk id -> doc id
    for name, weight, ranking in rankings:
        rank = 0
        for item in ranking:
            if isinstance(item[0], Chunk):
                chunk, raw = item
                cid, doc_id, version = chunk.chunk_id, chunk.doc_id, chunk.version
            else:
                cid, raw, collection = item
                parsed = _CHUNK_ID.fullmatch(cid)
                if parsed is None:  # not a pipeline id: load it to learn doc and version
                    chunk = (fetch([(cid, collection)]) if fetch else {}).get(cid)
                    if chunk is None:
                        continue
                    doc_id, version = chunk.doc_id, chunk.version
                else:
                    chunk, doc_id, version = None, parsed["doc"], int(parsed["version"])
                    pending.setdefault(cid, collection)
            if not current(doc_id, version):
                continue  # uncommitted, replaced, retired or expired
            rank += 1
            docs[cid] = doc_id
            fused[cid] = fused.get(cid, 0.0) + weight / (rrf_k + rank)
            if chunk is not None:
                chunks.setdefault(cid, chunk)
            parts.setdefault(cid, {})[name] = raw
    best = _one_per_unit(sorted(fused, key=lambda cid: (-fused[cid], cid)), docs, visible, k)
    missing = [(cid, pending[cid]) for cid in best if cid not in chunks]
    if missing and fetch is not None:
        chunks.update(fetch(missing))
    kept = [
        cid for cid in best if cid in chunks and current(chunks[cid].doc_id, chunks[cid].version)
    ]  # deleted meanwhile: gone
    return [
        _hit(i + 1, fused[cid], chunks[cid], parts[cid], visible[chunks[cid].doc_id].meta)
        for i, cid in enumerate(kept)
    ]


def _one_per_unit(ranked: list[str], docs: dict[str, str], visible, k: int) -> list[str]:
    """The first `k` chunk ids, with one passage per connector unit (a council paper, a
    dataset): its best passage stands for it, so that three passages of one paper do not
    push other papers out of the list. Passages of files (laws, guidelines) stay apart:
    their sections answer different questions."""
    out, units = [], set()
    for cid in ranked:
        doc = docs[cid]
        if visible[doc].meta:
            if doc in units:
                continue
            units.add(doc)
        out.append(cid)
        if len(out) == k:
            break
    return out


def _hit(rank: int, score: float, c: Chunk, parts: dict[str, float], meta=None) -> Hit:
    return Hit(
        rank=rank,
        score=score,
        doc_id=c.doc_id,
        chunk_id=c.chunk_id,
        source=c.source,
        title=c.title,
        section=c.section,
        page=c.page,
        collection=c.collection,
        text=c.text,
        version=c.version,
        scores=parts,
        meta=dict(meta or {}),
    )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
