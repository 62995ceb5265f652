"""How far `assistant ingest` is: files, chunks and the current file, on stderr.

A real folder takes minutes, so silence looks like a hang. On a terminal a
progress bar shows files done of all, chunks written and the file being read;
in a pipe or a log file each file gets one plain line when it is done, so a
cron mail or `tee` shows the same without control codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.cli import output

STATUS_DE = {
    "added": "neu",
    "updated": "aktualisiert",
    "unchanged": "unverändert",
    "failed": "FEHLER",
}
SUMMARY_DE = {**STATUS_DE, "failed": "fehlerhaft"}
WRITTEN = ("added", "updated")  # statuses whose chunks were written


def number(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " s"


class IngestProgress:
    """`start(path)` before a file, `done(result)` after it; a context manager."""

    def __init__(self, total: int, enabled: bool = True):
        self.total, self.enabled = total, enabled
        self.files = self.chunks = 0
        self._bar: Progress | None = None
        if enabled and output.is_terminal(stderr=True):
            self._bar = Progress(
                TextColumn("Einlesen"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("Dateien · {task.fields[chunks]} Abschnitte ·"),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=output.console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("", total=total, chunks=0)

    def __enter__(self) -> Self:
        if self._bar:
            self._bar.start()
        elif self.enabled:
            click.echo(f"Einlesen: {number(self.total, 'Datei', 'Dateien')}", err=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar:
            self._bar.stop()

    def start(self, path: Path) -> None:
        if self._bar:
            self._bar.update(self._task, description=path.name)

    def done(self, result) -> None:
        self.files += 1
        if result.status in WRITTEN:
            self.chunks += result.chunks
        if self._bar:
            self._bar.update(self._task, advance=1, chunks=self.chunks)
        elif self.enabled:
            chunks = number(result.chunks, "Abschnitt", "Abschnitte")
            what = f"{STATUS_DE[result.status]}, {chunks}" if result.status in WRITTEN else ""
            click.echo(
                f"[{self.files}/{self.total}] {what or STATUS_DE[result.status]}: {result.path}",
                err=True,
            )


def summary(report) -> list[str]:
    """Two short lines, so that neither wraps on an 80-column terminal."""
    counts = report.counts()
    parts = [f"{counts[s]} {word}" for s, word in SUMMARY_DE.items() if counts[s]]
    files = number(len(report.results), "Datei", "Dateien")
    head = f"{files} in {seconds(report.seconds)}" + (f": {', '.join(parts)}." if parts else ".")
    chunks = sum(r.chunks for r in report.results if r.status in WRITTEN)
    return [head, f"{number(chunks, 'Abschnitt', 'Abschnitte')} geschrieben."]
