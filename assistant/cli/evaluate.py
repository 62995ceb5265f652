"""`assistant eval`: retrieval quality of the current index on a question set."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx


def _parse_ks(value: str) -> list[int]:
    try:
        ks = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        ks = []
    if not ks or ks[0] <= 0:
        raise click.BadParameter("Bitte positive ganze Zahlen, z. B. 5,10.")
    return ks


@cli.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-k", "ks", default="5,10", show_default=True, help="Recall an diesen Rängen (kommagetrennt)."
)
@click.option("--collection", "-c", "collections", multiple=True, help="Nur diese Sammlung(en).")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Bericht zusätzlich als Markdown in diese Datei schreiben.",
)
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@pass_ctx
@friendly_errors
def evaluate_cmd(ctx: Context, questions: Path, ks: str, collections, report, as_json) -> None:
    """Suchqualität messen: Recall@k, MRR@10, nDCG@10 je Fragenart, Fehlgriffe, Ablehnungen.

    QUESTIONS ist eine JSONL-Datei (eine Frage je Zeile, Format in
    tests/data/eval/README.md). Gesucht wird im aktuellen Index, wie in
    `assistant search`.
    """
    from assistant.retrieval.evaluation import evaluate, load_questions, render_markdown
    from assistant.retrieval.relevance import RelevanceGate
    from assistant.retrieval.rewrite import build_rewriter

    k_list = _parse_ks(ks)
    items = load_questions(questions)
    from assistant.models import Scope

    service, settings = ctx.services.search, ctx.settings
    scope = Scope.everything().narrowed(collections)  # the operator measures the index
    gate = _SharedAnalysis(
        RelevanceGate(settings.min_term_coverage, settings.min_dense_similarity), service
    )
    rewrite = build_rewriter(settings)  # multi-query, when ASSISTANT_QUERY_REWRITES > 0
    result = evaluate(
        lambda q, depth: (
            gate.remember(q, service.search(q, depth, scope, variants=rewrite(q))).hits
        ),
        items,
        k_list,
        gate=gate,
        refusal_k=settings.search_k,
        judge=gate.refused_in_search_mode,
    )
    expander = getattr(service.lexical, "expander", None)
    result.setup = {
        "Gewichte (Stichwort/Vektor Dokumente/Vektor offene Daten)": (
            f"{settings.weight_lexical}/{settings.weight_dense}/{settings.opendata_weight_dense}"
        ),
        "Erweiterungen": "+".join(expander.sources) if expander else "keine",
        "Mindestabdeckung": settings.min_term_coverage,
        "Umformulierungen": settings.query_rewrites,
    }
    markdown = render_markdown(result, f"Auswertung der Suche: {questions.name}")
    if report:
        report.write_text(markdown, encoding="utf-8")
    if as_json:
        echo_json(result.to_dict())
        return
    _print(result)


def _print(result) -> None:
    console = output.console()
    ks = result.ks
    if result.setup:
        console.print(", ".join(f"{k}: {v}" for k, v in result.setup.items()), highlight=False)
    header = f"{'Art':<14}{'Fragen':>7}" + "".join(f"{'R@' + str(k):>8}" for k in ks)
    console.print(header + f"{'MRR@10':>9}{'nDCG@10':>9}", highlight=False)
    for name, f in [("alle", result.overall), *result.by_kind.items()]:
        recalls = "".join(f"{f.recall[k]:>8.3f}" for k in ks)
        console.print(f"{name:<14}{f.n:>7}{recalls}{f.mrr:>9.3f}{f.ndcg:>9.3f}", highlight=False)
    if result.refusal:
        u, a = result.refusal["unanswerable"], result.refusal["answerable"]
        console.print(
            f"Abgelehnt: unbeantwortbar {u['refused']}/{u['total']}, "
            f"beantwortbar (fälschlich) {a['refused']}/{a['total']}",
            highlight=False,
        )
    if result.refusal_search:
        u, a = result.refusal_search["unanswerable"], result.refusal_search["answerable"]
        console.print(
            f"Abgelehnt im Suchmodus: unbeantwortbar {u['refused']}/{u['total']}, "
            f"beantwortbar (fälschlich) {a['refused']}/{a['total']}",
            highlight=False,
        )
    misses = result.misses
    console.print(f"Nicht in den ersten {ks[0]} Treffern: {len(misses)}", highlight=False)
    for o in misses:
        found = f"Rang {o.rank}" if o.rank else "nicht gefunden"
        console.print(f"  {o.id} ({o.kind}, {found}): {o.question}", highlight=False, markup=False)
        console.print(f"    erwartet: {o.gold}", highlight=False, markup=False)
        for i, t in enumerate(o.top, 1):
            console.print(f"    {i}. {t}", highlight=False, markup=False)


class _SharedAnalysis:
    """The gate judges with the search's own analysis of each question, as in answering."""

    def __init__(self, gate, service):
        self.gate = gate
        self.service = service
        self._results: dict = {}

    def remember(self, question: str, result):
        self._results[question] = result
        return result

    def is_relevant(self, question: str, hit) -> bool:
        result = self._results.get(question)
        return self.gate.is_relevant(question, hit, result.query if result else None)

    def refused_in_search_mode(self, question: str, hits) -> bool:
        """Search mode's calibrated judgement, on the first `search_k` hits as there."""
        from dataclasses import replace

        result = self._results[question]
        shown = replace(result, hits=list(hits)[: self.service.settings.search_k])
        return self.service.judge(shown).refused
