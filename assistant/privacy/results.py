"""Plain data of the redactor: detections, results, per-conversation placeholders."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass

MASK = "<REDACTED>"  # a whole text when redaction failed: nothing of it is kept


@dataclass(frozen=True)
class Entity:
    """One detected piece of personal data; offsets refer to the input text."""

    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    """A redacted text, what was found in it, and whether redaction failed.

    `failed` means the whole text was masked because analysis did not complete.
    """

    text: str
    entities: tuple[Entity, ...]
    counts: dict[str, int]
    failed: bool


def _normalize(value: str) -> str:
    return " ".join(value.split()).casefold()


class PlaceholderMap:
    """Numbered placeholders for one conversation: the same value gets the same number.

    Values are kept only as keyed hashes (a random key per map), so a map that
    ends up in a log or a traceback reveals nothing. Keep one map per
    conversation in memory; never persist it.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(16)
        self._numbers: dict[tuple[str, bytes], int] = {}
        self._issued: Counter[str] = Counter()
        self._name_tokens: set[bytes] = set()

    def __repr__(self) -> str:
        return f"PlaceholderMap({sum(self._issued.values())} values)"

    def digest(self, value: str) -> bytes:
        """Keyed hash of a normalized value (used for lookups, never stored raw)."""
        return hashlib.blake2b(_normalize(value).encode(), key=self._key, digest_size=16).digest()

    def placeholder(self, entity_type: str, value: str) -> str:
        """`<TYPE_n>` for this value; a new number the first time it is seen."""
        key = (entity_type, self.digest(value))
        if key not in self._numbers:
            self._issued[entity_type] += 1
            self._numbers[key] = self._issued[entity_type]
        return f"<{entity_type}_{self._numbers[key]}>"

    def remember_name_tokens(self, tokens: list[str]) -> None:
        """Remember the words of a detected name, so later bare mentions are caught too."""
        self._name_tokens.update(self.digest(token) for token in tokens)

    def is_known_name_token(self, token: str) -> bool:
        return self.digest(token) in self._name_tokens
