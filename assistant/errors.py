"""The few named exceptions. `message` is German (shown to people); `str()` too.

The CLI turns these into a clean message and a non-zero exit; the Chainlit app
shows `message` instead of a stack trace.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class. `message` is for people (German), `code` for machines and tests."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class IngestError(AssistantError):
    """A file cannot be ingested (unreadable, unsupported, too large, no text …)."""

    code = "ingest"


class ConfigError(AssistantError):
    """Settings or state do not fit together (e.g. embedding model mismatch)."""

    code = "config"


class NotFoundError(AssistantError):
    """A document, user or log entry does not exist."""

    code = "not_found"


class InputError(AssistantError):
    """What the person entered cannot be used (e.g. an empty question)."""

    code = "input"


class LLMError(AssistantError):
    """The chat model cannot answer: unreachable, model missing, timed out."""

    code = "llm"


class StoreUnavailable(AssistantError):
    """The database server cannot be reached (stopped, restarting, network): for seconds
    to minutes, after which the same process works again."""

    code = "store_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Die Datenbank ist gerade nicht erreichbar.",
            hint="Bitte versuchen Sie es in einer Minute noch einmal. Hält es an, "
            "verständigen Sie bitte die IT.",
        )


class VectorsUnavailable(AssistantError):
    """The Chroma server cannot be reached: searches go on by keywords alone meanwhile."""

    code = "vectors_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Der Vektorindex (Chroma-Server) ist gerade nicht erreichbar.",
            hint="Bitte versuchen Sie es in einer Minute noch einmal. Hält es an, "
            "verständigen Sie bitte die IT.",
        )


class AccessDenied(AssistantError):
    """The person is not (or no longer) allowed to do this."""

    code = "forbidden"
