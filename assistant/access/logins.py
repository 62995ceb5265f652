"""Login limits: failed logins lock a (user name, client address) pair, with growing delays.

Why pairs: a lock on the user name alone lets anyone lock anyone out (five wrong
passwords for "anna" from anywhere); a lock on the address alone lets one office
behind a NAT lock its colleagues. So failures are counted per pair (`pair:` keys,
`login_max_failures`) and, against password spraying over many names, per
address with a higher threshold (`client:` keys, `login_max_failures_per_address`).
Each failure beyond the threshold doubles the lock (`login_lockout_minutes`, 2×,
4×, … up to `login_lockout_max_minutes`); a successful login or a password reset
clears the pair. While a key is locked, attempts are refused *before* any
password hashing and are not counted, so a flood against a lock costs one
indexed read each. Unknown and existing user names are counted alike: a lock
says nothing about whether an account exists.

Rows live in `login_failures` (the relational store: a restart keeps the locks)
for a day. Locks seen are also remembered in memory for `RECHECK_S`, so a flood
against one is refused without a database read or a worker thread (`known_lock`);
the store stays the authority (a reset from the CLI counts within seconds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assistant.db import login_failures

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.config import Settings

KEEP = timedelta(days=1)
NO_ADDRESS = "-"
RECHECK_S = 5.0  # how long a lock seen in the store is believed without reading it again


@dataclass(frozen=True)
class Lockout:
    """One active lock, for the IT page: `user` is None for an address-wide lock."""

    user: str | None
    address: str
    failures: int
    until: datetime


def pair_key(user: str, client: str | None) -> str:
    return f"pair:{user[:200]}|{client or NO_ADDRESS}"


def client_key(client: str) -> str:
    return f"client:{client}"


class LoginLimiter:
    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings
        self._seen: dict[str, tuple[datetime, float]] = {}  # key -> (lock end, when read)

    def known_lock(self, user: str, client: str | None) -> datetime | None:
        """A lock on this pair or address read from the store in the last seconds (memory
        only: cheap enough for the event loop)."""
        now, clock = datetime.now(UTC), time.monotonic()
        ends = []
        for key in self._keys(user, client):
            until, read = self._seen.get(key, (None, 0.0))
            if until is not None and until > now and clock - read < RECHECK_S:
                ends.append(until)
        return max(ends) if ends else None

    def locked_until(self, user: str, client: str | None) -> datetime | None:
        """When the lock on this pair (or on its address) ends; None if there is none."""
        keys = self._keys(user, client)
        now, clock = datetime.now(UTC), time.monotonic()
        ends = []
        for key, n, last in self._counts(keys):
            end = self._end(key, n, last)
            if end is not None and end > now:
                ends.append(end)
                self._seen[key] = (end, clock)
        if len(self._seen) > 10_000:  # a flood over many addresses: forget the old ones
            self._seen.clear()
        return max(ends) if ends else None

    def record_failure(self, user: str, client: str | None) -> datetime | None:
        """Count a failed login; returns the end of the lock it starts (or None)."""
        now = datetime.now(UTC)
        keys = self._keys(user, client)
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.at < now - KEEP))
            conn.execute(login_failures.insert(), [{"key": k, "at": now} for k in keys])
        return self.locked_until(user, client)

    def succeeded(self, user: str, client: str | None) -> None:
        self._delete(login_failures.c.key == pair_key(user, client))

    def clear_user(self, user: str) -> None:
        """A password reset lifts the locks of every pair with this user name."""
        prefix = pair_key(user, None)[: -len(NO_ADDRESS)]
        self._delete(login_failures.c.key.startswith(prefix, autoescape=True))
        for key in [k for k in self._seen if k.startswith(prefix)]:
            self._seen.pop(key, None)

    def lockouts(self) -> list[Lockout]:
        """Every lock in force now, the longest first."""
        now = datetime.now(UTC)
        query = (
            sa.select(login_failures.c.key, sa.func.count(), sa.func.max(login_failures.c.at))
            .where(login_failures.c.at >= now - KEEP)
            .group_by(login_failures.c.key)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = []
        for key, n, last in rows:
            end = self._end(key, n, last)
            if end is None or end <= now:
                continue
            kind, _, rest = key.partition(":")
            user, _, address = rest.rpartition("|") if kind == "pair" else (None, "", rest)
            found.append(Lockout(user, address, int(n), end))
        return sorted(found, key=lambda lock: lock.until, reverse=True)

    # --- helpers -------------------------------------------------------------------
    def _keys(self, user: str, client: str | None) -> list[str]:
        return [pair_key(user, client)] + ([client_key(client)] if client else [])

    def _counts(self, keys: list[str]) -> list[tuple[str, int, datetime]]:
        query = (
            sa.select(login_failures.c.key, sa.func.count(), sa.func.max(login_failures.c.at))
            .where(
                login_failures.c.key.in_(keys),
                login_failures.c.at >= datetime.now(UTC) - KEEP,
            )
            .group_by(login_failures.c.key)
        )
        with self.engine.connect() as conn:
            return [(k, int(n), last) for k, n, last in conn.execute(query)]

    def _end(self, key: str, failures: int, last: datetime) -> datetime | None:
        s = self.settings
        limit = (
            s.login_max_failures if key.startswith("pair:") else s.login_max_failures_per_address
        )
        if failures < limit:
            return None
        minutes = min(
            s.login_lockout_minutes * 2 ** min(failures - limit, 20), s.login_lockout_max_minutes
        )
        if last.tzinfo is None:  # SQLite returns naive datetimes (stored as UTC)
            last = last.replace(tzinfo=UTC)
        return last + timedelta(minutes=minutes)

    def _delete(self, condition) -> None:
        with self.engine.begin() as conn:
            conn.execute(login_failures.delete().where(condition))
