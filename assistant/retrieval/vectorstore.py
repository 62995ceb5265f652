"""Dense index: Chroma, embedded (`PersistentClient`) or a server (`HttpClient`).

One Chroma collection per document collection ("allgemein", "personalamt", …).
Scoping a search to the collections a user may read is then a choice of which
Chroma collections to query — a chunk of another collection is never even a
candidate — and needs no metadata `where` filter, which made Chroma 10–25×
slower at 100k chunks (docs/benchmarks.md). Results of several collections are
merged by distance.

We keep a thin class instead of LangChain's `Chroma` wrapper because ingestion
needs three things that `VectorStore` does not offer: writing precomputed
vectors, deleting one *version* of a document, and refusing an index built by
another embedding model. `as_langchain()` still hands out the LangChain
`VectorStore` view of one collection.

Chroma never embeds anything itself (`embedding_function=None`): its default
model would be downloaded from the internet. Telemetry is switched off.

Data dirs written before the split (one Chroma collection for everything) are
migrated when the index is opened: vectors are copied into the per-collection
Chroma collections (idempotent upserts), then the old collection is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError, VectorsUnavailable
from assistant.models import Chunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.config import Settings

log = logging.getLogger(__name__)

_META_FIELDS = ("doc_id", "version", "collection", "source", "title", "section", "ordinal")
_WRITE_BATCH = 1000
_MARK = "amtswissen_collection"  # Chroma metadata key: which document collection this is
_MODEL = "embedding_model"


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


@contextmanager
def _reachable() -> Iterator[None]:
    """A Chroma server that cannot be reached (stopped, restarting) is our named error, so
    that search can go on without it; anything else is raised as it is."""
    try:
        yield
    except (ConnectionError, TimeoutError) as exc:
        raise VectorsUnavailable() from exc
    except Exception as exc:
        import httpx  # chromadb's HTTP client

        if isinstance(exc, httpx.TransportError):
            raise VectorsUnavailable() from exc
        raise


def chroma_name(prefix: str, collection: str) -> str:
    """Deterministic, Chroma-valid name of a document collection's Chroma collection.

    Any process derives it from the name alone (no listing needed); the hash keeps
    "Bürgerbüro" and "burgerburo" apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", collection.lower()).strip("-")[:40] or "c"
    digest = hashlib.sha1(collection.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{slug}-{digest}"


class ChromaIndex:
    """Chunks with their vectors, one Chroma collection per document collection."""

    def __init__(self, client: Any, prefix: str, model_id: str):
        self._client = client
        self.prefix = prefix
        self.model_id = model_id
        self._handles: dict[str, Any] = {}  # document collection -> Chroma collection
        self._lock = threading.Lock()

    # --- collections ---------------------------------------------------------
    def _metadata(self, collection: str) -> dict:
        return {_MARK: collection, _MODEL: self.model_id, "hnsw:space": "cosine"}

    def _check(self, col: Any) -> Any:
        recorded = (col.metadata or {}).get(_MODEL)
        if recorded and recorded != self.model_id:
            raise _mismatch(recorded, self.model_id)
        return col

    def _get(self, collection: str) -> Any | None:
        """The Chroma collection of `collection`, or None if nothing was ever written to it."""
        col = self._handles.get(collection)
        if col is not None:
            return col
        try:
            with _reachable():
                col = self._client.get_collection(chroma_name(self.prefix, collection))
        except VectorsUnavailable:
            raise
        except Exception as exc:  # chromadb raises NotFoundError (or ValueError in older APIs)
            if "does not exist" in str(exc) or type(exc).__name__ == "NotFoundError":
                return None
            raise
        with self._lock:
            return self._handles.setdefault(collection, self._check(col))

    def _get_or_create(self, collection: str) -> Any:
        col = self._get(collection)
        if col is not None:
            return col
        col = self._client.get_or_create_collection(
            chroma_name(self.prefix, collection),
            embedding_function=None,
            metadata=self._metadata(collection),
        )
        with self._lock:
            return self._handles.setdefault(collection, self._check(col))

    def collections(self) -> dict[str, Any]:
        """Every document collection with vectors (lists Chroma: for writes and checks)."""
        found: dict[str, Any] = {}
        for col in self._client.list_collections():
            meta = col.metadata or {}
            if _MARK in meta and col.name.startswith(self.prefix + "-"):
                found[meta[_MARK]] = self._check(col)
        with self._lock:
            self._handles.update(found)
        return found

    # --- writes --------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        with _reachable():
            self._add(chunks, vectors)

    def _add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            groups.setdefault(c.collection, []).append(i)
        for collection, rows in groups.items():
            col = self._get_or_create(collection)
            for start in range(0, len(rows), _WRITE_BATCH):
                part = rows[start : start + _WRITE_BATCH]
                col.upsert(
                    ids=[chunks[i].chunk_id for i in part],
                    embeddings=[list(vectors[i]) for i in part],
                    documents=[chunks[i].text for i in part],
                    metadatas=[_chunk_metadata(chunks[i]) for i in part],
                )

    def delete(self, doc_id: str, version: int | None = None) -> None:
        """Remove one version of a document (or all versions) from every collection:
        a document may have moved between collections."""
        where: dict = {"doc_id": doc_id}
        if version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": version}]}
        with _reachable():
            for col in self.collections().values():
                col.delete(where=where)

    # --- reads ---------------------------------------------------------------
    def search(
        self, vector: Sequence[float], k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Nearest chunks of `collections` (None: all) with cosine similarity, best first."""
        found = self.nearest(vector, k, collections)
        chunks = self.fetch([(cid, col) for cid, _, col in found])
        return [(chunks[cid], sim) for cid, sim, _ in found if cid in chunks]

    def nearest(
        self, vector: Sequence[float], k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[str, float, str]]:
        """(chunk id, cosine similarity, collection) of the nearest chunks, best first.

        Ids and distances only: Chroma's metadata fetch costs about as much as the
        HNSW query itself per 10 results, so callers fetch only the chunks they keep."""
        if k <= 0:
            return []
        if collections is None:
            cols = self.collections()
        else:
            cols = {c: h for c in dict.fromkeys(collections) if (h := self._get(c)) is not None}
        found: list[tuple[str, float, str]] = []
        for name, col in cols.items():
            with _reachable():
                res = col.query(query_embeddings=[list(vector)], n_results=k, include=["distances"])
            found += [(i, 1.0 - d, name) for i, d in zip(res["ids"][0], res["distances"][0])]
        found.sort(key=lambda hit: -hit[1])
        return found[:k]

    def fetch(self, refs: Sequence[tuple[str, str]]) -> dict[str, Chunk]:
        """Chunks by (chunk id, collection); ids deleted in the meantime are left out."""
        by_collection: dict[str, list[str]] = {}
        for chunk_id, collection in refs:
            by_collection.setdefault(collection, []).append(chunk_id)
        out: dict[str, Chunk] = {}
        for collection, ids in by_collection.items():
            col = self._get(collection)
            if col is None:
                continue
            with _reachable():
                got = col.get(ids=ids, include=["documents", "metadatas"])
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                if meta is not None:
                    out[i] = _chunk(i, doc, meta)
        return out

    def versions(self) -> set[tuple[str, int]]:
        out: set[tuple[str, int]] = set()
        for col in self.collections().values():
            got = col.get(include=["metadatas"])
            out |= {(m["doc_id"], int(m["version"])) for m in got["metadatas"]}
        return out

    def count(self) -> int:
        return sum(col.count() for col in self.collections().values())

    def as_langchain(self, embeddings: Embeddings, collection: str):
        """LangChain `VectorStore` view over the Chroma collection of `collection`."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self._client,
            collection_name=chroma_name(self.prefix, collection),
            embedding_function=embeddings,
        )

    # --- migration -----------------------------------------------------------
    def migrate_from(self, legacy: Any, batch: int = 5000) -> int:
        """Copy a pre-split single collection into per-collection ones, then drop it.

        Upserts are idempotent and the old collection is dropped last, so an
        interrupted migration simply runs again on the next open."""
        self._check(legacy)
        moved = 0
        for ids, embeddings, documents, metadatas in _pages(legacy, batch):
            groups: dict[str, list[int]] = {}
            for i, meta in enumerate(metadatas):
                groups.setdefault(meta["collection"], []).append(i)
            for collection, rows in groups.items():
                self._get_or_create(collection).upsert(
                    ids=[ids[i] for i in rows],
                    embeddings=[embeddings[i] for i in rows],
                    documents=[documents[i] for i in rows],
                    metadatas=[metadatas[i] for i in rows],
                )
            moved += len(ids)
        self._client.delete_collection(legacy.name)
        return moved


def _pages(col: Any, batch: int) -> Iterable[tuple[list, list, list, list]]:
    offset = 0
    while True:
        got = col.get(include=["embeddings", "documents", "metadatas"], limit=batch, offset=offset)
        if not got["ids"]:
            return
        yield got["ids"], [list(e) for e in got["embeddings"]], got["documents"], got["metadatas"]
        offset += len(got["ids"])


def _chunk_metadata(c: Chunk) -> dict:
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


def _mismatch(recorded: str, model_id: str) -> ConfigError:
    return ConfigError(
        f"Der Index wurde mit dem Embedding-Modell „{recorded}“ aufgebaut, eingestellt ist "
        f"„{model_id}“. Vektoren verschiedener Modelle werden nicht gemischt.",
        code="embedding_mismatch",
        hint="Entweder die Einstellung zurücksetzen oder mit dem neuen Modell neu einlesen: "
        "ASSISTANT_DATA_DIR auf einen neuen Ordner setzen und `assistant ingest …` mit den "
        "Quellen erneut ausführen.",
    )


def build_vector_index(settings: Settings, model_id: str) -> ChromaIndex:
    """Open the per-collection Chroma index; refuse one built by another embedding model;
    migrate a pre-split single collection (`settings.chroma_collection`)."""
    client = _client(settings)
    prefix = settings.chroma_collection
    index = ChromaIndex(client, prefix, model_id)
    index.collections()  # checks the recorded embedding model of every collection
    legacy = next((c for c in client.list_collections() if c.name == prefix), None)
    if legacy is not None:
        log.warning(
            "migrating Chroma collection %s to one collection per document collection", prefix
        )
        moved = index.migrate_from(legacy)
        log.warning("migrated %d vectors", moved)
    return index
