"""`assistant migrate --to-postgres URL`: a one-machine installation moves to PostgreSQL."""

from __future__ import annotations

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx


@cli.command("migrate")
@click.option(
    "--to-postgres",
    "target",
    required=True,
    metavar="URL",
    help="Leere PostgreSQL-Datenbank, z. B. postgresql+psycopg://amtswissen@localhost/amtswissen "
    "(Passwort besser über PGPASSWORD als in der URL).",
)
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@pass_ctx
@friendly_errors
def migrate(ctx: Context, target: str, as_json: bool) -> None:
    """Konten, Sammlungen, Protokoll, Chatverläufe und alle übrigen Tabellen aus der
    SQLite-Datenbank nach PostgreSQL übernehmen (vorher den Dienst anhalten)."""
    from assistant.db.copy import ChatStore, copy_to_postgres
    from assistant.privacy.retention import CHAT_DB, CHAT_TABLES

    report = copy_to_postgres(ctx.services, target, ChatStore(CHAT_DB, CHAT_TABLES))
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    raise SystemExit(0 if report.ok else 1)


def _print_report(report) -> None:
    click.echo(f"Übernahme nach {report.target}:")
    for t in report.tables:
        mark = "" if t.ok else " – ABWEICHUNG"
        click.echo(f"  {t.table}: {t.target} von {t.source} Zeilen{mark}")
    if not report.ok:
        click.echo(
            "Die Zeilenzahlen weichen ab: Es wurde nichts übernommen (alles zurückgerollt). "
            "Die SQLite-Datenbank ist unverändert; Amtswissen läuft weiter mit ihr."
        )
        return
    click.echo(f"Alle {len(report.tables)} Tabellen vollständig übernommen ({report.rows} Zeilen).")
    click.echo(
        f"Jetzt in der .env ASSISTANT_DATABASE_URL={report.target} setzen (mit dem echten "
        "Passwort) und Amtswissen neu starten."
    )
    click.echo(
        "Suchindex, Vektoren und gespeicherte Textstellen bleiben, wo sie sind (im "
        "Datenverzeichnis bzw. auf dem Chroma-Server); die SQLite-Dateien bleiben als "
        "Sicherung liegen."
    )
