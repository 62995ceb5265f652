"""Accounts: users with roles and groups, argon2 password hashes, login limits, sessions.

The one place that decides whether a login succeeds. A wrong password and an
unknown user name give the same answer after the same work (an argon2 check
against a dummy hash), so the answer never tells whether an account exists.
Failed logins lock a (user name, address) pair with growing delays (logins.py);
a locked attempt is refused before any hashing, and at most
`login_max_parallel_hashes` argon2 checks run at once (64 MiB each), so a login
flood can neither exhaust memory nor starve the chat.

Sessions: every person has a session counter (`sessions` table). A login token
carries the counter of its login; `current` accepts it only while it is still
the counter in the store, and logout, removal and any change of roles, groups or
password raise it. So revoked rights end at once, in every open session.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.access.logins import LoginLimiter
from assistant.db import sessions, users
from assistant.errors import AssistantError, NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.config import Settings

ROLES = ("mitarbeitende", "wissensmanagement", "it", "admin")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
LOGIN_FAILED = "Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch."
LOCKED = (
    "Zu viele fehlgeschlagene Anmeldungen: Die Anmeldung ist von diesem Gerät aus bis "
    "{until} Uhr gesperrt. Wer das Passwort vergessen hat, bittet die IT, es zurückzusetzen."
)
BUSY = "Die Anmeldung ist gerade überlastet. Bitte in einer Minute erneut versuchen."
HASH_WAIT_S = 10.0  # longest wait for a free hashing slot before the login says "busy"


class AccountError(AssistantError):
    """A user name, role or password is not acceptable."""

    code = "account"


@dataclass(frozen=True)
class User:
    """Who is asking: name, roles and groups (from the store, a proxy header or OIDC)."""

    name: str
    roles: tuple[str, ...] = ("mitarbeitende",)
    groups: tuple[str, ...] = ()
    source: str = "password"  # password | header | oidc
    session: int | None = None  # the session counter a login token carries

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def to_metadata(self) -> dict:
        meta = {"roles": list(self.roles), "groups": list(self.groups), "source": self.source}
        return meta if self.session is None else {**meta, "session": self.session}

    @classmethod
    def from_metadata(cls, name: str, meta: Mapping | None) -> User:
        meta = meta or {}
        session = meta.get("session")
        return cls(
            name,
            tuple(meta.get("roles") or ()),
            tuple(meta.get("groups") or ()),
            meta.get("source", "password"),
            session if isinstance(session, int) and not isinstance(session, bool) else None,
        )


@dataclass(frozen=True)
class Operator:
    """The person at the terminal without `--user`: runs the installation, owns its data
    dir, and so reads every collection. Never a person logged in through the chat."""

    name: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    source: str = "operator"

    def has_role(self, role: str) -> bool:
        return False


Person = User | Operator


@dataclass
class LoginResult:
    user: User | None
    message: str | None = None  # German, the same for every kind of failure but the lock
    locked: bool = False
    details: dict = field(default_factory=dict)
    until: datetime | None = None  # end of the lock


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    roles = tuple(dict.fromkeys(r.strip() for r in roles if r.strip()))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise AccountError(
            f"Unbekannte Rolle(n): {', '.join(unknown)}.", hint=f"Erlaubt: {', '.join(ROLES)}."
        )
    return roles or ("mitarbeitende",)


def user_key(name: str | None) -> str:
    """User names are case-insensitive ("Anna" logs in as "anna"): stored and compared
    lower-cased, so one person never becomes two accounts or two pseudonyms."""
    return (name or "").strip().lower()


def _named(name: str | None):
    return sa.func.lower(users.c.username) == user_key(name)


def clean_groups(groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(g.strip().lstrip("/") for g in groups if g and g.strip()))


def random_password() -> str:
    return secrets.token_urlsafe(12)


class AccountService:
    def __init__(self, engine: Engine, settings: Settings, hasher: PasswordHasher | None = None):
        self.engine = engine
        self.settings = settings
        self.hasher = hasher or PasswordHasher()
        self.limits = LoginLimiter(engine, settings)
        self._hashing = threading.BoundedSemaphore(max(1, settings.login_max_parallel_hashes))
        self._dummy = self.hasher.hash(secrets.token_hex(16))

    # --- users -------------------------------------------------------------------
    def add(self, name: str, password: str | None, roles=(), groups=()) -> User:
        if not _NAME.match(name or ""):
            raise AccountError(
                f"Ungültiger Benutzername „{name}“.",
                hint="Erlaubt: Buchstaben, Ziffern, Punkt, Bindestrich, Unterstrich, @.",
            )
        name = user_key(name)
        if self.get(name):
            raise AccountError(f"Den Benutzer „{name}“ gibt es schon.")
        user = User(name, check_roles(roles), clean_groups(groups))
        with self.engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    username=name,
                    password_hash=self._hash(password) if password else None,
                    roles=list(user.roles),
                    groups=list(user.groups),
                    created_at=datetime.now(UTC),
                )
            )
        return user

    def get(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(_named(name))).first()
        return _user(row) if row else None

    def current(self, person: User | None) -> User | None:
        """Who this person is now: the one lookup for every request and socket of the chat,
        `/it`, `/dokumente` and uploads. A person from a login token (with a session
        counter) is nobody once that session has ended. Password accounts are re-read
        from the store (roles and groups changed meanwhile apply at once; a removed
        account is nobody); a proxy or OIDC login carries what its source vouched for."""
        if person is None:
            return None
        if person.session is not None and person.session != self.session_version(person.name):
            return None
        if person.source == "password":
            stored = self.get(person.name)
            return replace(stored, session=person.session) if stored else None
        return person

    # --- sessions ------------------------------------------------------------------
    def session_version(self, name: str) -> int:
        """The person's session counter (0 before the first change)."""
        query = sa.select(sessions.c.version).where(sessions.c.username == user_key(name))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def with_session(self, user: User) -> User:
        """The user as a new login token carries them: with the current session counter."""
        return replace(user, session=self.session_version(user.name))

    def end_sessions(self, name: str) -> None:
        """End every login session of this person (logout, changed rights, removal)."""
        key, now = user_key(name), datetime.now(UTC)
        bump = sessions.update().where(sessions.c.username == key)
        with self.engine.begin() as conn:
            done = conn.execute(bump.values(version=sessions.c.version + 1, changed_at=now))
            if done.rowcount == 0:
                conn.execute(sessions.insert().values(username=key, version=1, changed_at=now))

    def require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise NotFoundError(
                f"Den Benutzer „{name}“ gibt es nicht.", hint="Siehe `assistant users list`."
            )
        return user

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.username))]

    def remove(self, name: str) -> None:
        self.require(name)
        with self.engine.begin() as conn:
            conn.execute(users.delete().where(_named(name)))
        self.end_sessions(name)  # the counter stays: a new account of this name starts fresh

    def set_roles(self, name: str, roles: Iterable[str]) -> User:
        self.require(name)
        user = self._update(name, roles=list(check_roles(roles)))
        self.end_sessions(name)
        return user

    def set_groups(self, name: str, groups: Iterable[str]) -> User:
        self.require(name)
        user = self._update(name, groups=list(clean_groups(groups)))
        self.end_sessions(name)
        return user

    def set_password(self, name: str, password: str) -> None:
        self.require(name)
        self._update(name, password_hash=self._hash(password))
        self.end_sessions(name)
        self.limits.clear_user(user_key(name))  # a reset also lifts the locks

    def reset_password(self, name: str) -> str:
        """A new random password (shown once by the caller, stored only as a hash)."""
        password = random_password()
        self.set_password(name, password)
        return password

    # --- login -------------------------------------------------------------------
    def authenticate(self, name: str, password: str, client: str | None = None) -> LoginResult:
        """Check a password login; limited per (user name, client address) and per address."""
        key = user_key(name)
        if until := self.limits.locked_until(key, client):
            return locked(until)  # before any hashing: a flood against a lock is cheap
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(_named(name))).first()
        stored = row.password_hash if row is not None and row.password_hash else self._dummy
        if not self._hashing.acquire(timeout=HASH_WAIT_S):
            return LoginResult(None, BUSY)
        try:
            ok = self._verify(stored, password or "")
        finally:
            self._hashing.release()
        if not (ok and row is not None and row.password_hash):
            if until := self.limits.record_failure(key, client):
                return locked(until)
            return LoginResult(None, LOGIN_FAILED)
        self.limits.succeeded(key, client)
        if self.hasher.check_needs_rehash(stored):
            self._update(row.username, password_hash=self._hash(password))
        return LoginResult(self.with_session(_user(row)))

    # --- helpers -------------------------------------------------------------------
    def _hash(self, password: str) -> str:
        if len(password) < 8:
            raise AccountError("Das Passwort ist zu kurz.", hint="Bitte mindestens 8 Zeichen.")
        return self.hasher.hash(password)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _update(self, name: str, **values) -> User:
        with self.engine.begin() as conn:
            conn.execute(users.update().where(_named(name)).values(**values))
        return self.require(name)


def locked(until: datetime) -> LoginResult:
    """The answer to a locked attempt: that, and until when (local time of the server)."""
    local = until.astimezone()
    return LoginResult(None, LOCKED.format(until=f"{local:%H:%M}"), locked=True, until=until)


def user_from_headers(headers: Mapping[str, str], settings: Settings) -> User | None:
    """The user a trusted reverse proxy names in its headers (auth_mode=header)."""
    name = user_key(headers.get(settings.auth_header_user))
    if not name:
        return None
    groups = (headers.get(settings.auth_header_groups) or "").split(",")
    roles = [
        r for r in (headers.get(settings.auth_header_roles) or "").split(",") if r.strip() in ROLES
    ]
    return User(name, check_roles(r.strip() for r in roles), clean_groups(groups), "header")


def user_from_claims(name: str, claims: Mapping, settings: Settings) -> User:
    """The user of an OIDC login, roles and groups taken from the token's claims."""
    roles = [r for r in _claim(claims, settings.oidc_roles_claim) if r in ROLES]
    groups = _claim(claims, settings.oidc_groups_claim)
    return User(user_key(name), check_roles(roles), clean_groups(groups), "oidc")


def _claim(claims: Mapping, path: str) -> list[str]:
    value: object = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    return [str(v) for v in value] if isinstance(value, list) else []


def _user(row) -> User:
    return User(row.username, tuple(row.roles or ()), tuple(row.groups or ()), "password")


def token_claims(token: str | None) -> dict:
    """The payload of a JWT id or access token; {} for an opaque token. Not verified: the
    app received it directly from the token endpoint (OIDC Core 3.1.3.7)."""
    import base64
    import json

    try:
        payload = (token or "").split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
