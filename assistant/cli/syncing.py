"""What `assistant oparl` and `assistant opendata` share: the sync command's runs, their
progress on stderr, the report after a run, and the list of registered sources.

Each command group keeps its options and its German words; this module holds the
plumbing, so both print alike and exit alike (0: every run completed, 1: one stopped).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import click

from assistant.cli import Context, echo_json
from assistant.cli.progress import seconds

COUNT_DE = {
    "new": "neu",
    "changed": "geändert",
    "deleted": "gelöscht",
    "unchanged": "unverändert",
    "failed": "fehlerhaft",
}


class SyncProgress:
    """Pages, objects and units on stderr while a sync runs: one line, rewritten on a
    terminal; in a pipe or a log a plain line every `every` pages."""

    every = 50

    def __init__(self, source: str, enabled: bool):
        self.source, self.enabled = source, enabled
        self.pages = self.objects = self.units = 0
        self.count: int | None = None  # all objects, where the server says
        self.tty = sys.stderr.isatty()

    def __call__(self, event: str, data: dict) -> None:
        if event == "page":
            self.pages += 1
            self.objects += data.get("objects", 0)
            self.count = data.get("count", self.count)
        elif event == "unit":
            self.units += 1
        if not self.enabled:
            return
        line = self.line()
        if self.tty:
            click.echo("\r" + line, err=True, nl=False)
        elif event == "page" and self.pages % self.every == 0:
            click.echo(line, err=True)

    def show(self, state: dict) -> None:
        """The counts the worker stored (ASSISTANT_JOBS=queue), shown as if the events had
        come here."""
        before = self.pages
        self.pages, self.objects, self.units = (
            int(state.get(key) or 0) for key in ("pages", "objects", "units")
        )
        self.count = state.get("count", self.count)
        if not self.enabled:
            return
        if self.tty:
            click.echo("\r" + self.line(), err=True, nl=False)
        elif self.pages // self.every > before // self.every:
            click.echo(self.line(), err=True)

    def line(self) -> str:
        return f"{self.source}: {self.pages} Seiten, {self.objects} Objekte, {self.units} Einträge"

    def close(self) -> None:
        if self.enabled and self.tty and (self.pages or self.units):
            click.echo("", err=True)


def sync_sources(
    ctx: Context,
    service,
    *,
    url: str | None,
    name: str | None,
    sync_all: bool,
    full: bool,
    as_json: bool,
    register: Callable[[], object],
    summary: Callable[[object], list[str]],
    progress: type[SyncProgress] = SyncProgress,
) -> None:
    """Register `url` (through `register`) or take `name` or every source, sync each one
    and print its report (`summary`: the connector's counts, each a part of the line).
    ASSISTANT_JOBS=queue: each sync is a job the worker runs; the output is the same."""
    from assistant.connectors.engine import SyncIncomplete

    if sync_all == bool(url or name):
        raise click.UsageError("Bitte eine URL (oder --name) oder --all angeben.")
    if sync_all:
        names = [s.name for s in service.sources()]
    elif url:
        names = [register().name]
    else:
        names = [service.store.source(name).name]
    run = _by_worker(ctx, service) if ctx.settings.jobs == "queue" else _here(service)
    reports, failed = [], False
    for source in names:
        shown = progress(source, enabled=not as_json)
        try:
            report = run(source, full, shown)
        except SyncIncomplete as exc:
            failed = True
            reports.append({"source": source, "status": "failed", "error": str(exc)})
            shown.close()
            if not as_json:
                click.echo(f"{source}: nicht abgeschlossen. {exc}", err=True)
            continue
        shown.close()
        reports.append(report.to_dict())
        if not as_json:
            print_report(report, summary(report))
    if as_json:
        echo_json(reports[0] if len(reports) == 1 and not sync_all else reports)
    if failed:
        sys.exit(1)


def _here(service) -> Callable:
    return lambda source, full, shown: service.sync(source, full=full, progress=shown)


def _by_worker(ctx: Context, service) -> Callable:
    """Enqueue the source's sync, wait for the worker; the report as if run here."""
    from assistant.connectors import jobs

    def waiting(job_id: int) -> None:
        click.echo(
            f"Auftrag {job_id} wartet auf den Hintergrunddienst (assistant worker) …", err=True
        )

    def run(source: str, full: bool, shown: SyncProgress):
        return jobs.submit_and_wait(
            ctx.services.jobs,
            jobs.kind_of(service),
            jobs.payload(source, full),
            shown.show,
            ctx.settings.job_poll_seconds,
            on_waiting=waiting,
        )

    return run


def counted(report, words: Mapping[str, str] = COUNT_DE) -> str:
    """ "3 neu, 1 geändert, …": the report's counts in the connector's words."""
    return ", ".join(f"{report.counts[key]} {word}" for key, word in words.items())


def print_report(report, summary: list[str]) -> None:
    """One line for the run, then up to 20 of its problems."""
    kind = "vollständig" if report.full else "Änderungen"
    resumed = " (fortgesetzt)" if report.resumed else ""
    parts = [*summary, f"{report.counts['pages']} Seiten, {report.requests} Anfragen"]
    click.echo(
        f"{report.source}: Abgleich ({kind}){resumed} abgeschlossen in {seconds(report.seconds)} – "
        + "; ".join(parts)
        + "."
    )
    for problem in report.problems[:20]:
        click.echo(f"  Hinweis: {problem['message']} {problem['ref']}")
    if len(report.problems) > 20:
        click.echo(f"  … und {len(report.problems) - 20} weitere Hinweise (--json zeigt alle).")


def list_sources(
    ctx: Context, service, *, as_json: bool, none: str, held: Callable[[dict], str]
) -> None:
    """The registered sources and their last runs (`none`: the text when there is none;
    `held`: what a source holds, from its object counts), and a sync job waiting for the
    worker or running there (ASSISTANT_JOBS=queue)."""
    from assistant.connectors.jobs import describe, pending_by_source

    status, jobs = service.status(), pending_by_source(ctx.services.jobs, service)
    for s in status:
        if job := jobs.get(s["name"]):
            s["job"] = {"id": job.id, "state": job.state, "progress": job.progress}
    if as_json:
        echo_json(status)
        return
    if not status:
        click.echo(none)
    for s in status:
        ok = s["last_success"]
        when = ok["finished_at"][:16].replace("T", " ") if ok else "noch nie"
        click.echo(f"{s['name']}  {s['url']}  Sammlung {s['collection']}")
        click.echo(f"  letzter erfolgreicher Abgleich: {when}; {held(s['objects'])}")
        last = s["last_run"]
        if last and last["status"] != "completed":
            click.echo(f"  letzter Lauf nicht abgeschlossen: {last['error'] or ''}")
        if job := jobs.get(s["name"]):
            click.echo(f"  {describe(job)}")
