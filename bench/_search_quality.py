"""Real-embedder figures of the search benchmark (`search.py`): ingest throughput
on the corpus, and retrieval quality (R@5 / MRR@10, docs/retrieval.md) on a
development set."""

from __future__ import annotations

import json
import time
from pathlib import Path

from _search_common import _release_chroma, _settings

from assistant.models import Scope

# --- real embedder on the corpus -------------------------------------------------


def _time_embeddings(services, spent: dict) -> None:
    """Swap in the same embedder object with its embedding time recorded in `spent`."""
    real = services.embeddings

    class Timed(type(real)):  # same object, embedding time recorded
        def embed_documents(self, texts):
            t = time.perf_counter()
            try:
                return real.embed_documents(texts)
            finally:
                spent["s"] += time.perf_counter() - t
                spent["texts"] += len(texts)

    timed = object.__new__(Timed)
    timed.__dict__.update(real.__dict__)
    services.__dict__["embeddings"] = timed  # cached_property slot, before ingestor is built


def run_corpus(corpus: Path, tmp: Path) -> dict:
    import importlib.util

    missing = [
        m
        for m in ("assistant.ingest.parse", "assistant.ingest.chunking")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        return {"pending": f"missing {', '.join(missing)}"}
    from assistant.services import Services

    services = Services(_settings(tmp / "corpus"))
    spent = {"s": 0.0, "texts": 0}
    _time_embeddings(services, spent)
    report = services.ingestor.ingest_paths([corpus])
    data = report.to_dict()
    out = {
        "files": len(report.results),
        "counts": data["counts"],
        "chunks": data["chunks"],
        "seconds": round(report.seconds, 2),
        "chunks_s": round(data["chunks"] / report.seconds, 1) if report.seconds else None,
        "embed_s": round(spent["s"], 2),
        "failed": [(r.path, r.code) for r in report.results if r.failed],
    }
    services.close()
    _release_chroma()
    return out


# --- retrieval quality (docs/retrieval.md) ---------------------------------------


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _matches(hit, gold: dict) -> bool:
    if Path(hit.source).name != gold["source"]:
        return False
    return gold["section"] in hit.section or _collapse(gold["evidence"]) in _collapse(hit.text)


def _score(search, gold: list[dict], weights) -> dict:
    """R@5 and MRR@10 of one search service over the gold questions."""
    r5 = mrr = 0.0
    for g in gold:
        hits = search.search(g["question"], 10, Scope.everything(), weights=weights).hits
        ranks = [h.rank for h in hits if _matches(h, g)]
        r5 += bool(ranks and ranks[0] <= 5)
        mrr += 1 / ranks[0] if ranks else 0.0
    return {"R@5": round(r5 / len(gold), 3), "MRR@10": round(mrr / len(gold), 3)}


def run_quality(eval_file: Path, corpus: Path, tmp: Path, variants: dict[str, dict]) -> dict:
    """R@5 and MRR@10 of the fused ranking on a development set (as in docs/retrieval.md):
    the corpus ingested with the real embedder, each variant a set of settings overrides."""
    from assistant.config import Settings
    from assistant.retrieval.search import SearchService
    from assistant.services import Services

    rows = [json.loads(x) for x in eval_file.read_text(encoding="utf-8").splitlines() if x]
    gold = [r for r in rows if r["source"]]
    services = Services(_settings(tmp / "quality"))
    report = services.ingestor.ingest_paths([corpus])
    out: dict = {"questions": len(gold), "chunks": services.lexical.count()}
    for name, overrides in variants.items():
        weights = overrides.pop("weights", None)
        settings = Settings(**{**services.settings.model_dump(), **overrides})
        search = SearchService(
            settings,
            services.manifest,
            services.lexical,
            vectors=lambda: services.vectors,
            embeddings=lambda: services.embeddings,
        )
        out[name] = _score(search, gold, weights)
        print(f"quality {name}: {out[name]}", flush=True)
    out["ingest_failed"] = [r.path for r in report.results if r.failed]
    services.close()
    _release_chroma()
    return out
