"""Shared checks of the redactor's detections for the test_redact_* files."""

from __future__ import annotations

from assistant.privacy import Redactor


def found(redactor: Redactor, text: str) -> set[tuple[str, str]]:
    """Every detection as (type, covered text)."""
    return {(e.type, text[e.start : e.end]) for e in redactor.redact(text).entities}


def masked(redactor: Redactor, text: str, value: str, kind: str | None = None) -> bool:
    """Every character of `value` lies inside one detection (of type `kind`)."""
    start = text.index(value)
    return any(
        e.start <= start and start + len(value) <= e.end and kind in (None, e.type)
        for e in redactor.redact(text).entities
    )
