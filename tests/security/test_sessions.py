"""Item 1 of issue 11: rights end at once. Every request and socket connect resolves the
person from the account store; logout and changed roles, groups or passwords end sessions;
the token refresh refuses ended ones. Replayed against the served app."""

from __future__ import annotations

import pytest
import socketio
from secapp import password, run_cli, served_app
from served import Chat, client, get, refresh, token

app = served_app  # the fixture: this module's served app (secapp.py)


def _it_pages_open(app, tok: str) -> bool:
    page = get(app.url, "/it", tok)
    export = get(app.url, "/it/export.csv", tok)
    return page.status_code == 200 and export.status_code == 200


def test_withdrawn_it_role_ends_page_export_purge_and_refresh(app):
    tok = token(app.url, "itu", password("itu"))
    assert _it_pages_open(app, tok)
    run_cli(app, "users", "set-roles", "itu", "mitarbeitende")
    assert get(app.url, "/it", tok).status_code == 303  # to the login
    assert get(app.url, "/it/export.csv", tok).status_code == 401
    with client(cookies={"access_token": tok}) as c:
        purge = c.post(f"{app.url}/it/purge", data={"days": "1", "confirm": "ja"})
    assert purge.status_code == 401
    assert refresh(app.url, tok).status_code == 401  # no new token for an ended session
    # a new login gets the new rights only
    fresh = token(app.url, "itu", password("itu"))
    assert get(app.url, "/it/export.csv", fresh).status_code == 403


def test_removed_account_can_neither_refresh_nor_connect_nor_resume(app):
    tok = token(app.url, "itu2", password("itu2"))
    chat = Chat(app.url, tok)
    answer = chat.ask("Wie beantrage ich eine Dienstreise?")
    thread_id = answer.reply()["threadId"]
    chat.close()
    assert get(app.url, "/user", tok).status_code == 200
    run_cli(app, "users", "remove", "itu2")
    assert get(app.url, "/user", tok).status_code == 401
    assert refresh(app.url, tok).status_code == 401
    assert get(app.url, f"/project/thread/{thread_id}", tok).status_code == 401
    with pytest.raises(socketio.exceptions.ConnectionError):
        Chat(app.url, tok, thread_id=thread_id)
    with pytest.raises(socketio.exceptions.ConnectionError):
        Chat(app.url, tok)


def test_logout_ends_the_session_everywhere(app):
    tok = token(app.url, "clara", password("clara"))
    other_device = token(app.url, "clara", password("clara"))
    assert get(app.url, "/user", tok).status_code == 200
    with client(cookies={"access_token": tok}) as c:
        assert c.post(f"{app.url}/logout").status_code == 200
    for old in (tok, other_device):
        assert get(app.url, "/user", old).status_code == 401
        assert refresh(app.url, old).status_code == 401
        with pytest.raises(socketio.exceptions.ConnectionError):
            Chat(app.url, old)
    assert get(app.url, "/user", token(app.url, "clara", password("clara"))).status_code == 200


def test_changed_groups_and_password_end_sessions(app):
    tok = token(app.url, "bernd", password("bernd"))
    open_chat = Chat(app.url, tok)
    run_cli(app, "users", "set-groups", "bernd", "allgemein", "personal")
    assert get(app.url, "/user", tok).status_code == 401
    reply = open_chat.ask("Wie beantrage ich Urlaub?").reply()["output"]
    open_chat.close()
    assert "nicht (mehr) freigeschaltet" in reply  # the open chat answers no more
    tok = token(app.url, "bernd", password("bernd"))
    run_cli(app, "users", "reset-password", "bernd", "--password-stdin", stdin=password("bernd"))
    assert get(app.url, "/user", tok).status_code == 401


def test_live_session_refreshes_and_the_cookie_fits_a_working_day(app):
    with client() as c:
        response = c.post(
            f"{app.url}/login", data={"username": "anna", "password": password("anna")}
        )
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie  # ASSISTANT_COOKIE_SECURE=true
    assert "Max-Age=36000" in cookie  # session_hours=10
    renewed = refresh(app.url, response.cookies["access_token"])
    assert renewed.status_code == 200 and renewed.cookies["access_token"]
    assert get(app.url, "/user", renewed.cookies["access_token"]).status_code == 200


def test_an_hour_old_token_is_renewed_by_the_next_page_request(app):
    import time

    import jwt

    secret, now = app.env["CHAINLIT_AUTH_SECRET"], int(time.time())
    meta = {"roles": ["mitarbeitende"], "groups": ["allgemein"], "source": "password"}
    claims = {"identifier": "anna", "metadata": {**meta, "session": 0}, "iat": now - 7200}
    old = jwt.encode({**claims, "exp": now + 600}, secret, algorithm="HS256")
    response = get(app.url, "/user", old)
    assert response.status_code == 200
    renewed = jwt.decode(response.cookies["access_token"], secret, algorithms=["HS256"])
    assert renewed["iat"] >= now - 5 and renewed["exp"] >= now + 10 * 3600 - 60
    # a token of an ended session is not renewed (nor accepted)
    ended = jwt.encode({**claims, "metadata": {**meta, "session": -1}, "exp": now + 600}, secret)
    response = get(app.url, "/user", ended)
    assert response.status_code == 401 and "access_token=ey" not in response.headers.get(
        "set-cookie", ""
    )
