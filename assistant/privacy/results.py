"""Plain data of the redactor: detections, results, per-conversation placeholders."""

from __future__ import annotations

import hashlib
import re
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


def normalize(value: str) -> str:
    """How values are compared: case and runs of white space do not matter."""
    return " ".join(value.split()).casefold()


def _compact(value: str) -> str:
    return "".join(value.split()).casefold()


# Punctuation around a value that is not part of it ("(0 62 21) 5 73" keeps its bracket).
_EDGE = "\"'„“”‚‘’«»,;:!?.)]}([{"
MAX_VALUE_WORDS = 8  # longest value (in words) found again in later text


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
        self._values: dict[bytes, str] = {}  # digest of a typed value -> its type
        self._longest = 0  # words of the longest remembered value

    def __repr__(self) -> str:
        return f"PlaceholderMap({sum(self._issued.values())} values)"

    def digest(self, value: str) -> bytes:
        """Keyed hash of a normalized value (used for lookups, never stored raw)."""
        return hashlib.blake2b(normalize(value).encode(), key=self._key, digest_size=16).digest()

    def placeholder(self, entity_type: str, value: str) -> str:
        """`<TYPE_n>` for this value; a new number the first time it is seen."""
        # Spacing inside an identifier does not make it another one (IBAN in groups).
        digest = self.digest(value) if entity_type == "PERSON" else self._digest_compact(value)
        key = (entity_type, digest)
        if key not in self._numbers:
            self._issued[entity_type] += 1
            self._numbers[key] = self._issued[entity_type]
        return f"<{entity_type}_{self._numbers[key]}>"

    def remember_value(self, entity_type: str, value: str) -> None:
        """Remember a value the person typed, to find it again in later text (answers)."""
        start, end = _trim(value, 0, len(value))
        value = value[start:end]
        words = len(value.split())
        if not value or words > MAX_VALUE_WORDS:
            return
        self._values[self.digest(value)] = entity_type
        self._values[self._digest_compact(value)] = entity_type
        self._longest = max(self._longest, words)

    def known_values(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of remembered values in `text`, in any case and spacing."""
        if not self._values:
            return []
        words = [(m.start(), m.end()) for m in _WORD_RUN.finditer(text)]
        found = []
        for i in range(len(words)):
            for n in range(1, min(self._longest, len(words) - i) + 1):
                start, end = _trim(text, words[i][0], words[i + n - 1][1])
                if start >= end:
                    continue
                value = text[start:end]
                kind = self._values.get(self.digest(value)) or self._values.get(
                    self._digest_compact(value)
                )
                if kind:
                    found.append((start, end, kind))
        return found

    def _digest_compact(self, value: str) -> bytes:
        return hashlib.blake2b(
            b"compact:" + _compact(value).encode(), key=self._key, digest_size=16
        ).digest()

    def remember_name_tokens(self, tokens: list[str]) -> None:
        """Remember the words of a detected name, so later bare mentions are caught too."""
        self._name_tokens.update(self.digest(token) for token in tokens)

    def has_name_tokens(self) -> bool:
        return bool(self._name_tokens)

    def is_known_name_token(self, token: str) -> bool:
        return self.digest(token) in self._name_tokens


_WORD_RUN = re.compile(r"\S+")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end
