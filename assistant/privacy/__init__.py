"""Redaction of personal data in German text (Presidio, offline, fail-closed), and
everything that keeps personal data out of what is stored: the audit log, the
log-record filter, retention.

from assistant.privacy import build_redactor, PlaceholderMap
redactor = build_redactor()
redactor.redact("Frau Müller, Tel. 0611 123456").text
# 'Frau <PERSON>, Tel. <PHONE>'

Names are imported lazily: reading the audit log must not load Presidio.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.privacy.engine import Redactor, build_redactor
    from assistant.privacy.lines import redact_lines
    from assistant.privacy.redact import ConversationRedactor, redact_or_mask
    from assistant.privacy.results import MASK, Entity, PlaceholderMap, Redaction

_WHERE = {
    "MASK": "results",
    "Entity": "results",
    "PlaceholderMap": "results",
    "Redaction": "results",
    "Redactor": "engine",
    "build_redactor": "engine",
    "redact_lines": "lines",
    "redact_or_mask": "redact",
    "ConversationRedactor": "redact",
}
__all__ = [
    "MASK",
    "ConversationRedactor",
    "Entity",
    "PlaceholderMap",
    "Redaction",
    "Redactor",
    "build_redactor",
    "redact_lines",
    "redact_or_mask",
]


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
