"""Council information (OParl): registered endpoints, sync runs, removal.

`CouncilService` is what the CLI, the app's background sync and the IT page use; the
work is done by the shared engine (`connectors/engine.py`) and the OParl connector
(`sync.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.connectors.engine import RunReport, Source, SyncStore, run_sync
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.access.collections import CollectionService
    from assistant.config import Settings
    from assistant.ingest.pipeline import Ingestor

KIND = "oparl"


class CouncilService:
    def __init__(
        self,
        settings: Settings,
        store: SyncStore,
        ingestor: Callable[[], Ingestor],
        collections: Callable[[], CollectionService],
    ):
        self.settings, self.store = settings, store
        self._ingestor, self._collections = ingestor, collections

    def register(
        self, url: str, *, name: str | None = None, body: str | None = None, collection=None
    ) -> Source:
        """The endpoint for `url` (registered now, or as registered before)."""
        url = url.strip()
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise InputError(
                f"„{url}“ ist keine gültige Adresse.",
                hint="Bitte die URL des OParl-System-Objekts angeben, z. B. "
                "https://ratsinfo.example.de/oparl/v1/system",
            )
        known = self.store.find(KIND, url)
        if known and not (name or body or collection):
            return known
        options = dict(known.options) if known else {}
        if body:
            options["body"] = body
        source = Source(
            name=name or (known.name if known else _name_for(url, self.store)),
            kind=KIND,
            url=url,
            collection=collection
            or (known.collection if known else self.settings.oparl_collection),
            options=options,
        )
        self._ensure_collection(source.collection)
        self.store.register(source)
        return source

    def sources(self) -> list[Source]:
        return self.store.sources(KIND)

    def status(self) -> list[dict]:
        """Per endpoint: the last completed run, the last run, counts of what is held."""
        out = []
        for source in self.sources():
            out.append(
                {
                    **source.to_dict(),
                    "last_success": _run(self.store.last_run(source.name, "completed")),
                    "last_run": _run(self.store.last_run(source.name)),
                    "objects": self.store.count(source.name),
                }
            )
        return out

    def sync(self, name: str, *, full: bool = False, progress=None) -> RunReport:
        from assistant.connectors.http import PoliteClient
        from assistant.connectors.oparl.sync import OParlSync

        source = self.store.source(name)
        client = PoliteClient(
            user_agent=self.settings.sync_user_agent,
            rate=self.settings.sync_rate,
            timeout=self.settings.sync_timeout,
            retries=self.settings.sync_retries,
        )
        try:
            connector = OParlSync(self.store, self._ingestor(), client, source, self.settings)
            if progress:
                connector.progress = progress
            return run_sync(
                self.store, source, connector, full=full, overlap=self.settings.sync_overlap_seconds
            )
        finally:
            client.close()

    def remove(self, name: str) -> int:
        """Remove the endpoint and every unit built from it; returns the units removed."""
        self.store.source(name)  # NotFoundError with a German message
        ingestor = self._ingestor()
        removed = 0
        for record in list(ingestor.manifest.list()):
            if (record.meta or {}).get("kind") == KIND and record.meta.get("source_name") == name:
                removed += ingestor.remove(record.doc_id)
        self.store.forget(name)
        return removed

    def _ensure_collection(self, name: str) -> None:
        collections = self._collections()
        if collections.get(name) is None:
            collections.add(name)  # readable by everyone: council papers are public record


def _name_for(url: str, store: SyncStore) -> str:
    host = urlparse(url).hostname or "ratsinfo"
    parts = [p for p in host.split(".") if p not in ("www", "de", "com", "org", "net", "web1")]
    base = re.sub(r"[^a-z0-9]+", "-", (parts[0] if parts else "ratsinfo").lower()).strip("-")
    taken = {s.name for s in store.sources()}
    name, n = base or "ratsinfo", 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def _run(row: dict | None) -> dict | None:
    if not row:
        return None
    return {
        "id": row["id"],
        "status": row["status"],
        "full": row["full"],
        "started_at": row["started_at"].isoformat() if row["started_at"] else None,
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
        "counts": row["counts"],
        "requests": row["requests"],
        "error": row["error"],
    }
