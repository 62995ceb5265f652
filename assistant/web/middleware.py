"""Web middleware: keep the page inside the city's network, remember the client address.

What would leave the network, and what stops it here:

* Chainlit's built page (`chainlit/frontend/dist/index.html`) links Google Fonts
  (`fonts.googleapis.com`, `fonts.gstatic.com`, with `preconnect`) and the KaTeX
  stylesheet from `cdn.jsdelivr.net`; its meta tags point at github.com and an S3
  bucket. `PrivacyMiddleware` removes every third-party URL from the HTML before
  it is sent; the page then uses system fonts (`public/amtswissen.css`).
* A `Content-Security-Policy` that allows only the app's own origin makes the
  browser refuse anything else (the lazily loaded media players of the bundle
  would fetch hls.js or oEmbed data from CDNs), plus `Referrer-Policy:
  no-referrer` and `X-Content-Type-Options: nosniff`.
* Server side, Chainlit has no telemetry of its own; its only cloud paths are the
  data layers picked from `LITERAL_API_KEY` / `DATABASE_URL`, which app.py pins
  off with `@cl.data_layer`. Chroma's telemetry is off (vectorstore.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


# --- the page: only the app's own origin ---------------------------------------------

# An attribute value that points to another origin: absolute or protocol-relative.
_FOREIGN = r"""["'](?:[a-z][a-z0-9+.-]*:)?//[^"']*["']"""
_FOREIGN_TAGS = [
    re.compile(rf"<link\b[^>]*\bhref={_FOREIGN}[^>]*>\s*", re.IGNORECASE),
    re.compile(rf"<meta\b[^>]*\bcontent={_FOREIGN}[^>]*>\s*", re.IGNORECASE),
    re.compile(rf"<script\b[^>]*\bsrc={_FOREIGN}[^>]*>\s*</script>\s*", re.IGNORECASE),
]
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE
)


# Accessibility repairs of the built page (public/a11y.js; tests/test_browser_a11y.py).
A11Y_SCRIPT = '<script defer src="/public/a11y.js"></script>'


def clean_html(html: str) -> tuple[str, list[str]]:
    """The page without third-party links, and the hashes of its inline scripts (for the CSP)."""
    for pattern in _FOREIGN_TAGS:
        html = pattern.sub("", html)
    html = html.replace('<html lang="en">', '<html lang="de">', 1)  # for screen readers
    html = html.replace("</head>", A11Y_SCRIPT + "</head>", 1)  # names for icon buttons etc.
    hashes = [_sha256(body) for body in _INLINE_SCRIPT.findall(html)]
    return html, hashes


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """Own origin only. `'self'` covers the socket (ws/wss to the same host) in CSP 3.

    Only what the page was seen to need besides: inline `<style>` elements (the
    toast library injects one), `data:` images (icons in Chainlit's CSS), and the
    page's two inline scripts by hash. test_browser.py fails on any violation.
    """
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


SECURITY_HEADERS = {
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class PrivacyMiddleware:
    """Pure ASGI: security headers on every response; HTML pages cleaned of foreign URLs.

    Installed innermost (inside Chainlit's gzip), so it sees the page uncompressed.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                if _is_html(message):
                    held["start"] = message  # wait for the body: the CSP needs its hashes
                    return
                _add_headers(message, content_security_policy())
            elif message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_clean_page(send, held["start"], b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, wrapped)


async def _send_clean_page(send: Send, start: Message, body: bytes) -> None:
    html, hashes = clean_html(body.decode("utf-8"))
    data = html.encode("utf-8")
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    start = {**start, "headers": [*headers, (b"content-length", str(len(data)).encode())]}
    _add_headers(start, content_security_policy(hashes))
    await send(start)
    await send({"type": "http.response.body", "body": data, "more_body": False})


def _is_html(start: Message) -> bool:
    for key, value in start.get("headers", []):
        if key.lower() == b"content-type":
            return value.lower().startswith(b"text/html")
    return False


def _add_headers(start: Message, csp: str) -> None:
    present = {k.lower() for k, _ in start.get("headers", [])}
    extra = {"content-security-policy": csp, **SECURITY_HEADERS}
    start["headers"] = list(start.get("headers", [])) + [
        (k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present
    ]


# The client address of the HTTP request being handled (for the login rate limit).
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


class ClientAddressMiddleware:
    """Pure ASGI: remembers the peer address of each request in `client_address`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        token = client_address.set(client[0] if client else None)
        try:
            await self.app(scope, receive, send)
        finally:
            client_address.reset(token)


def install_privacy(app: Any) -> None:
    """Add `PrivacyMiddleware` to Chainlit's FastAPI app, innermost, before it starts."""
    from starlette.middleware import Middleware

    if getattr(app, "middleware_stack", None) is not None:
        raise RuntimeError("install_privacy must run before the server starts")
    if not any(m.cls is PrivacyMiddleware for m in app.user_middleware):
        app.user_middleware.append(Middleware(PrivacyMiddleware))
    if not any(m.cls is ClientAddressMiddleware for m in app.user_middleware):
        app.user_middleware.append(Middleware(ClientAddressMiddleware))


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
