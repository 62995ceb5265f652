"""Accounts: users with roles and groups, argon2 password hashes, login rate limiting.

The one place that decides whether a login succeeds. A wrong password and an
unknown user name give the same answer after the same work (an argon2 check
against a dummy hash), so the answer never tells whether an account exists.
Failed logins are counted per user name and per client address in the
relational store, so a restart does not reset the limit.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assistant.db import login_failures, users
from assistant.errors import AssistantError, NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.config import Settings

ROLES = ("mitarbeitende", "wissensmanagement", "it", "admin")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
LOGIN_FAILED = "Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch."
LOCKED = (
    "Zu viele fehlgeschlagene Anmeldungen. Bitte in {minutes} Minuten erneut versuchen "
    "oder die IT bitten, das Passwort zurückzusetzen."
)


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

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def to_metadata(self) -> dict:
        return {"roles": list(self.roles), "groups": list(self.groups), "source": self.source}

    @classmethod
    def from_metadata(cls, name: str, meta: Mapping | None) -> User:
        meta = meta or {}
        return cls(
            name,
            tuple(meta.get("roles") or ()),
            tuple(meta.get("groups") or ()),
            meta.get("source", "password"),
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
        """Who this person is now: the one lookup for every request of the chat, `/it`,
        `/dokumente` and uploads. Password accounts are re-read from the store (roles and
        groups changed meanwhile apply at once; a removed account is nobody); a proxy or
        OIDC login carries what its source vouched for."""
        if person is None:
            return None
        if person.source == "password":
            return self.get(person.name)
        return person

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

    def set_roles(self, name: str, roles: Iterable[str]) -> User:
        self.require(name)
        return self._update(name, roles=list(check_roles(roles)))

    def set_groups(self, name: str, groups: Iterable[str]) -> User:
        self.require(name)
        return self._update(name, groups=list(clean_groups(groups)))

    def set_password(self, name: str, password: str) -> None:
        self.require(name)
        self._update(name, password_hash=self._hash(password))
        self._clear_failures(f"user:{user_key(name)}")  # a reset also lifts the lock

    def reset_password(self, name: str) -> str:
        """A new random password (shown once by the caller, stored only as a hash)."""
        password = random_password()
        self.set_password(name, password)
        return password

    # --- login -------------------------------------------------------------------
    def authenticate(self, name: str, password: str, client: str | None = None) -> LoginResult:
        """Check a password login; rate-limited per user name and per client address."""
        keys = [f"user:{user_key(name)[:200]}"] + ([f"client:{client}"] if client else [])
        if any(self._failures(k) >= self.settings.login_max_failures for k in keys):
            self._verify(self._dummy, password)  # the same work as a real attempt
            minutes = self.settings.login_lockout_minutes
            return LoginResult(None, LOCKED.format(minutes=minutes), locked=True)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(_named(name))).first()
        stored = row.password_hash if row is not None and row.password_hash else self._dummy
        ok = self._verify(stored, password or "") and row is not None and bool(row.password_hash)
        if not ok:
            self._record_failure(keys)
            return LoginResult(None, LOGIN_FAILED)
        self._clear_failures(keys[0])
        if self.hasher.check_needs_rehash(stored):
            self._update(row.username, password_hash=self._hash(password))
        return LoginResult(_user(row))

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

    def _window_start(self) -> datetime:
        return datetime.now(UTC) - timedelta(minutes=self.settings.login_lockout_minutes)

    def _failures(self, key: str) -> int:
        query = sa.select(sa.func.count()).where(
            login_failures.c.key == key, login_failures.c.at >= self._window_start()
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def _record_failure(self, keys: list[str]) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                login_failures.delete().where(login_failures.c.at < now - timedelta(days=1))
            )
            conn.execute(login_failures.insert(), [{"key": k, "at": now} for k in keys])

    def _clear_failures(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))


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
