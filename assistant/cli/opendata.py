"""`assistant opendata sync|list|remove|table|compare|check` — open-data portals (CKAN)."""

from __future__ import annotations

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx, syncing
from assistant.cli.syncing import SyncProgress, counted, list_sources, sync_sources

# A dataset deleted or made private on the portal counts as "entfernt".
COUNT_DE = {**syncing.COUNT_DE, "deleted": "entfernt"}


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
    service = ctx.services.opendata
    sync_sources(
        ctx,
        service,
        url=url,
        name=name,
        sync_all=sync_all,
        full=full,
        as_json=as_json,
        register=lambda: service.register(
            url, name=name, organization=organization, collection=collection
        ),
        summary=_summary,
        progress=_Progress,
    )


@opendata.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON auf stdout.")
@pass_ctx
@friendly_errors
def list_(ctx: Context, as_json: bool) -> None:
    """Registrierte Open-Data-Portale und ihr letzter Abgleich."""
    list_sources(
        ctx,
        ctx.services.opendata,
        as_json=as_json,
        none="Keine Open-Data-Portale registriert (assistant opendata sync URL).",
        held=lambda objects: f"{objects.get('Dataset', 0)} Datensätze",
    )


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


@opendata.command("check")
@pass_ctx
@friendly_errors
def check(ctx: Context) -> None:
    """Die Kennzahlen-Konfigurationen gegen die gespeicherten Tabellen prüfen.

    Meldet jede konfigurierte Spalte, die es in ihrer Tabelle nicht gibt (Exit-Code 1).
    """
    notes = ctx.services.opendata.check_config()
    for note in notes:
        click.echo(f"Hinweis: {note}")
    if notes:
        raise SystemExit(1)
    click.echo("Alle konfigurierten Spalten gibt es in ihren Tabellen.")


class _Progress(SyncProgress):
    """Datasets read (of all the portal counts) and units."""

    every = 20

    def line(self) -> str:
        of = f" von {self.count}" if self.count is not None else ""
        return f"{self.source}: {self.objects}{of} Datensätze gelesen, {self.units} Einträge"


def _summary(report) -> list[str]:
    counts = report.counts
    return [
        f"Datensätze: {counted(report, COUNT_DE)}",
        f"{counts.get('tables', 0)} Tabellen geladen, {counts.get('dead_links', 0)} tote Links",
    ]
