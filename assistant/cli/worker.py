"""`assistant worker`: run the background jobs (ASSISTANT_JOBS=queue)."""

from __future__ import annotations

import click

from assistant.cli import Context, cli, friendly_errors, pass_ctx

STATE_DE = {"done": "fertig", "failed": "fehlgeschlagen", "queued": "zurückgestellt"}


@cli.command()
@click.option("--drain", is_flag=True, help="Nur die wartenden Aufträge ausführen, dann beenden.")
@pass_ctx
@friendly_errors
def worker(ctx: Context, drain: bool) -> None:
    """Hintergrundaufträge ausführen (Hochladen, Einlesen, Abgleiche) – der eine Schreiber der Indizes.

    Läuft, bis SIGTERM oder Strg+C kommt; der laufende Auftrag wird noch beendet.
    """
    from assistant.jobs.worker import Worker, install_signals
    from assistant.services import JOB_HANDLERS

    runner = Worker(ctx.services, JOB_HANDLERS)
    restore = install_signals(runner, lambda text: click.echo(text, err=True))
    click.echo(f"Hintergrunddienst {runner.name} wartet auf Aufträge.", err=True)

    def done(job) -> None:
        word = STATE_DE.get(job.state, job.state)
        click.echo(f"Auftrag {job.id} ({job.kind}): {word}.", err=True)

    try:
        count = runner.run(on_job=done, drain=drain)
    except KeyboardInterrupt:
        click.echo("Abgebrochen; der laufende Auftrag ist wieder in der Warteschlange.", err=True)
        raise SystemExit(130) from None
    finally:
        restore()
    click.echo(f"Hintergrunddienst beendet ({count} Aufträge).", err=True)
