"""Plain data passed between the services."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage of a document version."""

    chunk_id: str
    doc_id: str
    version: int
    collection: str
    source: str
    title: str
    section: str
    page: int | None
    ordinal: int
    text: str


# Fields of a connector unit shown at the top level of a hit when its meta has them:
# council units (OParl) and open-data datasets (CKAN).
META_KEYS = ("oparl_id", "reference", "paper_type", "date", "url", "dataset_id", "portal")


@dataclass
class Hit:
    """One search result, as shown to people and in `--json`."""

    rank: int
    score: float
    doc_id: str
    chunk_id: str
    source: str
    title: str
    section: str
    page: int | None
    collection: str
    text: str
    version: int = 1
    scores: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)  # the document's connector fields (manifest)

    def to_dict(self) -> dict:
        data = {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "page": self.page,
            "collection": self.collection,
            "version": self.version,
            "text": self.text,
        }
        for key in META_KEYS:
            if self.meta.get(key) not in (None, ""):
                data[key] = self.meta[key]
        if self.meta:
            data["meta"] = self.meta
        return data


@dataclass(frozen=True)
class Scope:
    """The collections one request may read.

    There is no default and no "None means all": search and answering take a
    scope explicitly. A person's scope comes from their groups
    (`CollectionService.scope`); only the operator at the terminal, who owns the
    data dir anyway, gets `Scope.everything()`.
    """

    collections: tuple[str, ...] | None  # None: every collection (the operator's scope)

    @classmethod
    def of(cls, names: Iterable[str]) -> Scope:
        return cls(tuple(dict.fromkeys(str(n) for n in names)))

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @property
    def is_everything(self) -> bool:
        return self.collections is None

    @property
    def empty(self) -> bool:
        return self.collections is not None and not self.collections

    def names(self) -> list[str] | None:
        """For the index filters: the names, or None for no filter."""
        return None if self.collections is None else list(self.collections)

    def allows(self, collection: str) -> bool:
        return self.collections is None or collection in self.collections

    def narrowed(self, wanted: Iterable[str]) -> Scope:
        """Only the wanted collections of this scope (nothing wanted: unchanged)."""
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return self
        return Scope.of(w for w in wanted if self.allows(w))


def require_scope(scope: object) -> Scope:
    """A `Scope`, or a TypeError: a caller that forgot the scope must fail, never see all."""
    if not isinstance(scope, Scope):
        raise TypeError(f"a Scope is required, got {type(scope).__name__}")
    return scope
