"""What the CLI prints: Rich on a terminal, plain lines when piped or redirected.

On a terminal people get colour, tables and progress bars. In a pipe, a file or
a cron mail the same commands print plain text: no colour codes, no markup tags,
no box-drawing tables, no lines broken at 80 columns – one record per line, table
cells separated by tabs, so `grep`, `cut` and `sort` work. Machines that want
structure use `--json`.

Every piece of data (titles, paths, messages) goes in as text, never as markup:
a title such as "Richtlinie [Entwurf]" must not lose its brackets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

__all__ = ["console", "escape", "is_terminal", "table"]


def is_terminal(stderr: bool = False) -> bool:
    stream = sys.stderr if stderr else sys.stdout
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr): styled on a terminal; otherwise plain text whose
    markup is dropped (not printed) and whose lines are never wrapped."""
    tty = is_terminal(stderr)
    return Console(
        stderr=stderr, force_terminal=tty, highlight=False, emoji=False, soft_wrap=not tty
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A table on stdout: a Rich table on a terminal, otherwise a header line and one
    tab-separated line per row. Cells are text (str or rich Text), never markup."""
    if is_terminal():
        grid = Table(*headers)
        for row in rows:
            grid.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in row))
        console().print(grid)
        return
    click.echo("\t".join(headers))
    for row in rows:
        click.echo("\t".join(_cell(c) for c in row))


def _cell(value: object) -> str:
    text = value.plain if isinstance(value, Text) else str(value)
    return " / ".join(part.strip() for part in text.replace("\t", " ").splitlines() if part.strip())
