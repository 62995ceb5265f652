"""The shared sync engine of the connectors (council information, open data).

A sync has two phases, so that a crash or Ctrl-C never leaves half of anything:

1. **fetch** — the connector walks the server's lists page by page and stores each
   object as fetched in `sync_objects` (unchanged content: untouched; changed, new or
   deleted: marked dirty). After each page the next page's URL is a checkpoint.
2. **build** — every dirty object becomes a unit (a document of the index) through the
   ingest pipeline, whole or not at all, and is marked clean. Units that show something
   of a changed or deleted object (`sync_links`) are rebuilt too.

A run that stops early leaves its checkpoints and dirty rows; the next run resumes from
there with the same `modified_since` and fetches nothing twice. Only a completed run
stores the cursor — the newest `modified` the *server* stamped, never our clock (the
data may be historical, and the clocks differ) — from which the next incremental run
starts, minus an overlap.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assistant.db import sync_checkpoints, sync_links, sync_objects, sync_runs, sync_sources
from assistant.errors import AssistantError, NotFoundError

log = logging.getLogger(__name__)

COUNT_KEYS = ("new", "changed", "deleted", "unchanged", "failed", "pages", "files")


class SyncIncomplete(AssistantError):
    """The run could not complete; the next run resumes where this one stopped."""

    code = "sync_incomplete"


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    url: str
    collection: str
    options: dict

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "url": self.url,
            "collection": self.collection,
            "options": self.options,
        }


@dataclass
class RunReport:
    """What one run did; `problems` are per-object issues (German, no personal data)."""

    source: str
    run_id: int
    full: bool
    resumed: bool = False
    status: str = "running"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    requests: int = 0
    cursor: str | None = None
    since: str | None = None
    problems: list[dict] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def problem(self, code: str, message: str, ref: str = "") -> None:
        """Count and log a per-object problem once per (code, ref)."""
        if any(p["code"] == code and p["ref"] == ref for p in self.problems):
            return
        self.problems.append({"code": code, "message": message, "ref": ref})
        log.warning("sync %s: %s %s", self.source, code, ref)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "run_id": self.run_id,
            "status": self.status,
            "full": self.full,
            "resumed": self.resumed,
            "since": self.since,
            "cursor": self.cursor,
            "counts": dict(self.counts),
            "requests": self.requests,
            "problems": self.problems,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }


def content_hash(payload) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


class SyncStore:
    """The sync tables: registered sources, runs, checkpoints, fetched objects, links."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # --- sources ---------------------------------------------------------------
    def register(self, source: Source) -> None:
        with self.engine.begin() as conn:
            conn.execute(sync_sources.delete().where(sync_sources.c.name == source.name))
            conn.execute(
                sync_sources.insert().values(
                    name=source.name,
                    kind=source.kind,
                    url=source.url,
                    collection=source.collection,
                    options=source.options,
                    created_at=datetime.now(UTC),
                )
            )

    def source(self, name: str) -> Source:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sync_sources).where(sync_sources.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"Es gibt keine registrierte Quelle „{name}“.")
        return _source(row)

    def find(self, kind: str, url: str) -> Source | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sync_sources).where(
                    sync_sources.c.kind == kind, sync_sources.c.url == url
                )
            ).first()
        return _source(row) if row else None

    def sources(self, kind: str | None = None) -> list[Source]:
        query = sa.select(sync_sources).order_by(sync_sources.c.name)
        if kind:
            query = query.where(sync_sources.c.kind == kind)
        with self.engine.connect() as conn:
            return [_source(r) for r in conn.execute(query)]

    def forget(self, name: str) -> None:
        """Delete everything the sync tables hold about `name` (units are removed by the caller)."""
        with self.engine.begin() as conn:
            for table in (sync_objects, sync_links, sync_checkpoints):
                conn.execute(table.delete().where(table.c.source == name))
            conn.execute(sync_runs.delete().where(sync_runs.c.source == name))
            conn.execute(sync_sources.delete().where(sync_sources.c.name == name))

    # --- runs ------------------------------------------------------------------
    def begin_run(self, source: str, full: bool) -> int:
        with self.engine.begin() as conn:
            # A run that died without finishing (killed process) is not running any more.
            conn.execute(
                sync_runs.update()
                .where(sync_runs.c.source == source, sync_runs.c.status == "running")
                .values(status="failed", error="Abgebrochen (Prozess beendet).")
            )
            result = conn.execute(
                sync_runs.insert().values(
                    source=source,
                    started_at=datetime.now(UTC),
                    status="running",
                    full=full,
                    counts={},
                    requests=0,
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(self, report: RunReport) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sync_runs.update()
                .where(sync_runs.c.id == report.run_id)
                .values(
                    finished_at=datetime.now(UTC),
                    status=report.status,
                    cursor=report.cursor if report.status == "completed" else None,
                    counts={**report.counts, "problems": len(report.problems)},
                    requests=report.requests,
                    error=report.error,
                )
            )

    def last_run(self, source: str, status: str | None = None) -> dict | None:
        query = sa.select(sync_runs).where(sync_runs.c.source == source)
        if status:
            query = query.where(sync_runs.c.status == status)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(sync_runs.c.id.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    # --- checkpoints -------------------------------------------------------------
    def checkpoints(self, source: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sync_checkpoints).where(sync_checkpoints.c.source == source)
            )
            return {r.key: r.value for r in rows}

    def set_checkpoint(self, source: str, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            _set_checkpoint(conn, source, key, value)

    def clear_checkpoints(self, source: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sync_checkpoints.delete().where(sync_checkpoints.c.source == source))

    # --- objects -----------------------------------------------------------------
    def store_page(
        self,
        source: str,
        objects: Iterable[tuple[str, str, str | None, dict | None]],
        epoch: int,
        checkpoints: dict[str, str],
        counted: Iterable[str] = (),
    ) -> dict[str, int]:
        """Store one page of (object_id, kind, modified, payload or None for deleted) and
        the checkpoint after it in one transaction; returns new/changed/deleted/unchanged
        counts of the objects whose kind is in `counted`."""
        counts = {"new": 0, "changed": 0, "deleted": 0, "unchanged": 0}
        with self.engine.begin() as conn:
            for object_id, kind, modified, payload in objects:
                status = _store_object(conn, source, object_id, kind, modified, payload, epoch)
                if kind in counted:
                    counts[status] += 1
            for key, value in checkpoints.items():
                _set_checkpoint(conn, source, key, value)
        return counts

    def get_object(self, source: str, object_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(sync_objects).where(
                    sync_objects.c.source == source, sync_objects.c.object_id == object_id
                )
            ).first()
        return dict(row._mapping) if row else None

    def payloads(self, source: str, kind: str) -> Iterator[dict]:
        """Live payloads of one kind (streamed in id order)."""
        query = (
            sa.select(sync_objects.c.payload)
            .where(
                sync_objects.c.source == source,
                sync_objects.c.kind == kind,
                sync_objects.c.deleted.is_(False),
            )
            .order_by(sync_objects.c.object_id)
        )
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=200).execute(query):
                yield row.payload

    def dirty(self, source: str, limit: int = 100) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sync_objects)
                .where(sync_objects.c.source == source, sync_objects.c.dirty.is_(True))
                .order_by(sync_objects.c.object_id)
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]

    def mark_clean(self, source: str, object_id: str, doc_id: str | None, failed=False) -> None:
        """Built (or removed). A unit that failed keeps no hash, so the next run builds it
        again even when the server's object did not change."""
        values = {"dirty": False, "doc_id": doc_id}
        if failed:
            values["sha256"] = "failed"
        with self.engine.begin() as conn:
            conn.execute(
                sync_objects.update()
                .where(sync_objects.c.source == source, sync_objects.c.object_id == object_id)
                .values(**values)
            )

    def mark_clean_many(self, source: str, object_ids: list[str]) -> None:
        """Objects that are no unit themselves (organisations, consultations) are done."""
        with self.engine.begin() as conn:
            conn.execute(
                sync_objects.update()
                .where(sync_objects.c.source == source, sync_objects.c.object_id.in_(object_ids))
                .values(dirty=False)
            )

    def put_object(self, source: str, object_id: str, kind: str, modified, payload) -> None:
        """Store an object outside a page walk (a cached file text), not dirty."""
        with self.engine.begin() as conn:
            _store_object(conn, source, object_id, kind, modified, payload, None)
            conn.execute(
                sync_objects.update()
                .where(sync_objects.c.source == source, sync_objects.c.object_id == object_id)
                .values(dirty=False)
            )

    def unseen(self, source: str, epoch: int, kinds: Iterable[str]) -> list[str]:
        """Live objects a full walk (`epoch`) did not see: gone from the server."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sync_objects.c.object_id).where(
                    sync_objects.c.source == source,
                    sync_objects.c.kind.in_(list(kinds)),
                    sync_objects.c.deleted.is_(False),
                    sa.or_(sync_objects.c.seen_run.is_(None), sync_objects.c.seen_run != epoch),
                )
            )
            return [r.object_id for r in rows]

    def count(self, source: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sync_objects.c.kind, sa.func.count())
                .where(sync_objects.c.source == source, sync_objects.c.deleted.is_(False))
                .group_by(sync_objects.c.kind)
            )
            return {r[0]: int(r[1]) for r in rows}

    def finish_units(self, source: str, built: list[tuple[str, str | None, set[str]]]) -> None:
        """After a batch was written: each (object id, doc id or None if it failed, links)
        is marked clean with its links, in one transaction (a commit per object cost more
        than the objects' whole bookkeeping)."""
        with self.engine.begin() as conn:
            for object_id, doc_id, links in built:
                _replace_links(conn, source, object_id, links)
                values = {"dirty": False, "doc_id": doc_id}
                if doc_id is None:
                    values["sha256"] = "failed"
                conn.execute(
                    sync_objects.update()
                    .where(sync_objects.c.source == source, sync_objects.c.object_id == object_id)
                    .values(**values)
                )

    # --- links -------------------------------------------------------------------
    def set_links(self, source: str, from_id: str, to_ids: Iterable[str]) -> None:
        with self.engine.begin() as conn:
            _replace_links(conn, source, from_id, to_ids)

    def mark_linked_dirty(self, source: str, to_ids: Iterable[str]) -> int:
        """Mark every live unit that shows something of `to_ids` for rebuilding."""
        ids = list(set(to_ids))
        if not ids:
            return 0
        with self.engine.begin() as conn:
            linked = sa.select(sync_links.c.from_id).where(
                sync_links.c.source == source, sync_links.c.to_id.in_(ids)
            )
            return conn.execute(
                sync_objects.update()
                .where(
                    sync_objects.c.source == source,
                    sync_objects.c.object_id.in_(linked),
                    sync_objects.c.deleted.is_(False),
                )
                .values(dirty=True)
            ).rowcount


def _store_object(conn, source, object_id, kind, modified, payload, epoch) -> str:
    key = (sync_objects.c.source == source) & (sync_objects.c.object_id == object_id)
    row = conn.execute(sa.select(sync_objects).where(key)).first()
    if payload is None:  # a tombstone
        if row is None or row.deleted:
            return "unchanged"
        conn.execute(
            sync_objects.update()
            .where(key)
            .values(deleted=True, dirty=True, payload=None, modified=modified, seen_run=epoch)
        )
        return "deleted"
    sha = content_hash(payload)
    if row is not None and row.sha256 == sha and not row.deleted:
        conn.execute(sync_objects.update().where(key).values(seen_run=epoch))
        return "unchanged"
    values = {
        "kind": kind,
        "modified": modified,
        "sha256": sha,
        "payload": payload,
        "deleted": False,
        "dirty": True,
        "seen_run": epoch,
    }
    if row is None:
        conn.execute(sync_objects.insert().values(source=source, object_id=object_id, **values))
        return "new"
    conn.execute(sync_objects.update().where(key).values(**values))
    return "changed"


def _replace_links(conn, source: str, from_id: str, to_ids: Iterable[str]) -> None:
    conn.execute(
        sync_links.delete().where(sync_links.c.source == source, sync_links.c.from_id == from_id)
    )
    rows = [{"source": source, "from_id": from_id, "to_id": t} for t in set(to_ids)]
    if rows:
        conn.execute(sync_links.insert(), rows)


def _set_checkpoint(conn, source: str, key: str, value: str) -> None:
    conn.execute(
        sync_checkpoints.delete().where(
            sync_checkpoints.c.source == source, sync_checkpoints.c.key == key
        )
    )
    conn.execute(sync_checkpoints.insert().values(source=source, key=key, value=value))


def _source(row) -> Source:
    return Source(row.name, row.kind, row.url, row.collection, dict(row.options or {}))


def run_sync(store: SyncStore, source: Source, connector, *, full: bool, overlap: int) -> RunReport:
    """One run of `connector` for `source`: resume an interrupted run, else start a full or
    incremental one; fetch, build, (full) sweep; the run record says how it ended.

    `connector` has `fetch(report, since, epoch, done)`, `build(report)`, `sweep(report, epoch)`
    and a `client` with `requests`. Raises `SyncIncomplete` (after recording the run) when
    the run could not complete; per-object problems only end up in the report."""
    import time

    from assistant.connectors.http import FetchError

    began = time.perf_counter()
    marks = store.checkpoints(source.name)
    resumed = "epoch" in marks
    if resumed:
        full, since = marks.get("full") == "1", marks.get("since") or None
    else:
        last = store.last_run(source.name, "completed")
        full = full or last is None or not last.get("cursor")
        since = None if full else _minus(last["cursor"], overlap)
    run_id = store.begin_run(source.name, full)
    epoch = int(marks["epoch"]) if resumed else run_id
    if not resumed:
        store.clear_checkpoints(source.name)
        for key, value in (("epoch", str(epoch)), ("full", "1" if full else "0")):
            store.set_checkpoint(source.name, key, value)
        store.set_checkpoint(source.name, "since", since or "")
    report = RunReport(source.name, run_id, full, resumed=resumed, since=since)
    report.cursor = marks.get("cursor") or None
    try:
        connector.fetch(report, since, epoch, dict(marks))
        connector.build(report)
        if full:
            connector.sweep(report, epoch)
        report.status = "completed"
        store.clear_checkpoints(source.name)
    except (FetchError, SyncIncomplete) as exc:
        report.status, report.error = "failed", _german(exc)
    except KeyboardInterrupt:
        report.status, report.error = "failed", "Abgebrochen (Strg+C); der nächste Lauf setzt fort."
        raise
    finally:
        report.requests = connector.client.requests
        report.seconds = time.perf_counter() - began
        if report.status == "completed" and not report.cursor:
            report.cursor = (store.last_run(source.name, "completed") or {}).get("cursor")
        store.finish_run(report)
    if report.status != "completed":
        raise SyncIncomplete(report.error or "Der Abgleich wurde nicht abgeschlossen.")
    return report


def _minus(cursor: str, seconds: int) -> str | None:
    from datetime import timedelta

    try:
        stamp = datetime.fromisoformat(cursor)
    except ValueError:
        return None
    return (stamp - timedelta(seconds=seconds)).isoformat()


def _german(exc: Exception) -> str:
    url = getattr(exc, "url", "")
    where = f" ({url})" if url else ""
    return (
        f"{exc}{where} Der Abgleich ist unterbrochen; der nächste Lauf setzt an dieser Stelle fort."
    )
