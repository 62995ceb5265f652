"""A small real OIDC provider for tests — a fake at the network edge, shaped like Keycloak.

It speaks the subset of OpenID Connect that Chainlit's generic OAuth provider
uses (authorization code flow, client secret in the form body):

* `GET …/auth` checks `client_id` and `response_type=code` and redirects to
  `redirect_uri` with a fresh code and the given `state` (the person "logs in"
  as whoever `claims` names at that moment);
* `POST …/token` checks client id and secret, the code (once only, for the
  same `redirect_uri`) and answers `access_token`, `id_token` (both JWTs, as
  Keycloak's) and `token_type`;
* `GET …/userinfo` checks the bearer token and answers the claims.

As in Keycloak's defaults, `access_only_claims` (e.g. `realm_access.roles`)
are in the access token but not in the userinfo answer.

    with running_fake_oidc(claims={"preferred_username": "erika", "groups": ["/it"]}) as idp:
        env.update(idp.chainlit_env())
        ...
        idp.requests_to(idp.TOKEN_PATH)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from fake_http import LoopbackFake

PREFIX = "/realms/stadt/protocol/openid-connect"
DEFAULT_CLAIMS = {
    "sub": "5f0c1e2a-0000-4000-8000-000000000001",
    "preferred_username": "erika.beispiel",
    "email": "erika.beispiel@stadt.example",
    "name": "Erika Beispiel",
    "groups": ["/allgemein"],
}


@dataclass
class RecordedRequest:
    """One request as the fake received it (form fields or query parameters in `params`)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass(eq=False)
class FakeOidc(LoopbackFake):
    """A real HTTP server on a free loopback port that behaves like a Keycloak realm.

    Knobs (attributes, change them any time): `claims` (userinfo and both tokens),
    `access_only_claims` (access token only), `client_id`, `client_secret`.
    Methods: `fail_next(path, status)`, `chainlit_env()`, `reset`. Records: `requests`.
    """

    AUTH_PATH = f"{PREFIX}/auth"
    TOKEN_PATH = f"{PREFIX}/token"
    USERINFO_PATH = f"{PREFIX}/userinfo"

    claims: dict = field(default_factory=lambda: dict(DEFAULT_CLAIMS))
    access_only_claims: dict = field(default_factory=dict)
    client_id: str = "amtswissen"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    requests: list[RecordedRequest] = field(default_factory=list, init=False, repr=False)
    _codes: dict[str, tuple[str, dict]] = field(default_factory=dict, init=False, repr=False)
    _tokens: dict[str, dict] = field(default_factory=dict, init=False, repr=False)
    _errors: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/stadt"

    def chainlit_env(self, **extra: str) -> dict[str, str]:
        """The OAUTH_GENERIC_* variables that point Chainlit's generic provider here."""
        return {
            "OAUTH_GENERIC_CLIENT_ID": self.client_id,
            "OAUTH_GENERIC_CLIENT_SECRET": self.client_secret,
            "OAUTH_GENERIC_AUTH_URL": self.url + self.AUTH_PATH,
            "OAUTH_GENERIC_TOKEN_URL": self.url + self.TOKEN_PATH,
            "OAUTH_GENERIC_USER_INFO_URL": self.url + self.USERINFO_PATH,
            "OAUTH_GENERIC_SCOPES": "openid profile email",
            "OAUTH_GENERIC_USER_IDENTIFIER": "preferred_username",
            **extra,
        }

    def start(self) -> Self:
        if not self._server:
            self._listen(_Server(("127.0.0.1", self.port), self))
        return self

    def stop(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, path: str, status: int = 400) -> None:
        """Answer the next request to `path` with `status` and an OAuth error body."""
        with self._lock:
            self._errors[path] = status

    def reset(self) -> None:
        """Forget requests, codes, tokens and pending errors (the knobs stay)."""
        with self._lock:
            self.requests.clear()
            self._codes.clear()
            self._tokens.clear()
            self._errors.clear()

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- used by the handler -------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _take_error(self, path: str) -> int | None:
        with self._lock:
            return self._errors.pop(path, None)

    def _new_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = (redirect_uri, dict(self.claims))
        return code

    def _redeem(self, code: str, redirect_uri: str) -> dict | None:
        """The claims the code was issued for; a code works once, for its redirect_uri."""
        with self._lock:
            issued = self._codes.pop(code, None)
        return issued[1] if issued and issued[0] == redirect_uri else None

    def _tokens_for(self, claims: dict) -> dict:
        now = int(time.time())
        base = {"iss": self.issuer, "iat": now, "exp": now + 300, "azp": self.client_id, **claims}
        access = self._jwt({**base, "typ": "Bearer", **self.access_only_claims})
        with self._lock:
            self._tokens[access] = claims
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self._jwt({**base, "typ": "ID", "aud": self.client_id}),
            "scope": "openid profile email",
        }

    def _claims_of(self, token: str) -> dict | None:
        with self._lock:
            return self._tokens.get(token)

    def _jwt(self, payload: dict) -> str:
        """HS256 with the client secret: enough to be a real JWT; nobody checks it here."""
        parts = [_b64({"alg": "HS256", "typ": "JWT"}), _b64(payload)]
        mac = hmac.new(self.client_secret.encode(), ".".join(parts).encode(), hashlib.sha256)
        return ".".join([*parts, base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()])


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeOidc):
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a vanished client is expected
            traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def do_GET(self) -> None:
        self.fake = self.server.fake
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = dict(parse_qsl(url.query if self.command == "GET" else raw))
        self.fake._record(RecordedRequest(self.command, url.path, params, dict(self.headers)))
        if status := self.fake._take_error(url.path):
            return self._json(status, {"error": "invalid_request", "error_description": "forced"})
        route = _ROUTES.get((self.command, url.path))
        if route is None:
            return self._json(404, {"error": "Unable to find matching target resource method"})
        route(self, params)

    do_POST = do_GET

    def _send(self, status: int, headers: dict[str, str], data: bytes = b"") -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(data)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: dict, **headers: str) -> None:
        data = json.dumps(payload).encode()
        self._send(status, {"Content-Type": "application/json", **headers}, data)

    # --- endpoints -------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> None:
        if params.get("client_id") != self.fake.client_id:
            return self._json(400, {"error": "invalid_client"})
        if params.get("response_type") != "code" or not params.get("redirect_uri"):
            return self._json(400, {"error": "invalid_request"})
        code = self.fake._new_code(params["redirect_uri"])
        query = urlencode({"code": code, "state": params.get("state", "")})
        self._send(302, {"Location": f"{params['redirect_uri']}?{query}"})

    def token(self, params: dict[str, str]) -> None:
        if (params.get("client_id"), params.get("client_secret")) != (
            self.fake.client_id,
            self.fake.client_secret,
        ):
            return self._json(401, {"error": "invalid_client"})
        if params.get("grant_type") != "authorization_code":
            return self._json(400, {"error": "unsupported_grant_type"})
        claims = self.fake._redeem(params.get("code", ""), params.get("redirect_uri", ""))
        if claims is None:
            return self._json(400, {"error": "invalid_grant", "error_description": "bad code"})
        self._json(200, self.fake._tokens_for(claims), **{"Cache-Control": "no-store"})

    def userinfo(self, _params: dict[str, str]) -> None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        claims = self.fake._claims_of(token.strip()) if scheme.lower() == "bearer" else None
        if claims is None:
            challenge = 'Bearer error="invalid_token"'
            return self._json(401, {"error": "invalid_token"}, **{"WWW-Authenticate": challenge})
        self._json(200, claims)


_ROUTES = {
    ("GET", FakeOidc.AUTH_PATH): _Handler.authorize,
    ("POST", FakeOidc.TOKEN_PATH): _Handler.token,
    ("GET", FakeOidc.USERINFO_PATH): _Handler.userinfo,
}


@contextmanager
def running_fake_oidc(**knobs: Any) -> Iterator[FakeOidc]:
    """A started `FakeOidc` (knobs as in its constructor), stopped afterwards."""
    with FakeOidc(**knobs) as fake:
        yield fake
