"""`assistant oparl sync|list|remove` — council information systems (OParl)."""

from __future__ import annotations

import click

from assistant.cli import Context, cli, friendly_errors, pass_ctx
from assistant.cli.syncing import counted, list_sources, sync_sources


@cli.group()
def oparl() -> None:
    """Ratsinformationssysteme (OParl) abgleichen: Vorlagen, Sitzungen, Beschlüsse."""


@oparl.command("sync")
@click.argument("url", required=False)
@click.option("--name", help="Kurzname der Quelle (Standard: aus der Adresse).")
@click.option("--body", help="Nur diese Körperschaft (id, Kurzname oder Name).")
@click.option("--collection", "-c", help="Sammlung (Standard: ratsinfo).")
@click.option("--full", is_flag=True, help="Alles neu abrufen statt nur Änderungen.")
@click.option("--all", "sync_all", is_flag=True, help="Alle registrierten Quellen abgleichen.")
@click.option("--json", "as_json", is_flag=True, help="Bericht als JSON auf stdout.")
@pass_ctx
@friendly_errors
def sync(ctx: Context, url, name, body, collection, full, sync_all, as_json) -> None:
    """Ein OParl-System abgleichen (URL = das System-Objekt).

    Exit code 0, wenn der Lauf vollständig war (einzelne Probleme stehen im Bericht),
    1, wenn er abbrach – der nächste Lauf setzt dann dort fort.
    """
    council = ctx.services.council
    sync_sources(
        ctx,
        council,
        url=url,
        name=name,
        sync_all=sync_all,
        full=full,
        as_json=as_json,
        register=lambda: council.register(url, name=name, body=body, collection=collection),
        summary=lambda report: [counted(report)],
    )


@oparl.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON auf stdout.")
@pass_ctx
@friendly_errors
def list_(ctx: Context, as_json: bool) -> None:
    """Registrierte Ratsinformationssysteme und ihr letzter Abgleich."""
    list_sources(
        ctx,
        ctx.services.council,
        as_json=as_json,
        none="Keine Ratsinformationssysteme registriert (assistant oparl sync URL).",
        held=_held,
    )


@oparl.command("remove")
@click.argument("name")
@pass_ctx
@friendly_errors
def remove(ctx: Context, name: str) -> None:
    """Eine Quelle abmelden und alle ihre Einträge aus dem Index entfernen."""
    removed = ctx.services.council.remove(name)
    click.echo(f"Quelle „{name}“ entfernt; {removed} Einträge aus dem Index gelöscht.")


def _held(objects: dict[str, int]) -> str:
    stored = ", ".join(f"{n} {k}" for k, n in sorted(objects.items()))
    return f"gespeichert: {stored or 'nichts'}"
