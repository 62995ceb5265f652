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
    return accounts.current(claimed_person(token))


def claimed_person(token: str | None) -> User | None:
    """Who a login token says its holder is: signature and expiry checked, the store not
    asked (so not whether the session still lives). None when the token is missing,
    forged or expired, or carries no session counter (issued before sessions existed)."""
    from chainlit.auth.jwt import decode_jwt  # the signature check itself, not sessions.py's

    if not token:
        return None
    try:
        session_user = decode_jwt(token)
    except Exception:  # noqa: BLE001 - expired, forged or no secret: not logged in
        return None
    person = User.from_metadata(session_user.identifier, session_user.metadata)
    return person if person.session is not None else None


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

# The app's own stylesheet (fonts, the primary colour; a city's settings may change it) is
# linked, not copied: these pages look like the chat. Colours fall back to the defaults of
# public/amtswissen.css; every text colour has at least 4.5:1 contrast on its background.
STYLESHEET = "/public/amtswissen.css"
STYLE = """
:root{--aw-primary:hsl(var(--primary,211 69% 35%));--aw-text:#1b1b1b;--aw-muted:#4a4a4a;
--aw-line:#c9ced6;--aw-head:#eef2f7}
body{font-family:var(--font-sans,system-ui,sans-serif);margin:0;color:var(--aw-text);
background:#fff;line-height:1.45}
a{color:var(--aw-primary)}
:focus-visible{outline:3px solid var(--aw-primary);outline-offset:2px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.6rem 1.5rem;
border-bottom:1px solid var(--aw-line)}
header.top .brand{font-weight:700;font-size:1.1rem;color:var(--aw-text);text-decoration:none}
header.top nav{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;margin-left:auto}
header.top form{margin:0}
main{padding:1rem 1.5rem 3rem;max-width:90rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid var(--aw-line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--aw-head)}.num{text-align:right}.muted{color:var(--aw-muted)}
button,.button{font:inherit;padding:.35rem .8rem;border-radius:.375rem;cursor:pointer;
border:1px solid var(--aw-primary);background:var(--aw-primary);color:#fff;text-decoration:none;
display:inline-block}
button.quiet,.button.quiet{background:#fff;color:var(--aw-primary)}
input,select{font:inherit;padding:.25rem .4rem;border:1px solid #767676;border-radius:.25rem}
form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end}
form.filters label{display:flex;flex-direction:column;font-size:.85rem}
.figures{display:flex;flex-wrap:wrap;gap:2rem}.figures>section{min-width:16rem;flex:1}
.error{color:#a00000}.pseudo{font-family:var(--font-mono,monospace)}
.done{color:#05610a;font-weight:600}.hint{color:#8a4b00;font-weight:600}
.chart{margin:0 0 1rem}.chart svg{max-width:100%;height:auto}
.chart figcaption{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
.legend{display:inline-flex;align-items:center;gap:.4rem;font-weight:600}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:.15rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
"""


def message_page(status: int, title: str, text: str) -> HTMLResponse:
    body = f"<h1>{escape(title)}</h1><p>{escape(text)}</p>"
    return HTMLResponse(document(title, body), status_code=status, headers=NO_STORE)


def document(title: str, body: str, nav: str = "") -> str:
    """A whole page: the app's header (back to the chat, `nav`, logout) and `body`."""
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – Amtswissen</title>"
        f'<link rel="stylesheet" href="{STYLESHEET}"><style>{STYLE}</style></head>'
        f'<body><header class="top"><a class="brand" href="/">Amtswissen</a>'
        f'<nav aria-label="Seiten"><a href="/">Zum Chat</a>{nav}'
        f'<form method="post" action="{LOGOUT}"><button class="quiet" type="submit">'
        "Abmelden</button></form></nav></header>"
        f"<main>{body}</main></body></html>"
    )


# --- form keys and logout --------------------------------------------------------------------

LOGOUT = "/abmelden"


def form_key(request: Request, purpose: str) -> str:
    """The key a changing form carries: derived from this login, which another site cannot
    read. (An Origin check alone fails: with `Referrer-Policy: no-referrer` browsers send
    `Origin: null`.)"""
    import hashlib
    import hmac
    import os

    secret = os.environ.get("CHAINLIT_AUTH_SECRET", "").encode()
    token = (login_token(request) or "").encode()
    return hmac.new(secret, purpose.encode() + b":" + token, hashlib.sha256).hexdigest()[:32]


def same_origin(request: Request) -> bool:
    """No other origin named as the sender (`null` or none: the form key decides).
    Host only: behind a TLS proxy the scheme differs."""
    from urllib.parse import urlsplit

    sender = request.headers.get("origin", "")
    return sender in ("", "null") or urlsplit(sender).netloc == request.headers.get("host", "")


async def small_form(request: Request) -> dict[str, str]:
    """A small urlencoded form body."""
    from urllib.parse import parse_qsl

    body = await request.body()
    return dict(parse_qsl(body[:2000].decode("utf-8", "replace")))


def logout_route(accounts: AccountService):
    """`POST /abmelden` from our pages: end the person's sessions (as the chat's logout does,
    sessions.py), drop the cookie, back to the login form. A plain form, no script."""
    from starlette.routing import Route

    def logout(request: Request) -> Response:
        from chainlit.auth.cookie import clear_auth_cookie

        if not same_origin(request):
            return message_page(403, "Nicht erlaubt", "Abmelden geht nur über diese Seiten.")
        if person := current_person(request, accounts):
            accounts.end_sessions(person.name)
        response = RedirectResponse("/login", status_code=303)
        clear_auth_cookie(request, response)
        return response

    return Route(LOGOUT, logout, methods=["POST"], name="logout_page")
