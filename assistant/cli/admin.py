"""`assistant doctor` and `assistant serve`."""

from __future__ import annotations

import click
from rich.text import Text

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx

_MARK = {"ok": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "red")}
_WORD = {"ok": "ok", "warn": "Warnung", "fail": "Fehler"}  # in a pipe: greppable words


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@pass_ctx
@friendly_errors
def doctor(ctx: Context, as_json: bool) -> None:
    """Prüfen, was funktioniert und was fehlt – mit Hinweis zur Behebung."""
    from assistant.cli.doctor import exit_code, run_checks

    checks = run_checks(ctx.services)
    if as_json:
        echo_json([c.to_dict() for c in checks])
    else:
        tty = output.is_terminal()
        rows = []
        for c in checks:
            mark = Text(*_MARK[c.status]) if tty else _WORD[c.status]
            rows.append((mark, c.name, c.detail, c.hint_de))
        output.table(("Status", "Prüfung", "Befund", "Was tun?"), rows)
    raise SystemExit(exit_code(checks))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port.")
@click.option("--headless/--open", default=True, help="Keinen Browser öffnen.")
@pass_ctx
@friendly_errors
def serve(ctx: Context, host: str, port: int, headless: bool) -> None:
    """Die Chat-Oberfläche (Chainlit) starten."""
    from assistant.retrieval.embeddings import check_backend
    from assistant.web.launcher import run_app

    check_backend(ctx.settings)  # e.g. e5 without AVX2: the German reason, not a crash
    # Migrated here, before Chainlit starts: a database a newer release migrated stops
    # the start with the German reason (in the app it would only be a logged traceback
    # behind a "ready" server), and the workers of a bigger site find the schema done.
    ctx.services.engine.dispose()
    run_app(ctx.settings, host=host, port=port, headless=headless)
