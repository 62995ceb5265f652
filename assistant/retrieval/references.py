"""Council paper references in a question ("Vorlage 2026/0419", "DHH/2025/3105").

A reference names one paper exactly, so it is looked up, not ranked: the visible
manifest's `meta["reference"]` values map to their documents (built once per manifest
generation), and a reference in the question puts that paper first. Candidates are cut
generously from the question (any slash-separated run of letters and digits with a
digit in it); only those that occur in the index count, so "2025/2026" in "Haushalt
2025/2026" does nothing unless a paper carries that reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.retrieval.manifest import DocumentRecord

_CANDIDATE = re.compile(r"(?<![\w/])[A-Za-zÄÖÜäöü]{0,8}\d*(?:[/-][A-Za-z0-9]+)+(?![\w/])")


def normalise(reference: str) -> str:
    """The form references are compared in: upper case, no spaces."""
    return "".join(reference.split()).upper()


def candidates(question: str) -> list[str]:
    """Strings of the question that may be references, in order, without repeats."""
    out: list[str] = []
    for m in _CANDIDATE.finditer(question):
        text = m[0].strip("-/")
        if any(c.isdigit() for c in text) and "/" in text and text not in out:
            out.append(text)
    return out


@dataclass
class ReferenceIndex:
    """normalised reference -> doc ids of the visible papers that carry it."""

    docs: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, visible: Mapping[str, DocumentRecord]) -> ReferenceIndex:
        index = cls()
        for doc_id, record in sorted(visible.items()):
            reference = (record.meta or {}).get("reference")
            if isinstance(reference, str) and reference.strip():
                index.docs.setdefault(normalise(reference), []).append(doc_id)
        return index

    def lookup(self, reference: str) -> list[str]:
        """Doc ids of the paper with exactly this reference; without one, those of its
        supplements ("2026/0222" → "2026/0222/1"), lowest number first."""
        key = normalise(reference)
        if key in self.docs:
            return list(self.docs[key])
        prefix = key + "/"
        found = sorted(
            (k for k in self.docs if k.startswith(prefix)), key=lambda k: (len(k), _natural(k))
        )
        return list(self.docs[found[0]]) if found else []

    def find(self, question: str) -> list[tuple[str, list[str]]]:
        """(reference as written, doc ids) of each reference of the question the index
        knows, in the order of the question."""
        if not self.docs:
            return []
        return [(c, ids) for c in candidates(question) if (ids := self.lookup(c))]


def _natural(key: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]
