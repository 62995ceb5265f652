"""The LangChain baseline of the search benchmark (`search.py`):
`EnsembleRetriever([BM25Retriever, Chroma retriever], weights [0.5, 0.5])`, k=5, over
the same chunks and precomputed vectors as our side, the query embedded for real."""

from __future__ import annotations

import time
from pathlib import Path

from _search_common import K, _quiet, _release_chroma, _stats, _timed


def _retrievers():
    """LangChain's BM25Retriever, Chroma and EnsembleRetriever classes."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # langchain-community's sunset notice
        from langchain_chroma import Chroma
        from langchain_community.retrievers import BM25Retriever

        try:
            from langchain_classic.retrievers import EnsembleRetriever
        except ImportError:  # langchain < 1.0
            from langchain.retrievers import EnsembleRetriever
    return BM25Retriever, Chroma, EnsembleRetriever


def _lookup_embeddings(chunks, vectors, query_embedder):
    from langchain_core.embeddings import Embeddings

    row_of = {c.text: i for i, c in enumerate(chunks)}

    class LookupEmbeddings(Embeddings):
        """Precomputed vector per chunk; queries embedded for real (as on our side)."""

        def embed_documents(self, texts):
            return vectors[[row_of[t] for t in texts]].tolist()

        def embed_query(self, text):
            return query_embedder.embed_query(text)

    return LookupEmbeddings()


def _langchain_documents(chunks):
    from langchain_core.documents import Document

    return [
        Document(
            id=c.chunk_id,
            page_content=c.text,
            metadata={
                "doc_id": c.doc_id,
                "collection": c.collection,
                "title": c.title,
                "section": c.section,
                "source": c.source,
            },
        )
        for c in chunks
    ]


def run_baseline(
    persist: Path, chunks, vectors, queries, warmup, query_embedder, budget_s: float
) -> dict:
    BM25Retriever, Chroma, EnsembleRetriever = _retrievers()
    embeddings = _lookup_embeddings(chunks, vectors, query_embedder)
    docs = _langchain_documents(chunks)
    start = time.perf_counter()
    bm25 = BM25Retriever.from_documents(docs, k=K)
    t_bm25 = time.perf_counter() - start
    store = Chroma(
        collection_name="baseline",
        embedding_function=embeddings,
        persist_directory=str(persist),
        collection_metadata={"hnsw:space": "cosine"},
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
