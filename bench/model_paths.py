"""The path with a model (issue 12, item 3): what multi-query rewriting and doc2query
cost, against the plain path in the same run.

No real model runs here: the network-edge fake Ollama (`tests/fake_ollama.py`) plays
it, with a latency chosen by `--latency`:

* `zero`: the fake answers at once – the figures are our own overhead (HTTP round
  trips, parsing, the extra searches, the cache), not a model's time;
* `gpu`: 0.3 s to the first token and 25 ms per further token (an 8B model, Q4, on
  a small GPU; a CPU-only Ollama is 10–50 times slower);
* or `--first-token S --per-token S` of your own.

Measured, each against the plain path in the same process:

1. multi-query: `AnswerService.prepare()` per question of
   tests/data/eval/knowledge.jsonl with `query_rewrites` = 0 and = N (the rewrites
   are derived from the question: its words in another order, one line each, ~12
   words per line, so the fused search has real work); and the fused search alone
   (`retrieval_ms`: N+1 lexical searches instead of one);
2. doc2query: ingest of `knowledge/` with `doc2query_questions` = 0 and = N (chunks/s),
   and again into an empty index with the questions cache kept (every chunk cached:
   what re-ingesting costs once the questions exist).

    uv run python bench/model_paths.py [--latency zero|gpu] [--questions 40] [--json f]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_ollama import running_fake_ollama

from assistant.config import Settings
from assistant.models import Scope
from assistant.services import Services

LATENCIES = {"zero": (0.0, 0.0), "gpu": (0.3, 0.025)}
REWRITE_MARKER = "Formuliere die Frage"  # retrieval/rewrite.py
DOC2QUERY_MARKER = "für die Suche vor"  # ingest/doc2query.py


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rewrites_for(messages: list[dict]) -> str:
    """N lines from the question's words (N is in the system prompt as a digit)."""
    words = messages[-1]["content"].rstrip("?").split()
    count = next((int(c) for c in messages[0]["content"] if c.isdigit()), 3)
    lines = [" ".join(words[i:] + words[:i]) for i in range(1, count + 1)]
    return "\n".join(lines)


def questions_for(messages: list[dict]) -> str:
    """Three questions of ~10 words built from the passage's first words."""
    words = messages[-1]["content"].split()[2:40]
    return "\n".join(" ".join(words[i * 10 : i * 10 + 10]) + "?" for i in range(3))


def settings_for(data: Path, url: str, **overrides) -> Settings:
    values = {
        "data_dir": data,
        "ollama_base_url": url,
        "ollama_model": "llama3.1:8b",
        "weight_dense": 0.0,
        "_env_file": None,
    }
    return Settings(**{**values, **overrides})


def ingest(data: Path, url: str, **overrides) -> dict:
    services = Services(settings_for(data, url, **overrides))
    try:
        start = time.perf_counter()
        report = services.ingestor.ingest_paths([ROOT / "knowledge"])
        seconds = time.perf_counter() - start
        writer = services.ingestor._question_writer
    finally:
        services.close()
    chunks = sum(r.chunks for r in report.results)
    warnings = sum(len(r.warnings) for r in report.results)
    asked = writer.asked if writer else 0
    return {"chunks": chunks, "seconds": round(seconds, 2), "per_s": round(chunks / seconds, 1),
            "model_calls": asked, "warnings": warnings, "ok": report.ok}  # fmt: skip


def prepare_times(data: Path, url: str, questions: list[str], **overrides) -> dict:
    services = Services(settings_for(data, url, **overrides))
    total, search, rewrites = [], [], []
    try:
        answers = services.answers
        answers.prepare(questions[0], Scope.everything())  # warm-up: analysers, caches
        for question in questions:
            start = time.perf_counter()
            prepared = answers.prepare(question, Scope.everything())
            total.append((time.perf_counter() - start) * 1000)
            search.append(prepared.timings["retrieval_ms"])
            rewrites.append(prepared.timings.get("rewrites", 0.0))
    finally:
        services.close()
    return {
        "prepare_p50_ms": round(pct(total, 0.5), 2),
        "prepare_p95_ms": round(pct(total, 0.95), 2),
        "search_p50_ms": round(pct(search, 0.5), 2),
        "search_p95_ms": round(pct(search, 0.95), 2),
        "rewrites_mean": round(sum(rewrites) / len(rewrites), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", choices=sorted(LATENCIES), default="zero")
    parser.add_argument("--first-token", type=float, help="seconds to the first token")
    parser.add_argument("--per-token", type=float, help="seconds per further token")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--rewrites", type=int, default=3)
    parser.add_argument("--doc2query", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    first, per_token = LATENCIES[args.latency]
    first = args.first_token if args.first_token is not None else first
    per_token = args.per_token if args.per_token is not None else per_token
    lines = (ROOT / "tests/data/eval/knowledge.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    questions = questions[: args.questions]

    out: dict = {"latency": {"first_token_s": first, "per_token_s": per_token},
                 "load": os.getloadavg()[0]}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, running_fake_ollama() as fake:
        fake.by_system = {REWRITE_MARKER: rewrites_for, DOC2QUERY_MARKER: questions_for}
        fake.first_token_delay, fake.token_delay = first, per_token
        base = Path(tmp)
        ingest(base / "warm-up", fake.url)  # one-time imports (parsers) out of the figures
        out["ingest_plain"] = ingest(base / "plain", fake.url)
        out["ingest_doc2query"] = ingest(base / "d2q", fake.url, doc2query_questions=args.doc2query)
        shutil.rmtree(base / "d2q" / "lexical")
        (base / "d2q" / "amtswissen.db").unlink()
        out["ingest_doc2query_cached"] = ingest(
            base / "d2q", fake.url, doc2query_questions=args.doc2query
        )
        out["ask_plain"] = prepare_times(base / "plain", fake.url, questions)
        out["ask_rewrites"] = prepare_times(
            base / "plain", fake.url, questions, query_rewrites=args.rewrites
        )
    out["load_end"] = os.getloadavg()[0]
    plain, d2q = out["ingest_plain"], out["ingest_doc2query"]
    out["ratio_ingest_chunks_per_s"] = round(plain["per_s"] / d2q["per_s"], 2)
    out["ratio_ingest_cached"] = round(plain["per_s"] / out["ingest_doc2query_cached"]["per_s"], 2)
    for key in ("prepare_p50_ms", "prepare_p95_ms", "search_p50_ms", "search_p95_ms"):
        out[f"ratio_{key}"] = round(out["ask_rewrites"][key] / out["ask_plain"][key], 2)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
