"""`assistant opendata sync|list|remove|table|compare` — open-data portals (CKAN)."""

from __future__ import annotations

import sys

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx
from assistant.cli.progress import seconds

COUNT_DE = {
    "new": "neu",
    "changed": "geändert",
    "deleted": "entfernt",
    "unchanged": "unverändert",
    "failed": "fehlerhaft",
}


@cli.group()
def opendata() -> None:
    """Open-Data-Portale (CKAN) abgleichen: Datensätze und Statistik-Tabellen."""


@opendata.command("sync")
@click.argument("url", required=False)
@click.option("--name", help="Kurzname des Portals (Standard: aus der Adresse).")
@click.option("--organization", help="Nur Datensätze dieser Organisation (CKAN-Name).")
@click.option("--collection", "-c", help="Sammlung (Standard: opendaten).")
@click.option("--full", is_flag=True, help="Alles neu abrufen statt nur Änderungen.")
@click.option("--all", "sync_all", is_flag=True, help="Alle registrierten Portale abgleichen.")
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON auf stdout.")
@pass_ctx
@friendly_errors
def sync(ctx: Context, url, name, organization, collection, full, sync_all, as_json) -> None:
    """Ein CKAN-Portal abgleichen (URL = Basisadresse des Portals).

    Exit code 0, wenn der Lauf vollständig war (tote Links und einzelne Probleme stehen im
    Bericht), 1, wenn er abbrach – der nächste Lauf setzt dann dort fort.
    """
    from assistant.connectors.engine import SyncIncomplete

    service = ctx.services.opendata
    if sync_all == bool(url or name):
        raise click.UsageError("Bitte eine URL (oder --name) oder --all angeben.")
    if sync_all:
        names = [s.name for s in service.sources()]
    elif url:
        names = [
            service.register(url, name=name, organization=organization, collection=collection).name
        ]
    else:
        names = [service.store.source(name).name]
    reports, failed = [], False
    for source in names:
        progress = _Progress(source, enabled=not as_json)
        try:
            report = service.sync(source, full=full, progress=progress)
        except SyncIncomplete as exc:
            failed = True
            reports.append({"source": source, "status": "failed", "error": str(exc)})
            progress.close()
            if not as_json:
                click.echo(f"{source}: nicht abgeschlossen. {exc}", err=True)
            continue
        progress.close()
        reports.append(report.to_dict())
        if not as_json:
            _print_report(report)
    if as_json:
        echo_json(reports[0] if len(reports) == 1 and not sync_all else reports)
    if failed:
        sys.exit(1)


@opendata.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON auf stdout.")
@pass_ctx
@friendly_errors
def list_(ctx: Context, as_json: bool) -> None:
    """Registrierte Open-Data-Portale und ihr letzter Abgleich."""
    status = ctx.services.opendata.status()
    if as_json:
        echo_json(status)
        return
    if not status:
        click.echo("Keine Open-Data-Portale registriert (assistant opendata sync URL).")
    for s in status:
        ok = s["last_success"]
        when = ok["finished_at"][:16].replace("T", " ") if ok else "noch nie"
        datasets = s["objects"].get("Dataset", 0)
        click.echo(f"{s['name']}  {s['url']}  Sammlung {s['collection']}")
        click.echo(f"  letzter erfolgreicher Abgleich: {when}; {datasets} Datensätze")
        last = s["last_run"]
        if last and last["status"] != "completed":
            click.echo(f"  letzter Lauf nicht abgeschlossen: {last['error'] or ''}")


@opendata.command("remove")
@click.argument("name")
@pass_ctx
@friendly_errors
def remove(ctx: Context, name: str) -> None:
    """Ein Portal abmelden und alle seine Einträge und Tabellen entfernen."""
    removed = ctx.services.opendata.remove(name)
    click.echo(f"Portal „{name}“ entfernt; {removed} Einträge aus dem Index gelöscht.")


@opendata.command("table")
@click.argument("dataset")
@click.option("--portal", help="Nur in diesem Portal suchen.")
@click.option("--rows", "max_rows", type=int, default=50, show_default=True,
              help="Höchstens so viele Zeilen zeigen (0 = alle).")  # fmt: skip
@pass_ctx
@friendly_errors
def table(ctx: Context, dataset: str, portal: str | None, max_rows: int) -> None:
    """Die beim Abgleich gespeicherte Tabelle eines Datensatzes zeigen (id, Name oder Ressource)."""
    from assistant.connectors.opendata.render import render_table

    found = ctx.services.opendata.dataset_tables(dataset, portal)
    for n, stored in enumerate(found):
        if n:
            click.echo("")
        click.echo(render_table(stored, max_rows=max_rows or None))


@opendata.command("compare")
@click.argument("figure")
@click.option("--year", help="Dieses Jahr nehmen, wo eine Jahresreihe es hat.")
@click.option("--chart", "chart", type=click.Path(dir_okay=False, writable=True),
              help="Balkendiagramm zusätzlich als SVG-Datei schreiben.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Als JSON auf stdout.")
@pass_ctx
@friendly_errors
def compare(ctx: Context, figure: str, year: str | None, chart: str | None, as_json: bool) -> None:
    """Eine Kennzahl über die konfigurierten Städte vergleichen (ASSISTANT_OPENDATA_KEYFIGURES).

    Unterschiedliche Jahre oder Definitionen werden als Hinweis ausgegeben.
    """
    from pathlib import Path

    from assistant.connectors.opendata.chart import comparison_svg
    from assistant.connectors.opendata.keyfigures import render_comparison

    result = ctx.services.opendata.compare(figure, year=year)
    if chart:
        Path(chart).write_text(comparison_svg(result), encoding="utf-8")
    if as_json:
        echo_json(result)
    else:
        click.echo(render_comparison(result))
        if chart:
            click.echo(f"Diagramm: {chart}")


class _Progress:
    """Pages, datasets and units on stderr while a sync runs (one line, rewritten)."""

    def __init__(self, source: str, enabled: bool):
        self.source, self.enabled = source, enabled
        self.pages = self.datasets = self.units = 0
        self.count: int | None = None
        self.tty = sys.stderr.isatty()

    def __call__(self, event: str, data: dict) -> None:
        if event == "page":
            self.pages += 1
            self.datasets += data.get("objects", 0)
            self.count = data.get("count", self.count)
        elif event == "unit":
            self.units += 1
        if not self.enabled:
            return
        of = f" von {self.count}" if self.count is not None else ""
        line = f"{self.source}: {self.datasets}{of} Datensätze gelesen, {self.units} Einträge"
        if self.tty:
            click.echo("\r" + line, err=True, nl=False)
        elif event == "page" and self.pages % 20 == 0:
            click.echo(line, err=True)

    def close(self) -> None:
        if self.enabled and self.tty and (self.pages or self.units):
            click.echo("", err=True)


def _print_report(report) -> None:
    counts = report.counts
    parts = ", ".join(f"{counts[k]} {COUNT_DE[k]}" for k in COUNT_DE)
    kind = "vollständig" if report.full else "Änderungen"
    resumed = " (fortgesetzt)" if report.resumed else ""
    click.echo(
        f"{report.source}: Abgleich ({kind}){resumed} abgeschlossen in {seconds(report.seconds)} – "
        f"Datensätze: {parts}; {counts.get('tables', 0)} Tabellen geladen, "
        f"{counts.get('dead_links', 0)} tote Links; {counts['pages']} Seiten, "
        f"{report.requests} Anfragen."
    )
    for problem in report.problems[:20]:
        click.echo(f"  Hinweis: {problem['message']} {problem['ref']}")
    if len(report.problems) > 20:
        click.echo(f"  … und {len(report.problems) - 20} weitere Hinweise (--json zeigt alle).")
