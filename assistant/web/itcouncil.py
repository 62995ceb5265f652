"""The IT page's section "Ratsinformationssysteme": per registered OParl endpoint its
address, the last successful sync, what the last run did and what is held, and the last
error — from `CouncilService.status()` (the sync tables); this module has no SQL.

Times are in Berlin, like the rest of the page; errors are the German texts the sync
engine recorded (no personal data: addresses of the council system and counts only).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from assistant.connectors.jobs import describe
from assistant.web.docdates import BERLIN

STATUS = {"completed": "abgeschlossen", "failed": "fehlgeschlagen", "running": "läuft"}
COUNTS = (("new", "neu"), ("changed", "geändert"), ("deleted", "gelöscht"), ("failed", "Fehler"))
KINDS = {
    "Paper": "Vorlagen",
    "Meeting": "Sitzungen",
    "Organization": "Gremien",
    "Consultation": "Beratungen",
    "AgendaItem": "Tagesordnungspunkte",
    "File": "Dateien",
    "Body": "Körperschaften",
    "LegislativeTerm": "Wahlperioden",
}
HEADERS = (
    "Name",
    "Adresse",
    "Letzter erfolgreicher Abgleich",
    "Letzter Lauf",
    "Gespeichert",
    "Letzter Fehler",
)


def council_html(status: list[dict], jobs: dict | None = None) -> str:
    """The section; a note when no endpoint is registered. `jobs`: endpoint name -> its
    sync job queued or running in the worker (ASSISTANT_JOBS=queue)."""
    title = '<h2 id="ratsinfo">Ratsinformationssysteme</h2>'
    if not status:
        return (
            f'{title}<p class="muted">Kein Ratsinformationssystem registriert '
            "(assistant oparl sync URL).</p>"
        )
    rows = "".join(_row(s, (jobs or {}).get(s.get("name"))) for s in status)
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    return f'{title}<table id="ratsinfo-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _row(s: dict, job=None) -> str:
    ok, last = s.get("last_success"), s.get("last_run")
    url = str(s.get("url") or "")
    cells = [
        escape(str(s.get("name") or "")),
        f"<code>{escape(url)}</code>",
        escape(when(ok["finished_at"]) if ok else "noch nie"),
        escape(run_summary(last)) + job_note(job),
        escape(held(s.get("objects") or {})),
        _error(last),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def when(iso: str | None) -> str:
    """An ISO time (UTC) as Berlin's TT.MM.JJJJ HH:MM."""
    if not iso:
        return "–"
    try:
        return f"{datetime.fromisoformat(iso).astimezone(BERLIN):%d.%m.%Y %H:%M}"
    except ValueError:
        return "–"


def run_summary(run: dict | None) -> str:
    """ "abgeschlossen (Änderungen) 02.07.2026 09:14: 3 neu, 1 geändert, 0 gelöscht, 0 Fehler"."""
    if not run:
        return "noch kein Lauf"
    counts = run.get("counts") or {}
    kind = "vollständig" if run.get("full") else "Änderungen"
    state = STATUS.get(run.get("status") or "", run.get("status") or "")
    at = when(run.get("finished_at") or run.get("started_at"))
    numbers = ", ".join(f"{int(counts.get(k) or 0)} {label}" for k, label in COUNTS)
    return f"{state} ({kind}) {at}: {numbers}"


def job_note(job) -> str:
    """The endpoint's sync job in the worker: waiting, or running with its counts so far."""
    if job is None:
        return ""
    return f'<br><span class="muted sync-job">{escape(describe(job))}</span>'


def held(objects: dict[str, int]) -> str:
    """Objects held per kind (papers and meetings first) and in all."""
    if not objects:
        return "nichts"
    order = sorted(objects, key=lambda k: (k not in ("Paper", "Meeting"), KINDS.get(k, k)))
    parts = [f"{objects[k]} {KINDS.get(k, k)}" for k in order]
    return ", ".join(parts) + f" (gesamt {sum(objects.values())})"


def _error(run: dict | None) -> str:
    if run and run.get("status") != "completed" and run.get("error"):
        return f'<span class="error">{escape(str(run["error"]))}</span>'
    return '<span class="muted">keiner</span>'
