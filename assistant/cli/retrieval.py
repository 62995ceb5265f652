"""`assistant search` (and, with the answering service, `assistant ask`)."""

from __future__ import annotations

import getpass
import logging
from datetime import date
from typing import TYPE_CHECKING

import click

from assistant.access.accounts import Operator
from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx
from assistant.cli.output import escape
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.access.accounts import Person
    from assistant.models import Scope
    from assistant.retrieval.filters import SearchFilters

log = logging.getLogger("assistant.cli.ask")
INTERNAL_ERROR = "Die Frage konnte nicht beantwortet werden; Details stehen im Anwendungsprotokoll."
_DATE = click.DateTime(["%Y-%m-%d", "%d.%m.%Y"])


def filter_options(command):
    """--body/--type/--committee/--from/--to/--year: filters that every hit must meet (a
    document without the field does not)."""
    options = [
        click.option("--body", multiple=True, help="Nur diese Kommune (Körperschaft im Ratsinfo)."),
        click.option(
            "--type", "paper_types", multiple=True, help="Nur diese Vorlagenart, z. B. Anfrage."
        ),
        click.option("--committee", multiple=True, help="Nur Vorlagen/Sitzungen dieses Gremiums."),
        click.option("--from", "date_from", type=_DATE, help="Nur ab diesem Datum (JJJJ-MM-TT)."),
        click.option("--to", "date_to", type=_DATE, help="Nur bis zu diesem Datum (JJJJ-MM-TT)."),
        click.option("--year", type=click.IntRange(1900, 2999), help="Nur aus diesem Jahr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filters(options: dict) -> SearchFilters | None:
    """The filter flags as SearchFilters; None when none is given."""
    from assistant.retrieval.filters import SearchFilters

    year = options.pop("year", None)
    start, end = options.pop("date_from", None), options.pop("date_to", None)
    filters = SearchFilters(
        body=options.pop("body", ()),
        paper_type=options.pop("paper_types", ()),
        organization=options.pop("committee", ()),
        date_from=start.date() if start else (date(year, 1, 1) if year else None),
        date_to=end.date() if end else (date(year, 12, 31) if year else None),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise click.UsageError("Das Datum bei --from liegt nach dem bei --to.")
    return filters if filters.active else None


@cli.command()
@click.argument("query", required=False)
@click.option("-k", "k", type=int, help="Anzahl der Treffer.")
@click.option("--collection", "-c", "collections", multiple=True, help="Nur diese Sammlung(en).")
@click.option(
    "--batch",
    type=click.File("r", encoding="utf-8"),
    help="Datei mit einer Anfrage pro Zeile; gibt eine JSON-Zeile pro Anfrage aus.",
)
@click.option("--user", "-u", help="Nur was dieses Konto lesen darf (Sammlungen seiner Gruppen).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Treffer als JSON (mit --batch je Zeile: Anfrage, angewandte Filter, Treffer).",
)
@filter_options
@pass_ctx
@friendly_errors
def search(ctx: Context, query, k, collections, batch, user, as_json, **options) -> None:
    """Hybride Suche (Stichwort + Vektor), ohne Sprachmodell."""
    if bool(query) == bool(batch):
        raise click.UsageError("Bitte entweder eine Anfrage oder --batch DATEI angeben.")
    filters = _filters(options)
    service = ctx.services.search
    scope = _scope(ctx, user, collections)
    if batch:
        for line in batch:
            q = line.rstrip("\n")
            result = service.search(q, k, scope, filters=filters) if q.strip() else None
            echo_json(_result_json(q, result))
        return
    result = service.search(query, k, scope, filters=filters)
    if as_json:  # a list of hits: the stable contract (DESIGN.md); filters show in --batch
        echo_json([h.to_dict() for h in result.hits])
        return
    _print_filters(result.filters)
    _print_hits(result.hits, query, empty=not result.hits and not service.has_documents(scope))


def _result_json(query: str, result) -> dict:
    """One search as JSON: the query, the filters applied and the hits."""
    if result is None:
        return {"query": query, "filters": {}, "hits": []}
    return {"query": query, "filters": result.filters, "hits": [h.to_dict() for h in result.hits]}


_FILTER_NAMES = {
    "body": "Kommune",
    "paper_type": "Vorlagenart",
    "organization": "Gremium",
    "date_from": "ab",
    "date_to": "bis",
}


def _print_filters(applied: dict) -> None:
    """Which filters restricted the hits, so that a short list is not a surprise."""
    parts = []
    for kind, label in (("explicit", "Filter"), ("recognised", "Aus der Frage erkannt")):
        fields = applied.get(kind) or {}
        if fields:
            shown = "; ".join(
                f"{_FILTER_NAMES.get(k, k)} {', '.join(v) if isinstance(v, list) else v}"
                for k, v in fields.items()
            )
            parts.append(f"{label}: {shown}")
    if applied.get("references"):
        parts.append("Aktenzeichen: " + ", ".join(applied["references"]))
    if parts:
        output.console().print(f"[dim]{escape(' · '.join(parts))}[/dim]")


def _print_hits(hits, query: str, empty: bool = False) -> None:
    from assistant.retrieval.snippets import snippet

    console = output.console()
    if not hits:
        console.print("Keine Treffer in der Wissensbasis.")
        if empty:
            console.print(
                "Hinweis: In den durchsuchten Sammlungen ist noch kein gültiges Dokument "
                "eingelesen (`assistant ingest PFAD`, `assistant docs list`)."
            )
        return
    for h in hits:
        where = " · ".join(p for p in (h.section, f"S. {h.page}" if h.page else "") if p)
        console.print(f"[bold]{escape(f'[{h.rank}] {h.title}')}[/bold]  {escape(where)}")
        cut = snippet(h.text, query).replace("\n", "\n    ")  # around the query's words
        console.print(f"    {cut}", markup=False)
        console.print(f"    [dim]{escape(h.source)}[/dim]")


@cli.command()
@click.argument("question", required=False)
@click.option("--collection", "-c", "collections", multiple=True, help="Nur diese Sammlung(en).")
@click.option(
    "--user",
    "-u",
    help="Wer fragt: ein Konto (`assistant users`); es wird nur "
    "gefunden, was es lesen darf. Ohne: alle Sammlungen, Benutzer des Betriebssystems. "
    "Im Protokoll steht nur ein Pseudonym.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Antwort als ein JSON-Objekt; ein Fehler ist ebenfalls ein JSON-Objekt "
    '({"error": {"code", "message", "hint"}}, Exit-Code 1).',
)
@filter_options
@pass_ctx
@friendly_errors
def ask(ctx: Context, question: str | None, collections, user, as_json: bool, **options) -> None:
    """Eine Frage beantworten lassen – mit Quellen; ohne Sprachmodell im Suchmodus."""
    if as_json:
        data = _json_reply(ctx, question, collections, user, options)
        echo_json(data)
        if "error" in data:
            raise SystemExit(1)
        return
    _print_answer(_ask(ctx, question, collections, user, options).answer)


def _ask(ctx: Context, question: str | None, collections, user, options: dict):
    """The question through the one use case, with the filter flags in `options`."""
    filters = _filters(dict(options))
    person = _person(ctx, user)
    return ctx.services.assistant.ask(
        person, question or "", collections=collections, filters=filters
    )


def _json_reply(ctx: Context, question: str | None, collections, user, options: dict) -> dict:
    """The answer, or the error, as one object: scripts read exactly one per call."""
    try:
        reply = _ask(ctx, question, collections, user, options)
    except AssistantError as exc:
        return {"error": {"code": exc.code, "message": exc.message, "hint": exc.hint}}
    except Exception as exc:  # noqa: BLE001 - a script gets an object, the log the details
        log.error("ask failed: %s", type(exc).__name__)
        return {"error": {"code": "internal", "message": INTERNAL_ERROR, "hint": None}}
    return {**reply.answer.to_dict(), "audit_id": reply.audit_id}


def _print_answer(answer) -> None:
    console = output.console()
    if answer.notice:
        console.print(f"[yellow]Hinweis:[/yellow] {escape(answer.notice)}")
    console.print(answer.answer, markup=False)
    if answer.mode == "llm" and not answer.refused:
        flag = " – [red]nicht durch Quellen belegt[/red]" if answer.unverified else ""
        label = f"KI-generiert ({answer.model}, Prompt {answer.prompt_version})"
        console.print(f"[dim]{escape(label)}{flag}[/dim]")
    for c in answer.citations:
        where = ", ".join(p for p in (c.section, f"S. {c.page}" if c.page else "") if p)
        source = f"[{c.n}] {c.title} – {where}"
        console.print(f"{escape(source)}  [dim]{escape(c.source)}[/dim]")


def _person(ctx: Context, user: str | None) -> Person:
    """`--user NAME`: that account, as the store knows it; without: the operator at this
    terminal, who reads every collection (and is named by the OS user in the audit)."""
    return ctx.services.accounts.require(user) if user else Operator(_os_user())


def _scope(ctx: Context, user: str | None, collections) -> Scope:
    """The collections to search: what the person may read, narrowed to --collection."""
    return ctx.services.collections.scope(_person(ctx, user), collections)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        return "unbekannt"
