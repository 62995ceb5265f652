"""Search benchmark (issue "Foundation"): our hybrid search against LangChain's baseline.

For each size (default 10k and 100k synthetic German chunks, see `_synth.py`):

* **ours** — chunks written through the real stores exactly as the ingest pipeline
  writes a document (journal row, `LexicalIndex.add`, `ChromaIndex.add`,
  `Manifest.commit`, journal end — one document of ~10 chunks at a time) into a
  temporary data dir; vectors are precomputed random unit vectors (dim 384), so
  ingest throughput excludes embedding. Search goes through `SearchService` with the
  default settings and *includes the query embedding* with the real embedded
  `OnnxMiniLMEmbeddings`. Reported: hybrid, lexical-only, and hybrid scoped to two of
  the three collections (how staff search once access control is on).
* **RSS** — a fresh subprocess opens the index through `Services(Settings(...))`,
  runs the searches and reports its peak RSS (VmHWM from /proc/self/status).
* **baseline** — `EnsembleRetriever([BM25Retriever, Chroma retriever], weights
  [0.5, 0.5])`, k=5, over the same chunks and the same random vectors (a lookup
  `Embeddings` returns the precomputed vector of a chunk), with the query embedded by
  the same `OnnxMiniLMEmbeddings` instance: both sides pay the same query-embedding
  cost. Its Chroma is persistent too, in the same temp dir.

Finally the real embedder: `Services(settings).ingestor.ingest_paths([bundesrecht])`
into a fresh data dir (files, chunks, seconds, chunks/s).

    .venv/bin/python bench/search.py                      # 10k and 100k, ~25 min
    .venv/bin/python bench/search.py --sizes 10000 --skip-corpus --json out.json
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import _synth

DIM = 384
K = 5
SCOPE = ["allgemein", "personal"]  # two of the three collections
WARMUP = 10
TARGET_P95_MS = 25.0
TARGET_RATIO = 10.0
TARGET_RSS_MB = 1024.0


HYBRID_DENSE_WEIGHT = 0.3

# --- helpers ---------------------------------------------------------------------

def _settings(data_dir: Path):
    from assistant.config import Settings

    # Defaults only (a developer's .env must not change what the benchmark measures),
    # except the dense side: the hybrid path is measured with it on, the costlier case
    # (the product default is lexical only, see docs/retrieval.md).
    return Settings(_env_file=None, data_dir=data_dir, weight_dense=HYBRID_DENSE_WEIGHT)


def _pct(values_ms: list[float], cpu_ms: list[float] | None = None) -> dict:
    a = np.asarray(values_ms, dtype=float)
    out = {
        "n": int(a.size),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p95_ms": round(float(np.percentile(a, 95)), 3),
        "mean_ms": round(float(a.mean()), 3),
    }
    if cpu_ms:
        c = np.asarray(cpu_ms, dtype=float)
        out["cpu_p50_ms"] = round(float(np.percentile(c, 50)), 3)
        out["cpu_p95_ms"] = round(float(np.percentile(c, 95)), 3)
    return out


class Timings(list):
    """Wall-clock ms per query, plus the process CPU ms (all threads) in `.cpu`.
    CPU time is less sensitive to other load on a shared machine than wall time."""

    cpu: list[float]


def _timed(fn, queries: list[str], budget_s: float | None = None) -> Timings:
    out = Timings()
    out.cpu = []
    start = time.perf_counter()
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
        out.cpu.append((time.process_time() - c) * 1000)
        if budget_s is not None and time.perf_counter() - start > budget_s:
            break
    return out


def _stats(t: Timings) -> dict:
    return _pct(t, t.cpu)


# On a shared machine other jobs' load distorts wall-clock latencies. With
# --quiet-load X each timed query phase first waits (up to --quiet-wait s) until
# the 1-minute load average is at most X, and records the load it started at.
QUIET: dict = {"load": None, "max_wait_s": 900.0}


def _quiet() -> dict:
    start = time.monotonic()
    while QUIET["load"] is not None and os.getloadavg()[0] > QUIET["load"]:
        if time.monotonic() - start > QUIET["max_wait_s"]:
            break
        time.sleep(10)
    return {"load1": round(os.getloadavg()[0], 2), "waited_s": round(time.monotonic() - start)}


def _unit_vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, DIM), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def _vm(key: str) -> float:
    """VmHWM / VmRSS of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _chunks(synth: list[_synth.SynthChunk]):
    from assistant.models import Chunk

    return [
        Chunk(
            chunk_id=f"{s.doc_id}:v1:{s.ordinal}", doc_id=s.doc_id, version=1,
            collection=s.collection, source=f"/synthetisch/{s.doc_id}.md", title=s.title,
            section=s.section, page=None, ordinal=s.ordinal, text=s.text,
        )
        for s in synth
    ]


def _documents(chunks) -> list[tuple[int, int]]:
    """(start, end) index ranges of each document's chunks (chunks are grouped)."""
    ranges, start = [], 0
    for i in range(1, len(chunks) + 1):
        if i == len(chunks) or chunks[i].doc_id != chunks[start].doc_id:
            ranges.append((start, i))
            start = i
    return ranges


# --- ours ----------------------------------------------------------------------

def _record(part, now):
    from assistant.manifest import DocumentRecord

    first = part[0]
    return DocumentRecord(
        doc_id=first.doc_id, collection=first.collection, source=first.source,
        title=first.title, sha256=hashlib.sha256(first.doc_id.encode()).hexdigest(), version=1,
        chunks=len(part), pages=None, bytes=sum(len(c.text) for c in part), format="md",
        ingested_at=now,
    )


def ingest_ours(services, chunks, vectors: np.ndarray, docs: list[tuple[int, int]],
                docs_per_write: int) -> dict:
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
    return {"chunks": n, "docs": len(docs), "seconds": round(secs, 2),
            "chunks_s": round(n / secs, 1), **{k: round(v, 2) for k, v in steps.items()}}


def run_ours(data_dir: Path, chunks, vectors, queries, warmup, tail_docs: int,
             budget_s: float) -> dict:
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
        search.search(q, K)
        search.search(q, K, SCOPE)

    breakdown: dict[str, list[float]] = {}
    empty = 0

    def hybrid(q):
        nonlocal empty
        res = search.search(q, K)
        empty += not res.hits
        for key, ms in res.timings.items():
            breakdown.setdefault(key, []).append(ms)

    out = {
        "ingest_chunks_s": bulk["chunks_s"],
        "ingest_bulk": bulk,
        "ingest_per_document": single,
        "hybrid": _stats(_timed(hybrid, queries)),
        "lexical": _stats(_timed(lambda q: search.search(q, K, weights=(1.0, 0.0)), queries)),
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
    from assistant.search import SearchService

    settings = services.settings.model_copy(update={"dense_candidates": 20})
    wide = SearchService(settings, services.manifest, services.lexical,
                         vectors=lambda: services.vectors, embeddings=lambda: services.embeddings)
    vectors = {q: services.embeddings.embed_query(q) for q in queries}
    dense = services.vectors
    n = services.settings.dense_candidates
    collections = list(_synth.COLLECTIONS)
    threaded, two = wide, None
    if services.settings.embedding_backend == "onnx":  # the query on 2 threads, as before
        from assistant.embeddings import OnnxMiniLMEmbeddings

        two = OnnxMiniLMEmbeddings(query_threads=min(4, os.cpu_count() or 1))
        threaded = SearchService(services.settings, services.manifest, services.lexical,
                                 vectors=lambda: services.vectors, embeddings=lambda: two)
    return {
        "hybrid_query_embedding_2_threads": _stats(
            _timed(lambda q: threaded.search(q, K), queries)),
        "embed_only_2_threads": _stats(_timed(two.embed_query, queries)) if two else {},
        "hybrid_dense_candidates_20": _stats(_timed(lambda q: wide.search(q, K), queries)),
        "hybrid_default_again": _stats(_timed(lambda q: services.search.search(q, K), queries)),
        "embed_only": _stats(_timed(services.embeddings.embed_query, queries)),
        "manifest_visible": _stats(_timed(lambda q: services.manifest.visible(), queries)),
        **{f"chroma_{len(c)}_collections_n{n}": _stats(
            _timed(lambda q, c=c: dense.search(vectors[q], n, c), queries))
           for c in (collections[:1], collections[:2], collections)},
        "chroma_3_collections_n50": _stats(
            _timed(lambda q: dense.search(vectors[q], 50, collections), queries)),
    }


def _release_chroma() -> None:
    """Drop Chroma's cached clients so the next process/size starts clean."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except ImportError:  # another Chroma layout: nothing to release
        return
    gc.collect()


def rss_child(data_dir: Path, queries_file: Path) -> None:
    """Entry point of the fresh subprocess: open through Services, search, report."""
    from assistant.services import Services

    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    services = Services(_settings(data_dir))
    hits = 0
    lat = []
    for q in queries:
        t = time.perf_counter()
        hits += len(services.search.search(q, K).hits)
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
        [sys.executable, str(Path(__file__).resolve()), "--rss-child", str(data_dir),
         "--rss-queries", str(qfile)],
        capture_output=True, text=True, timeout=1800, cwd=str(REPO), check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RSS-RESULT "):
            return json.loads(line.removeprefix("RSS-RESULT "))
    raise RuntimeError(f"RSS subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


# --- baseline ------------------------------------------------------------------

def run_baseline(persist: Path, chunks, vectors, queries, warmup, query_embedder,
                 budget_s: float) -> dict:
    import warnings

    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # langchain-community's sunset notice
        from langchain_chroma import Chroma
        from langchain_community.retrievers import BM25Retriever
        try:
            from langchain_classic.retrievers import EnsembleRetriever
        except ImportError:  # langchain < 1.0
            from langchain.retrievers import EnsembleRetriever

    row_of = {c.text: i for i, c in enumerate(chunks)}

    class LookupEmbeddings(Embeddings):
        """Precomputed vector per chunk; queries embedded for real (as on our side)."""

        def embed_documents(self, texts):
            return vectors[[row_of[t] for t in texts]].tolist()

        def embed_query(self, text):
            return query_embedder.embed_query(text)

    docs = [
        Document(
            id=c.chunk_id, page_content=c.text,
            metadata={"doc_id": c.doc_id, "collection": c.collection, "title": c.title,
                      "section": c.section, "source": c.source},
        )
        for c in chunks
    ]
    start = time.perf_counter()
    bm25 = BM25Retriever.from_documents(docs, k=K)
    t_bm25 = time.perf_counter() - start
    store = Chroma(
        collection_name="baseline", embedding_function=LookupEmbeddings(),
        persist_directory=str(persist), collection_metadata={"hnsw:space": "cosine"},
    )
    for i in range(0, len(docs), 5000):  # LangChain batches itself below Chroma's limit
        store.add_documents(docs[i : i + 5000], ids=[d.id for d in docs[i : i + 5000]])
    secs = time.perf_counter() - start
    ensemble = EnsembleRetriever(
        retrievers=[bm25, store.as_retriever(search_kwargs={"k": K})], weights=[0.5, 0.5]
    )
    quiet = _quiet()
    for q in warmup[:3]:
        ensemble.invoke(q)
    lat = _timed(ensemble.invoke, queries, budget_s)
    bm25_lat = _timed(bm25.invoke, queries[:50])
    out = {
        "ingest_s": round(secs, 2),
        "ingest_chunks_s": round(len(chunks) / secs, 1),
        "bm25_build_s": round(t_bm25, 2),
        "load_before_queries": quiet,
        "hybrid": _stats(lat),
        "bm25_only": _stats(bm25_lat),
    }
    del ensemble, store, bm25, docs
    _release_chroma()
    return out


# --- real embedder on the corpus -------------------------------------------------

def run_corpus(corpus: Path, tmp: Path) -> dict:
    import importlib.util

    missing = [m for m in ("assistant.ingest.parse", "assistant.ingest.chunking")
               if importlib.util.find_spec(m) is None]
    if missing:
        return {"pending": f"missing {', '.join(missing)}"}
    from assistant.services import Services

    services = Services(_settings(tmp / "corpus"))
    real = services.embeddings
    spent = {"s": 0.0, "texts": 0}

    class Timed(type(real)):  # same object, embedding time recorded
        def embed_documents(self, texts):
            t = time.perf_counter()
            try:
                return real.embed_documents(texts)
            finally:
                spent["s"] += time.perf_counter() - t
                spent["texts"] += len(texts)

    timed = object.__new__(Timed)
    timed.__dict__.update(real.__dict__)
    services.__dict__["embeddings"] = timed  # cached_property slot, before ingestor is built
    report = services.ingestor.ingest_paths([corpus])
    data = report.to_dict()
    out = {
        "files": len(report.results),
        "counts": data["counts"],
        "chunks": data["chunks"],
        "seconds": round(report.seconds, 2),
        "chunks_s": round(data["chunks"] / report.seconds, 1) if report.seconds else None,
        "embed_s": round(spent["s"], 2),
        "failed": [(r.path, r.code) for r in report.results if r.failed],
    }
    services.close()
    _release_chroma()
    return out



# --- retrieval quality (docs/retrieval.md) ---------------------------------------

def _collapse(text: str) -> str:
    return " ".join(text.split())


def _matches(hit, gold: dict) -> bool:
    if Path(hit.source).name != gold["source"]:
        return False
    return gold["section"] in hit.section or _collapse(gold["evidence"]) in _collapse(hit.text)


def run_quality(eval_file: Path, corpus: Path, tmp: Path, variants: dict[str, dict]) -> dict:
    """R@5 and MRR@10 of the fused ranking on a development set (as in docs/retrieval.md):
    the corpus ingested with the real embedder, each variant a set of settings overrides."""
    from assistant.config import Settings
    from assistant.search import SearchService
    from assistant.services import Services

    rows = [json.loads(x) for x in eval_file.read_text(encoding="utf-8").splitlines() if x]
    gold = [r for r in rows if r["source"]]
    services = Services(_settings(tmp / "quality"))
    report = services.ingestor.ingest_paths([corpus])
    out: dict = {"questions": len(gold), "chunks": services.lexical.count()}
    for name, overrides in variants.items():
        weights = overrides.pop("weights", None)
        settings = Settings(**{**services.settings.model_dump(), **overrides})
        search = SearchService(settings, services.manifest, services.lexical,
                               vectors=lambda: services.vectors,
                               embeddings=lambda: services.embeddings)
        r5 = mrr = 0.0
        for g in gold:
            hits = search.search(g["question"], 10, weights=weights).hits
            ranks = [h.rank for h in hits if _matches(h, g)]
            r5 += bool(ranks and ranks[0] <= 5)
            mrr += 1 / ranks[0] if ranks else 0.0
        out[name] = {"R@5": round(r5 / len(gold), 3), "MRR@10": round(mrr / len(gold), 3)}
        print(f"quality {name}: {out[name]}", flush=True)
    out["ingest_failed"] = [r.path for r in report.results if r.failed]
    services.close()
    _release_chroma()
    return out

# --- reporting -----------------------------------------------------------------

def _cpu(stats: dict) -> str:
    if "cpu_p50_ms" not in stats:
        return "—"
    return f"{stats['cpu_p50_ms']:.1f} / {stats['cpu_p95_ms']:.1f}"


def _capped(name: str, stats: dict, queries: int) -> str:
    return name + (f" [first {stats['n']} q]" if stats["n"] < queries else "")


def table(results: list[dict]) -> str:
    head = ("size", "system", "ingest chunks/s", "p50 ms", "p95 ms", "ratio (p95)", "RSS MB",
            "CPU p50 / p95 ms")
    rows = []
    for r in results:
        size, ours, base, rss = r["size"], r["ours"], r.get("baseline"), r.get("rss")
        nq = r["queries"]
        hyb, lex, scoped = ours["hybrid"], ours["lexical"], ours["scoped"]
        ratio = base["hybrid"]["p95_ms"] / hyb["p95_ms"] if base else None
        per_doc = ours["ingest_per_document"]
        rows += [
            (f"{size:,}", "ours hybrid (incl. query embedding)", f"{ours['ingest_chunks_s']:.0f}",
             f"{hyb['p50_ms']:.2f}", f"{hyb['p95_ms']:.2f}",
             f"{ratio:.1f}×" if ratio else "—", f"{rss['vmhwm_mb']:.0f}" if rss else "—",
             _cpu(hyb)),
            ("", f"ours ingest, 1 document per write (last {per_doc['docs']} docs)",
             f"{per_doc['chunks_s']:.0f}", "", "", "", "", ""),
            ("", "ours lexical only", "", f"{lex['p50_ms']:.2f}", f"{lex['p95_ms']:.2f}", "", "",
             _cpu(lex)),
            ("", _capped("ours hybrid, scoped to 2 of 3 collections", scoped, nq), "",
             f"{scoped['p50_ms']:.2f}", f"{scoped['p95_ms']:.2f}", "", "", _cpu(scoped)),
        ]
        if base:
            bh = base["hybrid"]
            rows.append(("", _capped("EnsembleRetriever(BM25Retriever, Chroma)", bh, nq),
                         f"{base['ingest_chunks_s']:.0f}", f"{bh['p50_ms']:.2f}",
                         f"{bh['p95_ms']:.2f}", "1.0×", "—", _cpu(bh)))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *map(line, rows)])


def verdict(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        if r["size"] < 100_000:
            continue
        p95 = r["ours"]["hybrid"]["p95_ms"]
        out.append(f"hybrid p95 {p95:.2f} ms ≤ {TARGET_P95_MS:.0f} ms at {r['size']:,}: "
                   f"{'MET' if p95 <= TARGET_P95_MS else 'NOT MET'}")
        if r.get("baseline"):
            ratio = r["baseline"]["hybrid"]["p95_ms"] / p95
            out.append(f"≥ {TARGET_RATIO:.0f}× faster than EnsembleRetriever (p95): {ratio:.1f}× "
                       f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}")
        if r.get("rss"):
            mb = r["rss"]["vmhwm_mb"]
            out.append(f"serving RSS {mb:.0f} MB < {TARGET_RSS_MB:.0f} MB: "
                       f"{'MET' if mb < TARGET_RSS_MB else 'NOT MET'}")
    return out


def report(results: list[dict], corpus: dict | None, corpus_path: Path) -> None:
    print("\n" + table(results))
    for line in verdict(results):
        print("  " + line)
    if corpus is not None:
        if "pending" in corpus:
            print(f"\nreal embedder on {corpus_path.name}: pending ({corpus['pending']})")
        else:
            print(f"\nreal embedder on {corpus_path.name}: {corpus['files']} files, "
                  f"{corpus['chunks']} chunks in {corpus['seconds']} s = "
                  f"{corpus['chunks_s']} chunks/s (of which embedding {corpus['embed_s']} s); "
                  f"{corpus['counts']}")


# --- main ----------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    ap.add_argument("--queries", type=int, default=200, help="number of queries (≥ 200)")
    ap.add_argument("--skip-baseline", action="store_true", help="no LangChain baseline")
    ap.add_argument("--skip-corpus", action="store_true", help="no real-embedder ingest")
    ap.add_argument("--skip-rss", action="store_true", help="no RSS subprocess")
    ap.add_argument("--baseline-budget", type=float, default=300.0,
                    help="seconds of querying per size for the baseline and for our "
                    "collection-scoped run before stopping early")
    ap.add_argument("--tail-docs", type=int, default=50,
                    help="documents written one per store write after the bulk load")
    ap.add_argument("--quiet-load", type=float, metavar="LOAD",
                    help="before each timed query phase wait until the 1-min load average "
                    "is at most LOAD (shared machines)")
    ap.add_argument("--quiet-wait", type=float, default=900.0,
                    help="longest wait for --quiet-load, in seconds")
    ap.add_argument("--corpus", type=Path, default=_synth.DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write all figures to this file")
    ap.add_argument("--show", type=Path, metavar="JSON",
                    help="only print the table of an earlier --json run")
    ap.add_argument("--quality", type=Path, metavar="JSONL",
                    help="only measure R@5/MRR on a development set (tests/data/eval/…)")
    ap.add_argument("--quality-corpus", type=Path, default=REPO / "knowledge")
    ap.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--rss-queries", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.rss_queries)
        return 0
    if args.quality:
        variants = {
            "lexical only": {"weights": (1.0, 0.0)},
            "dense only, 50 candidates": {"weights": (0.0, 1.0), "dense_candidates": 50},
            "fused 0.3, 50 dense candidates (default, as before)": {"dense_candidates": 50},
            "fused 0.3, 20 dense candidates": {"dense_candidates": 20},
            "fused 0.3, 10 dense candidates": {"dense_candidates": 10},
        }
        with tempfile.TemporaryDirectory(prefix="amtswissen-quality-") as tmpname:
            data = run_quality(args.quality, args.quality_corpus, Path(tmpname), variants)
        print(json.dumps(data, ensure_ascii=False, indent=2))
        if args.json:
            args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return 0
    if args.show:
        data = json.loads(args.show.read_text(encoding="utf-8"))
        print(f"# {data['date']}  {data['machine']}  {data['command']}")
        report(data["results"], data.get("corpus"), args.corpus)
        return 0

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    QUIET.update(load=args.quiet_load, max_wait_s=args.quiet_wait)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    started = time.perf_counter()
    meta = {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python "
                   f"{platform.python_version()}",
        "command": "bench/search.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    print(f"# search benchmark  {meta['date']}  {meta['machine']}", flush=True)

    def save(results: list[dict], corpus: dict | None) -> None:
        if args.json:
            data = {**meta, "total_s": round(time.perf_counter() - started, 1),
                    "results": results, "corpus": corpus}
            args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                 encoding="utf-8")

    vocab = _synth.load_vocabulary(args.corpus)
    results: list[dict] = []
    from assistant.embeddings import OnnxMiniLMEmbeddings

    query_embedder = OnnxMiniLMEmbeddings()  # baseline's; ours uses Services' own instance
    with tempfile.TemporaryDirectory(prefix="amtswissen-bench-") as tmpname:
        tmp = Path(tmpname)
        for size in sizes:
            t = time.perf_counter()
            synth = _synth.generate_chunks(size, seed=args.seed, vocab=vocab)
            chunks = _chunks(synth)
            queries = _synth.generate_queries(synth, args.queries, seed=args.seed + 1)
            warmup = _synth.generate_queries(synth, WARMUP, seed=args.seed + 2)
            vectors = _unit_vectors(size, args.seed)
            del synth
            print(f"\n## {size:,} chunks ({len(_documents(chunks)):,} documents), "
                  f"{len(queries)} queries — generated in {time.perf_counter() - t:.1f} s",
                  flush=True)
            r: dict = {"size": size, "queries": len(queries), "example_queries": queries[:5],
                       "loadavg_start": [round(x, 2) for x in os.getloadavg()]}
            ours_dir = tmp / f"ours-{size}"
            r["ours"] = run_ours(ours_dir, chunks, vectors, queries, warmup, args.tail_docs,
                                args.baseline_budget)
            print("ours:", json.dumps(r["ours"]), flush=True)
            if not args.skip_rss:
                r["rss"] = measure_rss(ours_dir, queries, tmp)
                print("rss:", json.dumps(r["rss"]), flush=True)
            shutil.rmtree(ours_dir, ignore_errors=True)
            if not args.skip_baseline:
                r["baseline"] = run_baseline(tmp / f"baseline-{size}", chunks, vectors, queries,
                                             warmup, query_embedder, args.baseline_budget)
                print("baseline:", json.dumps(r["baseline"]), flush=True)
                shutil.rmtree(tmp / f"baseline-{size}", ignore_errors=True)
            r["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
            print(f"load average (1/5/15 min) at start {r['loadavg_start']}, "
                  f"at end {r['loadavg_end']}", flush=True)
            results.append(r)
            del chunks, vectors
            gc.collect()
            save(results, None)
        corpus = None
        if not args.skip_corpus:
            try:
                corpus = run_corpus(args.corpus, tmp)
            except Exception as exc:  # noqa: BLE001 - keep the search figures
                corpus = {"pending": f"failed: {type(exc).__name__}: {exc}"}

    report(results, corpus, args.corpus)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    save(results, corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
