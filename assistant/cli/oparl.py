"""`assistant oparl sync|list|remove` — council information systems (OParl)."""

from __future__ import annotations

import sys

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx
from assistant.cli.progress import seconds

COUNT_DE = {
    "new": "neu",
    "changed": "geändert",
    "deleted": "gelöscht",
    "unchanged": "unverändert",
    "failed": "fehlerhaft",
}


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
    from assistant.connectors.engine import SyncIncomplete

    council = ctx.services.council
    if sync_all == bool(url or name):
        raise click.UsageError("Bitte eine URL (oder --name) oder --all angeben.")
    if sync_all:
        names = [s.name for s in council.sources()]
    elif url:
        names = [council.register(url, name=name, body=body, collection=collection).name]
    else:
        names = [council.store.source(name).name]
    reports, failed = [], False
    for source in names:
        progress = _Progress(source, enabled=not as_json)
        try:
            report = council.sync(source, full=full, progress=progress)
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


@oparl.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON auf stdout.")
@pass_ctx
@friendly_errors
def list_(ctx: Context, as_json: bool) -> None:
    """Registrierte Ratsinformationssysteme und ihr letzter Abgleich."""
    status = ctx.services.council.status()
    if as_json:
        echo_json(status)
        return
    if not status:
        click.echo("Keine Ratsinformationssysteme registriert (assistant oparl sync URL).")
    for s in status:
        ok = s["last_success"]
        when = ok["finished_at"][:16].replace("T", " ") if ok else "noch nie"
        objects = ", ".join(f"{n} {k}" for k, n in sorted(s["objects"].items()))
        click.echo(f"{s['name']}  {s['url']}  Sammlung {s['collection']}")
        click.echo(f"  letzter erfolgreicher Abgleich: {when}; gespeichert: {objects or 'nichts'}")
        last = s["last_run"]
        if last and last["status"] != "completed":
            click.echo(f"  letzter Lauf nicht abgeschlossen: {last['error'] or ''}")


@oparl.command("remove")
@click.argument("name")
@pass_ctx
@friendly_errors
def remove(ctx: Context, name: str) -> None:
    """Eine Quelle abmelden und alle ihre Einträge aus dem Index entfernen."""
    removed = ctx.services.council.remove(name)
    click.echo(f"Quelle „{name}“ entfernt; {removed} Einträge aus dem Index gelöscht.")


class _Progress:
    """Pages, objects and units on stderr while a sync runs (one line, rewritten)."""

    def __init__(self, source: str, enabled: bool):
        self.source, self.enabled = source, enabled
        self.pages = self.objects = self.units = 0
        self.tty = sys.stderr.isatty()

    def __call__(self, event: str, data: dict) -> None:
        if event == "page":
            self.pages += 1
            self.objects += data.get("objects", 0)
        elif event == "unit":
            self.units += 1
        if not self.enabled:
            return
        line = f"{self.source}: {self.pages} Seiten, {self.objects} Objekte, {self.units} Einträge"
        if self.tty:
            click.echo("\r" + line, err=True, nl=False)
        elif event == "page" and self.pages % 50 == 0:
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
        f"{parts}; {report.counts['pages']} Seiten, {report.requests} Anfragen."
    )
    for problem in report.problems[:20]:
        click.echo(f"  Hinweis: {problem['message']} {problem['ref']}")
    if len(report.problems) > 20:
        click.echo(f"  … und {len(report.problems) - 20} weitere Hinweise (--json zeigt alle).")
