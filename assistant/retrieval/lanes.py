"""Open-data datasets ranked with their own dense weight, in the places documents leave them.

Documents and council papers are ranked lexically by default (the refusal thresholds were
calibrated on that ranking), while datasets carry one multilingual vector each and gain
most from it (docs/opendata.md). Fusing one list with two dense weights would favour
whichever side has vectors: a dataset found by meaning would push a better document out
of a mixed result. So the result is built in two steps:

1. the *slots*: the fused ranking with the documents' weights decides which places of the
   top k go to datasets at all;
2. the *lane*: the datasets' own fusion (with their dense weight) decides which datasets
   fill those places, in its order.

With datasets alone in scope every place is a slot, and the result is the datasets' own
fusion; with no dataset in scope nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.config import OPENDATA_FORMAT

if TYPE_CHECKING:
    from assistant.models import Hit
    from assistant.retrieval.manifest import DocumentRecord

Rankings = list[tuple[str, float, list]]


def lane_documents(visible: dict[str, DocumentRecord]) -> dict[str, str]:
    """The visible datasets: doc id → collection."""
    return {d: r.collection for d, r in visible.items() if r.format == OPENDATA_FORMAT}


def reweigh(rankings: Rankings, dense_weight: float) -> Rankings:
    """The rankings with every dense one (the question's and its rewrites') at
    `dense_weight`; without them when it is 0."""
    out = []
    for name, weight, ranking in rankings:
        if name.startswith("dense"):
            if dense_weight <= 0:
                continue
            weight = dense_weight
        out.append((name, weight, ranking))
    return out


def fuse_lanes(
    fuse: Callable[[Rankings, set[str] | None], list[Hit]],
    rankings: Rankings,
    weights: tuple[float, float],
    datasets: set[str],
    ok: set[str] | None,
    k: int,
) -> list[Hit]:
    """Documents' fusion for the slots, the datasets' fusion for what fills them.
    `fuse(rankings, ok)` is the search's weighted reciprocal-rank fusion (top k)."""
    documents, lane = weights
    slots = fuse(reweigh(rankings, documents), ok)
    filled = fuse(reweigh(rankings, lane), datasets if ok is None else datasets & ok)
    return merge_slots(slots, filled, datasets, k)


def merge_slots(slots: Sequence[Hit], filled: Sequence[Hit], datasets: set[str], k: int):
    """`slots` with each dataset's place taken by the next of `filled`. When the slots'
    ranking found fewer than k hits in all (few words in common), more datasets found by
    meaning follow. Each hit keeps its place's score, so scores fall with the rank."""
    queue = list(filled)
    out: list[Hit] = []
    for hit in slots:
        if hit.doc_id not in datasets:
            out.append(hit)
        elif queue:
            out.append(_placed(queue.pop(0), hit.score))
    for extra in queue[: max(0, k - len(out))]:
        out.append(_placed(extra, min(extra.score, out[-1].score) if out else extra.score))
    for rank, hit in enumerate(out, 1):
        hit.rank = rank
    return out


def _placed(hit: Hit, score: float) -> Hit:
    hit.score = score
    return hit
