"""OIDC login, the whole round trip: `assistant serve` with auth_mode=oidc against a fake
Keycloak realm (tests/fake_oidc.py, the only fake, at the network edge).

httpx plays the browser: it keeps the cookies and follows the redirects by hand,
`/auth/oauth/generic` → the provider's authorize endpoint → the app's callback,
which exchanges the code at the token endpoint, reads the userinfo and sets
Chainlit's session cookie. `/user` then shows the person with the roles and
groups mapped from the claims, and `/it` answers 200 for the role `it` and
403 for staff. A forged state, a failing token endpoint or a userinfo answer
without the user name claim give no session.

The app is configured as the README says for Keycloak
(`ASSISTANT_OIDC_ROLES_CLAIM=realm_access.roles`); as in Keycloak's defaults,
the realm roles are in the access token, not in the userinfo answer.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser_util import app_env, cli, start_app
from conftest import require
from fake_oidc import FakeOidc

# What Chainlit logs when a login fails at the provider (a test provokes exactly that).
EXPECTED_ERRORS = ("OAuth callback error",)


@pytest.fixture(scope="module")
def idp():
    with FakeOidc() as fake:
        yield fake


@pytest.fixture(scope="module")
def app(tmp_path_factory, ollama_server, idp):
    try:
        import httpx
    except ImportError:
        httpx = None
    require(httpx is not None, "httpx not installed")
    ollama_server.start()
    tmp = tmp_path_factory.mktemp("oidcapp")
    env = app_env(
        tmp / "data",
        ollama_server.url,
        ASSISTANT_AUTH_MODE="oidc",
        ASSISTANT_OIDC_ROLES_CLAIM="realm_access.roles",
        **idp.chainlit_env(),
    )
    server = start_app(env, tmp / "app.log")
    server.env = env
    yield server
    try:
        server.stop()
    except AssertionError as exc:  # only the errors a test provoked on purpose may be there
        unexpected = [
            line
            for line in str(exc).splitlines()[1:]
            if not any(e in line for e in EXPECTED_ERRORS)
        ]
        assert not unexpected, "the app logged errors:\n" + "\n".join(unexpected)


@pytest.fixture
def browser(idp):
    import httpx

    idp.reset()
    idp.claims = {
        "sub": "0001",
        "preferred_username": "erika.beispiel",
        "email": "erika.beispiel@stadt.example",
        "groups": ["/allgemein"],
    }
    idp.access_only_claims = {}
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        yield client


def log_in(client, app_url: str, *, state: str | None = None):
    """The browser's way through the login; returns the app's answer to the callback."""
    start = client.get(f"{app_url}/auth/oauth/generic")
    assert start.status_code in (302, 307), start.text
    at_idp = client.get(start.headers["location"])
    assert at_idp.status_code == 302, at_idp.text
    back = urlsplit(at_idp.headers["location"])
    assert back.geturl().startswith(f"{app_url}/auth/oauth/generic/callback?")
    if state is not None:
        query = {k: v[0] for k, v in parse_qs(back.query).items()} | {"state": state}
        back = back._replace(query=urlencode(query))
    return client.get(back.geturl())


def keycloak_roles(*roles: str) -> dict:
    """Realm roles as Keycloak puts them into the access token, with its own defaults."""
    return {
        "realm_access": {
            "roles": [*roles, "offline_access", "uma_authorization", "default-roles-stadt"]
        }
    }


def assert_no_session(client, app_url: str, callback) -> None:
    assert callback.status_code == 302
    assert urlsplit(callback.headers["location"]).path == "/login"
    assert "error=oauthSignin" in callback.headers["location"]
    assert not any(name.startswith("access_token") for name in client.cookies)
    assert client.get(f"{app_url}/user").status_code == 401


def test_staff_login_round_trip(app, idp, browser):
    idp.access_only_claims = keycloak_roles("mitarbeitende")
    callback = log_in(browser, app.url)

    assert callback.status_code == 302, callback.text
    assert callback.headers["location"].startswith("/login/callback")
    user = browser.get(f"{app.url}/user").json()
    assert user["identifier"] == "erika.beispiel"
    meta = user["metadata"]
    assert (meta["roles"], meta["groups"]) == (["mitarbeitende"], ["allgemein"])
    assert meta["source"] == "oidc"
    assert "email" not in meta  # the chat store keeps no contact data
    it_page = browser.get(f"{app.url}/it")
    assert it_page.status_code == 403 and "Kein Zugriff" in it_page.text

    # What the provider saw: the confidential client, the code for the app's callback.
    (authorize,) = idp.requests_to(idp.AUTH_PATH)
    assert authorize.params["scope"] == "openid profile email"
    (token,) = idp.requests_to(idp.TOKEN_PATH)
    assert token.params["client_secret"] == idp.client_secret
    assert token.params["grant_type"] == "authorization_code"
    assert token.params["redirect_uri"] == authorize.params["redirect_uri"]
    assert token.params["redirect_uri"] == f"{app.url}/auth/oauth/generic/callback"
    (userinfo,) = idp.requests_to(idp.USERINFO_PATH)
    assert userinfo.headers["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize(
    ("where", "roles", "groups", "it_page"),
    [
        ("access token", ["it"], ["it", "allgemein"], 200),
        ("access token", ["wissensmanagement"], ["personal"], 403),
        ("userinfo", ["it", "admin"], [], 200),  # the mapper's "Add to userinfo" switched on
        ("nowhere", [], ["allgemein"], 403),  # no role claim: staff
    ],
)
def test_roles_and_groups_from_the_claims(app, idp, browser, where, roles, groups, it_page):
    idp.claims["groups"] = [f"/{g}" for g in groups]
    if where == "access token":
        idp.access_only_claims = keycloak_roles(*roles)
    elif where == "userinfo":
        idp.claims |= keycloak_roles(*roles)

    assert log_in(browser, app.url).status_code == 302
    meta = browser.get(f"{app.url}/user").json()["metadata"]
    assert meta["roles"] == (roles or ["mitarbeitende"])
    assert meta["groups"] == groups
    assert browser.get(f"{app.url}/it").status_code == it_page


def test_the_cli_ends_an_oidc_persons_sessions_at_once(app, idp, browser):
    """A Keycloak person has no account here; `assistant users logout` still ends their
    login at once (docs/de/keycloak.md), not when it would expire."""
    idp.access_only_claims = keycloak_roles("mitarbeitende")
    assert log_in(browser, app.url).status_code == 302
    assert browser.get(f"{app.url}/user").status_code == 200
    said = cli(["users", "logout", "Erika.Beispiel"], app.env)
    assert "erika.beispiel" in said and "beendet" in said, said
    assert browser.get(f"{app.url}/user").status_code == 401


def test_forged_state_gives_no_session(app, idp, browser):
    callback = log_in(browser, app.url, state="von-woanders")
    assert_no_session(browser, app.url, callback)
    assert not idp.requests_to(idp.TOKEN_PATH)  # the code was never redeemed


def test_failing_token_endpoint_gives_no_session(app, idp, browser):
    idp.fail_next(idp.TOKEN_PATH, 400)
    callback = log_in(browser, app.url)
    assert_no_session(browser, app.url, callback)
    assert len(idp.requests_to(idp.TOKEN_PATH)) == 1
    assert not idp.requests_to(idp.USERINFO_PATH)


def test_userinfo_without_user_name_gives_no_session(app, idp, browser):
    del idp.claims["preferred_username"]  # OAUTH_GENERIC_USER_IDENTIFIER names it
    callback = log_in(browser, app.url)
    assert_no_session(browser, app.url, callback)


@pytest.mark.parametrize(
    ("token", "claims"),
    [
        ("opaque-access-token", {}),  # not a JWT: no claims, userinfo alone counts
        ("e30.MQ.sig", {}),  # payload `1`, not an object
        ("e30.eyJhIjogMX0.sig", {"a": 1}),
        (None, {}),
    ],
)
def test_token_claims_only_from_a_jwt_object(token, claims):
    from assistant.access.accounts import token_claims

    assert token_claims(token) == claims
