"""`assistant doctor` and `assistant serve`."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from assistant.cli import Context, cli, echo_json, friendly_errors, pass_ctx

_MARK = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@pass_ctx
@friendly_errors
def doctor(ctx: Context, as_json: bool) -> None:
    """Prüfen, was funktioniert und was fehlt – mit Hinweis zur Behebung."""
    from assistant.doctor import exit_code, run_checks

    checks = run_checks(ctx.services)
    if as_json:
        echo_json([c.to_dict() for c in checks])
    else:
        table = Table("", "Prüfung", "Befund", "Was tun?")
        for c in checks:
            hint = "\n".join(
                h for h in (c.hint_de, f"[dim]{c.hint_en}[/dim]" if c.hint_en else "") if h
            )
            table.add_row(_MARK[c.status], c.name, c.detail, hint)
        Console().print(table)
    raise SystemExit(exit_code(checks))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port.")
@click.option("--headless/--open", default=True, help="Keinen Browser öffnen.")
@pass_ctx
@friendly_errors
def serve(ctx: Context, host: str, port: int, headless: bool) -> None:
    """Die Chat-Oberfläche (Chainlit) starten."""
    from assistant.web.launcher import run_app

    run_app(ctx.settings, host=host, port=port, headless=headless)
