"""Fit the refusal model of search mode (assistant/retrieval/relevance.py) by hand.

    .venv/bin/python bench/search_eval.py laws bundesrecht knowledge --features /tmp/f.jsonl
    .venv/bin/python bench/search_refusal.py /tmp/f.jsonl

Reads the signals that `search_eval.py --features` wrote for the tuning parts (never
the held-back ones) and fits a logistic regression "the result answers the question"
(answerable = 1, unanswerable = 0) by gradient descent with a small L2 penalty,
classes weighted equally (11 + 5 + 5 unanswerable against about 180 answerable).
Then it picks the threshold on the fitted probability that refuses the most
unanswerable questions while refusing at most `--max-false` of the answerable ones,
and prints the coefficients to copy into relevance.py, with both error rates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

FEATURES = ["coverage", "coverage_top", "gap", "focus", "score"]


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 20000, lr: float = 0.5):
    weight = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * weight
        w -= lr * (x.T @ g + l2 * w)
        b -= lr * g.sum()
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("features", type=Path)
    parser.add_argument("--max-false", type=float, default=0.08)
    parser.add_argument("--use", default=",".join(FEATURES))
    args = parser.parse_args()
    names = args.use.split(",")
    rows = [json.loads(line) for line in args.features.read_text().splitlines() if line]
    x = np.array([[r["features"].get(n, 0.0) for n in names] for r in rows])
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
    w, b = fit(x, y)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    answerable, unanswerable = p[y == 1], p[y == 0]
    best = None
    for t in sorted(set(np.round(p, 4)) | {0.0}):
        false = float((answerable < t).mean())
        caught = float((unanswerable < t).mean())
        if false <= args.max_false and (best is None or caught > best[1]):
            best = (t, caught, false)
    print(
        "coefficients", {n: round(float(v), 3) for n, v in zip(names, w)}, "intercept", round(b, 3)
    )
    t, caught, false = best
    # Halfway to the next answerable probability above t: the threshold is not one
    # question's exact value.
    above = sorted(a for a in answerable if a >= t)
    threshold = (t + above[0]) / 2 if above and above[0] > t else t
    print(f"threshold {threshold:.4f}: unanswerable refused {caught:.2f} "
          f"({round(caught * len(unanswerable))}/{len(unanswerable)}), answerable refused "
          f"{false:.3f} ({round(false * len(answerable))}/{len(answerable)})")  # fmt: skip
    for name in sorted({r["set"] for r in rows}):
        mask = np.array([r["set"] == name for r in rows])
        a = p[mask & (y == 1)]
        u = p[mask & (y == 0)]
        print(f"  {name}: unanswerable {(u < threshold).sum()}/{len(u)}, "
              f"answerable {(a < threshold).sum()}/{len(a)}")  # fmt: skip


if __name__ == "__main__":
    main()
