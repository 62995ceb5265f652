"""The lexical (BM25) index beside Chroma: German keyword search over chunks.

One small interface, `LexicalIndex`, so that a PostgreSQL full-text backend
(`german` configuration) can follow; today there is one implementation on tantivy
(`tantivy_index.py`) with the German analysis of `analysis.py`.

The index is a cache of the chunks, keyed by (doc_id, version): the manifest in the
relational store decides what is visible, and `versions()` lets start-up recovery
remove versions that never committed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.errors import AssistantError
from assistant.models import Chunk

if TYPE_CHECKING:
    from assistant.config import Settings

__all__ = [
    "AnalysedQuery",
    "IndexBusyError",
    "LexicalIndex",
    "build_lexical_index",
    "open_lexical_index",
]


class IndexBusyError(AssistantError):
    """Another process (or object) holds the index writer for longer than we wait."""

    code = "index_busy"


@dataclass(frozen=True)
class AnalysedQuery:
    """A question after German analysis and query expansion: one weighted term group
    per word. Analysed once; the lexical search and the relevance gate share it."""

    text: str
    groups: tuple[dict[str, float], ...]
    english: bool = False


class LexicalIndex(Protocol):
    """Keyword search over chunks. Implementations are safe to search from many threads."""

    def add(
        self, chunks: Sequence[Chunk], questions: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """Add chunks (same doc_id, version and chunk_id replaces); durable on return.
        `questions` (chunk id -> questions a model wrote for it, doc2query) are indexed
        in a field of their own."""
        ...

    def question_terms(self, chunk_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """Analysed terms of the generated questions of these chunks (those with any)."""
        ...

    def delete(self, doc_id: str, version: int | None = None) -> None:
        """Remove one version of a document, or every version when `version` is None."""
        ...

    def analyse(self, query: str) -> AnalysedQuery:
        """The question's term groups, as `search` uses them."""
        ...

    def search(
        self, query: str | AnalysedQuery, k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        """Best `k` chunks for free user text (or its analysis), best first;
        `collections=None` means no collection filter (callers pass a `Scope`'s names)."""
        ...

    def versions(self) -> set[tuple[str, int]]:
        """Every (doc_id, version) that has chunks in the index."""
        ...

    def chunks_of(self, doc_id: str, version: int) -> list[Chunk]:
        """All chunks of one document version, in document order."""
        ...

    def count(self) -> int:
        """Number of chunks in the index."""
        ...

    def close(self) -> None:
        """Release the index; the object cannot be used afterwards."""
        ...


def open_lexical_index(path: Path) -> LexicalIndex:
    """The tantivy index in directory `path`, created if missing."""
    from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex

    return TantivyLexicalIndex(Path(path))


def build_lexical_index(settings: Settings) -> LexicalIndex:
    """The lexical index of this installation: `<data dir>/lexical`."""
    return open_lexical_index(settings.data_dir / "lexical")
