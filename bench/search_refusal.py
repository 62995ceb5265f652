"""Fit the refusal model of search mode (assistant/retrieval/relevance.py) by hand.

    .venv/bin/python bench/search_eval.py laws bundesrecht knowledge refusal_c --features /tmp/f.jsonl
    .venv/bin/python bench/search_refusal.py /tmp/f.jsonl                    # all signals
    .venv/bin/python bench/search_refusal.py /tmp/f.jsonl --use focus,gap    # these
    .venv/bin/python bench/search_refusal.py /tmp/f.jsonl --select           # forward selection
    .venv/bin/python bench/search_refusal.py /tmp/f.jsonl --use focus,focus*gap  # a product

Reads the signals that `search_eval.py --features` wrote for the tuning parts (never
the held-back ones) and fits a logistic regression "the result answers the question"
(answerable = 1, unanswerable = 0) by gradient descent on standardised signals with a
small L2 penalty, classes weighted equally. Then it picks the threshold on the fitted
probability that refuses the most unanswerable questions while refusing at most
`--max-false` of the answerable ones, and prints the coefficients (in the signals'
own units) to copy into relevance.py, with both error rates per set.

How well a choice of signals generalises is estimated by 5-fold cross-validation on
the tuning part (each question's probability comes from a model fitted without it;
the threshold is then chosen on those pooled probabilities): `--select` adds signals
greedily while that estimate improves. Each signal's AUC alone is printed first.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FEATURES = [
    "coverage", "coverage_top", "coverage_any", "strong_top", "strong_any", "heading_top",
    "heading_any", "known", "known_top", "known_any", "missing", "rare_top", "rare_any",
    "gap", "gap5", "doc_gap", "focus", "focus_score", "score", "score_known", "window",
    "words", "matched",
]  # fmt: skip


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 4000, lr: float = 0.5):
    """Coefficients and intercept in the units of `x` (fitted on standardised columns)."""
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    weight = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * weight
        w -= lr * (z.T @ g + l2 * w)
        b -= lr * g.sum()
    return w / std, b - float((w * mean / std).sum())


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ w + b)))


def threshold_for(p: np.ndarray, y: np.ndarray, max_false: float) -> tuple[float, float, float]:
    """(threshold, unanswerable refused, answerable refused): the most unanswerable
    refused with at most `max_false` answerable refused; halfway to the next answerable
    probability, so that the threshold is not one question's exact value."""
    answerable, unanswerable = p[y == 1], p[y == 0]
    best = (0.0, 0.0, 0.0)
    for t in sorted(set(np.round(p, 4))):
        false = float((answerable < t).mean())
        caught = float((unanswerable < t).mean())
        if false <= max_false and caught > best[1]:
            best = (t, caught, false)
    t = best[0]
    above = sorted(a for a in answerable if a >= t)
    return ((t + above[0]) / 2 if above and above[0] > t else t), best[1], best[2]


def auc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = score[y == 1], score[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def cross_validated(x: np.ndarray, y: np.ndarray, max_false: float, folds: int = 5):
    """Out-of-fold probabilities (stratified folds by position), then one threshold."""
    p = np.zeros(len(y))
    fold = np.zeros(len(y), dtype=int)
    for label in (0, 1):
        idx = np.flatnonzero(y == label)
        fold[idx] = np.arange(len(idx)) % folds
    for f in range(folds):
        train = fold != f
        w, b = fit(x[train], y[train])
        p[~train] = predict(x[~train], w, b)
    return threshold_for(p, y, max_false)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("features", type=Path)
    parser.add_argument("--max-false", type=float, default=0.10)
    parser.add_argument("--use", default=",".join(FEATURES))
    parser.add_argument("--select", action="store_true", help="greedy forward selection")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.features.read_text().splitlines() if line]
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])

    def value(features: dict, name: str) -> float:  # "a*b": a product of two signals
        return float(np.prod([features.get(part, 0.0) for part in name.split("*")]))

    def matrix(names):
        return np.array([[value(r["features"], n) for n in names] for r in rows])

    print(f"{int((y == 0).sum())} unanswerable, {int(y.sum())} answerable")
    for name in FEATURES:
        print(f"  AUC {name:<13}{auc(matrix([name])[:, 0], y):.3f}")
    names = args.use.split(",")
    if args.select:
        names, score = [], -1.0
        while True:
            trials = [
                (cross_validated(matrix([*names, n]), y, args.max_false)[1], n)
                for n in FEATURES
                if n not in names
            ]
            if not trials or max(trials)[0] <= score:
                break
            score, name = max(trials)
            names.append(name)
            print(f"  + {name}: cross-validated unanswerable refused {score:.3f}")
    x = matrix(names)
    _, cv_caught, cv_false = cross_validated(x, y, args.max_false)
    w, b = fit(x, y)
    p = predict(x, w, b)
    threshold, caught, false = threshold_for(p, y, args.max_false)
    print("coefficients", {n: round(float(v), 4) for n, v in zip(names, w)}, "intercept",
          round(b, 4))  # fmt: skip
    print(f"cross-validated: unanswerable refused {cv_caught:.2f}, answerable {cv_false:.3f}")
    print(f"threshold {threshold:.4f}: unanswerable refused {caught:.2f} "
          f"({round(caught * (y == 0).sum())}/{int((y == 0).sum())}), answerable refused "
          f"{false:.3f} ({round(false * y.sum())}/{int(y.sum())})")  # fmt: skip
    for name in sorted({r["set"] for r in rows}):
        mask = np.array([r["set"] == name for r in rows])
        a = p[mask & (y == 1)]
        u = p[mask & (y == 0)]
        print(f"  {name}: unanswerable {(u < threshold).sum()}/{len(u)}, "
              f"answerable {(a < threshold).sum()}/{len(a)}")  # fmt: skip


if __name__ == "__main__":
    main()
