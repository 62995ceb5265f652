"""Query-side methods that learn from the index instead of from hand rules (issue 12).

Each takes what a first search pass found and returns extra weighted terms; none
needs re-indexing, and every expansion term is a term of the index itself (the
collection's vocabulary), so no word the documents never use is ever searched.

* `feedback_terms` – pseudo-relevance feedback (RM3 with an idf factor, as Bo1
  does): the terms that carry the most weight in the first passes' best passages,
  each passage weighted by its share of the score.
* `select_synonyms` – thesaurus expansion with sense selection: an OpenThesaurus
  synonym of a question word is kept only if it occurs in a first-pass passage that
  also contains another word of the question (the unselected list measured
  "Steuer" → Lenkrad).
* `vocabulary_parts` – the query's own compounds split against the index vocabulary
  (the static part list knows neither "Führ-" nor "Kneipe"): the longest indexed
  word that ends the compound, and the rest when it is indexed too, as weak terms.
* `document_evidence` – a passage of a document that has several good passages
  (its title and headings match, more of its text matches) counts more.

Every figure is in docs/retrieval.md (tuning and held-back parts).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

# Linking letters tried between the parts of a compound split against the index.
_LINKS = ("", "s", "es", "n", "en", "e", "er")
_MIN_HEAD = 4  # characters of the last part ("hund")
_MIN_MODIFIER = 3


def feedback_terms(
    passages: Sequence[tuple[list[str], float]],
    query_terms: set[str],
    df: Callable[[str], int],
    total: int,
    n_terms: int,
    min_passages: int = 2,
) -> dict[str, float]:
    """Up to `n_terms` expansion terms with a relative weight in (0, 1].

    `passages` are the analysed terms and score of the first pass's best passages.
    P(t|R) = Σ_d P(t|d)·P(d|q) (RM3; P(d|q) ∝ the score), times idf(t), so that
    words every law uses ("Absatz", "Satz") do not win. A term must occur in
    `min_passages` of them: one passage's oddities are no evidence."""
    if not passages or n_terms <= 0:
        return {}
    mass = sum(max(score, 0.0) for _, score in passages) or 1.0
    relevance: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for terms, score in passages:
        if not terms:
            continue
        counts = Counter(t for t in terms if t not in query_terms and not t[0].isdigit())
        length = len(terms)
        for term, tf in counts.items():
            relevance[term] += tf / length * max(score, 0.0) / mass
            seen[term] += 1
    scored = {}
    for term, value in relevance.items():
        if seen[term] < min_passages or len(term) < 3 or term[0] == "§":
            continue
        frequency = df(term)
        if frequency <= 1:
            continue
        scored[term] = value * math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
    best = sorted(scored, key=lambda t: (-scored[t], t))[:n_terms]
    top = scored[best[0]] if best else 1.0
    return {t: scored[t] / top for t in best}


def select_synonyms(
    groups: Sequence[dict[str, float]],
    synonyms: Callable[[str], Sequence[str]],
    passages: Sequence[set[str]],
) -> list[dict[str, str]]:
    """For each question word, its synonyms (main term → synonym) that occur in a
    first-pass passage together with another word of the question."""
    out: list[dict[str, str]] = []
    for i, group in enumerate(groups):
        main = next(iter(group))
        others = {t for j, g in enumerate(groups) if j != i for t in g}
        context = [p for p in passages if p & others]
        kept = {}
        for synonym in synonyms(main):
            if synonym not in group and any(synonym in p for p in context):
                kept[synonym] = main
        out.append(kept)
    return out


def vocabulary_parts(word: str, indexed: Callable[[str], bool], stem: Callable[[str], str]):
    """(head, modifier or None) of folded `word` split against the index: the longest
    indexed word that ends it, and the rest (linking letters dropped) when indexed."""
    for start in range(_MIN_MODIFIER, len(word) - _MIN_HEAD + 1):
        head = stem(word[start:])
        if len(head) < _MIN_HEAD - 1 or not indexed(head):
            continue
        rest = word[:start]
        for link in _LINKS:
            if link and not rest.endswith(link):
                continue
            modifier = rest[: len(rest) - len(link)] if link else rest
            if len(modifier) >= _MIN_MODIFIER and indexed(stem(modifier)):
                return head, stem(modifier)
        return head, None
    return None


def document_evidence(
    hits: Sequence[tuple[str, float]], weight: float, per_document: int = 3
) -> list[float]:
    """Scores of `hits` (document id, score), best first, raised by the evidence of
    their document: the sum of its best `per_document` scores among the hits, as a
    share of the best document's, times `weight` times the best score."""
    if not hits or weight <= 0:
        return [s for _, s in hits]
    by_doc: dict[str, list[float]] = {}
    for doc, score in hits:
        by_doc.setdefault(doc, []).append(score)
    evidence = {d: sum(sorted(s, reverse=True)[:per_document]) for d, s in by_doc.items()}
    best_doc = max(evidence.values()) or 1.0
    top = max(s for _, s in hits)
    return [s + weight * top * evidence[d] / best_doc for d, s in hits]
