"""The `assistant` command: a thin click shell over the services.

Each command parses arguments, calls one service and renders the result:
people get German text (errors included, never a stack trace), machines get
`--json`. Settings are built once here and passed down.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable

import click

from assistant.cli import german
from assistant.config import Settings
from assistant.errors import AssistantError

german.install()  # Click's own texts (usage, headings, errors) in German


class Context:
    """What every command gets: the settings and the lazily built services."""

    def __init__(self) -> None:
        self.settings = Settings()
        self._services = None

    @property
    def services(self):
        if self._services is None:
            from assistant.services import Services

            self._services = Services(self.settings)
        return self._services


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def friendly_errors(fn: Callable) -> Callable:
    """Turn our named errors into a German message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amtswissen")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Amtswissen – KI-Assistent für die Stadtverwaltung (alles lokal).

    Einstellungen kommen aus ASSISTANT_*-Umgebungsvariablen oder der Datei
    .env (siehe .env.example).
    """
    obj = ctx.ensure_object(Context)
    os.umask(0o077)  # what the CLI writes into the data dir is the service's alone
    # Imported before logging is configured: importing Presidio logs an INFO line.
    from assistant.privacy.logfilter import setup_logging

    # The chat app's setup too (web/app.py): every log record is redacted before any
    # handler sees it.
    ctx.call_on_close(setup_logging(obj.settings.log_level, lambda: obj.services.redactor))


def main() -> None:
    cli(prog_name="assistant")


# Imported last: the modules register their commands on `cli`.
from assistant.cli import (  # noqa: F401
    admin,
    collections,
    documents,
    evaluate,
    logs,
    migrate,
    oparl,
    opendata,
    privacy,
    retrieval,
    users,
    worker,
)

german.usage_words(cli)
