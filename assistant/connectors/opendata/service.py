"""Open-data portals (CKAN): registered portals, sync runs, removal, stored tables.

`OpendataService` is what the CLI (and later the app) uses, shaped like `CouncilService`;
the work is done by the shared engine (`connectors/engine.py`) and the CKAN connector
(`sync.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.connectors.engine import RunReport, Source, SyncStore, run_sync
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.store import StoredTable, TableStore
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.access.collections import CollectionService
    from assistant.config import Settings
    from assistant.ingest.pipeline import Ingestor
    from assistant.privacy.engine import Redactor

KIND = "opendata"
PERSONAL_KINDS = frozenset({"PERSON", "EMAIL", "PHONE"})


class OpendataService:
    def __init__(
        self,
        settings: Settings,
        store: SyncStore,
        ingestor: Callable[[], Ingestor],
        collections: Callable[[], CollectionService],
        redactor: Callable[[], Redactor] | None = None,
    ):
        self.settings, self.store = settings, store
        self._redactor = redactor
        self._ingestor, self._collections = ingestor, collections
        self.tables = TableStore(settings.data_dir / "opendata.duckdb")

    def register(
        self, url: str, *, name: str | None = None, organization=None, collection=None
    ) -> Source:
        """The portal at `url` (its base URL; the action API is under /api/3/action/)."""
        url = _base_url(url)
        known = self.store.find(KIND, url)
        if known and not (name or organization or collection):
            return known
        options = dict(known.options) if known else {}
        if organization:
            options["organization"] = organization
        source = Source(
            name=name or (known.name if known else _name_for(url, self.store)),
            kind=KIND,
            url=url,
            collection=collection
            or (known.collection if known else self.settings.opendata_collection),
            options=options,
        )
        self._ensure_collection(source.collection)
        self.store.register(source)
        return source

    def sources(self) -> list[Source]:
        return self.store.sources(KIND)

    def status(self) -> list[dict]:
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
        from assistant.connectors.opendata.ckan import CkanClient
        from assistant.connectors.opendata.sync import CkanSync

        source = self.store.source(name)
        if source.kind != KIND:
            raise InputError(
                f"„{name}“ ist kein Open-Data-Portal, sondern eine Quelle der Art {source.kind}."
            )
        client = CkanClient(
            source.url,
            user_agent=self.settings.sync_user_agent,
            rate=self.settings.sync_rate,
            timeout=self.settings.sync_timeout,
            retries=self.settings.sync_retries,
        )
        try:
            connector = CkanSync(
                self.store, self._ingestor(), client, source, self.settings, self.tables,
                self._personal_check(),
            )  # fmt: skip
            if progress:
                connector.progress = progress
            return run_sync(
                self.store, source, connector, full=full, overlap=self.settings.sync_overlap_seconds
            )
        finally:
            client.close()

    def _personal_check(self) -> Callable[[str], bool] | None:
        """Whether a catalogue value (the `author` field) names a person or a contact: the
        project's redactor decides; a failed analysis counts as personal. Without a redactor
        the value is dropped (strip_contacts fails closed)."""
        if self._redactor is None:
            return None
        redactor, seen = self._redactor(), {}

        def is_personal(value: str) -> bool:
            if value not in seen:  # a portal repeats a few offices hundreds of times
                found = redactor.redact(value)
                seen[value] = found.failed or bool(PERSONAL_KINDS & set(found.counts))
            return seen[value]

        return is_personal

    def remove(self, name: str) -> int:
        """Remove the portal, every unit and every table built from it; returns units removed."""
        source = self.store.source(name)
        if source.kind != KIND:
            raise InputError(f"„{name}“ ist kein Open-Data-Portal.")
        ingestor = self._ingestor()
        removed = 0
        for record in list(ingestor.manifest.list()):
            meta = record.meta or {}
            if meta.get("kind") == KIND and meta.get("portal") == name:
                removed += ingestor.remove(record.doc_id)
        for dataset_id in {t["dataset_id"] for t in self.tables.list(name)}:
            self.tables.remove_dataset(dataset_id, name)
        self.store.forget(name)
        return removed

    def dataset_tables(self, key: str, portal: str | None = None) -> list[StoredTable]:
        """The stored tables of a dataset (package id or name) or of one resource (id)."""
        found = self.tables.tables(key, portal)
        if not found:
            for source in self.sources():
                if portal and source.name != portal:
                    continue
                for payload in self.store.payloads(source.name, "Dataset"):
                    if payload.get("name") == key:
                        found += self.tables.tables(payload["id"], source.name)
        if not found:
            raise OpendataError(
                f"Zu „{key}“ ist keine Tabelle gespeichert.",
                code="opendata_not_found",
                hint="Tabellen gibt es nur für CSV-/XLSX-Ressourcen, die beim Abgleich "
                "erreichbar waren (assistant opendata sync).",
            )
        return found

    def compare(self, figure: str, *, year: str | None = None, path=None) -> dict:
        """A configured key figure across the portals (`opendata_keyfigures`), with notes
        where years or definitions differ."""
        from assistant.connectors.opendata.keyfigures import KeyFigures, compare_key_figure

        path = path or self.settings.opendata_keyfigures
        if not path:
            raise OpendataError(
                "Es ist keine Kennzahlen-Datei eingerichtet.",
                code="opendata_config",
                hint="ASSISTANT_OPENDATA_KEYFIGURES=pfad/kennzahlen.yaml setzen "
                "(Beispiel: docs/opendata-keyfigures.yaml).",
            )
        keyfigures = KeyFigures.load(path)
        return compare_key_figure(keyfigures.get(figure), self.tables, keyfigures.config, year)

    def _ensure_collection(self, name: str) -> None:
        collections = self._collections()
        if collections.get(name) is None:
            collections.add(name)  # readable by everyone: open data is public by definition


def _run(row: dict | None) -> dict | None:
    if not row:
        return None
    keys = ("id", "status", "full", "counts", "requests", "error")
    out = {k: row[k] for k in keys}
    for k in ("started_at", "finished_at"):
        out[k] = row[k].isoformat() if row[k] else None
    return out


def _base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(
            f"„{url}“ ist keine gültige Adresse.",
            hint="Bitte die Basisadresse des CKAN-Portals angeben, z. B. https://opendata.example.de",
        )
    # Accept the API address too: the action API lives under <base>/api/3/action/.
    return re.sub(r"/api(/3)?(/action)?(/[a-z_]+)?$", "", url)


def _name_for(url: str, store: SyncStore) -> str:
    host = urlparse(url).hostname or "opendata"
    skip = ("www", "de", "com", "org", "net", "opendata", "daten", "offenedaten")
    parts = [p for p in host.split(".") if p not in skip]
    base = re.sub(r"[^a-z0-9]+", "-", (parts[0] if parts else "opendata").lower()).strip("-")
    taken = {s.name for s in store.sources()}
    name, n = base or "opendata", 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name
