"""Shared helpers of the search benchmark (`search.py`): constants, settings,
timing and percentile helpers, load waiting, synthetic chunks and vectors."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import _synth
import numpy as np

from assistant.models import Scope

DIM = 384
K = 5
SCOPE = Scope.of(["allgemein", "personal"])  # two of the three collections
EVERYTHING = Scope.everything()  # the operator's scope: the whole index
WARMUP = 10
TARGET_P95_MS = 25.0
TARGET_RATIO = 10.0
TARGET_RSS_MB = 1024.0


HYBRID_DENSE_WEIGHT = 0.3


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
# `search.main` updates this dict in place (every module shares the one object).
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
            chunk_id=f"{s.doc_id}:v1:{s.ordinal}",
            doc_id=s.doc_id,
            version=1,
            collection=s.collection,
            source=f"/synthetisch/{s.doc_id}.md",
            title=s.title,
            section=s.section,
            page=None,
            ordinal=s.ordinal,
            text=s.text,
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


def _release_chroma() -> None:
    """Drop Chroma's cached clients so the next process/size starts clean."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except ImportError:  # another Chroma layout: nothing to release
        return
    gc.collect()
