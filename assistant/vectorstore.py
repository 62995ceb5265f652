"""Dense index: Chroma, embedded (`PersistentClient`) or a server (`HttpClient`).

We keep a thin class instead of LangChain's `Chroma` wrapper because ingestion
needs three things that `VectorStore` does not offer: writing precomputed
vectors, deleting one *version* of a document, and refusing an index built by
another embedding model. `as_langchain()` still hands out the LangChain
`VectorStore` view (used by the benchmark baseline).

Chroma never embeds anything itself (`embedding_function=None`): its default
model would be downloaded from the internet. Telemetry is switched off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .models import Chunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from .config import Settings

_META_FIELDS = ("doc_id", "version", "collection", "source", "title", "section", "ordinal")
_WRITE_BATCH = 1000


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.ensure_data_dir() / "chroma"
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class ChromaIndex:
    """Chunks with their vectors, filtered by collection inside the query."""

    def __init__(self, collection: Any, model_id: str):
        self._col = collection
        self.model_id = model_id

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for start in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[start : start + _WRITE_BATCH]
            self._col.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=[list(v) for v in vectors[start : start + _WRITE_BATCH]],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    def delete(self, doc_id: str, version: int | None = None) -> None:
        where: dict = {"doc_id": doc_id}
        if version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": version}]}
        self._col.delete(where=where)

    def search(
        self, vector: Sequence[float], k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity, best first."""
        if self._col.count() == 0:
            return []
        where = {"collection": {"$in": list(collections)}} if collections is not None else None
        if collections is not None and not collections:
            return []
        res = self._col.query(
            query_embeddings=[list(vector)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        # Chroma may still return ids it has just deleted, without their data: skip them.
        return [(_chunk(i, d, m), 1.0 - dist) for i, d, m, dist in rows if m is not None]

    def versions(self) -> set[tuple[str, int]]:
        got = self._col.get(include=["metadatas"])
        return {(m["doc_id"], int(m["version"])) for m in got["metadatas"]}

    def count(self) -> int:
        return self._col.count()

    def as_langchain(self, embeddings: Embeddings):
        """LangChain `VectorStore` view over the same collection."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self._col._client if hasattr(self._col, "_client") else None,
            collection_name=self._col.name,
            embedding_function=embeddings,
        )


def _metadata(c: Chunk) -> dict:
    meta = {f: getattr(c, f) for f in _META_FIELDS}
    if c.page is not None:  # Chroma metadata values cannot be None
        meta["page"] = c.page
    return meta


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta["doc_id"],
        version=int(meta["version"]),
        collection=meta["collection"],
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        page=meta.get("page"),
        ordinal=int(meta.get("ordinal", 0)),
        text=text,
    )


def build_vector_index(settings: Settings, model_id: str) -> ChromaIndex:
    """Open (or create) the Chroma collection; refuse one built by another embedding model."""
    client = _client(settings)
    col = client.get_or_create_collection(
        settings.chroma_collection,
        embedding_function=None,
        metadata={"embedding_model": model_id, "hnsw:space": "cosine"},
    )
    recorded = (col.metadata or {}).get("embedding_model")
    if recorded and recorded != model_id:
        raise ConfigError(
            f"Der Index wurde mit dem Embedding-Modell „{recorded}“ aufgebaut, eingestellt ist "
            f"„{model_id}“. Vektoren verschiedener Modelle werden nicht gemischt.",
            code="embedding_mismatch",
            hint="Entweder die Einstellung zurücksetzen oder mit dem neuen Modell neu einlesen: "
            "ASSISTANT_DATA_DIR auf einen neuen Ordner setzen und `assistant ingest …` mit den "
            "Quellen erneut ausführen.",
        )
    return ChromaIndex(col, model_id)
