"""`assistant ingest`, `assistant docs …`, `assistant reindex`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx
from assistant.errors import NotFoundError

err = Console(stderr=True)

_STATUS_DE = {
    "added": "neu",
    "updated": "aktualisiert",
    "unchanged": "unverändert",
    "failed": "FEHLER",
}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--collection", "-c", help="Sammlung, in die die Dokumente kommen.")
@click.option(
    "--valid-from",
    type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]),
    help="Gültig ab (JJJJ-MM-TT oder TT.MM.JJJJ); vorher wird es nicht gefunden.",
)
@click.option(
    "--valid-until",
    type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]),
    help="Gültig bis (einschließlich); danach wird es nicht mehr gefunden.",
)
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON auf stdout.")
@pass_ctx
@friendly_errors
def ingest(
    ctx: Context,
    paths: tuple[Path, ...],
    collection: str | None,
    valid_from,
    valid_until,
    as_json: bool,
) -> None:
    """Dateien oder Ordner einlesen (PDF, DOCX, ODT, HTML, MD, TXT, EML).

    Unchanged files are skipped, changed files replace their previous version.
    Exit code 1 if any file could not be ingested; the others are ingested anyway.
    """
    from assistant.ingest.pipeline import iter_files

    files = list(iter_files(paths))
    ingestor = ctx.services.ingestor
    with Progress(
        TextColumn("[bold]Einlesen"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("", total=len(files))

        def advance(result) -> None:
            progress.update(task, advance=1, description=Path(result.path).name)

        if valid_from or valid_until:
            report = _ingest_valid(
                ingestor,
                files,
                collection,
                advance,
                valid_from and valid_from.date(),
                valid_until and valid_until.date(),
            )
        else:
            report = ingestor.ingest_paths(files, collection, on_result=advance)
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise SystemExit(1)


def _ingest_valid(ingestor, files, collection, advance, valid_from, valid_until):
    """Like `ingest_paths`, with validity dates on every file."""
    from assistant.ingest.pipeline import IngestReport

    report = IngestReport()
    for path in files:
        result = ingestor.ingest_file(
            path, collection, valid_from=valid_from, valid_until=valid_until
        )
        report.results.append(result)
        advance(result)
    report.seconds = sum(r.seconds for r in report.results)
    return report


def _print_report(report) -> None:
    for r in report.results:
        if r.failed:
            err.print(f"[red]✗ {r.path}[/red]: {r.message}", highlight=False)
        for warning in r.warnings:
            err.print(f"[yellow]! {r.path}[/yellow]: {warning}", highlight=False)
    c = report.counts()
    chunks = sum(r.chunks for r in report.results if r.status in ("added", "updated"))
    err.print(
        f"{len(report.results)} Dateien in {report.seconds:.1f} s: {c['added']} neu, "
        f"{c['updated']} aktualisiert, {c['unchanged']} unverändert, {c['failed']} fehlerhaft; "
        f"{chunks} Abschnitte geschrieben.",
        highlight=False,
    )


@cli.group()
def docs() -> None:
    """Das Verzeichnis der eingelesenen Dokumente (Manifest)."""


@docs.command("list")
@click.option("--collection", "-c", help="Nur diese Sammlung.")
@click.option("--json", "as_json", is_flag=True, help="Als JSON-Liste.")
@pass_ctx
@friendly_errors
def docs_list(ctx: Context, collection: str | None, as_json: bool) -> None:
    """Alle sichtbaren Dokumente mit Version und Abschnittszahl."""
    records = ctx.services.manifest.list(collection)
    if as_json:
        echo_json([r.to_dict() for r in records])
        return
    table = Table("doc_id", "Sammlung", "Titel", "Version", "Abschnitte", "eingelesen")
    for r in records:
        table.add_row(
            r.doc_id,
            r.collection,
            r.title,
            str(r.version),
            str(r.chunks),
            r.ingested_at.strftime("%d.%m.%Y %H:%M"),
        )
    Console().print(table)


@docs.command("show")
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True, help="Als JSON.")
@pass_ctx
@friendly_errors
def docs_show(ctx: Context, doc_id: str, as_json: bool) -> None:
    """Ein Dokument im Detail."""
    record = ctx.services.manifest.get(doc_id)
    if record is None:
        raise NotFoundError(f"Kein Dokument mit der ID „{doc_id}“. Siehe `assistant docs list`.")
    if as_json:
        echo_json(record.to_dict())
        return
    for key, value in record.to_dict().items():
        click.echo(f"{key:12} {value}")


@docs.command("remove")
@click.argument("doc_ids", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def docs_remove(ctx: Context, doc_ids: tuple[str, ...]) -> None:
    """Dokumente zurückziehen: aus Manifest, Stichwortindex und Chroma löschen."""
    missing = [d for d in doc_ids if not ctx.services.ingestor.remove(d)]
    for d in doc_ids:
        if d not in missing:
            click.echo(f"entfernt: {d}")
    if missing:
        raise NotFoundError(f"Nicht gefunden: {', '.join(missing)}. Siehe `assistant docs list`.")


@cli.command()
@click.option(
    "--vectors",
    is_flag=True,
    help="Fehlende Vektoren berechnen (nach Einlesen ohne dichte Gewichtung).",
)
@click.option(
    "--questions",
    is_flag=True,
    help="Fehlende Suchfragen erzeugen (doc2query, ASSISTANT_DOC2QUERY_QUESTIONS).",
)
@pass_ctx
@friendly_errors
def reindex(ctx: Context, vectors: bool, questions: bool) -> None:
    """Vektoren oder Suchfragen nachtragen, für jedes sichtbare Dokument ohne sie.

    Ingestion embeds chunks only while ASSISTANT_WEIGHT_DENSE > 0 and has the model write
    questions only while ASSISTANT_DOC2QUERY_QUESTIONS > 0; after switching either on,
    this fills in the documents ingested before. Idempotent.
    """
    if not (vectors or questions):
        raise click.UsageError("Bitte --vectors und/oder --questions angeben.")
    if questions:
        _backfill_questions(ctx)
    if not vectors:
        return

    def done(title: str, chunks: int) -> None:
        err.print(f"eingebettet: {title} ({chunks} Abschnitte)", highlight=False)

    total = ctx.services.ingestor.backfill_vectors(on_document=done)
    click.echo(f"{total} Abschnitte eingebettet.")


def _backfill_questions(ctx: Context) -> None:
    def done(title: str, chunks: int, warning: str | None) -> None:
        click.echo(f"Suchfragen: {title} ({chunks} Abschnitte)", err=True)
        if warning:
            click.echo(f"  Hinweis: {warning}", err=True)

    total = ctx.services.ingestor.backfill_questions(on_document=done)
    click.echo(f"{total} Abschnitte mit Suchfragen.")
