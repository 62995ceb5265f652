"""Instruction-like text in documents: a sign of prompt injection, for the audit.

Document text is data (the prompt fences it and says so, prompts.py); a passage
that talks to the model anyway – "Ignoriere alle Anweisungen …" – is no reason
to refuse an answer, but IT should see which answers were built on such
sources: the audit row gets the flag `instruction_like_sources`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

INSTRUCTION_LIKE_SOURCES = "instruction_like_sources"

_INSTRUCTION_LIKE = re.compile(
    r"""
    \b(?:ignorier|vergiss|missacht|übergeh)\w*\s+(?:\S+\s+){0,4}?
        (?:anweisung|instruktion|regel|vorgabe|befehl|prompt)
  | \bignore\s+(?:\S+\s+){0,4}?(?:instruction|rule|prompt|direction)
  | \bdisregard\s+(?:\S+\s+){0,4}?(?:instruction|rule|prompt|above)
  | \b(?:system|entwickler|developer)[\s-]?(?:prompt|nachricht|message|anweisung)
  | \bdu\s+bist\s+(?:jetzt|nun|ab\s+sofort|ab\s+jetzt)\b
  | \byou\s+are\s+now\b
  | \b(?:neue|geänderte|folgende)\s+anweisungen?\s+(?:für|an)\s+(?:dich|die\s+ki|das\s+modell)
  | \bnew\s+instructions?\b
  | <\s*/?\s*(?:system|kontext|assistant|user|instructions?)\s*>
    """,
    re.IGNORECASE | re.VERBOSE,
)


def instruction_like(text: str) -> bool:
    """Does `text` address a language model with orders?"""
    return bool(_INSTRUCTION_LIKE.search(text))


def source_flags(texts: Iterable[str]) -> list[str]:
    """The audit flags of an answer built on these passages."""
    return [INSTRUCTION_LIKE_SOURCES] if any(instruction_like(t) for t in texts) else []
