"""Retrieval quality and refusal on the development sets, split into tuning and held-back parts.

    .venv/bin/python bench/search_eval.py laws                 # laws_everyday a+b, tuning part
    .venv/bin/python bench/search_eval.py laws --part heldback # measured once, at the end
    .venv/bin/python bench/search_eval.py bundesrecht knowledge --variant prf=0
    .venv/bin/python bench/search_eval.py laws --model         # calibrated refusal figures
    .venv/bin/python bench/search_eval.py laws --features f.jsonl  # refusal signals (tuning)
    .venv/bin/python bench/search_eval.py refusal_c --model    # refusal set, laws + knowledge

The split is fixed (issue 12): a question whose id number is divisible by 3 is held
back; the rest is the tuning part. Misses are printed for the tuning part only
(`--misses`); the held-back part reports figures and nothing per question.

The corpus is parsed and chunked by the ingest code and indexed lexically only (no
embeddings: the default ranking is lexical), into a cache under /tmp keyed by the
analyzer; documents are all visible. Questions run through the real `SearchService`
and the relevance gate (or, with `--model`, search mode's calibrated refusal).
`--variant name=value` (JSON values) sets an option of the lexical index (see
`_INDEX_OPTIONS`) to measure one step against the default.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import Settings
from assistant.ingest.chunking import chunk_document
from assistant.ingest.parse import parse_file
from assistant.models import Chunk, Scope
from assistant.retrieval.evaluation import evaluate, load_questions
from assistant.retrieval.lexical.analysis import default_analyzer
from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex
from assistant.retrieval.manifest import DocumentRecord
from assistant.retrieval.search import SearchService

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
EVAL = REPO / "tests" / "data" / "eval"
SETS = {
    "laws": (["laws_everyday_a.jsonl", "laws_everyday_b.jsonl"], "laws"),
    "bundesrecht": (["bundesrecht.jsonl"], "laws"),
    "knowledge": (["knowledge.jsonl"], "knowledge"),
    # Its unanswerable questions name no corpus (half sound like the sample knowledge
    # base, half like the laws): one index over both, as a city's knowledge base is.
    "refusal_c": (["refusal_c.jsonl"], "all"),
}
CORPUS_DIRS = {
    "laws": [CORPORA / "bundesrecht", CORPORA / "kommunal-badboll"],
    "knowledge": [REPO / "knowledge"],
}
CORPUS_DIRS["all"] = CORPUS_DIRS["laws"] + CORPUS_DIRS["knowledge"]
_NUMBER = re.compile(r"(\d+)$")


def held_back(qid: str) -> bool:
    """The fixed split: ids whose number is divisible by 3 are never tuned on."""
    m = _NUMBER.search(qid)
    return bool(m) and int(m.group(1)) % 3 == 0


class _Manifest:
    """Every indexed document visible (the bench indexes only committed documents)."""

    def __init__(self, records: dict[str, DocumentRecord]):
        self._records = records

    def visible(self) -> dict[str, DocumentRecord]:
        return self._records


def _files(corpus: str) -> list[Path]:
    files: list[Path] = []
    for d in CORPUS_DIRS[corpus]:
        files += sorted(p for p in d.rglob("*") if p.is_file() and p.suffix != ".py")
    return [p for p in files if "/.src" not in str(p) and not p.name.startswith(".")]


def corpus_chunks(corpus: str) -> tuple[list[Chunk], dict[str, DocumentRecord]]:
    """The corpus parsed and chunked by the ingest code (also read by bench/pg_fts.py)."""
    files = _files(corpus)
    records: dict[str, DocumentRecord] = {}
    chunks: list[Chunk] = []
    for path in files:
        try:
            parsed = parse_file(path, max_bytes=50_000_000, max_pages=2000)
        except Exception as exc:  # noqa: BLE001 - a bench skips what ingest would refuse
            print(f"skip {path.name}: {type(exc).__name__}", file=sys.stderr)
            continue
        doc_id = hashlib.sha256(str(path).encode()).hexdigest()[:16]
        drafts = chunk_document(parsed)
        records[doc_id] = DocumentRecord(
            doc_id, "default", str(path), parsed.title, "", 1, len(drafts), None, None, None,
            datetime.now(UTC),
        )  # fmt: skip
        chunks += [
            Chunk(f"{doc_id}:v1:{d.ordinal}", doc_id, 1, "default", str(path), parsed.title,
                  d.section, d.page, d.ordinal, d.text)
            for d in drafts
        ]  # fmt: skip
    return chunks, records


def index_chunks(corpus: str, chunks: list[Chunk], **options) -> TantivyLexicalIndex:
    """The chunks in a cached tantivy index under /tmp, keyed by the analyzer."""
    analyzer = default_analyzer()
    # Chunk ids carry the document's path hash: another checkout's cache (same texts,
    # other paths) would hold doc ids this manifest does not know, and find nothing.
    key = hashlib.sha256(
        (analyzer.analyzer_id + str(len(chunks)) + str(sum(len(c.text) for c in chunks))).encode()
        + "".join(c.chunk_id for c in chunks).encode()
    ).hexdigest()[:10]
    path = Path("/tmp/amtswissen-bench") / f"{corpus}-{key}"
    fresh = not path.exists()
    index = TantivyLexicalIndex(path / "lexical", **options)
    if fresh or index.count() != len(chunks):
        t = time.perf_counter()
        index.delete_all() if hasattr(index, "delete_all") else None
        for start in range(0, len(chunks), 500):
            index.add(chunks[start : start + 500])
        print(f"indexed {len(chunks)} chunks in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return index


def build_index(corpus: str, **options) -> tuple[TantivyLexicalIndex, dict[str, DocumentRecord]]:
    chunks, records = corpus_chunks(corpus)
    return index_chunks(corpus, chunks, **options), records


def _kv(items: list[str]) -> dict:
    out = {}
    for item in items:
        name, value = item.split("=", 1)
        out[name] = json.loads(value)
    return out


def run(set_name, part, variant, show_misses, features, use_model=False, refusal=None):
    from assistant.retrieval.relevance import RefusalModel, RelevanceGate

    refusal = refusal or {}

    files, corpus = SETS[set_name]
    questions = [q for f in files for q in load_questions(EVAL / f)]
    if part != "all":
        questions = [q for q in questions if held_back(q.id) == (part == "heldback")]
    index_options = {k: v for k, v in variant.items() if k in _INDEX_OPTIONS}
    search_options = {k: v for k, v in variant.items() if k not in _INDEX_OPTIONS}
    index, records = build_index(corpus, **index_options)
    settings = Settings(weight_dense=0.0, **search_options.pop("settings", {}))
    service = SearchService(settings, _Manifest(records), index, vectors=None, embeddings=None)
    for name, value in search_options.items():
        setattr(service, name, value)
    gate = RelevanceGate(settings.min_term_coverage, settings.min_dense_similarity)
    model = RefusalModel(RelevanceGate(0, 1, lexical=index), **refusal)
    analysed: dict[str, object] = {}

    def search(q: str, depth: int):
        result = service.search(q, depth, Scope.everything())
        analysed[q] = result
        return result.hits

    class Gate:  # per question: the calibrated model; per hit: today's coverage gate
        def is_relevant(self, q, hit):
            r = analysed[q]
            if use_model:
                return not model.judge(q, r.hits, r.query).refused
            return gate.is_relevant(q, hit, r.query)

    report = evaluate(search, questions, (5, 10), gate=Gate(), refusal_k=settings.search_k)
    o = report.overall
    print(f"== {set_name} [{part}] {variant or 'default'}  n={o.n}")
    print(f"   all      R@5 {o.recall[5]:.3f}  R@10 {o.recall[10]:.3f}  MRR {o.mrr:.3f}")
    for kind, f in report.by_kind.items():
        print(
            f"   {kind:<9}R@5 {f.recall[5]:.3f}  R@10 {f.recall[10]:.3f}  MRR {f.mrr:.3f}  n={f.n}"
        )
    u, a = report.refusal["unanswerable"], report.refusal["answerable"]
    # A refused answerable question whose passage was not among the first 5 showed
    # nothing useful anyway: the ranking missed it, not the refusal.
    found = sum(1 for o in report.outcomes if o.gold and o.refused and o.rank and o.rank <= 5)
    print(
        f"   refused: unanswerable {u['refused']}/{u['total']}, answerable {a['refused']}/{a['total']}"
        f" ({found} of them with the passage in the top 5)"
    )
    print(f"   latency p50 {report.latency_ms['p50']} ms, p95 {report.latency_ms['p95']} ms")
    if show_misses and part == "tuning":
        for m in report.misses:
            print(f"   miss {m.id} ({m.kind}, {m.rank}): {m.question}\n      gold {m.gold}")
            for t in m.top:
                print(f"        {t}")
    if features is not None and part != "heldback":
        with features.open("a", encoding="utf-8") as out:
            for q in questions:
                r = analysed[q.question]
                sig = model.signals(q.question, r.hits, r.query)
                out.write(json.dumps({"id": q.id, "set": set_name, "answerable": q.answerable,
                                      "features": sig}) + "\n")  # fmt: skip
    return report


# Options of the lexical index (constructor) – everything else is an attribute of
# the search service or, under "settings", a Settings override.
_INDEX_OPTIONS = {
    "boosts",
    "part_weight",
    "coordination",
    "spelling",
    "prf_terms",
    "prf_docs",
    "prf_weight",
    "thesaurus",
    "thesaurus_weight",
    "synonym_window",
    "doc_boost",
    "doc_window",
    "vocabulary_split",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="+", choices=sorted(SETS))
    parser.add_argument("--part", default="tuning", choices=["tuning", "heldback", "all"])
    parser.add_argument("--variant", nargs="*", default=[])
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--features", type=Path)
    parser.add_argument("--model", action="store_true", help="calibrated refusal model")
    args = parser.parse_args()
    for name in args.sets:
        run(name, args.part, _kv(args.variant), args.misses, args.features, args.model)


if __name__ == "__main__":
    main()
