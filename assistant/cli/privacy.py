"""`assistant redact`, and redaction of the application log for every command."""

from __future__ import annotations

import io
import sys

import click

from assistant.cli import Context, cli, friendly_errors, pass_ctx


@cli.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Je Zeile JSON mit geschwärztem Text und gefundenen Stellen.",
)
@pass_ctx
@friendly_errors
def redact(ctx: Context, as_json: bool) -> None:
    """Personenbezogene Daten schwärzen: liest Zeilen von stdin, schreibt je Zeile eine Zeile.

    Beispiel: echo "Frau Müller, Tel. 0611 123456" | assistant redact
    """
    from assistant.privacy import redact_lines

    # Only "\n" ends a line (a lone "\r" does not), and bad bytes never stop the stream.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    try:
        for line in redact_lines(stdin, ctx.services.redactor, as_json=as_json):
            click.echo(line)
    finally:
        stdin.detach()  # leave the process's stdin open
