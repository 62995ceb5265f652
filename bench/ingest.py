"""Ingest throughput (issue 12): our default configuration against LangChain's standard path.

* **ours (default)** — `Services(settings).ingestor.ingest_paths(...)` over the law corpus
  (`../shared/corpora/bundesrecht` + `kommunal-badboll`, read in place) into a fresh
  data dir with the default settings: German section-aware chunking, lexical index,
  manifest; no embedding, since the default ranking is lexical (`weight_dense=0`).
* **ours (dense)** — the same with `weight_dense=0.3`: every chunk also embedded with
  the embedded MiniLM and written to Chroma (what every ingest paid before).
* **baseline** — LangChain's standard path: `RecursiveCharacterTextSplitter`
  (1,000 characters, overlap 150) over the same files' text, then
  `Chroma.from_documents(...)` with the same embedder instance into a persistent
  Chroma in a temp dir. Measured on the first `--baseline-chunks` chunks (default 400)
  to keep the run short; the rate (chunks/s) is what is compared.

Rates are chunks per second of wall-clock time; the load average is printed because
the machine is shared.

    .venv/bin/python bench/ingest.py [--baseline-chunks 400] [--skip-dense]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = ROOT.parent / "shared" / "corpora"
LAWS = [CORPORA / "bundesrecht", CORPORA / "kommunal-badboll"]


def ours(tmp: Path, weight_dense: float) -> tuple[int, int, float]:
    """(files, chunks, seconds) of one ingest into a fresh data dir."""
    from assistant.config import Settings
    from assistant.services import Services

    settings = Settings(_env_file=None, data_dir=tmp / "data", weight_dense=weight_dense)
    services = Services(settings)
    try:
        if weight_dense > 0:
            services.embeddings.embed_documents(["Aufwärmen"])  # model load is not ingest
        started = time.perf_counter()
        report = services.ingestor.ingest_paths(LAWS)
        seconds = time.perf_counter() - started
    finally:
        services.close()
    files = [r for r in report.results if not r.failed]
    return len(files), sum(r.chunks for r in files), seconds


def baseline(tmp: Path, limit: int) -> tuple[int, float]:
    """(chunks, seconds) of LangChain's splitter + Chroma.from_documents on `limit` chunks."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.config import Settings
    from assistant.retrieval.embeddings import build_embeddings

    embeddings = build_embeddings(Settings(_env_file=None, data_dir=tmp / "unused"))
    embeddings.embed_documents(["Aufwärmen"])
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
    docs: list[Document] = []
    for folder in LAWS:
        for path in sorted(folder.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            docs += splitter.create_documents([text], metadatas=[{"source": path.name}])
    docs = docs[:limit]
    Chroma.from_documents(docs, embeddings, persist_directory=str(tmp / "baseline"))
    return len(docs), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-chunks", type=int, default=400)
    parser.add_argument("--skip-dense", action="store_true", help="skip ours with embedding")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")
    with tempfile.TemporaryDirectory() as tmp:
        files, chunks, seconds = ours(Path(tmp) / "default", 0.0)
        rate = chunks / seconds
        print(
            f"ours, default (lexical):  {files} files, {chunks} chunks in {seconds:.1f} s "
            f"= {rate:.0f} chunks/s"
        )
        if not args.skip_dense:
            _f, dense_chunks, dense_s = ours(Path(tmp) / "dense", 0.3)
            print(
                f"ours, dense weight 0.3:   {dense_chunks} chunks in {dense_s:.1f} s "
                f"= {dense_chunks / dense_s:.1f} chunks/s"
            )
        base_chunks, base_s = baseline(Path(tmp), args.baseline_chunks)
        base_rate = base_chunks / base_s
        print(
            f"baseline (LangChain):     {base_chunks} chunks in {base_s:.1f} s "
            f"= {base_rate:.1f} chunks/s"
        )
        print(f"ratio ours default / baseline: {rate / base_rate:.1f}x")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
