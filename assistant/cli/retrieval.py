"""`assistant search` (and, with the answering service, `assistant ask`)."""

from __future__ import annotations

import click
from rich.console import Console

from . import Context, cli, echo_json, friendly_errors, pass_ctx


@cli.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=int, help="Anzahl der Treffer.")
@click.option("--collection", "-c", "collections", multiple=True, help="Nur diese Sammlung(en).")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="Datei mit einer Anfrage pro Zeile; gibt eine JSON-Zeile pro Anfrage aus.")
@click.option("--json", "as_json", is_flag=True, help="Treffer als JSON.")
@pass_ctx
@friendly_errors
def search(ctx: Context, query, k, collections, batch, as_json) -> None:
    """Hybride Suche (Stichwort + Vektor), ohne Sprachmodell."""
    if bool(query) == bool(batch):
        raise click.UsageError("Bitte entweder eine Anfrage oder --batch DATEI angeben.")
    service = ctx.services.search
    scope = list(collections) or None
    if batch:
        for line in batch:
            q = line.rstrip("\n")
            hits = service.search(q, k, scope).hits if q.strip() else []
            echo_json({"query": q, "hits": [h.to_dict() for h in hits]})
        return
    result = service.search(query, k, scope)
    if as_json:
        echo_json([h.to_dict() for h in result.hits])
        return
    _print_hits(result.hits)


def _print_hits(hits) -> None:
    console = Console()
    if not hits:
        console.print("Keine Treffer in der Wissensbasis.")
        return
    for h in hits:
        where = " · ".join(p for p in (h.section, f"S. {h.page}" if h.page else "") if p)
        console.print(f"[bold][{h.rank}] {h.title}[/bold]  {where}", highlight=False)
        snippet = h.text if len(h.text) <= 400 else h.text[:400] + " …"
        console.print(f"    {snippet}", highlight=False, markup=False)
        console.print(f"    [dim]{h.source}[/dim]", highlight=False)
