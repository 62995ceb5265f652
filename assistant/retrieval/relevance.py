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
        if "reference" in hit.scores:  # the paper the question names by its reference
            return True
        return self.coverage(question, hit, query, extra) >= self.min_coverage


Group = tuple[tuple[str, float], ...]


def _window_share(terms: list[str], words, total: float, width: int = 30) -> float:
    """The most of the question's (known) words, by rarity, that one stretch of `width`
    terms of a passage holds: words that answer together stand together."""
    best = 0.0
    for start in range(0, max(len(terms) - width, 0) + 1, width // 3):
        window = set(terms[start : start + width])
        best = max(best, sum(w.weight for w in words if window & w.forms))
    return best / total


def _frozen(groups) -> tuple[Group, ...]:
    """Hashable groups (for the cache), in the order of the question's words."""
    return tuple(tuple(g.items()) for g in groups)


def _idf(total: int, df: int) -> float:
    """BM25's inverse document frequency; a word found nowhere weighs the most."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


# --- calibrated refusal (issue 12, item 4) ------------------------------------------


@dataclass(frozen=True)
class _Word:
    forms: frozenset[str]
    strong: frozenset[str]
    weight: float
    known: bool


@dataclass(frozen=True)
class Judgement:
    """Does the search result answer the question at all? `probability` is the
    model's estimate that it does; `refused` = probability below the threshold."""

    refused: bool
    probability: float
    signals: dict[str, float]


# Logistic model "the passages answer the question", fitted on the tuning parts (ids not
# divisible by 3) of the four development sets – laws_everyday a+b, bundesrecht,
# knowledge, refusal_c: 75 unanswerable, 229 answerable questions – with
#   .venv/bin/python bench/search_eval.py laws bundesrecht knowledge refusal_c --features f.jsonl
#   .venv/bin/python bench/search_refusal.py f.jsonl --use focus_score,words,coverage_top
# (docs/retrieval.md has the signals tried and their figures). Three signals carry it:
# how much of the list's lexical score comes from the best passage's document
# (focus_score), the idf-weighted share of the question's words in the best passage
# (coverage_top) and the question's length in content words (words: at the same share,
# a longer question has more of its words confirmed). Every further signal lowered
# the cross-validated figure. The threshold refuses the most unanswerable questions
# while refusing at most 10 % of the answerable ones on the tuning parts: 38 / 75
# against 22 / 229 (cross-validated 0.51 / 0.087).
SIGNALS = (
    "coverage", "coverage_top", "coverage_any", "strong_top", "strong_any", "heading_top",
    "heading_any", "known", "known_top", "known_any", "missing", "rare_top", "rare_any",
    "gap", "gap5", "doc_gap", "focus", "focus_score", "score", "score_known", "window",
    "words", "matched",
)  # fmt: skip
REFUSAL_COEFFICIENTS = {"focus_score": 2.644, "words": 2.5117, "coverage_top": 1.9419}
REFUSAL_INTERCEPT = -3.9946
REFUSAL_THRESHOLD = 0.3226


class RefusalModel:
    """Decides "keine passende Stelle gefunden" for a whole result list (search mode),
    from signals the search already has (`signals`: coverage of the question's words by
    rarity in the best passage, its headings and the whole list; score leads; how much
    of the list comes from the best passage's document; the question's length; and –
    when the dense ranking is on – how many passages both rankings found). Only those
    with a coefficient decide; the others are computed for refitting (bench/)."""

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
        self._words = lru_cache(maxsize=256)(self._word_info)

    def signals(
        self, question: str, hits: list[Hit], query: AnalysedQuery | None = None
    ) -> dict[str, float]:
        top = hits[: self.depth]
        if not top:
            return dict.fromkeys(SIGNALS, 0.0)
        gate = self.gate
        groups = _frozen(query.groups if query else gate.expander.groups(question))
        words = self._words(groups)
        total = sum(w.weight for w in words) or 1.0

        def share(terms: set[str], strong: bool = False) -> float:
            return sum(w.weight for w in words if terms & (w.strong if strong else w.forms)) / total

        # The same over the words the index knows at all: an everyday word found
        # nowhere says nothing about whether this list answers the question.
        known = [w for w in words if w.known]
        known_total = sum(w.weight for w in known) or 1.0

        def known_share(terms: set[str]) -> float:
            return sum(w.weight for w in known if terms & w.forms) / known_total

        texts = [gate.analyzer.analyze(h.text) for h in top]
        headings = [set(gate.analyzer.analyze(f"{h.title} {h.section}")) for h in top]
        passages = [h | set(t) for h, t in zip(headings, texts)]
        anywhere = set().union(*passages)
        rarest = max(words, key=lambda w: w.weight) if words else None
        lexical = [h.scores.get("lexical", 0.0) for h in top]
        best = lexical[0] or 0.0

        def lead(i: int) -> float:
            other = lexical[i] if len(lexical) > i else 0.0
            return (best - other) / best if best > 0 else 0.0

        signals = {
            "coverage": max(share(p) for p in passages[:3]),
            "coverage_top": share(passages[0]),
            "coverage_any": share(anywhere),
            "strong_top": share(passages[0], strong=True),
            "strong_any": share(anywhere, strong=True),
            "heading_top": share(headings[0]),
            "heading_any": max(share(h) for h in headings),
            "known": sum(w.weight for w in known) / total,
            "known_top": known_share(passages[0]),
            "known_any": known_share(anywhere),
            # The rarest known word the best passage lacks, relative to the rarest known
            # word of the question (0: it has them all).
            "missing": max((w.weight for w in known if not passages[0] & w.forms), default=0.0)
            / max((w.weight for w in known), default=1.0),
            "rare_top": float(rarest is not None and bool(passages[0] & rarest.forms)),
            "rare_any": float(rarest is not None and bool(anywhere & rarest.forms)),
            "gap": lead(1),
            "gap5": lead(4),
            # The lead over the best passage of another document: passages of one
            # document that answers the question may stand close together.
            "doc_gap": lead(next((i for i, h in enumerate(top) if h.doc_id != top[0].doc_id), 99)),
            # Over the depth, not the hits found: a list of one passage is no focus.
            "focus": sum(h.doc_id == top[0].doc_id for h in top) / self.depth,
            "score": min(best / total, 3.0) if gate.lexical is not None else 0.0,
            "score_known": min(best / known_total, 3.0) if gate.lexical is not None else 0.0,
            "focus_score": sum(s for h, s in zip(top, lexical) if h.doc_id == top[0].doc_id)
            / (sum(lexical) or 1.0),
            "window": max(_window_share(t, known, known_total) for t in texts[:3]),
            "words": min(len(words), 20) / 10,
            # Evidence in absolute terms: how many of the question's words the best
            # passage holds (a share of 1 of a two-word question is little evidence).
            "matched": min(sum(bool(passages[0] & w.forms) for w in words), 20) / 10,
        }
        if any("dense" in h.scores for h in top):
            both = sum("dense" in h.scores and "lexical" in h.scores for h in top)
            signals["agreement"] = both / len(top)
        return signals

    def _word_info(self, groups: tuple[Group, ...]) -> tuple[_Word, ...]:
        """Each word of the question: all its forms, its strong forms (the word itself,
        a synonym or a translation, not a compound part), its rarity, and whether any
        strong form occurs in the index at all."""
        weighted = self.gate._words(groups)
        strong = [
            frozenset(t for t, w in g if w >= 0.5) or frozenset(t for t, _ in g) for g in groups
        ]
        known = [True] * len(groups)
        if self.gate.lexical is not None and groups:
            _, df = self.gate.lexical.document_frequencies(sorted(set().union(*strong)))
            known = [any(df[t] for t in s) for s in strong]
        return tuple(_Word(forms, s, w, k) for (forms, w), s, k in zip(weighted, strong, known))

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
