"""`/dokumente`: the knowledge manager's documents as a page, one row per document with
its own "Zurückziehen".

In the chat the list was a Markdown table wider than the message (the feedback
column sat behind horizontal scrolling) with the retire buttons in a separate
list whose labels were cut mid-word (issue 13, item 15). Here it is a plain
table that fits 1280 px, works with the keyboard alone and needs no script.
Retiring asks once more (a page of its own) and then posts a form carrying the
login's form key (http.form_key). `UploadService` checks role and collection
again itself; this module only renders and forwards.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from assistant.errors import AssistantError
from assistant.web import docdates
from assistant.web.http import (
    NO_STORE,
    current_person,
    document,
    form_key,
    message_page,
    same_origin,
    small_form,
)
from assistant.web.kmtexts import NOTHING_MANAGED

if TYPE_CHECKING:
    from assistant.access.accounts import User
    from assistant.ingest.upload import ManagedDocument
    from assistant.services import Services

PAGE = "/dokumente"
RETIRE = "/dokumente/zurueckziehen"
PURPOSE = "dokumente"
PAGE_STYLE = """
table.docs{table-layout:auto}table.docs td,table.docs th{overflow-wrap:break-word;hyphens:manual}
table.docs td.action{white-space:nowrap}table.docs .collection{display:block;font-size:.8rem}
"""


def register_document_routes(app: Any, services: Services) -> None:
    """Mount `/dokumente` and `/dokumente/zurueckziehen` ahead of Chainlit's catch-all."""

    def page(request: Request) -> Response:  # sync: Starlette runs it in a thread
        person, denied = _manager(request, services)
        if denied:
            return denied
        documents = services.uploads.documents(person)
        retired = request.query_params.get("zurueckgezogen", "")[:300]
        return HTMLResponse(render_page(documents, retired), headers=NO_STORE)

    def confirm(request: Request) -> Response:
        _person, denied = _manager(request, services)
        if denied:
            return denied
        record = services.manifest.get(request.query_params.get("doc", ""))
        if record is None:
            return message_page(404, "Nicht gefunden", "Dieses Dokument gibt es nicht (mehr).")
        return HTMLResponse(render_confirm(record, form_key(request, PURPOSE)), headers=NO_STORE)

    async def retire(request: Request) -> Response:
        import anyio

        form = await small_form(request)
        return await anyio.to_thread.run_sync(_retire, request, form)

    def _retire(request: Request, form: dict[str, str]) -> Response:
        import hmac

        person, denied = _manager(request, services)
        if denied:
            return denied
        if not same_origin(request) or not hmac.compare_digest(
            form.get("key", ""), form_key(request, PURPOSE)
        ):
            return message_page(
                403, "Nicht erlaubt", "Zurückziehen geht nur über das Formular dieser Seite."
            )
        try:
            record = services.uploads.retire(person, form.get("doc", ""))
        except AssistantError as exc:
            return message_page(
                403 if exc.code == "forbidden" else 404, "Nicht möglich", exc.message
            )
        return RedirectResponse(f"{PAGE}?zurueckgezogen={quote(record.title)}", status_code=303)

    routes = [
        Route(PAGE, page, methods=["GET"], name="documents_page"),
        Route(RETIRE, confirm, methods=["GET"], name="documents_confirm"),
        Route(RETIRE, retire, methods=["POST"], name="documents_retire"),
    ]
    for route in reversed(routes):  # Chainlit's `/{full_path:path}` would answer first
        app.router.routes.insert(0, route)


def _manager(request: Request, services: Services) -> tuple[User, Response | None]:
    person = current_person(request, services.accounts)
    if person is None:
        return None, RedirectResponse("/login", status_code=303)  # type: ignore[return-value]
    if not services.uploads.may_upload(person):
        return person, message_page(403, "Kein Zugriff", NOTHING_MANAGED)
    return person, None


def render_page(documents: list[ManagedDocument], retired: str = "") -> str:
    note = (
        f'<p class="done" role="status">„{escape(retired)}“ wurde zurückgezogen und wird nicht '
        "mehr gefunden.</p>"
        if retired
        else ""
    )
    body = "".join(
        [
            "<h1>Ihre Dokumente</h1>",
            note,
            (
                '<p class="muted">Zum Ersetzen die geänderte Datei mit gleichem Namen im Chat erneut '
                "anhängen; „gültig ab TT.MM.JJJJ“ / „gültig bis TT.MM.JJJJ“ in der Nachricht setzt "
                "Gültigkeitsdaten.</p>"
            ),
            _table(documents),
        ]
    )
    return document("Ihre Dokumente", f"<style>{PAGE_STYLE}</style>{body}")


def _table(documents: list[ManagedDocument]) -> str:
    if not documents:
        return (
            '<p class="muted">In Ihren Sammlungen gibt es noch keine Dokumente. '
            "Dateien im Chat einfach anhängen.</p>"
        )
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "Dokument",
            "Version",
            "Datum",  # the cell says which: "Stand …" (the document's) or "aufgenommen am …"
            "Gültigkeit",
            "Abschnitte",
            "Rückmeldungen (30&nbsp;Tage)",
            "Aktion",
        )
    )
    rows = "".join(_row(d) for d in documents)
    return (
        '<table class="docs"><caption class="visually-hidden">Dokumente Ihrer Sammlungen'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _row(d: ManagedDocument) -> str:
    r = d.record
    title = escape(r.title)
    valid = escape(docdates.validity(r) or "unbegrenzt")
    if note := docdates.findable(r):
        valid += f'<br><span class="hint">{escape(note)}</span>'
    feedback = f"{d.feedback_up} hilfreich, {d.feedback_down} nicht hilfreich"
    # The name says which document (a screen reader's link list shows no rows); the visible
    # word begins it (WCAG 2.5.3, label in name).
    action = (
        f'<a class="button quiet" href="{RETIRE}?doc={quote(r.doc_id)}" '
        f'aria-label="Zurückziehen: {title}">Zurückziehen</a>'
    )
    return (
        f'<tr><th scope="row">{title}<span class="collection muted">Sammlung '
        f"{escape(r.collection)}</span></th><td>{r.version}</td>"
        f"<td>{escape(docdates.stand(r))}</td><td>{valid}</td>"
        f'<td class="num">{r.chunks}</td><td>{feedback}</td><td class="action">{action}</td></tr>'
    )


def render_confirm(record, key: str) -> str:
    title = escape(record.title)
    body = (
        "<h1>Dokument zurückziehen</h1>"
        f"<p>„{title}“ (Version {record.version}, Sammlung {escape(record.collection)}) "
        "wirklich zurückziehen? Es wird danach nicht mehr gefunden.</p>"
        f'<form method="post" action="{RETIRE}">'
        f'<input type="hidden" name="key" value="{escape(key)}">'
        f'<input type="hidden" name="doc" value="{escape(record.doc_id)}">'
        '<button type="submit">Ja, zurückziehen</button> '
        f'<a class="button quiet" href="{PAGE}">Abbrechen</a></form>'
    )
    return document("Dokument zurückziehen", body)
