"""Council information (OParl): registered endpoints, sync runs, removal.

`CouncilService` is what the CLI, the app's background sync and the IT page use; what it
shares with the other connectors is in `connectors/service.py`, the work is done by the
shared engine (`connectors/engine.py`) and the OParl connector (`sync.py`).
"""

from __future__ import annotations

from urllib.parse import urlparse

from assistant.connectors.engine import Source
from assistant.connectors.service import ConnectorService
from assistant.errors import InputError

KIND = "oparl"


class CouncilService(ConnectorService):
    kind, unit_source_key, fallback_name = KIND, "source_name", "ratsinfo"
    host_noise = (*ConnectorService.host_noise, "web1")

    @property
    def default_collection(self) -> str:
        return self.settings.oparl_collection

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
        return self._register(url, name, collection, body=body)

    def _client(self, source: Source):
        from assistant.connectors.http import PoliteClient

        return PoliteClient(**self._client_options())

    def _connector(self, source: Source, client):
        from assistant.connectors.oparl.sync import OParlSync

        return OParlSync(self.store, self._ingestor(), client, source, self.settings)
