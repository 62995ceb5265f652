"""Retrieval evaluation: a question set with gold passages, run through the real search.

The question format (one JSON object per line, documented in tests/data/eval/README.md):

* `question` – the question as staff would ask it (required);
* `source` – file name of the document that answers it; `null` for an unanswerable
  question;
* `section` – heading text of the answering section, and/or
* `evidence` – a verbatim snippet of the answering passage;
  with neither, any passage of the file counts (document-level gold, as in
  LegalQuAD);
* `reference` – for council data (issue 15): the reference of the answering paper
  ("2026/0419"), compared exactly with the hit's `meta["reference"]`; or
* `oparl_id` – the tail of the answering unit's OParl id ("meetings/10299"): a hit
  counts when its `meta["oparl_id"]` ends with it (at a "/" boundary);
* `dataset_id` – for open data (issue 16): the CKAN package id of the answering dataset,
  compared exactly with the hit's `meta["dataset_id"]` (and `portal`, when given, with
  `meta["portal"]`: the same dataset reappears in other catalogues under other ids);
* `kind` – optional label (`plain`, `everyday`, `english`, …) for figures per kind;
* `id` – optional; the line number otherwise.

A hit counts when its source file name equals `source` and its section path contains
`section` or its text contains `evidence` (both after whitespace collapsing). Each
question has one gold passage, so with r the rank of the first hit (∞ if none):
recall@k = [r ≤ k], MRR@10 = 1/r if r ≤ 10, nDCG@10 = 1/log2(1 + r) if r ≤ 10.
Unanswerable questions give refusal figures through the relevance gate instead:
refused = no top-`refusal_k` hit passes `gate.is_relevant` (the answering path with a
model); with `judge`, also the calibrated refusal of search mode (issue 12).
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.errors import AssistantError
from assistant.models import Hit

__all__ = [
    "EvalError",
    "EvalReport",
    "Question",
    "evaluate",
    "is_hit",
    "load_questions",
    "render_markdown",
]

METRIC_DEPTH = 10  # MRR and nDCG are computed over the first 10 hits
_WS = re.compile(r"\s+")


class EvalError(AssistantError):
    """The question file cannot be read or a line is not a valid question."""

    code = "eval"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    source: str | None = None
    section: str | None = None
    evidence: str | None = None
    kind: str = "unlabelled"
    reference: str | None = None  # council paper reference (Hit.meta["reference"])
    oparl_id: str | None = None  # tail of the unit's OParl id (Hit.meta["oparl_id"])
    dataset_id: str | None = None  # open-data package id (Hit.meta["dataset_id"])
    portal: str | None = None  # with dataset_id: the portal it must come from

    @property
    def answerable(self) -> bool:
        return bool(self.source or self.reference or self.oparl_id or self.dataset_id)

    @property
    def gold(self) -> str | None:
        """The gold as people read it in the report."""
        if self.dataset_id:
            return f"{self.portal} · {self.dataset_id}" if self.portal else self.dataset_id
        if self.reference or self.oparl_id:
            return " · ".join(g for g in (self.reference, self.oparl_id) if g)
        return f"{self.source} · {self.section or self.evidence}" if self.source else None


def _collapse(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def load_questions(path: Path) -> list[Question]:
    """The questions of a JSONL file; a German EvalError names the first bad line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"Die Fragendatei {path} lässt sich nicht lesen ({exc.strerror}).") from exc
    questions = [_parse(n, line, path) for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise EvalError(f"Die Fragendatei {path} enthält keine Fragen.")
    return questions


def _parse(n: int, line: str, path: Path) -> Question:
    def bad(why: str) -> EvalError:
        return EvalError(
            f"Zeile {n} in {path}: {why}",
            hint="Format siehe tests/data/eval/README.md "
            "(question, source, section/evidence, reference/oparl_id, dataset_id, kind).",
        )

    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise bad(f"kein gültiges JSON ({exc.msg}).") from exc
    if not isinstance(row, dict) or not str(row.get("question") or "").strip():
        raise bad("das Feld 'question' fehlt.")
    source = row.get("source") or None
    council = {
        key: str(row[key]).strip() or None
        for key in ("reference", "oparl_id", "dataset_id", "portal")
        if row.get(key)
    }
    answerable = bool(source or council.get("reference") or council.get("oparl_id"))
    answerable = answerable or bool(council.get("dataset_id"))
    return Question(
        id=str(row.get("id") or n),
        question=str(row["question"]),
        source=source,
        section=row.get("section") or None,
        evidence=row.get("evidence") or None,
        kind=str(row.get("kind") or ("unanswerable" if not answerable else "unlabelled")),
        **council,
    )


def is_hit(hit: Hit, q: Question) -> bool:
    """Does `hit` show the gold passage of `q`?"""
    if q.dataset_id:
        meta = hit.meta or {}
        same = str(meta.get("dataset_id") or "") == q.dataset_id
        return same and (not q.portal or str(meta.get("portal") or "") == q.portal)
    if q.reference or q.oparl_id:
        return _council_hit(hit, q)
    if not q.source or Path(hit.source).name != Path(q.source).name:
        return False
    if not (q.section or q.evidence):
        return True  # document-level gold
    if q.section and _collapse(q.section) in _collapse(hit.section):
        return True
    return bool(q.evidence) and _collapse(q.evidence) in _collapse(hit.text)


def _council_hit(hit: Hit, q: Question) -> bool:
    """Council gold: the paper with exactly this reference, or the unit whose OParl id
    ends with the given tail ("meetings/10299" is not "meetings/110299")."""
    meta = hit.meta or {}
    if q.reference and str(meta.get("reference") or "") == q.reference:
        return True
    if q.oparl_id:
        found, tail = str(meta.get("oparl_id") or ""), q.oparl_id.strip("/")
        return found == tail or found.endswith("/" + tail)
    return False


def first_rank(hits: Sequence[Hit], q: Question) -> int | None:
    """1-based rank of the first hit showing the gold passage, or None."""
    return next((i for i, h in enumerate(hits, 1) if is_hit(h, q)), None)


@dataclass
class Figures:
    """Ranking figures over a group of answerable questions."""

    n: int
    recall: dict[int, float]
    mrr: float
    ndcg: float


@dataclass
class Outcome:
    """What one question found."""

    id: str
    question: str
    kind: str
    gold: str | None
    rank: int | None = None  # None: not found within the search depth
    refused: bool | None = None  # None: no gate given
    refused_search: bool | None = None  # calibrated refusal of search mode; None: not judged
    top: list[str] = field(default_factory=list)  # "source · section" of the first hits
    ms: float = 0.0


@dataclass
class EvalReport:
    ks: list[int]
    overall: Figures
    by_kind: dict[str, Figures]
    outcomes: list[Outcome]
    refusal: dict[str, dict[str, int]] | None = None  # unanswerable / answerable
    refusal_search: dict[str, dict[str, int]] | None = None  # the same, search mode
    latency_ms: dict[str, float] = field(default_factory=dict)
    setup: dict = field(default_factory=dict)  # what was measured (weights, expansions …)

    @property
    def misses(self) -> list[Outcome]:
        """Answerable questions without a hit in the first ks[0] results."""
        k = self.ks[0]
        return [o for o in self.outcomes if o.gold and (o.rank is None or o.rank > k)]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["misses"] = [asdict(o) for o in self.misses]
        return data


def figures(ranks: Sequence[int | None], ks: Sequence[int]) -> Figures:
    """Recall@k, MRR@10 and nDCG@10 of first-hit ranks (one gold passage per question)."""
    n = len(ranks)
    if not n:
        return Figures(0, {k: 0.0 for k in ks}, 0.0, 0.0)
    within = [r for r in ranks if r is not None and r <= METRIC_DEPTH]
    return Figures(
        n=n,
        recall={k: sum(1 for r in ranks if r is not None and r <= k) / n for k in ks},
        mrr=sum(1 / r for r in within) / n,
        ndcg=sum(1 / math.log2(1 + r) for r in within) / n,
    )


Search = Callable[[str, int], Sequence[Hit]]


def evaluate(
    search: Search,
    questions: Iterable[Question],
    ks: Sequence[int] = (5, 10),
    gate=None,
    refusal_k: int = 5,
    judge: Callable[[str, Sequence[Hit]], bool] | None = None,
) -> EvalReport:
    """Run every question through `search(question, depth)` and score the results.

    `gate` (a RelevanceGate or anything with `is_relevant(question, hit)`) adds refusal
    figures: a question is refused when none of its first `refusal_k` hits passes.
    `judge(question, hits)` (True: refused) adds those of search mode's calibrated
    refusal."""
    ks = sorted({int(k) for k in ks if int(k) > 0}) or [5]
    depth = max(max(ks), METRIC_DEPTH, refusal_k)
    outcomes: list[Outcome] = []
    for q in questions:
        start = time.perf_counter()
        hits = list(search(q.question, depth))
        ms = (time.perf_counter() - start) * 1000
        gold = q.gold
        outcome = Outcome(
            q.id,
            q.question,
            q.kind,
            gold,
            rank=first_rank(hits, q) if q.answerable else None,
            top=[_shown(h) for h in hits[:3]],
            ms=round(ms, 2),
        )
        if gate is not None:
            outcome.refused = not any(gate.is_relevant(q.question, h) for h in hits[:refusal_k])
        if judge is not None:
            outcome.refused_search = bool(judge(q.question, hits))
        outcomes.append(outcome)
    report = _report(outcomes, ks, gate is not None)
    if judge is not None:
        report.refusal_search = _refusals(outcomes, "refused_search")
    return report


def _shown(hit: Hit) -> str:
    """A hit in the report: a council unit by its reference (or OParl id) and title, an
    open-data unit by its portal, dataset id and title."""
    meta = hit.meta or {}
    if meta.get("dataset_id"):
        return f"{meta.get('portal')} · {meta['dataset_id']} · {hit.title}"
    if meta.get("reference") or meta.get("oparl_id"):
        return f"{meta.get('reference') or meta.get('oparl_id')} · {hit.title}"
    return f"{hit.source} · {hit.section}"


def _refusals(outcomes: list[Outcome], flag: str) -> dict[str, dict[str, int]]:
    groups = {
        "unanswerable": [o for o in outcomes if not o.gold],
        "answerable": [o for o in outcomes if o.gold],
    }
    return {
        name: {"refused": sum(bool(getattr(o, flag)) for o in group), "total": len(group)}
        for name, group in groups.items()
    }


def _report(outcomes: list[Outcome], ks: list[int], with_gate: bool) -> EvalReport:
    answerable = [o for o in outcomes if o.gold]
    kinds: dict[str, list[Outcome]] = {}
    for o in answerable:
        kinds.setdefault(o.kind, []).append(o)
    refusal = _refusals(outcomes, "refused") if with_gate else None
    times = sorted(o.ms for o in outcomes)
    latency = {}
    if times:
        latency = {
            "p50": round(statistics.median(times), 2),
            "p95": round(times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)], 2),
        }
    return EvalReport(
        ks=ks,
        overall=figures([o.rank for o in answerable], ks),
        by_kind={
            kind: figures([o.rank for o in group], ks) for kind, group in sorted(kinds.items())
        },
        outcomes=outcomes,
        refusal=refusal,
        latency_ms=latency,
    )


def render_markdown(report: EvalReport, title: str = "Auswertung der Suche") -> str:
    """The report as Markdown: figures overall and per kind, refusals, misses."""
    ks = report.ks
    head = "| Art | Fragen | " + " | ".join(f"Recall@{k}" for k in ks) + " | MRR@10 | nDCG@10 |"
    rows = [f"# {title}", ""]
    if report.setup:
        rows += [", ".join(f"{k}: {v}" for k, v in report.setup.items()), ""]
    rows += [head, "|" + "---|" * (len(ks) + 4)]
    groups = [("**alle**", report.overall), *report.by_kind.items()]
    for name, f in groups:
        recalls = " | ".join(f"{f.recall[k]:.3f}" for k in ks)
        rows.append(f"| {name} | {f.n} | {recalls} | {f.mrr:.3f} | {f.ndcg:.3f} |")
    if report.refusal:
        u, a = report.refusal["unanswerable"], report.refusal["answerable"]
        rows += [
            "",
            "## Ablehnungen (Relevanzschwelle)",
            "",
            f"* unbeantwortbare Fragen abgelehnt: {u['refused']} / {u['total']}",
            f"* beantwortbare Fragen fälschlich abgelehnt: {a['refused']} / {a['total']}",
        ]
    if report.refusal_search:
        u, a = report.refusal_search["unanswerable"], report.refusal_search["answerable"]
        rows += [
            "",
            "## Ablehnungen im Suchmodus (kalibriertes Modell)",
            "",
            f"* unbeantwortbare Fragen abgelehnt: {u['refused']} / {u['total']}",
            f"* beantwortbare Fragen fälschlich abgelehnt: {a['refused']} / {a['total']}",
        ]
    if report.latency_ms:
        p50, p95 = report.latency_ms["p50"], report.latency_ms["p95"]
        rows += ["", f"Suchzeit je Frage: p50 {p50} ms, p95 {p95} ms"]
    rows += ["", f"## Nicht in den ersten {ks[0]} Treffern ({len(report.misses)})", ""]
    for o in report.misses:
        found = f"Rang {o.rank}" if o.rank else "nicht gefunden"
        rows.append(f"* **{o.id}** ({o.kind}, {found}): {_md(o.question)}")
        rows.append(f"  * erwartet: {_md(o.gold or '')}")
        rows.extend(f"  * {i}. {_md(t)}" for i, t in enumerate(o.top, 1))
    return "\n".join(rows) + "\n"


def _md(text: str) -> str:
    return _collapse(text).replace("|", "\\|")
