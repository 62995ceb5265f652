"""Deleting old entries from the IT page: `POST /it/purge`, its form and its note.

Audit rows and chats older than a number of days go for good (both retentions
also run daily on their own, see `privacy.retention.apply_retention`). Only for
`it`/`admin`, only with the confirmation ticked, and only with the form key of
the person's own page, so another site cannot make an IT person's browser send
the form.
"""

from __future__ import annotations

import hmac
import logging
from html import escape
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assistant.web.http import form_key as http_form_key
from assistant.web.http import gate, message_page, same_origin, small_form

if TYPE_CHECKING:
    from assistant.services import Services

log = logging.getLogger("assistant.web.itpage")
MAX_DAYS = 36500


def purge_handler(services: Services):
    """The route handler of `POST /it/purge`."""

    async def purge(request: Request) -> Response:
        import anyio

        if denied := gate(request, services.accounts, page=False):
            return denied
        form = await small_form(request)
        if not same_origin(request) or not hmac.compare_digest(
            form.get("key", ""), form_key(request)
        ):
            return message_page(
                403, "Nicht erlaubt", "Löschen geht nur über das Formular dieser Seite."
            )
        return await anyio.to_thread.run_sync(purge_old_entries, services, form)

    return purge


def form_key(request: Request) -> str:
    """The key the purge form carries (http.form_key): another site cannot make an IT
    person's browser send the form."""
    return http_form_key(request, "it-purge")


def purge_old_entries(services: Services, form: dict[str, str]) -> Response:
    """Delete audit rows and chats older than `days` days; back to /it with the counts."""
    from assistant.privacy.retention import purge_services_chat_history

    try:
        days = int(form.get("days", ""))
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        return message_page(400, "Ungültige Angabe", "Bitte eine Anzahl Tage ab 1 angeben.")
    if form.get("confirm") != "ja":
        return message_page(
            400, "Nicht bestätigt", "Bitte das endgültige Löschen mit dem Häkchen bestätigen."
        )
    rows = services.audit.purge(days)
    chats = purge_services_chat_history(services, days)
    log.info("IT purge: %d audit rows, %d chats older than %d days", rows, chats, days)
    return RedirectResponse(f"/it?geloescht={rows}&chats={chats}&tage={days}", status_code=303)


def purged_note(params) -> str:
    """After a purge: what went (the counts came with the redirect)."""
    try:
        rows, chats, days = int(params["geloescht"]), int(params["chats"]), int(params["tage"])
    except (KeyError, ValueError):
        return ""
    return (
        f'<p class="done" role="status">Gelöscht: {rows} Protokolleinträge und {chats} '
        f"Chatverläufe, die älter als {days} Tage waren.</p>"
    )


def purge_form(request: Request, retention_days: int) -> str:
    automatic = (
        f"Automatisch gelöscht wird nach {retention_days} Tagen."
        if retention_days
        else "Automatisches Löschen ist abgeschaltet."
    )
    return (
        "<h2>Alte Einträge löschen</h2>"
        f'<p class="muted">{escape(automatic)} Hier lässt sich früher löschen – '
        "Protokolleinträge und Chatverläufe, endgültig.</p>"
        '<form class="filters" method="post" action="/it/purge">'
        f'<input type="hidden" name="key" value="{escape(form_key(request))}">'
        f'<label>Älter als (Tage)<input type="number" name="days" min="1" max="{MAX_DAYS}" '
        f'value="{retention_days or 90}" required></label>'
        '<label class="check"><span><input type="checkbox" name="confirm" value="ja" '
        "required> Endgültig löschen</span></label>"
        '<button type="submit">Löschen</button></form>'
    )
