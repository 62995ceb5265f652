"""Results of council decisions are facts: a result the answer names must be in its source.

"Der Gemeinderat hat die Vorlage einstimmig beschlossen [1]" is only backed by source 1
when source 1 says so. A model that mixes up two papers, or fills in the usual outcome,
would otherwise state a decision that was never taken — with a citation that looks like
proof. Each sentence of the answer that cites sources and names a result word is checked:
the word must occur in at least one source it cites (the consultation path and agenda
items are in the passage text, connectors/oparl/units.py). Otherwise the answer is
unverified, as with an invalid citation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Result words of council decisions, and the qualifiers of a vote. A prefix match:
# "Kenntnis" covers "Kenntnisnahme" and "zur Kenntnis genommen".
RESULT_WORDS = (
    "beschlossen",
    "abgelehnt",
    "vertagt",
    "zurückgestellt",
    "verwiesen",
    "kenntnis",
    "einstimmig",
    "mehrheitlich",
)
_RESULT = re.compile(r"\b(" + "|".join(RESULT_WORDS) + r")", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_LEADING_MARKS = re.compile(r"^(?:\s*\[[\d\s,;–-]+\])+")


def sentences(text: str) -> list[str]:
    """The answer's sentences; marks written after the full stop ("… beschlossen. [1]")
    belong to the sentence before them."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text):
        marks = _LEADING_MARKS.match(part)
        if marks and out:
            out[-1] += " " + marks.group(0).strip()
            part = part[marks.end() :]
        if part.strip():
            out.append(part.strip())
    return out


def unsupported_results(
    text: str, sources: Sequence[str], cited: Callable[[str], list[int]]
) -> list[str]:
    """Result words of `text` that no source cited in their sentence contains.
    `sources[n - 1]` is the text of source n; `cited(sentence)` its valid numbers."""
    missing: list[str] = []
    for sentence in sentences(text):
        numbers = cited(sentence)
        if not numbers:
            continue
        texts = [sources[n - 1].casefold() for n in numbers]
        for match in _RESULT.finditer(sentence):
            word = match.group(1).casefold()
            if not any(word in t for t in texts) and word not in missing:
                missing.append(word)
    return missing
