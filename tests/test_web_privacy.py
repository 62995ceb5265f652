"""Nothing leaves the city's network: the page cleaning and headers of web.py, without a browser.

The browser test (test_browser.py) checks the same in Chromium end to end; these
tests pin the pieces and run everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from assistant.web.middleware import PrivacyMiddleware, clean_html, content_security_policy

FOREIGN = re.compile(r"""(?:src|href|content)=["'](?:[a-z]+:)?//""", re.IGNORECASE)


def chainlit_index() -> str:
    import chainlit

    return (Path(chainlit.__file__).parent / "frontend" / "dist" / "index.html").read_text()


def test_chainlit_page_still_links_third_parties_so_cleaning_matters():
    # If this fails, Chainlit changed its page: check clean_html still covers it.
    html = chainlit_index()
    assert "fonts.googleapis.com" in html and "cdn.jsdelivr.net" in html


@pytest.mark.parametrize(
    "page",
    [
        chainlit_index(),
        '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin />',
        "<link\n  href='//fonts.googleapis.com/css2?family=Inter'\n  rel='stylesheet'\n/>",
        '<meta property="og:image" content="https://example.com/banner.png">',
        '<script src="https://cdn.example.com/x.js"></script>',
    ],
)
def test_clean_html_removes_every_third_party_url(page):
    cleaned, _ = clean_html(page)
    assert not FOREIGN.findall(cleaned), cleaned


def test_clean_html_keeps_own_assets_and_hashes_inline_scripts():
    cleaned, hashes = clean_html(chainlit_index())
    assert '<script type="module" crossorigin src="/assets/' in cleaned
    assert '<html lang="de">' in cleaned
    inline = re.findall(r"<script>(.*?)</script>", cleaned, re.DOTALL)
    expected = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline]
    assert inline and hashes == expected


def test_policy_allows_only_the_own_origin():
    csp = content_security_policy(["abc="])
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'sha256-abc='" in csp
    assert "unsafe-eval" not in csp and not re.search(r"https?:|\*", csp)


@pytest.fixture
def client():
    page = chainlit_index()
    routes = [
        Route("/", lambda request: HTMLResponse(page)),
        Route("/api", lambda request: PlainTextResponse("ok" * 1000)),
    ]
    # Like Chainlit's app: gzip outside, our middleware innermost.
    app = Starlette(
        routes=routes, middleware=[Middleware(GZipMiddleware), Middleware(PrivacyMiddleware)]
    )
    return TestClient(app)


def test_middleware_cleans_the_page_behind_gzip_and_sets_matching_csp(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"  # cleaned before compression
    assert not FOREIGN.findall(response.text)
    _, hashes = clean_html(chainlit_index())
    assert response.headers["content-security-policy"] == content_security_policy(hashes)
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_middleware_sets_headers_on_other_responses_and_keeps_their_body(client):
    response = client.get("/api")
    assert response.text == "ok" * 1000
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY"


def test_failing_handler_shows_german_message_and_logs_no_text(monkeypatch, caplog):
    from chainlit.server import app as chainlit_app

    # Another test may have served requests through Chainlit's app in this process,
    # which builds its middleware stack; the chat module adds its middleware at import.
    if "assistant.web.app" not in sys.modules:
        chainlit_app.middleware_stack = None
    from assistant.web import app as chat_app

    secret = "Frau Erika Mustermann, geboren 01.02.1980"
    sent: list[str] = []

    class FakeMessage:
        def __init__(self, content: str):
            self.content = content

        async def send(self):
            sent.append(self.content)

    async def failing(message):
        raise ValueError(f"kaputt bei {secret}")

    monkeypatch.setattr(chat_app.cl, "Message", FakeMessage)
    import asyncio

    with caplog.at_level(logging.INFO):
        asyncio.run(chat_app.guarded(failing)(object()))
    assert sent and "Fehler" in sent[0] and "IT" in sent[0] and secret not in sent[0]
    assert "ValueError" in caplog.text and "Erika" not in caplog.text
