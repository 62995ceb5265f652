"""`assistant ingest`, `assistant docs …`, `assistant reindex`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx
from assistant.cli.output import escape
from assistant.cli.progress import IngestProgress, summary
from assistant.errors import NotFoundError


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
    validity = (valid_from and valid_from.date(), valid_until and valid_until.date())
    with IngestProgress(len(files), enabled=not as_json) as progress:
        if ctx.settings.jobs == "queue":
            report = _ingest_by_worker(ctx, files, collection, validity, progress)
        else:
            report = _ingest_here(ctx, files, collection, validity, progress)
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise SystemExit(1)


def _ingest_here(ctx: Context, files, collection, validity, progress):
    from assistant.ingest.pipeline import IngestReport

    ingestor = ctx.services.ingestor
    report = IngestReport()
    began = time.perf_counter()
    for path in files:
        progress.start(path)
        result = ingestor.ingest_file(
            path, collection, valid_from=validity[0], valid_until=validity[1]
        )
        report.results.append(result)
        progress.done(result)
    report.seconds = time.perf_counter() - began
    return report


def _ingest_by_worker(ctx: Context, files, collection, validity, progress):
    """ASSISTANT_JOBS=queue: the worker writes; we wait until the files are searchable."""
    from assistant.ingest import jobs

    def waiting(job_id: int) -> None:
        click.echo(
            f"Auftrag {job_id} wartet auf den Hintergrunddienst (assistant worker) …", err=True
        )

    return jobs.submit_and_wait(
        ctx.services.jobs,
        files,
        jobs.payload(files, collection, *validity),
        progress.done,
        ctx.settings.job_poll_seconds,
        on_waiting=waiting,
    )


def _print_report(report) -> None:
    err = output.console(stderr=True)
    for r in report.results:
        if r.failed:
            err.print(f"[red]✗ {escape(r.path)}[/red]: {escape(r.message or '')}")
        for warning in r.warnings:
            err.print(f"[yellow]! {escape(r.path)}[/yellow]: {escape(warning)}")
    for line in summary(report):
        click.echo(line, err=True)


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
    rows = [
        (
            r.doc_id,
            r.collection,
            r.title,
            r.version,
            r.chunks,
            r.ingested_at.strftime("%d.%m.%Y %H:%M"),
        )
        for r in records
    ]
    output.table(("doc_id", "Sammlung", "Titel", "Version", "Abschnitte", "eingelesen"), rows)


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
@click.option(
    "--renew",
    is_flag=True,
    help="Mit --vectors: alle Vektoren neu berechnen, nicht nur fehlende (nach einer "
    "Änderung des eingebetteten Textes, z. B. ASSISTANT_OPENDATA_DENSE_CHARS).",
)
@pass_ctx
@friendly_errors
def reindex(ctx: Context, vectors: bool, questions: bool, renew: bool) -> None:
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
        click.echo(f"eingebettet: {title} ({chunks} Abschnitte)", err=True)

    total = ctx.services.ingestor.backfill_vectors(on_document=done, renew=renew)
    click.echo(f"{total} Abschnitte eingebettet.")


def _backfill_questions(ctx: Context) -> None:
    def done(title: str, chunks: int, warning: str | None) -> None:
        click.echo(f"Suchfragen: {title} ({chunks} Abschnitte)", err=True)
        if warning:
            click.echo(f"  Hinweis: {warning}", err=True)

    total = ctx.services.ingestor.backfill_questions(on_document=done)
    click.echo(f"{total} Abschnitte mit Suchfragen.")
