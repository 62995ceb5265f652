"""`assistant collections …`: which groups may read a collection, who manages it."""

from __future__ import annotations

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx


def collection_service(ctx: Context):
    return ctx.services.collections


def _split(values) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _show(c) -> None:
    click.echo(
        f"{c.name}: lesen {', '.join(c.read_groups) or 'niemand'}; "
        f"verwalten {', '.join(c.managers) or '–'}"
    )


@cli.group()
def collections() -> None:
    """Sammlungen: Lesegruppen („alle“ oder Gruppen) und Verwaltende."""


@collections.command("add")
@click.argument("name")
@click.option(
    "--group",
    "-g",
    "groups",
    multiple=True,
    help="Gruppe(n) mit Leserecht; „alle“ für alle (Standard).",
)
@click.option("--manager", "-m", "managers", multiple=True, help="Benutzer, die sie verwalten.")
@pass_ctx
@friendly_errors
def collections_add(ctx: Context, name: str, groups, managers) -> None:
    """Eine Sammlung anlegen."""
    _show(collection_service(ctx).add(name, _split(groups) or ["alle"], _split(managers)))


@collections.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON.")
@pass_ctx
@friendly_errors
def collections_list(ctx: Context, as_json: bool) -> None:
    """Alle Sammlungen mit Lesegruppen, Verwaltenden und Dokumentzahl."""
    found = collection_service(ctx).list()
    counts: dict[str, int] = {}
    for record in ctx.services.manifest.list():
        counts[record.collection] = counts.get(record.collection, 0) + 1
    if as_json:
        echo_json([{**c.to_dict(), "documents": counts.get(c.name, 0)} for c in found])
        return
    rows = [
        (
            c.name,
            ", ".join(c.read_groups) or "niemand",
            ", ".join(c.managers) or "–",
            counts.get(c.name, 0),
        )
        for c in found
    ]
    output.table(("Sammlung", "Lesen", "Verwalten", "Dokumente"), rows)


@collections.command("grant")
@click.argument("name")
@click.option("--group", "-g", "groups", multiple=True, help="Leserecht für Gruppe(n) / „alle“.")
@click.option("--manager", "-m", "managers", multiple=True, help="Verwaltungsrecht für Benutzer.")
@pass_ctx
@friendly_errors
def collections_grant(ctx: Context, name: str, groups, managers) -> None:
    """Lese- oder Verwaltungsrechte hinzufügen."""
    if not groups and not managers:
        raise click.UsageError("Bitte --group oder --manager angeben.")
    _show(collection_service(ctx).grant(name, _split(groups), _split(managers)))


@collections.command("revoke")
@click.argument("name")
@click.option("--group", "-g", "groups", multiple=True, help="Leserecht entziehen.")
@click.option("--manager", "-m", "managers", multiple=True, help="Verwaltungsrecht entziehen.")
@pass_ctx
@friendly_errors
def collections_revoke(ctx: Context, name: str, groups, managers) -> None:
    """Lese- oder Verwaltungsrechte entziehen."""
    if not groups and not managers:
        raise click.UsageError("Bitte --group oder --manager angeben.")
    _show(collection_service(ctx).revoke(name, _split(groups), _split(managers)))
