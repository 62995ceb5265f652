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
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import _synth
from _search_baseline import run_baseline
from _search_common import QUIET, WARMUP, _chunks, _documents, _unit_vectors
from _search_ours import ingest_ours, measure_rss, rss_child, run_ours, variants
from _search_quality import run_corpus, run_quality
from _search_report import report, table, verdict

# The parts live in bench/_search_*.py; these names stay importable from here.
__all__ = [
    "ingest_ours",
    "main",
    "measure_rss",
    "report",
    "rss_child",
    "run_baseline",
    "run_corpus",
    "run_ours",
    "run_quality",
    "table",
    "variants",
    "verdict",
]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    ap.add_argument("--queries", type=int, default=200, help="number of queries (≥ 200)")
    ap.add_argument("--skip-baseline", action="store_true", help="no LangChain baseline")
    ap.add_argument("--skip-corpus", action="store_true", help="no real-embedder ingest")
    ap.add_argument("--skip-rss", action="store_true", help="no RSS subprocess")
    ap.add_argument(
        "--baseline-budget",
        type=float,
        default=300.0,
        help="seconds of querying per size for the baseline and for our "
        "collection-scoped run before stopping early",
    )
    ap.add_argument(
        "--tail-docs",
        type=int,
        default=50,
        help="documents written one per store write after the bulk load",
    )
    ap.add_argument(
        "--quiet-load",
        type=float,
        metavar="LOAD",
        help="before each timed query phase wait until the 1-min load average "
        "is at most LOAD (shared machines)",
    )
    ap.add_argument(
        "--quiet-wait", type=float, default=900.0, help="longest wait for --quiet-load, in seconds"
    )
    ap.add_argument("--corpus", type=Path, default=_synth.DEFAULT_CORPUS)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, help="write all figures to this file")
    ap.add_argument(
        "--show", type=Path, metavar="JSON", help="only print the table of an earlier --json run"
    )
    ap.add_argument(
        "--quality",
        type=Path,
        metavar="JSONL",
        help="only measure R@5/MRR on a development set (tests/data/eval/…)",
    )
    ap.add_argument("--quality-corpus", type=Path, default=REPO / "knowledge")
    ap.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--rss-queries", type=Path, help=argparse.SUPPRESS)
    return ap


def _quality(args) -> int:
    """--quality: R@5/MRR of the fused ranking under a few settings variants."""
    variants = {  # built per call: run_quality pops "weights" out of each variant
        "lexical only": {"weights": (1.0, 0.0)},
        "dense only, 50 candidates": {"weights": (0.0, 1.0), "dense_candidates": 50},
        "fused 0.3, 50 dense candidates (default, as before)": {"dense_candidates": 50},
        "fused 0.3, 20 dense candidates": {"dense_candidates": 20},
        "fused 0.3, 10 dense candidates": {"dense_candidates": 10},
        # A multilingual embedder's default weight (config.MULTILINGUAL_DENSE_WEIGHT).
        "fused 0.5, 50 dense candidates": {"weight_dense": 0.5, "dense_candidates": 50},
    }
    with tempfile.TemporaryDirectory(prefix="amtswissen-quality-") as tmpname:
        data = run_quality(args.quality, args.quality_corpus, Path(tmpname), variants)
    print(json.dumps(data, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _show(args) -> int:
    """--show: print the table of an earlier --json run."""
    data = json.loads(args.show.read_text(encoding="utf-8"))
    print(f"# {data['date']}  {data['machine']}  {data['command']}")
    report(data["results"], data.get("corpus"), args.corpus)
    return 0


def _run_size(size: int, args, vocab, tmp: Path, query_embedder) -> dict:
    """One size: synthetic chunks and queries, ours, RSS, baseline (each as flagged)."""
    t = time.perf_counter()
    synth = _synth.generate_chunks(size, seed=args.seed, vocab=vocab)
    chunks = _chunks(synth)
    queries = _synth.generate_queries(synth, args.queries, seed=args.seed + 1)
    warmup = _synth.generate_queries(synth, WARMUP, seed=args.seed + 2)
    vectors = _unit_vectors(size, args.seed)
    del synth
    print(
        f"\n## {size:,} chunks ({len(_documents(chunks)):,} documents), "
        f"{len(queries)} queries — generated in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    r: dict = {
        "size": size,
        "queries": len(queries),
        "example_queries": queries[:5],
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }
    ours_dir = tmp / f"ours-{size}"
    r["ours"] = run_ours(
        ours_dir, chunks, vectors, queries, warmup, args.tail_docs, args.baseline_budget
    )
    print("ours:", json.dumps(r["ours"]), flush=True)
    if not args.skip_rss:
        r["rss"] = measure_rss(ours_dir, queries, tmp)
        print("rss:", json.dumps(r["rss"]), flush=True)
    shutil.rmtree(ours_dir, ignore_errors=True)
    if not args.skip_baseline:
        r["baseline"] = run_baseline(
            tmp / f"baseline-{size}",
            chunks,
            vectors,
            queries,
            warmup,
            query_embedder,
            args.baseline_budget,
        )
        print("baseline:", json.dumps(r["baseline"]), flush=True)
        shutil.rmtree(tmp / f"baseline-{size}", ignore_errors=True)
    r["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(
        f"load average (1/5/15 min) at start {r['loadavg_start']}, at end {r['loadavg_end']}",
        flush=True,
    )
    return r


def _corpus(args, tmp: Path) -> dict | None:
    if args.skip_corpus:
        return None
    try:
        return run_corpus(args.corpus, tmp)
    except Exception as exc:  # noqa: BLE001 - keep the search figures
        return {"pending": f"failed: {type(exc).__name__}: {exc}"}


def _benchmark(args, argv: list[str] | None) -> int:
    """The full run: every size, then the real embedder on the corpus; report and save."""
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
            data = {
                **meta,
                "total_s": round(time.perf_counter() - started, 1),
                "results": results,
                "corpus": corpus,
            }
            args.json.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    vocab = _synth.load_vocabulary(args.corpus)
    results: list[dict] = []
    from assistant.retrieval.embeddings import OnnxMiniLMEmbeddings

    query_embedder = OnnxMiniLMEmbeddings()  # baseline's; ours uses Services' own instance
    with tempfile.TemporaryDirectory(prefix="amtswissen-bench-") as tmpname:
        tmp = Path(tmpname)
        for size in sizes:
            results.append(_run_size(size, args, vocab, tmp, query_embedder))
            gc.collect()  # the size's chunks and vectors are garbage now
            save(results, None)
        corpus = _corpus(args, tmp)

    report(results, corpus, args.corpus)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    save(results, corpus)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.rss_queries)
        return 0
    if args.quality:
        return _quality(args)
    if args.show:
        return _show(args)
    return _benchmark(args, argv)


if __name__ == "__main__":
    sys.exit(main())
