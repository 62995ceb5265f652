"""Ingest throughput (issue 12): our default configuration against LangChain's standard path.

Each path runs in a fresh Python process of its own, so that its one-time start-up
(imports, opening the stores, loading a model) is measured cold and apart:

* **ours (default)** — `Services(settings).ingestor.ingest_paths(...)` over the law corpus
  (`../shared/corpora/bundesrecht` + `kommunal-badboll`, read in place) into a fresh
  data dir with the default settings: our Markdown/plain-text readers, German
  section-aware chunking, lexical index (batched commits), manifest; no embedding, since
  the default ranking is lexical (`weight_dense=0`). Then, in the same process, the same
  files into a second fresh data dir: the steady state (imports done, the analyser's
  word cache warm, as it is deep into a large ingest).
* **ours (dense)** — the same with `weight_dense=0.3`: every chunk also embedded with
  the embedded MiniLM and written to Chroma (what every ingest paid before issue 12).
* **baseline** — LangChain's standard path: `RecursiveCharacterTextSplitter`
  (1,000 characters, overlap 150) over the same files' text, then
  `Chroma.from_documents(...)` with the same embedder into a persistent Chroma in a
  temp dir, on the first `--baseline-chunks` chunks (default 400) to keep the run short;
  its start-up is the imports and loading the model.

"Including start-up" rates count from the first line of the process (after the
interpreter itself started) to the end of the first ingest. Where our time goes is
measured by timing the pipeline's functions from outside (parse, chunk, the lexical
index's analysis and writes, the manifest). The load average is printed because the
machine is shared.

    .venv/bin/python bench/ingest.py [--baseline-chunks 400] [--skip-dense] [--json out.json]
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # the clock above starts before any import
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = ROOT.parent / "shared" / "corpora"
LAWS = [CORPORA / "bundesrecht", CORPORA / "kommunal-badboll"]


class _Timers:
    """Wall time spent inside some functions (outermost call of each label only)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._depth: dict[str, int] = defaultdict(int)

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if self._depth[label]:
                return original(*args, **kwargs)
            self._depth[label] += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self._depth[label] -= 1

        setattr(owner, name, timed)


def ours(tmp: Path, weight_dense: float) -> dict:
    """Start-up, a cold ingest with its breakdown, and a warm repeat, in this process."""
    from assistant.config import Settings
    from assistant.ingest import chunking, parse, pipeline
    from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex
    from assistant.retrieval.manifest import Manifest
    from assistant.services import Services

    timers = _Timers()
    timers.wrap(parse, "parse_file", "parse")
    timers.wrap(chunking, "chunk_document", "chunk")
    timers.wrap(TantivyLexicalIndex, "_document", "lexical analysis")
    timers.wrap(TantivyLexicalIndex, "add", "lexical write")
    for name in ("commit", "journal_begin", "journal_end"):
        timers.wrap(Manifest, name, "manifest")
    imported = time.perf_counter()

    def run(data_dir: Path) -> tuple[int, float, float]:
        start = time.perf_counter()
        settings = Settings(_env_file=None, data_dir=data_dir, weight_dense=weight_dense)
        services = Services(settings)
        try:
            ingestor = services.ingestor  # opens manifest and lexical index
            if weight_dense > 0:
                services.embeddings.embed_documents(["Aufwärmen"])  # model load: start-up
            opened = time.perf_counter()
            report = ingestor.ingest_paths(LAWS)
            done = time.perf_counter()
        finally:
            services.close()
        assert report.ok, [r.message for r in report.results if r.failed]
        return sum(r.chunks for r in report.results), opened - start, done - opened

    chunks, open_s, cold_s = run(tmp / "first")
    first_done = time.perf_counter()
    breakdown = dict(timers.seconds)
    lexical_write = breakdown.pop("lexical write", 0.0) - breakdown.get("lexical analysis", 0.0)
    breakdown["lexical write (commits)"] = lexical_write
    breakdown["other"] = cold_s - sum(breakdown.values())
    _chunks, _open, warm_s = run(tmp / "second")
    return {
        "files": len(list(pipeline.iter_files(LAWS))),
        "chunks": chunks,
        "imports_s": imported - _STARTED,
        "open_s": open_s,
        "ingest_s": cold_s,
        "including_startup_s": first_done - _STARTED,
        "steady_s": warm_s,
        "breakdown_s": breakdown,
    }


def baseline(tmp: Path, limit: int) -> dict:
    """LangChain's splitter + Chroma.from_documents on the first `limit` chunks."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.config import Settings
    from assistant.retrieval.embeddings import build_embeddings

    imported = time.perf_counter()
    embeddings = build_embeddings(Settings(_env_file=None, data_dir=tmp / "unused"))
    embeddings.embed_documents(["Aufwärmen"])
    loaded = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
    docs: list[Document] = []
    for folder in LAWS:
        for path in sorted(folder.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            docs += splitter.create_documents([text], metadatas=[{"source": path.name}])
    docs = docs[:limit]
    Chroma.from_documents(docs, embeddings, persist_directory=str(tmp / "baseline"))
    done = time.perf_counter()
    return {
        "chunks": len(docs),
        "imports_s": imported - _STARTED,
        "open_s": loaded - imported,
        "ingest_s": done - loaded,
        "including_startup_s": done - _STARTED,
        "steady_s": done - loaded,
    }


def _part(args: argparse.Namespace) -> None:
    tmp = Path(args.tmp)
    if args.part == "baseline":
        result = baseline(tmp, args.baseline_chunks)
    else:
        result = ours(tmp / args.part, 0.3 if args.part == "dense" else 0.0)
    result["load"] = os.getloadavg()[0]
    print(json.dumps(result))


def _run_part(part: str, tmp: str, args: argparse.Namespace) -> dict:
    load = os.getloadavg()[0]
    command = [sys.executable, __file__, "--part", part, "--tmp", tmp]
    command += ["--baseline-chunks", str(args.baseline_chunks)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {"load_before": load, **json.loads(out.strip().splitlines()[-1])}


def _report(name: str, r: dict) -> str:
    n = r["chunks"]
    return (
        f"{name:<22} {n:>5} chunks  start-up {r['imports_s'] + r['open_s']:5.1f} s "
        f"(imports {r['imports_s']:.1f}, open/model {r['open_s']:.1f})  "
        f"first ingest {r['ingest_s']:6.1f} s  "
        f"incl. start-up {n / r['including_startup_s']:6.1f} chunks/s  "
        f"steady {n / r['steady_s']:6.1f} chunks/s  (load {r['load_before']:.1f} → {r['load']:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-chunks", type=int, default=400)
    parser.add_argument("--skip-dense", action="store_true", help="skip ours with embedding")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    parser.add_argument("--part", choices=["ours", "dense", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        _part(args)
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for part in ["ours", "baseline"] + ([] if args.skip_dense else ["dense"]):
            results[part] = _run_part(part, tmp, args)
            print(
                _report(
                    {"ours": "ours, default", "dense": "ours, dense 0.3"}.get(
                        part, "baseline (LangChain)"
                    ),
                    results[part],
                ),
                flush=True,
            )
    ours_r, base = results["ours"], results["baseline"]
    print("where the first ingest's time goes (ours, default):")
    for label, seconds in ours_r["breakdown_s"].items():
        print(f"  {label:<24} {seconds:6.2f} s")
    for key, label in (("including_startup_s", "including start-up"), ("steady_s", "steady")):
        ratio = (ours_r["chunks"] / ours_r[key]) / (base["chunks"] / base[key])
        print(f"ratio ours / baseline, {label}: {ratio:.1f}x")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
