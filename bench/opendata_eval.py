"""Open-data evaluation (issue 16): dataset recall@k and exact-number accuracy.

    ASSISTANT_DATA_DIR=/tmp/od_eval/data .venv/bin/python bench/opendata_eval.py \
        tests/data/eval/opendata_a.jsonl [--json out.json]

Expects the five portals of ../shared/opendata synced into that data dir (names berlin, bonn,
koeln, moers, govdata; docs/opendata.md says how). ASSISTANT_OPENDATA_FIGURES defaults to the
sample docs/opendata/kennzahlen.yaml, which describes those portals' tables. Two measurements, both through the real CLI:

* dataset questions (kind topic, publisher, format): `assistant eval` with the gold
  `dataset_id` (+ `portal`) → recall@1/5/10 and MRR;
* figure and comparison questions: `assistant ask --json QUESTION` without a language model;
  the first entry of `figures` must equal `answer` exactly (integers) or within 0.5
  (decimals, which the question sets round).

The same dataset recall is also reported for the figure questions (their dataset_id), apart.

`--counts-only` is for a measuring set (one that nobody may tune on): figures only — no miss
is printed and the JSON file holds no per-question outcomes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(ROOT / ".venv" / "bin" / "assistant")]
DATASET_KINDS = {"topic", "publisher", "format"}
FIGURE_KINDS = {"figure", "comparison"}


def env() -> dict:
    out = dict(os.environ)
    out.setdefault("ASSISTANT_OLLAMA_BASE_URL", "http://127.0.0.1:9")  # no model: computed path
    out["ASSISTANT_OLLAMA_MODEL"] = ""
    # The sets ask about the five real portals, which the sample figures config describes;
    # without it no district is summed and no configured column is read (session 13's set-I
    # figures were measured so by mistake).
    out.setdefault(
        "ASSISTANT_OPENDATA_FIGURES", str(ROOT / "docs" / "opendata" / "kennzahlen.yaml")
    )
    return out


def run_eval(questions: list[dict], ks: str = "1,5,10") -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        f.write("\n".join(json.dumps(q, ensure_ascii=False) for q in questions))
    try:
        done = subprocess.run([*CLI, "eval", f.name, "-k", ks, "--json"], capture_output=True,
                              text=True, env=env(), check=False)  # fmt: skip
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        sys.exit(f"assistant eval failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def matches(value, answer) -> bool:
    if value is None:
        return False
    if isinstance(answer, int) or float(answer).is_integer():
        return float(value) == float(answer)
    return abs(float(value) - float(answer)) <= 0.5


def ask(question: str) -> dict:
    done = subprocess.run([*CLI, "ask", "--json", question], capture_output=True, text=True,
                          env=env(), check=False)  # fmt: skip
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": {"message": (done.stderr or done.stdout)[-300:]}}


def figure_accuracy(questions: list[dict]) -> dict:
    outcomes = []
    for q in questions:
        answer = ask(q["question"])
        figures = answer.get("figures") or []
        value = figures[0].get("value") if figures else None
        outcomes.append({"id": q.get("id"), "kind": q["kind"], "answer": q["answer"],
                         "value": value, "ok": matches(value, q["answer"]),
                         "how": figures[0].get("how") if figures else None,
                         "error": (answer.get("error") or {}).get("message")})  # fmt: skip
    by_kind = {}
    for kind in sorted({o["kind"] for o in outcomes}):
        mine = [o for o in outcomes if o["kind"] == kind]
        by_kind[kind] = {"n": len(mine), "accuracy": sum(o["ok"] for o in mine) / len(mine)}
    n = len(outcomes)
    return {"n": n, "accuracy": sum(o["ok"] for o in outcomes) / n if n else None,
            "by_kind": by_kind, "outcomes": outcomes}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--json", type=Path, help="write the full result here")
    parser.add_argument("--no-figures", action="store_true", help="dataset recall only")
    parser.add_argument("--counts-only", action="store_true",
                        help="a measuring set: print and write figures only, never a miss")  # fmt: skip
    args = parser.parse_args()
    rows = [json.loads(x) for x in args.questions.read_text("utf-8").splitlines() if x.strip()]
    began = time.perf_counter()
    dataset_rows = [q for q in rows if q.get("kind") in DATASET_KINDS]
    datasets = run_eval(dataset_rows) if dataset_rows else None
    figure_rows = [q for q in rows if q.get("kind") in FIGURE_KINDS]
    figure_datasets = run_eval(figure_rows) if figure_rows else None
    numbers = figure_accuracy(figure_rows) if figure_rows and not args.no_figures else None
    result = {"questions": str(args.questions), "datasets": datasets,
              "figure_datasets": figure_datasets, "numbers": numbers,
              "seconds": round(time.perf_counter() - began, 1)}  # fmt: skip
    if args.counts_only:
        result = without_outcomes(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    print(summary(result))


PER_QUESTION_KEYS = {"outcomes", "misses"}  # `assistant eval --json` lists its misses too


def without_outcomes(result: dict) -> dict:
    """The result with every per-question outcome removed (aggregates stay)."""
    if isinstance(result, dict):
        return {k: without_outcomes(v) for k, v in result.items() if k not in PER_QUESTION_KEYS}
    return result


def summary(result: dict) -> str:
    lines = [f"{result['questions']}:"]
    if result["datasets"]:  # a set of figure questions only has none
        overall = result["datasets"]["overall"]
        lines[0] += (f" dataset questions n={overall['n']}, "
                     + ", ".join(f"recall@{k} {v:.3f}" for k, v in overall["recall"].items())
                     + f", MRR@10 {overall['mrr']:.3f}")  # fmt: skip
    for kind, fig in (result["datasets"] or {}).get("by_kind", {}).items():
        lines.append(f"  {kind}: n={fig['n']}, recall@5 {fig['recall'].get('5', 0):.3f}")
    if result["figure_datasets"]:
        fd = result["figure_datasets"]["overall"]
        lines.append(f"figure questions' dataset: n={fd['n']}, recall@5 {fd['recall']['5']:.3f}")
    numbers = result["numbers"]
    if numbers:
        lines.append(f"exact-number accuracy: n={numbers['n']}, {numbers['accuracy']:.3f} "
                     + ", ".join(f"{k} {v['accuracy']:.3f} (n={v['n']})"
                                 for k, v in numbers["by_kind"].items()))  # fmt: skip
        for o in numbers.get("outcomes", []):
            if not o["ok"]:
                lines.append(f"  miss {o['id']}: expected {o['answer']}, got {o['value']} "
                             f"({o['how'] or o['error']})")  # fmt: skip
    for miss in (result["datasets"] or {}).get("outcomes", []):
        if miss.get("gold") and (miss["rank"] is None or miss["rank"] > 5):
            lines.append(
                f"  dataset miss @5 {miss['id']} ({miss.get('kind')}): rank {miss['rank']}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
