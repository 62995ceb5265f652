"""IT review page over HTTP: Chainlit's signed login token, roles, filters, stats, CSV, escaping.

Real SQLite (and PostgreSQL with TEST_POSTGRES_URL) audit log written by the real `AuditLog` (redactor included), the
routes mounted on a FastAPI app (and once on Chainlit's own app, ahead of its
catch-all route), requests through Starlette's TestClient.
"""

from __future__ import annotations

import csv
import io

import pytest
from chainlit.auth.jwt import create_jwt
from chainlit.user import User
from conftest import store_settings
from fastapi import FastAPI
from starlette.testclient import TestClient
from test_audit import PII, make_answer

from assistant.privacy import build_redactor
from assistant.services import Services
from assistant.web.itpage import register_it_routes

SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="module")
def redactor():
    return build_redactor()


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path):
    s = Services(store_settings(tmp_path, request.param))
    yield s
    s.engine.dispose()
    s.close()


@pytest.fixture
def filled(services, redactor, monkeypatch):
    """Services with three audit rows: one with PII, one refused search answer, one with <script>."""
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", SECRET)
    services.__dict__["redactor"] = redactor
    audit = services.audit
    first = audit.record_answer(make_answer(), user="mmuster", roles=["mitarbeitende"])
    audit.record_feedback(first, -1, f"Falsch für {PII['PERSON']}")
    audit.record_answer(
        make_answer(
            "Wie beantrage ich Urlaub?",
            text="Nichts gefunden.",
            refused=True,
            mode="search",
            citations=[],
        ),
        user="kkoch",
        roles=["mitarbeitende"],
    )
    audit.record_answer(
        make_answer("Was macht <script>alert(1)</script> hier?", text="<b>fett</b> & so [1]"),
        user="mmuster",
    )
    return services


def client(services, app=None) -> TestClient:
    app = app or FastAPI()
    register_it_routes(app, services)
    c = TestClient(app, follow_redirects=False)
    c.services = services
    return c


def account(services, name: str, *roles: str) -> None:
    """The page reads roles from the account store, not the token: the account exists."""
    if services.accounts.get(name):
        services.accounts.set_roles(name, roles)
    else:
        services.accounts.add(name, "passwort-" + name, roles)


def login(c: TestClient, *roles: str, name: str = "pruefer") -> None:
    account(c.services, name, *roles)
    c.cookies.set("access_token", session_token(c.services, name, *roles))


def session_token(services, name: str, *roles: str) -> str:
    """A login token as the login issues it: with the person's current session counter."""
    meta = {"roles": list(roles), "session": services.accounts.session_version(name)}
    return create_jwt(User(identifier=name, metadata=meta))


def test_not_logged_in(filled):
    c = client(filled)
    page = c.get("/it")
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert c.get("/it/export.csv").status_code == 401


def test_forged_or_foreign_token_is_not_logged_in(filled):
    c = client(filled)
    token = create_jwt(User(identifier="x", metadata={"roles": ["it"]}))
    c.cookies.set("access_token", token[:-2] + "AA")
    assert c.get("/it").status_code == 303


@pytest.mark.parametrize("roles", [("mitarbeitende",), ("wissensmanagement",), ()])
def test_other_roles_get_403_in_german(filled, roles):
    c = client(filled)
    login(c, *roles)
    page = c.get("/it")
    assert page.status_code == 403
    assert "Kein Zugriff" in page.text and 'lang="de"' in page.text
    assert "<PERSON" not in page.text and "Urlaub" not in page.text
    assert c.get("/it/export.csv").status_code == 403


@pytest.mark.parametrize("role", ["it", "admin"])
def test_it_and_admin_see_rows_and_figures(filled, role):
    c = client(filled)
    login(c, "mitarbeitende", role)
    page = c.get("/it")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "Protokoll und Nutzung" in text
    assert "&lt;PERSON&gt;" in text and PII["PERSON"] not in text and PII["IBAN"] not in text
    assert "Wie beantrage ich Urlaub?" in text
    for heading in ("Antworten pro Tag", "Meistzitierte Dokumente", "gefundene personenbezogene"):
        assert heading in text
    assert "hunde" in text and "IBAN" in text and "33.3%" in text  # 1 of 3 refused
    assert "<script" not in text and "http://" not in text and "https://" not in text


def test_bearer_header_works_too(filled):
    c = client(filled)
    account(filled, "it1", "it")
    token = session_token(filled, "it1", "it")
    assert c.get("/it", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_html_is_escaped(filled):
    c = client(filled)
    login(c, "it")
    text = c.get("/it").text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;fett&lt;/b&gt; &amp; so" in text


def test_filters(filled):
    c = client(filled)
    login(c, "it")
    refused = c.get("/it", params={"refused": "ja"}).text
    assert "Urlaub" in refused and "&lt;script&gt;" not in refused
    search = c.get("/it", params={"mode": "search"}).text
    assert "Urlaub" in search and "Hunde" not in search.split("Einträge")[-1]
    found = c.get("/it", params={"q": "script"}).text
    assert "&lt;script&gt;" in found and "Urlaub" not in found
    pseudo = filled.audit.pseudonym("kkoch")[:10]
    mine = c.get("/it", params={"user": pseudo}).text
    assert "Urlaub" in mine and "&lt;script&gt;" not in mine
    future = c.get("/it", params={"since": "01.01.2999"}).text
    assert "Keine Einträge für diese Filter." in future
    assert "Keine Einträge" in c.get("/it", params={"since": "2999-01-01"}).text  # older links
    bad = c.get("/it", params={"since": "gestern", "user": "Müller"}).text
    assert "TT.MM.JJJJ" in bad and "0–9" in bad and "Müller" not in bad
    us = c.get("/it", params={"since": "12/01/2026"}).text  # the US form is no date here
    assert "kein Datum" in us


def test_csv_export(filled):
    c = client(filled)
    login(c, "it")
    res = c.get("/it/export.csv")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/csv")
    assert "attachment" in res.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert len(rows) == 3 and rows[0]["feedback"] == "-1"
    assert "<PERSON_1>" in rows[0]["question"] and PII["PERSON"] not in res.text
    filtered = list(csv.DictReader(io.StringIO(c.get("/it/export.csv?refused=ja").text)))
    assert [r["question"] for r in filtered] == ["Wie beantrage ich Urlaub?"]


def test_csv_quotes_formula_cells(filled):
    filled.audit.record_answer(make_answer("=HYPERLINK(1)"), user="x")
    c = client(filled)
    login(c, "it")
    rows = list(csv.DictReader(io.StringIO(c.get("/it/export.csv?q=HYPERLINK").text)))
    assert rows[0]["question"] == "'=HYPERLINK(1)"


def test_routes_come_before_chainlits_catch_all(filled):
    from chainlit.server import app

    before = list(app.router.routes)
    try:
        c = client(filled, app)
        login(c, "mitarbeitende")
        page = c.get("/it")
        assert page.status_code == 403 and "Kein Zugriff" in page.text
    finally:
        app.router.routes[:] = before


def _age(services, row_id: int, days: int) -> None:
    from datetime import UTC, datetime, timedelta

    from assistant.db import audit_log

    with services.audit.engine.begin() as conn:
        conn.execute(
            audit_log.update()
            .where(audit_log.c.id == row_id)
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


def _ids(services) -> list[int]:
    return sorted(e.id for e in services.audit.entries())


SAME_ORIGIN = {"origin": "http://testserver"}


def _key(c: TestClient) -> str:
    """The form key the logged-in page carries."""
    import re

    page = c.get("/it")
    found = re.search(r'name="key" value="([0-9a-f]{32})"', page.text)
    return found[1] if found else "kein-schluessel"


def test_purge_from_the_page(filled):
    oldest = _ids(filled)[0]
    _age(filled, oldest, 40)
    c = client(filled)
    login(c, "it")
    page = c.get("/it")
    assert 'action="/it/purge"' in page.text and 'name="confirm"' in page.text
    form = {"days": "30", "confirm": "ja", "key": _key(c)}
    done = c.post("/it/purge", data=form, headers={"origin": "null"})  # no-referrer policy
    assert done.status_code == 303 and done.headers["location"].startswith("/it?")
    assert oldest not in _ids(filled) and len(_ids(filled)) == 2
    note = c.get(done.headers["location"]).text
    assert "Gelöscht: 1 Protokolleinträge und 0 Chatverläufe, die älter als 30 Tage" in note


@pytest.mark.parametrize(
    ("roles", "form", "headers", "status", "german"),
    [
        ((), {"days": "1", "confirm": "ja"}, SAME_ORIGIN, 401, "Nicht angemeldet"),
        (("mitarbeitende",), {"days": "1", "confirm": "ja"}, SAME_ORIGIN, 403, "Kein Zugriff"),
        (
            ("it",),
            {"days": "1", "confirm": "ja"},
            {"origin": "https://evil.example"},
            403,
            "nur über das Formular",
        ),
        (
            ("it",),
            {"days": "1", "confirm": "ja", "key": "0" * 32},
            SAME_ORIGIN,
            403,
            "nur über das Formular",
        ),
        (("it",), {"days": "1", "confirm": "ja", "key": ""}, {}, 403, "nur über das Formular"),
        (("it",), {"days": "1"}, SAME_ORIGIN, 400, "Häkchen"),
        (("admin",), {"days": "0", "confirm": "ja"}, SAME_ORIGIN, 400, "ab 1"),
        (("admin",), {"days": "bald", "confirm": "ja"}, SAME_ORIGIN, 400, "ab 1"),
    ],
)
def test_purge_is_refused_unless_it_confirmed_from_this_page(
    filled, roles, form, headers, status, german
):
    for row in _ids(filled):
        _age(filled, row, 400)
    c = client(filled)
    if roles:
        login(c, *roles)
    form = {"key": _key(c), **form}  # the page's own key unless the case brings another
    refused = c.post("/it/purge", data=form, headers=headers)
    assert refused.status_code == status and german in refused.text, refused.text
    assert len(_ids(filled)) == 3  # nothing deleted


def test_sources_column_names_each_document_once():
    from assistant.web.itpage import _sources

    citations = [
        {"doc_id": "reise", "version": 2},
        {"doc_id": "reise", "version": 2},
        {"doc_id": "hunde", "version": 1},
    ]
    titles = {"reise": "Dienstreiserichtlinie"}
    assert _sources(citations, titles) == (
        "Dienstreiserichtlinie (Version 2) (2 Stellen), hunde (zurückgezogen) (Version 1)"
    )
    assert _sources([], titles) == ""


def test_figures_cover_the_last_30_days_unless_a_period_is_chosen(filled):
    from datetime import UTC, datetime, timedelta

    _age(filled, _ids(filled)[0], 40)
    c = client(filled)
    login(c, "it")
    text = c.get("/it").text
    assert "(die letzten 30 Tage)" in text and "<td>Antworten</td><td>2</td>" in text
    since = f"{datetime.now(UTC) - timedelta(days=60):%d.%m.%Y}"
    chosen = c.get(f"/it?since={since}").text
    assert "die letzten 30 Tage" not in chosen and "<td>Antworten</td><td>3</td>" in chosen


# --- issue 13, item 16: the app's look, titles, local time, German dates, charts, PII ----


def test_page_looks_like_the_app_and_leads_back(filled):
    c = client(filled)
    login(c, "it")
    text = c.get("/it").text
    assert '<link rel="stylesheet" href="/public/amtswissen.css">' in text  # the app's fonts
    assert "var(--font-sans" in text and "hsl(var(--primary" in text  # and colours
    assert '<a href="/">Zum Chat</a>' in text
    assert '<form method="post" action="/abmelden">' in text and "Abmelden" in text
    assert "http://" not in text and "https://" not in text


def test_documents_by_title_times_in_berlin(filled):
    from datetime import UTC, datetime

    from assistant.db import audit_log
    from assistant.retrieval.manifest import DocumentRecord

    filled.manifest.commit(
        DocumentRecord(
            "hunde", "allgemein", "/kb/hunde.md", "Dienstanweisung Hundehaltung", "0" * 64,
            2, 3, None, 10, "md", datetime(2026, 1, 5, tzinfo=UTC),
        )
    )  # fmt: skip
    with filled.audit.engine.begin() as conn:  # 23:30 UTC in summer is 01:30 the next day
        conn.execute(audit_log.update().values(created_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC)))
    c = client(filled)
    login(c, "it")
    text = c.get("/it", params={"since": "01.06.2026"}).text
    assert "Zeit (UTC)" not in text and "Ortszeit (Europe/Berlin)" in text
    assert "02.07.2026 01:30" in text and "2026-07-01 23:30" not in text
    assert "Dienstanweisung Hundehaltung (Version 2)" in text
    assert "<td>Dienstanweisung Hundehaltung</td><td>2</td>" in text  # most cited
    assert ">hunde<" not in text and "hunde v2" not in text


def test_german_date_field_not_the_browsers_locale(filled):
    c = client(filled)
    login(c, "it")
    text = c.get("/it", params={"since": "2026-03-01"}).text
    field = text[text.index('name="since"') - 200 : text.index('name="since"') + 300]
    assert 'type="date"' not in field and 'type="text"' in field, field
    assert 'placeholder="TT.MM.JJJJ"' in field and 'value="01.03.2026"' in field, field


def test_charts_of_questions_and_feedback_with_text_alternative(filled):
    import re

    c = client(filled)
    login(c, "it")
    text = c.get("/it").text
    charts = re.findall(r"<figure class=\"chart\">.*?</figure>", text)
    assert len(charts) == 2, text
    for chart in charts:
        assert '<svg role="img" aria-labelledby="' in chart and "<desc id=" in chart
        assert "<figcaption>" in chart
    assert '<title id="chart-fragenprotag-t">Fragen pro Tag</title>' in charts[0]
    assert "3 Fragen an 1 von 31 Tagen" in charts[0]
    assert "0 positive und 1 negative Rückmeldungen" in charts[1]
    assert charts[0].count("<rect") == 31  # a bar per day of the period, empty days too


def test_a_name_counts_once_and_only_in_the_question_that_held_it(services, redactor):
    """A follow-up without a name, whose answer names the person of the earlier question,
    counted PERSON 1 (and the question with the name counted 2)."""
    from assistant.privacy import PlaceholderMap

    services.__dict__["redactor"] = redactor
    placeholders = PlaceholderMap()
    first = services.audit.record_answer(
        make_answer(f"Darf {PII['PERSON']} ihren Hund mitbringen?", text="Nur mit Zustimmung."),
        user="u",
        placeholders=placeholders,
    )
    follow_up = services.audit.record_answer(
        make_answer("Und wer stimmt zu?", text=f"Für {PII['PERSON']} stimmt die Amtsleitung zu."),
        user="u",
        placeholders=placeholders,
    )
    assert services.audit.get(first).pii_counts == {"PERSON": 1}
    assert services.audit.get(follow_up).pii_counts == {}
    assert "<PERSON_1>" in services.audit.get(follow_up).answer  # still redacted
