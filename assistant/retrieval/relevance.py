"""Is a retrieved passage relevant enough to answer from?

Fused RRF scores are ranks, not relevance, so the gate looks at two absolute
signals: how much of the question the passage covers (after the same German
analysis and query expansion as the lexical index: folding, stemming, compound
parts, curated synonyms, English translation), and the dense cosine similarity
when the dense ranking found it.

Coverage weighs each word of the question by its rarity in the index (BM25's idf)
when the gate is given the lexical index: "Wie wird das Wetter morgen in
Musterstadt?" shares "Musterstadt" with every passage, but the word that matters,
"Wetter", occurs nowhere, so coverage stays low. Without the index every word
counts alike. Thresholds live in the settings and are calibrated in
docs/retrieval.md.
"""

from __future__ import annotations

import math
from functools import lru_cache

from assistant.models import Hit
from assistant.retrieval.lexical import AnalysedQuery
from assistant.retrieval.lexical.analysis import GermanAnalyzer, default_analyzer
from assistant.retrieval.lexical.expansion import QueryExpander, default_expander


class RelevanceGate:
    def __init__(
        self,
        min_coverage: float,
        min_dense: float,
        analyzer: GermanAnalyzer | None = None,
        *,
        expander: QueryExpander | None = None,
        lexical=None,
    ):
        self.min_coverage = min_coverage
        self.min_dense = min_dense
        self.analyzer = analyzer or default_analyzer()
        if expander is None:
            expander = default_expander() if analyzer is None else QueryExpander(analyzer)
        self.expander = expander
        self.lexical = lexical  # anything with document_frequencies(terms); None: no idf
        self._words = lru_cache(maxsize=256)(self._weighted_words)

    def _weighted_words(
        self, groups: tuple[Group, ...]
    ) -> tuple[tuple[frozenset[str], float], ...]:
        """(all analysed forms, weight) of each word of the question."""
        weights = [1.0] * len(groups)
        if self.lexical is not None and groups:
            strong = [[t for t, w in g if w >= 0.5] or [t for t, _ in g] for g in groups]
            total, df = self.lexical.document_frequencies(sorted({t for s in strong for t in s}))
            # A word is as common as its most common strong form (a synonym or a
            # translation that occurs everywhere makes the word common too).
            weights = [
                max(_idf(total, df[t]) for t in terms) if total else 1.0
                for terms in (sorted(s, key=lambda t: -df[t])[:1] for s in strong)
            ]
        return tuple((frozenset(t for t, _ in g), w) for g, w in zip(groups, weights))

    def coverage(self, question: str, hit: Hit, query: AnalysedQuery | None = None) -> float:
        """Share (by rarity, when the index is known) of the question's words found,
        in any analysed or expanded form, in the passage. `query` is the search's own
        analysis of the question; without it the gate analyses the question itself."""
        words = self._words(_frozen(query.groups if query else self.expander.groups(question)))
        total = sum(w for _, w in words)
        if not total:
            return 0.0
        passage = set(self.analyzer.analyze(f"{hit.title} {hit.section} {hit.text}"))
        return sum(w for forms, w in words if passage.intersection(forms)) / total

    def is_relevant(self, question: str, hit: Hit, query: AnalysedQuery | None = None) -> bool:
        if hit.scores.get("dense", -1.0) >= self.min_dense:
            return True
        return self.coverage(question, hit, query) >= self.min_coverage


Group = tuple[tuple[str, float], ...]


def _frozen(groups) -> tuple[Group, ...]:
    """Hashable groups (for the cache), in the order of the question's words."""
    return tuple(tuple(g.items()) for g in groups)


def _idf(total: int, df: int) -> float:
    """BM25's inverse document frequency; a word found nowhere weighs the most."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))
