"""Collections: who may read which documents, and who may change them.

Every document belongs to a collection (its manifest row says which). A
collection lists the groups allowed to read it – or "alle" – and the
knowledge managers who may upload, replace and retire its documents; a manager
(with the role) also reads it, to check what they uploaded. `scope(person)` is what search and answering filter by; it is computed here
and nowhere else.

The default collection (`settings.default_collection`, "allgemein") is
readable by everybody until it is registered with other groups; any other
collection without a registration is readable by nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assistant.access.accounts import Operator, Person, clean_groups, user_key
from assistant.db import collections as table
from assistant.db import users
from assistant.errors import AssistantError, NotFoundError
from assistant.models import Scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.access.accounts import User
    from assistant.config import Settings

EVERYONE = "alle"


class CollectionError(AssistantError):
    code = "collection"


@dataclass(frozen=True)
class Collection:
    name: str
    read_groups: tuple[str, ...]
    managers: tuple[str, ...]

    @property
    def everyone(self) -> bool:
        return EVERYONE in self.read_groups

    def readable_by(self, user: User) -> bool:
        return self.everyone or bool(set(self.read_groups) & set(user.groups))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "read_groups": list(self.read_groups),
            "managers": list(self.managers),
        }


class CollectionService:
    def __init__(self, engine: Engine, settings: Settings):
        self.engine = engine
        self.settings = settings

    # --- reads -------------------------------------------------------------------
    def get(self, name: str) -> Collection | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.name == name)).first()
        if row:
            return _collection(row)
        if name == self.settings.default_collection:
            return Collection(name, (EVERYONE,), ())
        return None

    def require(self, name: str) -> Collection:
        found = self.get(name)
        if found is None:
            raise NotFoundError(
                f"Die Sammlung „{name}“ gibt es nicht.", hint="Siehe `assistant collections list`."
            )
        return found

    def list(self) -> list[Collection]:
        with self.engine.connect() as conn:
            rows = [_collection(r) for r in conn.execute(sa.select(table).order_by(table.c.name))]
        if not any(c.name == self.settings.default_collection for c in rows):
            rows.insert(0, Collection(self.settings.default_collection, (EVERYONE,), ()))
        return rows

    def allowed_collections(self, user: User) -> list[str]:
        """Names of the collections `user` may read (an empty list: none): their groups'
        and, for a knowledge manager, the ones they manage – they check their uploads by
        searching. An admin may manage every collection but reads by groups like anyone."""
        return [c.name for c in self.list() if c.readable_by(user) or _listed_manager(user, c)]

    def scope(self, person: Person, wanted: Iterable[str] = ()) -> Scope:
        """What `person` may read, narrowed to `wanted` when given. Only the operator at
        the terminal reads everything; a person reads their groups' collections."""
        if isinstance(person, Operator):
            return Scope.everything().narrowed(wanted)
        return Scope.of(self.allowed_collections(person)).narrowed(wanted)

    def can_manage(self, user: User, collection: str) -> bool:
        if user.has_role("admin"):
            return self.get(collection) is not None
        found = self.get(collection)
        return bool(found and _listed_manager(user, found))

    def managed_by(self, user: User) -> list[str]:
        return [c.name for c in self.list() if self.can_manage(user, c.name)]

    # --- writes ------------------------------------------------------------------
    def add(self, name: str, read_groups: Iterable[str] = (EVERYONE,), managers=()) -> Collection:
        name = name.strip()
        if not name or len(name) > 100:
            raise CollectionError("Bitte einen Namen für die Sammlung angeben (bis 100 Zeichen).")
        with self.engine.connect() as conn:
            exists = conn.execute(sa.select(table.c.name).where(table.c.name == name)).first()
        if exists:
            raise CollectionError(f"Die Sammlung „{name}“ gibt es schon.")
        self._check_managers(managers)
        with self.engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    name=name,
                    read_groups=list(clean_groups(read_groups)),
                    managers=list(clean_names(managers)),
                    created_at=datetime.now(UTC),
                )
            )
        return self.require(name)

    def grant(self, name: str, groups=(), managers=()) -> Collection:
        self._check_managers(managers)
        current = self._registered(name)
        return self._save(
            current.name, current.read_groups + tuple(groups), current.managers + tuple(managers)
        )

    def revoke(self, name: str, groups=(), managers=()) -> Collection:
        current = self._registered(name)
        return self._save(
            current.name,
            tuple(g for g in current.read_groups if g not in set(groups)),
            tuple(
                m for m in current.managers if user_key(m) not in {user_key(x) for x in managers}
            ),
        )

    def _check_managers(self, names: Iterable[str]) -> None:
        """Refuse a manager whose local account lacks the knowledge-management role: only
        with the role does a listed manager manage anything (`_listed_manager`; an admin
        manages every collection anyway), so the entry would silently do nothing.
        Names without a local account pass: with auth_mode header or oidc the roles come
        from the login, not from the users table."""
        wanted = clean_names(names)
        if not wanted:
            return
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(users.c.username, users.c.roles).where(
                    sa.func.lower(users.c.username).in_(wanted)
                )
            ).all()
        lacking = sorted(
            (r for r in rows if "wissensmanagement" not in (r.roles or ())),
            key=lambda r: r.username,
        )
        if lacking:
            who = ", ".join(f"„{r.username}“" for r in lacking)
            roles = " ".join([*(lacking[0].roles or ()), "wissensmanagement"])
            raise CollectionError(
                f"Dem Konto {who} fehlt die Rolle „wissensmanagement“; als Verwaltende hätte "
                "der Eintrag keine Wirkung. Nichts geändert.",
                hint=f"Zuerst die Rolle geben: assistant users set-roles {lacking[0].username} "
                f"{roles}",
            )

    def _registered(self, name: str) -> Collection:
        """The stored row; the implicit default collection is stored on first change."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.name == name)).first()
        if row:
            return _collection(row)
        implicit = self.require(name)
        return self.add(implicit.name, implicit.read_groups, implicit.managers)

    def _save(self, name: str, read_groups, managers) -> Collection:
        with self.engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.name == name)
                .values(
                    read_groups=list(clean_groups(read_groups)),
                    managers=list(clean_names(managers)),
                )
            )
        return self.require(name)


def _listed_manager(user: User, collection: Collection) -> bool:
    """`user` has the knowledge-management role and is one of the collection's managers."""
    managers = {user_key(m) for m in collection.managers}
    return user.has_role("wissensmanagement") and user_key(user.name) in managers


def _collection(row) -> Collection:
    return Collection(row.name, tuple(row.read_groups or ()), tuple(row.managers or ()))


def clean_names(names) -> tuple[str, ...]:
    """Managers' user names as accounts store them (lower-cased, once each)."""
    return tuple(dict.fromkeys(user_key(n) for n in names if user_key(n)))
