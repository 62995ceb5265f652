"""Redaction of personal data in German text (Presidio, offline, fail-closed).

from assistant.privacy import build_redactor, PlaceholderMap
redactor = build_redactor()
redactor.redact("Frau Müller, Tel. 0611 123456").text
# 'Frau <PERSON>, Tel. <PHONE>'
"""

from assistant.privacy.engine import MASK, Redactor, build_redactor
from assistant.privacy.lines import redact_lines
from assistant.privacy.results import Entity, PlaceholderMap, Redaction

__all__ = [
    "MASK",
    "Entity",
    "PlaceholderMap",
    "Redaction",
    "Redactor",
    "build_redactor",
    "redact_lines",
]
