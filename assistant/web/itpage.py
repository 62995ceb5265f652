"""IT review in the browser: the audit log for roles `it` and `admin`.

Served by the Chainlit app itself (`register_it_routes(chainlit.server.app,
services)`): `/it` lists audit rows with filters and usage figures, and
`/it/export.csv` exports the filtered rows, `POST /it/purge` (itpurge.py) deletes
old audit rows and chats. Who asks is decided by `http.gate`: the person of the
login token as the account store knows them now. Not logged in: the page
redirects to the login, the export answers 401; any other role than it/admin
gets 403. The rows come from `AuditLog` queries; this module has no SQL.

Everything is rendered on the server, in German, every value HTML-escaped, no
script and no external resource (the app's CSP allows its own origin and
inline styles only). All texts in the audit log are redacted already; users
appear as pseudonyms.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from assistant.access.logins import Lockout
from assistant.answering.injection import INSTRUCTION_LIKE_SOURCES
from assistant.privacy.audit import AuditEntry, AuditQuery, csv_value
from assistant.web.charts import Series, bar_chart, days_between
from assistant.web.docdates import BERLIN
from assistant.web.http import NO_STORE, document, gate

if TYPE_CHECKING:
    from collections.abc import Mapping

    from assistant.services import Services

DEFAULT_ROWS = 50
MAX_ROWS = 500
MODES = ("llm", "search")
PREVIEW_CHARS = 300
FIGURE_DAYS = 30


# --- filters -------------------------------------------------------------------------


@dataclass
class Filters:
    since: date | None = None
    query: str = ""
    pseudonym: str = ""
    mode: str = ""
    refused: str = ""  # "", "ja", "nein"
    rows: int = DEFAULT_ROWS
    errors: tuple[str, ...] = ()

    @classmethod
    def parse(cls, params) -> Filters:
        errors = []
        since = None
        if raw := params.get("since", "").strip():
            since = german_date(raw)
            if since is None:
                errors.append(
                    f"„{raw[:20]}“ ist kein Datum: bitte als TT.MM.JJJJ angeben, z. B. 01.12.2026."
                )
        pseudonym = params.get("user", "").strip().lower()
        if pseudonym and not all(c in "0123456789abcdef" for c in pseudonym):
            errors.append("Das Pseudonym besteht nur aus den Zeichen 0–9 und a–f.")
            pseudonym = ""
        mode = params.get("mode", "")
        refused = params.get("refused", "")
        return cls(
            since=since,
            query=params.get("q", "").strip()[:200],
            pseudonym=pseudonym[:64],
            mode=mode if mode in MODES else "",
            refused=refused if refused in ("ja", "nein") else "",
            rows=_rows(params.get("n", "")),
            errors=tuple(errors),
        )

    def audit_query(self) -> AuditQuery:
        """What to ask the audit log for."""
        # from local midnight: the IT person means the day in the city, not in UTC
        since = datetime.combine(self.since, time(), BERLIN) if self.since else None
        refused = None if not self.refused else self.refused == "ja"
        return AuditQuery(
            since=since,
            text=self.query,
            user_id=self.pseudonym,
            mode=self.mode,
            refused=refused,
            limit=self.rows,
        )

    def figure_window(self) -> Filters:
        """The figures cover the chosen period, else the last FIGURE_DAYS days: counting
        every row of a large city on each page load would take many seconds."""
        if self.since:
            return self
        return replace(self, since=datetime.now(BERLIN).date() - timedelta(days=FIGURE_DAYS))

    def query_string(self) -> str:
        from urllib.parse import urlencode

        values = {
            "since": f"{self.since:%d.%m.%Y}" if self.since else "",
            "q": self.query,
            "user": self.pseudonym,
            "mode": self.mode,
            "refused": self.refused,
        }
        return urlencode({k: v for k, v in values.items() if v})


def german_date(raw: str) -> date | None:
    """`TT.MM.JJJJ` (as typed), or `JJJJ-MM-TT` (links from before); None if neither."""
    found = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", raw)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        return None


def _rows(raw: str) -> int:
    try:
        return max(1, min(MAX_ROWS, int(raw)))
    except ValueError:
        return DEFAULT_ROWS


# --- routes --------------------------------------------------------------------------


def register_it_routes(app: Any, services: Services) -> None:
    """Mount `/it`, `/it/export.csv` and `/it/purge`, ahead of Chainlit's catch-all route."""
    from assistant.web.itcouncil import council_html
    from assistant.web.itollama import pool_section
    from assistant.web.itpurge import purge_form, purge_handler, purged_note

    def page(request: Request) -> Response:  # sync: Starlette runs it in a thread
        if denied := gate(request, services.accounts, page=True):
            return denied
        filters = Filters.parse(request.query_params)
        entries = services.audit.newest(filters.audit_query())
        figures = services.audit.figures(filters.figure_window().audit_query(), BERLIN)
        titles = {r.doc_id: r.title for r in services.manifest.list()}
        locks = lockouts_html(services.accounts.limits.lockouts(), services.audit.pseudonym)
        councils = council_html(services.council.status(), _council_jobs(services))
        html = render_page(
            filters,
            entries,
            figures,
            top=model_note(services.model_health.status()) + purged_note(request.query_params),
            bottom=locks
            + pool_section(services.settings)
            + councils
            + purge_form(request, services.settings.retention_days),
            titles=titles,
        )
        return HTMLResponse(html, headers=NO_STORE)

    def export(request: Request) -> Response:
        if denied := gate(request, services.accounts, page=False):
            return denied
        filters = Filters.parse(request.query_params)
        body = export_csv(services.audit.matching(replace(filters.audit_query(), limit=None)))
        name = f"amtswissen-protokoll-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
        headers = {**NO_STORE, "content-disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)

    routes = [
        Route("/it", page, methods=["GET"], name="it_page"),
        Route("/it/export.csv", export, methods=["GET"], name="it_export"),
        Route("/it/purge", purge_handler(services), methods=["POST"], name="it_purge"),
    ]
    for route in reversed(routes):  # Chainlit's `/{full_path:path}` would answer first
        app.router.routes.insert(0, route)


def _council_jobs(services: Services) -> dict:
    """Endpoint name -> its sync job queued or running for the worker (ASSISTANT_JOBS=queue)."""
    from assistant.connectors.jobs import pending_by_source

    return pending_by_source(services.jobs, services.council)


def model_note(health) -> str:
    """The chat model's state as answering saw it (a hung model still answers /api/version)."""
    css = "error" if health.degraded else "muted"
    return f'<p class="{css}" id="model-health">{escape(health.describe())}</p>'


def lockouts_html(locks: list[Lockout], pseudonym: Callable[[str], str]) -> str:
    """Locked logins: the person as pseudonym (as in the audit rows), the address cut short
    – never a user name or a full address (they would identify people and their desks)."""
    rows = [
        (
            pseudonym(lock.user)[:12] if lock.user is not None else "alle Namen",
            short_address(lock.address),
            lock.failures,
            f"{lock.until.astimezone():%d.%m.%Y %H:%M}",
        )
        for lock in locks
    ]
    table = _table(
        ("Pseudonym", "Adresse (gekürzt)", "Fehlversuche", "Gesperrt bis"),
        rows,
        "Zurzeit ist keine Anmeldung gesperrt.",
    )
    return f"<h2>Gesperrte Anmeldungen</h2>{table}"


def short_address(address: str) -> str:
    """IPv4 without its last part (10.1.2.x), IPv6 to its /48 network."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "–"
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False))


def export_csv(entries: Iterator[AuditEntry]) -> str:
    """CSV (all columns of the audit row); cells that spreadsheets read as formulas are quoted."""
    out = io.StringIO()
    writer = None
    for entry in entries:
        data = {k: _cell(csv_value(v)) for k, v in entry.to_dict().items()}
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(data), lineterminator="\n")
            writer.writeheader()
        writer.writerow(data)
    if writer is None:
        out.write(",".join(AuditEntry.__dataclass_fields__) + "\n")
    return out.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- HTML ------------------------------------------------------------------------------


def render_page(
    filters: Filters,
    entries: list[AuditEntry],
    figures: dict,
    top: str = "",
    bottom: str = "",
    titles: Mapping[str, str] | None = None,
) -> str:
    """The page; `top` and `bottom` are extra HTML (the purge note and form); `titles`
    (doc id -> title) names documents by their titles."""
    titles = titles or {}
    qs = filters.query_string()
    export = "/it/export.csv" + (f"?{qs}" if qs else "")
    body = "".join(
        [
            "<h1>Protokoll und Nutzung (IT)</h1>",
            '<p class="muted">Alle Texte sind geschwärzt; Nutzende erscheinen nur als Pseudonym.</p>',
            top,
            _filter_form(filters),
            "".join(f'<p class="error">{escape(e)}</p>' for e in filters.errors),
            _figures_caption(filters),
            _figures_html(figures, titles, filters.figure_window().since),
            f"<h2>Einträge (neueste zuerst, höchstens {filters.rows})</h2>",
            f'<p><a href="{escape(export)}">Alle gefilterten Einträge als CSV herunterladen</a></p>',
            _entries_table(entries, titles),
            bottom,
        ]
    )
    return document("Protokoll", body)


def _filter_form(f: Filters) -> str:
    def option(value: str, label: str, current: str) -> str:
        selected = " selected" if value == current else ""
        return f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'

    modes = "".join(
        option(v, t, f.mode)
        for v, t in (("", "alle"), ("llm", "Sprachmodell"), ("search", "Suchmodus"))
    )
    refused = "".join(
        option(v, t, f.refused) for v, t in (("", "alle"), ("ja", "ja"), ("nein", "nein"))
    )
    since = f"{f.since:%d.%m.%Y}" if f.since else ""
    # A text field, not type=date: that one shows the browser's locale (mm/dd/yyyy was seen)
    return (
        '<form class="filters" method="get" action="/it">'
        '<label>Seit (TT.MM.JJJJ)<input type="text" name="since" inputmode="numeric" '
        'placeholder="TT.MM.JJJJ" pattern="\\d{1,2}\\.\\d{1,2}\\.\\d{4}" '
        f'title="Datum als TT.MM.JJJJ, z. B. 01.12.2026" value="{escape(since)}"></label>'
        f'<label>Textsuche<input type="search" name="q" value="{escape(f.query)}"></label>'
        f'<label>Pseudonym<input type="text" name="user" value="{escape(f.pseudonym)}"></label>'
        f'<label>Modus<select name="mode">{modes}</select></label>'
        f'<label>Abgelehnt<select name="refused">{refused}</select></label>'
        f'<label>Anzahl<input type="number" name="n" min="1" max="{MAX_ROWS}" '
        f'value="{f.rows}"></label>'
        '<button type="submit">Filtern</button></form>'
    )


def _table(headers: tuple[str, ...], rows: list[tuple], empty: str, table_id: str = "") -> str:
    if not rows:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figures_caption(filters: Filters) -> str:
    since = filters.figure_window().since
    text = f"Kennzahlen seit {since:%d.%m.%Y}" + (
        "" if filters.since else f" (die letzten {FIGURE_DAYS} Tage)"
    )
    return f'<p class="muted">{escape(text)}.</p>'


def _figures_html(fig: dict, titles: Mapping[str, str], since: date) -> str:
    fb = fig["feedback"]
    summary = [
        ("Antworten", fig["answers"]),
        ("Abgelehnt", f"{fig['refused']} ({fig['refusal_rate']:.1%})"),
        ("Ohne gültige Quelle", f"{fig['unverified']} ({fig['unverified_rate']:.1%})"),
        ("Rückmeldungen positiv / negativ", f"{fb['positive']} / {fb['negative']}"),
        ("Schwärzung fehlgeschlagen", fig["redaction_failed"]),
    ]
    per_day = [(f"{date.fromisoformat(d):%d.%m.%Y}", n) for d, n in fig["per_day"].items()]
    sections = [
        ("Überblick", _table(("Kennzahl", "Wert"), summary, "")),
        (
            "Meistzitierte Dokumente",
            _table(
                ("Dokument", "Antworten"),
                [(_title(d["doc_id"], titles), d["answers"]) for d in fig["top_documents"]],
                "Keine Zitate.",
            ),
        ),
        (
            "In Fragen gefundene personenbezogene Daten",
            _table(("Art", "Anzahl"), list(fig["pii_types"].items()), "Keine."),
        ),
    ]
    inner = "".join(f"<section><h2>{escape(t)}</h2>{html}</section>" for t, html in sections)
    return (
        f'<div class="figures">{inner}</div>'
        + _charts(fig, since)
        + "<details><summary>Antworten pro Tag als Tabelle</summary>"
        + _table(("Tag", "Antworten"), per_day, "Keine Antworten.")
        + "</details>"
    )


def _charts(fig: dict, since: date) -> str:
    """Questions and feedback per day of the period, as charts with the figures in words."""
    days = days_between(since, datetime.now(BERLIN).date())
    per_day = {date.fromisoformat(d): n for d, n in fig["per_day"].items()}
    fb = {date.fromisoformat(d): c for d, c in fig["feedback_per_day"].items()}
    busiest = max(per_day.items(), key=lambda kv: kv[1], default=None)
    said = f"{fig['answers']} Fragen an {len(per_day)} von {len(days)} Tagen" + (
        f", die meisten am {busiest[0]:%d.%m.%Y} ({busiest[1]})." if busiest else "."
    )
    positive = {d: c["positive"] for d, c in fb.items()}
    negative = {d: c["negative"] for d, c in fb.items()}
    feedback_said = (
        f"{sum(positive.values())} positive und {sum(negative.values())} negative "
        "Rückmeldungen im Zeitraum."
    )
    questions = bar_chart("Fragen pro Tag", days, [Series("Fragen", "#1f5fa6", per_day)], said)
    feedback = bar_chart(
        "Rückmeldungen pro Tag",
        days,
        [Series("positiv", "#1a7f37", positive), Series("negativ", "#b3261e", negative)],
        feedback_said,
    )
    return f"<h2>Fragen pro Tag</h2>{questions}<h2>Rückmeldungen pro Tag</h2>{feedback}"


def _title(doc_id: str, titles: Mapping[str, str]) -> str:
    """A document's title; a retired one (no longer in the manifest) by its id."""
    return titles.get(doc_id) or f"{doc_id} (zurückgezogen)"


def _entries_table(entries: list[AuditEntry], titles: Mapping[str, str]) -> str:
    rows = [_entry_row(e, titles) for e in entries]
    headers = (
        "Nr.",
        "Zeit",
        "Pseudonym",
        "Rollen",
        "Modus",
        "Abgelehnt",
        "Frage",
        "Antwort",
        "Quellen",
        "Rückmeldung",
    )
    return '<p class="muted">Zeiten in Ortszeit (Europe/Berlin).</p>' + _table(
        headers, rows, "Keine Einträge für diese Filter.", "audit-table"
    )


def _entry_row(e: AuditEntry, titles: Mapping[str, str]) -> tuple:
    feedback = {1: "positiv", -1: "negativ"}.get(e.feedback, "–")
    if e.feedback_comment:
        feedback += f" {e.feedback_comment}"
    sources = _sources(e.citations, titles)
    created = e.created_at if e.created_at.tzinfo else e.created_at.replace(tzinfo=UTC)
    return (
        e.id,
        f"{created.astimezone(BERLIN):%d.%m.%Y %H:%M}",
        e.user_id[:12],
        ", ".join(e.roles),
        {"llm": "Sprachmodell", "search": "Suchmodus"}.get(e.mode, e.mode)
        + (f" ⚠ {FLAG_LABEL}" if INSTRUCTION_LIKE_SOURCES in e.flags else ""),
        "ja" if e.refused else "nein",
        _preview(e.question),
        _preview(e.answer),
        sources,
        feedback,
    )


FLAG_LABEL = "Quelle enthält anweisungsartigen Text"


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + " …"


def _sources(citations: list[dict], titles: Mapping[str, str]) -> str:
    """Each cited document once (by title), with how many of its passages were cited."""
    counts: dict[str, int] = {}
    for c in citations:
        key = f"{_title(c['doc_id'], titles)} (Version {c.get('version')})"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(k if n == 1 else f"{k} ({n} Stellen)" for k, n in counts.items())
