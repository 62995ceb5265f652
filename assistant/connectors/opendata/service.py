"""Open-data portals (CKAN): registered portals, sync runs, removal, stored tables.

`OpendataService` is what the CLI (and later the app) uses; what it shares with the other
connectors is in `connectors/service.py`, the work is done by the shared engine
(`connectors/engine.py`) and the CKAN connector (`sync.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from assistant.connectors.engine import Source
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.store import StoredTable, TableStore
from assistant.connectors.service import ConnectorService
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.privacy.engine import Redactor

KIND = "opendata"
PERSONAL_KINDS = frozenset({"PERSON", "EMAIL", "PHONE"})


class OpendataService(ConnectorService):
    kind, unit_source_key, fallback_name = KIND, "portal", "opendata"
    host_noise = (*ConnectorService.host_noise, "opendata", "daten", "offenedaten")
    # `opendata list --json` has always shown the times last
    run_keys = ("id", "status", "full", "counts", "requests", "error", "started_at", "finished_at")

    def __init__(self, *args, redactor: Callable[[], Redactor] | None = None):
        """`args` as `ConnectorService`'s; `redactor` decides whether a catalogue value
        names a person (`_personal_check`)."""
        super().__init__(*args)
        self._redactor = redactor
        self.tables = TableStore(self.settings.data_dir / "opendata.duckdb")

    @property
    def default_collection(self) -> str:
        return self.settings.opendata_collection

    def register(
        self, url: str, *, name: str | None = None, organization=None, collection=None
    ) -> Source:
        """The portal at `url` (its base URL; the action API is under /api/3/action/)."""
        return self._register(_base_url(url), name, collection, organization=organization)

    def _source(self, name: str, *, removing: bool = False) -> Source:
        source = self.store.source(name)
        if source.kind != KIND:
            what = "" if removing else f", sondern eine Quelle der Art {source.kind}"
            raise InputError(f"„{name}“ ist kein Open-Data-Portal{what}.")
        return source

    def _client(self, source: Source):
        from assistant.connectors.opendata.ckan import CkanClient

        return CkanClient(source.url, **self._client_options())

    def _connector(self, source: Source, client):
        from assistant.connectors.opendata.sync import CkanSync

        return CkanSync(
            self.store, self._ingestor(), client, source, self.settings, self.tables,
            self._personal_check(),
        )  # fmt: skip

    def _personal_check(self) -> Callable[[str], bool] | None:
        """Whether a catalogue value (the `author` field) names a person or a contact: the
        project's redactor decides; a failed analysis counts as personal. Without a redactor
        the value is dropped (strip_contacts fails closed)."""
        if self._redactor is None:
            return None
        redactor, seen = self._redactor(), {}

        def is_personal(value: str) -> bool:
            if "@" in value:  # a contact field, never a publisher's name — also a
                return True  # functional mailbox, which the redactor leaves readable
            if value not in seen:  # a portal repeats a few offices hundreds of times
                found = redactor.redact(value)
                seen[value] = found.failed or bool(PERSONAL_KINDS & set(found.counts))
            return seen[value]

        return is_personal

    def _forget(self, name: str) -> None:
        """The portal's tables go with it (its units are removed by `remove`)."""
        for dataset_id in {t["dataset_id"] for t in self.tables.list(name)}:
            self.tables.remove_dataset(dataset_id, name)
        super()._forget(name)

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

    def check_config(self) -> list[str]:
        """German notes for every column the figures and key-figures configurations name
        that the stored tables do not have (such a phrase would silently never be read)."""
        from assistant.connectors.opendata.areas import FiguresConfig
        from assistant.connectors.opendata.keyfigures import KeyFigures, missing_columns

        stored = [t for s in self.tables.list() for t in self.tables.tables(s["table_name"])]
        notes: list[str] = []
        configs = []
        if self.settings.opendata_figures:
            configs.append(FiguresConfig.load(self.settings.opendata_figures))
        if self.settings.opendata_keyfigures:
            keyfigures = KeyFigures.load(self.settings.opendata_keyfigures)
            configs.append(keyfigures.config)
            notes += missing_columns(keyfigures, self.tables)
        for config in configs:
            notes += [n for t in stored for n in config.missing_columns(t)]
        return list(dict.fromkeys(notes))


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
