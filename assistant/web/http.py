"""Who sends an HTTP request to our own pages, and the frame of those pages.

The app's own routes (`/it`, `/it/export.csv`, `/it/purge`, stored history
elements) take the person from Chainlit's login token (cookie `access_token` or
`Authorization: Bearer`) and then look them up in the account store on every
request (`AccountService.current`): roles and groups are the store's, not the
token's, so a change applies at once, and a token whose session has ended
(logout, changed rights, removal) is nobody.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from assistant.access.accounts import User

if TYPE_CHECKING:
    from assistant.access.accounts import AccountService

IT_ROLES = frozenset({"it", "admin"})
NO_STORE = {"cache-control": "no-store"}


def login_token(request: Request) -> str | None:
    """Chainlit's login token from its cookie or a bearer header."""
    from chainlit.auth import get_token_from_cookies

    token = get_token_from_cookies(dict(request.cookies))
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else None
    return token or None


def current_person(request: Request, accounts: AccountService) -> User | None:
    """The person of the login token as the account store knows them now, or None."""
    return person_of_token(login_token(request), accounts)


def person_of_token(token: str | None, accounts: AccountService) -> User | None:
    """The person of a login token while its session lives, as the store knows them now.

    None when the token is missing, forged or expired, carries no session counter
    (issued before sessions existed), or its session has ended: logout, removal, or
    changed roles, groups or password (`AccountService.current`)."""
    from chainlit.auth.jwt import decode_jwt  # the signature check itself, not sessions.py's

    if not token:
        return None
    try:
        session_user = decode_jwt(token)
    except Exception:  # noqa: BLE001 - expired, forged or no secret: not logged in
        return None
    person = User.from_metadata(session_user.identifier, session_user.metadata)
    if person.session is None:
        return None
    return accounts.current(person)


def gate(request: Request, accounts: AccountService, *, page: bool) -> Response | None:
    """None if the request may see the IT review; else the response to send."""
    person = current_person(request, accounts)
    if person is None:
        if page:
            return RedirectResponse("/login", status_code=303)
        return message_page(401, "Nicht angemeldet", "Bitte melden Sie sich zuerst an.")
    if not set(person.roles) & IT_ROLES:
        return message_page(
            403,
            "Kein Zugriff",
            "Die Protokollansicht ist nur für die IT und die Administration freigegeben. "
            "Wenden Sie sich an die Administration, wenn Sie Zugriff brauchen.",
        )
    return None


# --- the frame of our pages ---------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;max-width:90rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}.num{text-align:right}.muted{color:#555}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end}
form.filters label{display:flex;flex-direction:column;font-size:.85rem}
.figures{display:flex;flex-wrap:wrap;gap:2rem}.figures>section{min-width:16rem}
.error{color:#a00000}.pseudo{font-family:monospace}.done{color:#05610a;font-weight:600}
"""


def message_page(status: int, title: str, text: str) -> HTMLResponse:
    body = f'<h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href="/">Zum Chat</a></p>'
    return HTMLResponse(document(title, body), status_code=status, headers=NO_STORE)


def document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – Amtswissen</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
