"""Is a retrieved passage relevant enough to answer from?

Fused RRF scores are ranks, not relevance, so the gate looks at two absolute
signals: how many of the question's content words the passage contains (after
the same German analysis as the lexical index: folding, stemming, compound
parts), and the dense cosine similarity when the dense ranking found it.
Thresholds live in the settings and are calibrated in docs/retrieval.md.
"""

from __future__ import annotations

from .lexical.analysis import GermanAnalyzer, default_analyzer
from .models import Hit

class RelevanceGate:
    def __init__(self, min_coverage: float, min_dense: float,
                 analyzer: GermanAnalyzer | None = None):
        self.min_coverage = min_coverage
        self.min_dense = min_dense
        self.analyzer = analyzer or default_analyzer()

    def coverage(self, question: str, hit: Hit) -> float:
        """Share of the question's content words found (in any analysed form) in the passage."""
        words = self.analyzer.analyze_query_groups(question)
        if not words:
            return 0.0
        passage = set(self.analyzer.analyze(f"{hit.title} {hit.section} {hit.text}"))
        return sum(1 for forms in words if passage.intersection(forms)) / len(words)

    def is_relevant(self, question: str, hit: Hit) -> bool:
        if hit.scores.get("dense", -1.0) >= self.min_dense:
            return True
        return self.coverage(question, hit) >= self.min_coverage
