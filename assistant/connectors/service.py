"""What every connector's service shares: registered sources, their status, a sync run,
removal with the units built from them.

A connector's service (`CouncilService`, `OpendataService`) subclasses `ConnectorService`
and keeps only what is its own: how a URL is checked, which options a source has, its
HTTP client and sync connector, and where its units name their source. The work of a run
is the shared engine's (`engine.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlparse

from assistant.connectors.engine import RunReport, Source, SyncStore, run_sync

if TYPE_CHECKING:
    from assistant.access.collections import CollectionService
    from assistant.config import Settings
    from assistant.ingest.pipeline import Ingestor

RUN_KEYS = ("id", "status", "full", "started_at", "finished_at", "counts", "requests", "error")


class ConnectorService:
    kind: ClassVar[str]  # Source.kind, and `kind` in the meta of the units built
    unit_source_key: ClassVar[str]  # the meta key of a unit that names its source
    fallback_name: ClassVar[str]  # a source's name when its host gives none
    host_noise: ClassVar[tuple[str, ...]] = ("www", "de", "com", "org", "net")
    run_keys: ClassVar[tuple[str, ...]] = RUN_KEYS  # order of a run's fields in `status()`

    def __init__(
        self,
        settings: Settings,
        store: SyncStore,
        ingestor: Callable[[], Ingestor],
        collections: Callable[[], CollectionService],
    ):
        self.settings, self.store = settings, store
        self._ingestor, self._collections = ingestor, collections

    @property
    def default_collection(self) -> str:
        raise NotImplementedError

    def sources(self) -> list[Source]:
        return self.store.sources(self.kind)

    def status(self) -> list[dict]:
        """Per source: the last completed run, the last run, counts of what is held."""
        out = []
        for source in self.sources():
            out.append(
                {
                    **source.to_dict(),
                    "last_success": self._run(self.store.last_run(source.name, "completed")),
                    "last_run": self._run(self.store.last_run(source.name)),
                    "objects": self.store.count(source.name),
                }
            )
        return out

    def sync(self, name: str, *, full: bool = False, progress=None) -> RunReport:
        source = self._source(name)
        client = self._client(source)
        try:
            connector = self._connector(source, client)
            if progress:
                connector.progress = progress
            return run_sync(
                self.store, source, connector, full=full, overlap=self.settings.sync_overlap_seconds
            )
        finally:
            client.close()

    def remove(self, name: str) -> int:
        """Remove the source and every unit built from it; returns the units removed."""
        self._source(name, removing=True)  # NotFoundError with a German message
        ingestor = self._ingestor()
        removed = 0
        for record in list(ingestor.manifest.list()):
            meta = record.meta or {}
            if meta.get("kind") == self.kind and meta.get(self.unit_source_key) == name:
                removed += ingestor.remove(record.doc_id)
        self._forget(name)
        return removed

    # --- for the connectors ------------------------------------------------------------
    def _register(self, url: str, name: str | None, collection, **options) -> Source:
        """The source for the checked `url`: as registered before when nothing new is
        given, else registered now (given options replace, the others are kept)."""
        known = self.store.find(self.kind, url)
        if known and not (name or any(options.values()) or collection):
            return known
        kept = dict(known.options) if known else {}
        kept.update({key: value for key, value in options.items() if value})
        source = Source(
            name=name or (known.name if known else self._name_for(url)),
            kind=self.kind,
            url=url,
            collection=collection or (known.collection if known else self.default_collection),
            options=kept,
        )
        self._ensure_collection(source.collection)
        self.store.register(source)
        return source

    def _source(self, name: str, *, removing: bool = False) -> Source:
        return self.store.source(name)

    def _client(self, source: Source):
        raise NotImplementedError

    def _connector(self, source: Source, client):
        raise NotImplementedError

    def _client_options(self) -> dict:
        s = self.settings
        return {
            "user_agent": s.sync_user_agent,
            "rate": s.sync_rate,
            "timeout": s.sync_timeout,
            "retries": s.sync_retries,
        }

    def _forget(self, name: str) -> None:
        self.store.forget(name)

    def _ensure_collection(self, name: str) -> None:
        collections = self._collections()
        if collections.get(name) is None:
            # readable by everyone: council papers and open data are public record
            collections.add(name)

    def _name_for(self, url: str) -> str:
        """A short free name from the host ("karlsruhe", "karlsruhe-2", …)."""
        host = urlparse(url).hostname or self.fallback_name
        parts = [p for p in host.split(".") if p not in self.host_noise]
        base = re.sub(r"[^a-z0-9]+", "-", (parts[0] if parts else self.fallback_name).lower())
        base = base.strip("-")
        taken = {s.name for s in self.store.sources()}
        name, n = base or self.fallback_name, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        return name

    def _run(self, row: dict | None) -> dict | None:
        if not row:
            return None
        return {
            key: row[key].isoformat() if key.endswith("_at") and row[key] else row[key]
            for key in self.run_keys
        }
