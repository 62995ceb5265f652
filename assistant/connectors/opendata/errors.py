"""The open-data connector's exception: German message for people, `code` for machines."""

from __future__ import annotations

from assistant.errors import AssistantError


class OpendataError(AssistantError):
    """A table cannot be read, stored or queried (HTML instead of CSV, unknown area, …)."""

    code = "opendata"
