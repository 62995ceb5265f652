"""Our side of the search benchmark (`search.py`): ingest through the real stores,
search through `SearchService`, the cost of its parts, and the serving RSS measured
in a fresh subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import _synth
import numpy as np
from _search_common import (
    EVERYTHING,
    SCOPE,
    K,
    _documents,
    _pct,
    _quiet,
    _release_chroma,
    _settings,
    _stats,
    _timed,
    _vm,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The RSS subprocess re-runs the entry point with --rss-child.
ENTRY_POINT = HERE / "search.py"


def _record(part, now):
    from assistant.retrieval.manifest import DocumentRecord

    first = part[0]
    return DocumentRecord(
        doc_id=first.doc_id,
        collection=first.collection,
        source=first.source,
        title=first.title,
        sha256=hashlib.sha256(first.doc_id.encode()).hexdigest(),
        version=1,
        chunks=len(part),
        pages=None,
        bytes=sum(len(c.text) for c in part),
        format="md",
        ingested_at=now,
    )


def ingest_ours(
    services, chunks, vectors: np.ndarray, docs: list[tuple[int, int]], docs_per_write: int
) -> dict:
    """Write documents with the pipeline's protocol (journal rows, lexical, Chroma,
    manifest commit, journal end), `docs_per_write` documents per store write.
    Returns seconds, chunks/s and seconds per store."""
    manifest, lexical, dense = services.manifest, services.lexical, services.vectors
    now = datetime.now(UTC)
    steps = {"lexical_s": 0.0, "chroma_s": 0.0, "manifest_s": 0.0}
    clock = time.perf_counter
    start = clock()
    n = 0
    for g in range(0, len(docs), docs_per_write):
        group = docs[g : g + docs_per_write]
        a, b = group[0][0], group[-1][1]
        records = [_record(chunks[x:y], now) for x, y in group]
        t0 = clock()
        for r in records:
            manifest.journal_begin(r.doc_id, r.version)
        t1 = clock()
        lexical.add(chunks[a:b])
        t2 = clock()
        dense.add(chunks[a:b], vectors[a:b].tolist())  # the embedder hands out float lists
        t3 = clock()
        for r in records:
            manifest.commit(r)
            manifest.journal_end(r.doc_id)
        t4 = clock()
        steps["lexical_s"] += t2 - t1
        steps["chroma_s"] += t3 - t2
        steps["manifest_s"] += (t1 - t0) + (t4 - t3)
        n += b - a
    secs = clock() - start
    return {
        "chunks": n,
        "docs": len(docs),
        "seconds": round(secs, 2),
        "chunks_s": round(n / secs, 1),
        **{k: round(v, 2) for k, v in steps.items()},
    }


def run_ours(
    data_dir: Path, chunks, vectors, queries, warmup, tail_docs: int, budget_s: float
) -> dict:
    from assistant.services import Services

    services = Services(_settings(data_dir))
    services.embeddings.embed_query("Aufwärmen")  # load the ONNX model outside the timing
    docs = _documents(chunks)
    tail = min(tail_docs, len(docs) // 2)
    # Bulk load (100 documents per store write), then the last `tail` documents one
    # at a time, as `Ingestor` writes them, into the already large index.
    bulk = ingest_ours(services, chunks, vectors, docs[: len(docs) - tail], 100)
    single = ingest_ours(services, chunks, vectors, docs[len(docs) - tail :], 1)
    assert services.lexical.count() == len(chunks), "lexical index lost chunks"
    assert services.vectors.count() == len(chunks), "vector index lost chunks"
    search = services.search
    quiet = _quiet()
    for q in warmup:
        search.search(q, K, EVERYTHING)
        search.search(q, K, SCOPE)

    breakdown: dict[str, list[float]] = {}
    empty = 0

    def hybrid(q):
        nonlocal empty
        res = search.search(q, K, EVERYTHING)
        empty += not res.hits
        for key, ms in res.timings.items():
            breakdown.setdefault(key, []).append(ms)

    out = {
        "ingest_chunks_s": bulk["chunks_s"],
        "ingest_bulk": bulk,
        "ingest_per_document": single,
        "hybrid": _stats(_timed(hybrid, queries)),
        "lexical": _stats(
            _timed(lambda q: search.search(q, K, EVERYTHING, weights=(1.0, 0.0)), queries)
        ),
        # Chroma's metadata filter is slow at 100k: bounded like the baseline.
        "scoped": _stats(_timed(lambda q: search.search(q, K, SCOPE), queries, budget_s)),
        "breakdown_p50_ms": {k: round(float(np.median(v)), 3) for k, v in breakdown.items()},
        "empty_results": empty,
        "weights": [services.settings.weight_lexical, services.settings.weight_dense],
        "load_before_queries": quiet,
        "variants": variants(services, queries[:100]),
    }
    services.close()
    _release_chroma()
    return out


def variants(services, queries: list[str]) -> dict:
    """What the parts cost, in the same run (ratios are robust under load): fewer dense
    candidates, the query embedded on 2 threads, and Chroma alone over one, two or all collections."""
    from assistant.retrieval.search import SearchService

    settings = services.settings.model_copy(update={"dense_candidates": 20})
    wide = SearchService(
        settings,
        services.manifest,
        services.lexical,
        vectors=lambda: services.vectors,
        embeddings=lambda: services.embeddings,
    )
    vectors = {q: services.embeddings.embed_query(q) for q in queries}
    dense = services.vectors
    n = services.settings.dense_candidates
    collections = list(_synth.COLLECTIONS)
    threaded, two = wide, None
    if services.settings.embedding_backend == "onnx":  # the query on 2 threads, as before
        from assistant.retrieval.embeddings import OnnxMiniLMEmbeddings

        two = OnnxMiniLMEmbeddings(query_threads=min(4, os.cpu_count() or 1))
        threaded = SearchService(
            services.settings,
            services.manifest,
            services.lexical,
            vectors=lambda: services.vectors,
            embeddings=lambda: two,
        )
    return {
        "hybrid_query_embedding_2_threads": _stats(
            _timed(lambda q: threaded.search(q, K, EVERYTHING), queries)
        ),
        "embed_only_2_threads": _stats(_timed(two.embed_query, queries)) if two else {},
        "hybrid_dense_candidates_20": _stats(
            _timed(lambda q: wide.search(q, K, EVERYTHING), queries)
        ),
        "hybrid_default_again": _stats(
            _timed(lambda q: services.search.search(q, K, EVERYTHING), queries)
        ),
        "embed_only": _stats(_timed(services.embeddings.embed_query, queries)),
        "manifest_visible": _stats(_timed(lambda q: services.manifest.visible(), queries)),
        **{
            f"chroma_{len(c)}_collections_n{n}": _stats(
                _timed(lambda q, c=c: dense.search(vectors[q], n, c), queries)
            )
            for c in (collections[:1], collections[:2], collections)
        },
        "chroma_3_collections_n50": _stats(
            _timed(lambda q: dense.search(vectors[q], 50, collections), queries)
        ),
    }


def rss_child(data_dir: Path, queries_file: Path) -> None:
    """Entry point of the fresh subprocess: open through Services, search, report."""
    from assistant.services import Services

    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    services = Services(_settings(data_dir))
    hits = 0
    lat = []
    for q in queries:
        t = time.perf_counter()
        hits += len(services.search.search(q, K, EVERYTHING).hits)
        lat.append((time.perf_counter() - t) * 1000)
    result = {
        "vmhwm_mb": round(_vm("VmHWM"), 1),
        "vmrss_mb": round(_vm("VmRSS"), 1),
        "searches": len(queries),
        "hits": hits,
        "chunks": services.lexical.count(),
        "cold": _pct(lat),
    }
    services.close()
    print("RSS-RESULT " + json.dumps(result), flush=True)


def measure_rss(data_dir: Path, queries: list[str], tmp: Path) -> dict:
    qfile = tmp / "rss-queries.json"
    qfile.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            str(ENTRY_POINT),
            "--rss-child",
            str(data_dir),
            "--rss-queries",
            str(qfile),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=str(REPO),
        check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RSS-RESULT "):
            return json.loads(line.removeprefix("RSS-RESULT "))
    raise RuntimeError(f"RSS subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
