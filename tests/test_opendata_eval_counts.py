"""bench/opendata_eval.py --counts-only: a measuring set's JSON keeps no per-question line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "opendata_eval.py"


def _bench():
    spec = importlib.util.spec_from_file_location("opendata_eval", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_counts_only_drops_misses_and_outcomes():
    miss = {"id": "x1", "question": "Gibt es Daten zu Brunnen?", "rank": None}
    result = {
        "datasets": {"overall": {"n": 2, "recall": {"5": 0.5}}, "misses": [miss]},
        "numbers": {"n": 1, "accuracy": 0.0, "outcomes": [miss]},
    }
    stripped = _bench().without_outcomes(result)
    assert "Brunnen" not in repr(stripped)
    assert stripped["datasets"]["overall"]["recall"]["5"] == 0.5  # aggregates stay
