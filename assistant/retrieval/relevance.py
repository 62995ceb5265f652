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
from dataclasses import dataclass
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

    def coverage(
        self,
        question: str,
        hit: Hit,
        query: AnalysedQuery | None = None,
        extra: frozenset[str] = frozenset(),
    ) -> float:
        """Share (by rarity, when the index is known) of the question's words found,
        in any analysed or expanded form, in the passage. `query` is the search's own
        analysis of the question; without it the gate analyses the question itself.
        `extra`: more terms that count as the passage's (its generated questions)."""
        words = self._words(_frozen(query.groups if query else self.expander.groups(question)))
        total = sum(w for _, w in words)
        if not total:
            return 0.0
        passage = set(self.analyzer.analyze(f"{hit.title} {hit.section} {hit.text}")) | extra
        return sum(w for forms, w in words if passage.intersection(forms)) / total

    def is_relevant(
        self,
        question: str,
        hit: Hit,
        query: AnalysedQuery | None = None,
        extra: frozenset[str] = frozenset(),
    ) -> bool:
        if hit.scores.get("dense", -1.0) >= self.min_dense:
            return True
        return self.coverage(question, hit, query, extra) >= self.min_coverage


Group = tuple[tuple[str, float], ...]


def _frozen(groups) -> tuple[Group, ...]:
    """Hashable groups (for the cache), in the order of the question's words."""
    return tuple(tuple(g.items()) for g in groups)


def _idf(total: int, df: int) -> float:
    """BM25's inverse document frequency; a word found nowhere weighs the most."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


# --- calibrated refusal (issue 12, item 4) ------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """Does the search result answer the question at all? `probability` is the
    model's estimate that it does; `refused` = probability below the threshold."""

    refused: bool
    probability: float
    signals: dict[str, float]


# Logistic model "the passages answer the question", fitted by hand on the tuning parts
# of the three development sets (21 unanswerable, 176 answerable questions;
# bench/search_refusal.py, docs/retrieval.md). Of the signals measured, how much of the
# list comes from the best passage's document (focus, AUC 0.72) and the lead of the
# best lexical score (gap, 0.63) separate best; coverage (0.55–0.58) and the score per
# unit of the question's idf (0.63) added nothing once those two were in. The threshold
# refuses the most unanswerable questions while refusing at most 10 % of the
# answerable ones on the tuning parts: 6 / 21 against 15 / 176.
SIGNALS = ("coverage", "coverage_top", "gap", "focus", "score")
REFUSAL_COEFFICIENTS = {"focus": 1.906, "gap": 0.99}
REFUSAL_INTERCEPT = -1.354
REFUSAL_THRESHOLD = 0.3179


class RefusalModel:
    """Decides "keine passende Stelle gefunden" for a whole result list (search mode),
    from signals the search already has: how much of the question (by rarity) the best
    passages cover, how far the best lexical score stands above the runner-up, how
    much of the list comes from the best passage's document, and – when the dense
    ranking is on – how many of the passages both rankings found."""

    def __init__(
        self,
        gate: RelevanceGate,
        coefficients: dict[str, float] | None = None,
        intercept: float | None = None,
        threshold: float | None = None,
        depth: int = 5,
    ):
        self.gate = gate
        self.coefficients = dict(REFUSAL_COEFFICIENTS if coefficients is None else coefficients)
        self.intercept = REFUSAL_INTERCEPT if intercept is None else intercept
        self.threshold = REFUSAL_THRESHOLD if threshold is None else threshold
        self.depth = depth

    def signals(
        self, question: str, hits: list[Hit], query: AnalysedQuery | None = None
    ) -> dict[str, float]:
        top = hits[: self.depth]
        if not top:
            return dict.fromkeys(SIGNALS, 0.0)
        gate = self.gate
        words = gate._words(_frozen(query.groups if query else gate.expander.groups(question)))
        total = sum(w for _, w in words) or 1.0
        passages = [set(gate.analyzer.analyze(f"{h.title} {h.section} {h.text}")) for h in top[:3]]
        covered = [sum(w for forms, w in words if p & forms) / total for p in passages]
        lexical = [h.scores.get("lexical", 0.0) for h in top]
        best = lexical[0] or 0.0
        runner_up = lexical[1] if len(lexical) > 1 else 0.0
        signals = {
            "coverage": max(covered),
            "coverage_top": covered[0],
            "gap": (best - runner_up) / best if best > 0 else 0.0,
            # Over the depth, not the hits found: a list of one passage is no focus.
            "focus": sum(h.doc_id == top[0].doc_id for h in top) / self.depth,
            "score": min(best / total, 3.0) if gate.lexical is not None else 0.0,
        }
        if any("dense" in h.scores for h in top):
            both = sum("dense" in h.scores and "lexical" in h.scores for h in top)
            signals["agreement"] = both / len(top)
        return signals

    def probability(self, signals: dict[str, float]) -> float:
        z = self.intercept + sum(
            w * signals.get(name, 0.0) for name, w in self.coefficients.items()
        )
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def judge(
        self, question: str, hits: list[Hit], query: AnalysedQuery | None = None
    ) -> Judgement:
        if not hits:
            return Judgement(True, 0.0, {})
        signals = self.signals(question, hits, query)
        p = self.probability(signals)
        return Judgement(p < self.threshold, round(p, 4), signals)
