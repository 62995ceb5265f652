"""A cheap dense index of the open-data catalogue for measuring an embedder (session 11).

    cp -a SYNCED_DATA_DIR /tmp/proxy   # a lexical-only sync of the five portals
    ASSISTANT_EMBEDDING_BACKEND=e5 .venv/bin/python bench/opendata_dense_proxy.py /tmp/proxy
    ASSISTANT_DATA_DIR=/tmp/proxy ASSISTANT_EMBEDDING_BACKEND=e5 ASSISTANT_WEIGHT_DENSE=1.0 \\
        .venv/bin/python bench/opendata_eval.py tests/data/eval/opendata_a.jsonl --no-figures

Embedding every chunk of the catalogue (7,751 chunks, mean ≈ 480 characters) with e5 took
hours on the shared 2-core machine, so this embeds ONE text per dataset: the product's
`dense_text` of its first chunk (dataset line, publisher, groups, tags, description start,
without the lines every unit shares and the repeated title), cut at `--chars` characters.
Since session 11 the sync itself embeds exactly this per dataset (at `DENSE_CHARS`), so with
the default `--chars` this equals `assistant reindex --vectors` on a lexical-only
sync, only batched; other `--chars` values measure a different cut. The vectors go through the
product's `ChromaIndex`, so `assistant eval` fuses them exactly as search does.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assistant.config import Settings
from assistant.connectors.opendata.units import DENSE_CHARS, dense_text
from assistant.services import Services

BATCH = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--chars", type=int, default=DENSE_CHARS)
    args = parser.parse_args()
    services = Services(Settings(data_dir=args.data_dir))
    if services.settings.weight_dense <= 0:
        raise SystemExit("ASSISTANT_EMBEDDING_BACKEND=e5 (or a dense weight) setzen")
    began, chunks, texts, done = time.perf_counter(), [], [], 0
    records = sorted(services.manifest.list(), key=lambda r: r.doc_id)
    for i, record in enumerate(records):
        first = services.lexical.chunks_of(record.doc_id, record.version)[:1]
        chunks += first
        texts += [dense_text(c, args.chars) for c in first]
        if len(chunks) >= BATCH or i == len(records) - 1:
            services.vectors.add(chunks, services.embeddings.embed_documents(texts))
            done += len(chunks)
            chunks, texts = [], []
            print(f"{done} Datensätze, {time.perf_counter() - began:.0f} s", flush=True)


if __name__ == "__main__":
    main()
