"""The CKAN connector: `package_search` page by page into the sync store, then into the index.

Fetch (engine phase 1): `package_search` sorted by `metadata_modified asc, name asc` with
`rows`/`start`; the checkpoint after each page is the next `start`. Consecutive pages overlap
by a few rows: a dataset edited during the walk moves to the end, and without the overlap
its neighbour would slip past unseen (and a full run would then sweep it away). An
incremental run asks for `fq=metadata_modified:[<cursor − overlap> TO *]` — the cursor is
the newest `metadata_modified` seen, the portal's clock. Deleted (`state: deleted`) and
private (`private: true`) datasets become tombstones; contact fields are dropped before
anything is stored (units.strip_contacts; `author` kept as publisher only where
`is_personal` — the redactor — finds no person in it).

Build (phase 2): every dirty dataset becomes a unit (units.py). Its CSV/XLSX resources
within the size limit are downloaded now — never at question time —, parsed and stored in
the TableStore with provenance; a resource whose url, last_modified, size and hash are
unchanged is not downloaded again. Dead links and HTML pages instead of tables are counted
(`dead_links`) and shown in the unit; they never fail the run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from assistant.connectors.engine import RunReport, SyncIncomplete, SyncStore
from assistant.connectors.http import FetchError
from assistant.connectors.opendata import units as U
from assistant.connectors.opendata.ckan import CkanClient
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.store import Provenance, TableStore
from assistant.connectors.opendata.tables import parse_bytes

log = logging.getLogger(__name__)

KIND, RESOURCE = "Dataset", "Resource"
PAGE_OVERLAP = 5
_MAX_PAGES = 100_000
_XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TABLE_FORMATS = {"csv", "text/csv", "application/csv", "xlsx", _XLSX_MIME}


class CkanSync:
    def __init__(
        self,
        store: SyncStore,
        ingestor,
        client: CkanClient,
        source,
        settings,
        tables,
        is_personal=None,
    ):
        self.store, self.ingestor, self.client = store, ingestor, client
        self.is_personal: Callable[[str], bool] | None = is_personal
        self.source, self.settings = source, settings
        self.tables: TableStore = tables
        self.rows = max(2, settings.opendata_page_rows)
        self.overlap = max(1, min(PAGE_OVERLAP, self.rows // 10))
        self.max_bytes = int(settings.opendata_max_table_mb * 1024 * 1024)
        self.walk_complete = True
        self._walked: set[str] = set()  # dataset ids stored by this walk (pages overlap)
        self._listed_gone = 0  # listed as deleted/private: in `count`, not live
        self.progress: Callable[[str, dict], None] = lambda event, data: None

    # --- phase 1 ------------------------------------------------------------------------
    def fetch(self, report: RunReport, since: str | None, epoch: int, done: dict) -> None:
        for key in ("dead_links", "tables"):
            report.counts.setdefault(key, 0)
        start = int(done.get("start") or 0)
        if start < 0:  # the walk had ended before the interruption
            return
        fq = self._filter(since)
        count = None
        for _ in range(_MAX_PAGES):
            result = self.client.action(
                "package_search",
                q="*:*",
                fq=fq,
                rows=self.rows,
                start=start,
                sort="metadata_modified asc, name asc",
            )
            report.requests = self.client.requests
            if not isinstance(result, dict) or not isinstance(result.get("results"), list):
                raise SyncIncomplete("Das Portal hat eine unlesbare Suchantwort geliefert.")
            items, count = result["results"], result.get("count")
            objects = [o for o in (self._object(p, report) for p in items) if o]
            objects = [o for o in objects if o[0] not in self._walked]  # the overlap rows
            self._walked.update(o[0] for o in objects)
            self._listed_gone += sum(1 for o in objects if o[3] is None)
            following = start + len(items) - self.overlap if len(items) >= self.rows else -1
            marks = {"start": str(following), "cursor": report.cursor or ""}
            counts = self.store.store_page(self.source.name, objects, epoch, marks, (KIND,))
            for name, n in counts.items():
                report.counts[name] += n
            report.counts["pages"] += 1
            self.progress("page", {"objects": len(objects), "count": count})
            if following < 0:
                break
            start = following
        self._check_complete(report, epoch, count)

    def _filter(self, since: str | None) -> str:
        parts = []
        org = self.source.options.get("organization")
        if org:
            parts.append(f'organization:"{org}"')
        if since:
            stamp = datetime.fromisoformat(since).astimezone(UTC)
            parts.append(f"metadata_modified:[{stamp:%Y-%m-%dT%H:%M:%S}Z TO *]")
        return " ".join(parts)

    def _object(self, package, report: RunReport):
        if not isinstance(package, dict) or not package.get("id"):
            report.problem("invalid_object", "Ein Datensatz ohne id wurde übersprungen.")
            report.counts["failed"] += 1
            return None
        modified = str(package.get("metadata_modified") or "")
        self._advance_cursor(report, modified)
        if _gone(package):
            return (package["id"], KIND, modified, None)
        return (package["id"], KIND, modified, U.strip_contacts(package, self.is_personal))

    def _advance_cursor(self, report: RunReport, modified: str) -> None:
        stamp = _stamp(modified)
        if stamp is None:
            return
        current = _stamp(report.cursor) if report.cursor else None
        if current is None or stamp > current:
            report.cursor = stamp.isoformat()

    def _check_complete(self, report: RunReport, epoch: int, count) -> None:
        """A full walk that saw fewer datasets than the portal counts must not sweep."""
        if not report.full or not isinstance(count, int):
            return
        seen = len(self.store.unseen(self.source.name, -1, (KIND,)))
        seen -= len(self.store.unseen(self.source.name, epoch, (KIND,)))
        seen += self._listed_gone  # (a resumed walk forgets earlier ones: then no sweep, safe)
        if seen < count:
            self.walk_complete = False
            report.problem(
                "incomplete_walk",
                f"Das Portal nennt {count} Datensätze, gesehen wurden {seen}; "
                "verschwundene Datensätze werden diesmal nicht entfernt.",
            )

    # --- phase 2 ------------------------------------------------------------------------
    def build(self, report: RunReport) -> None:
        name = self.source.name
        for key in ("dead_links", "tables"):
            report.counts.setdefault(key, 0)
        while rows := self.store.dirty(name, 50):
            units, built = [], {}
            for row in rows:
                if row["deleted"]:
                    self._remove(row["object_id"])
                    continue
                if row["kind"] != KIND:
                    self.store.mark_clean(name, row["object_id"], None)
                    continue
                package = row["payload"]
                resources = self._resources(package, report)
                unit = U.dataset_unit(
                    package,
                    portal=name,
                    base_url=self.source.url,
                    collection=self.source.collection,
                    resources=resources,
                    contents=U.table_contents(self.tables.tables(package["id"], name)),
                )
                units.append(unit)
                built[unit.doc_id] = row["object_id"]
            if units:
                self._ingest(units, built, report)

    def _ingest(self, units, built, report: RunReport) -> None:
        name = self.source.name
        for r in self.ingestor.ingest_units(units).results:
            oid = built[r.doc_id]
            if r.failed:
                report.counts["failed"] += 1
                report.problem("unit_failed", r.message or "Eintrag nicht übernommen.", oid)
            self.store.mark_clean(name, oid, None if r.failed else r.doc_id, failed=r.failed)
            self.progress("unit", {"status": r.status})

    def _remove(self, dataset_id: str) -> None:
        name = self.source.name
        did = U.doc_id(name, dataset_id)
        record = self.ingestor.manifest.get(did)
        for res in ((record.meta or {}).get("resources") or []) if record else []:
            self.store.put_object(name, _res_key(dataset_id, res.get("id")), RESOURCE, None, None)
        self.ingestor.remove(did)
        self.tables.remove_dataset(dataset_id, name)
        self.store.mark_clean(name, dataset_id, None)

    def sweep(self, report: RunReport, epoch: int) -> None:
        """After a full walk: what the portal no longer lists is gone (or no longer public)."""
        if not self.walk_complete:
            return
        gone = self.store.unseen(self.source.name, epoch, (KIND,))
        if gone:
            self.store.store_page(
                self.source.name, [(g, KIND, None, None) for g in gone], epoch, {}
            )
            report.counts["deleted"] += len(gone)
            self.build(report)

    # --- resources ----------------------------------------------------------------------
    def _resources(self, package: dict, report: RunReport) -> list[dict]:
        entries = U.resource_entries(package)
        raw = [r for r in package.get("resources") or [] if isinstance(r, dict)]
        wanted = set()
        for entry, resource in zip(entries, raw, strict=False):
            if not entry["id"]:
                entry["id"] = hashlib.sha1(entry["url"].encode()).hexdigest()[:16]
            if entry["url"] and _is_table(entry):
                wanted.add(entry["id"])
                entry["status"] = self._table(package, entry, resource, report)
        self._problems(package, entries, report)
        for stale in self.tables.tables(package["id"], self.source.name):
            if stale.provenance.resource_id not in wanted:
                self.tables.remove_resource(self.source.name, stale.provenance.resource_id)
        return entries

    def _table(self, package: dict, entry: dict, resource: dict, report: RunReport) -> str:
        """Download, parse and store one table resource; its status for the unit."""
        name, key = self.source.name, _res_key(package["id"], entry["id"])
        fingerprint = _fingerprint(entry["url"], resource)
        known = self.store.get_object(name, key)
        previous = (known or {}).get("payload") or {}
        if previous.get("fingerprint") == fingerprint and previous.get("status") in (
            "ok",
            "not_table",
            "too_large",
        ):
            return previous["status"]  # fmt: skip
        size = _size(resource.get("size"))
        if size is not None and size > self.max_bytes:
            status = "too_large"
        else:
            status = self._download(package, entry, report)
        payload = {"fingerprint": fingerprint, "status": status}
        self.store.put_object(name, key, RESOURCE, None, payload)
        return status

    def _problems(self, package: dict, entries: list[dict], report: RunReport) -> None:
        """One line per dataset in the report (not per file): Berlin alone has hundreds."""
        for status, text in _PROBLEM.items():
            n = sum(1 for e in entries if e["status"] == status)
            if not n:
                continue
            if status != "too_large":
                report.counts["dead_links"] += n
            ref = U.dataset_url(self.source.url, package)
            report.problem(status, f"{text} ({n} Ressource{'n' if n > 1 else ''})", ref)

    def _download(self, package: dict, entry: dict, report: RunReport) -> str:
        try:
            response = self.client.download(entry["url"], max_bytes=self.max_bytes)
        except FetchError as exc:
            return "too_large" if exc.code == "too_large" else "dead"
        finally:
            report.requests = self.client.requests
        if "text/html" in response.content_type.lower():
            return "not_table"
        try:
            parsed = parse_bytes(response.content, filename=entry["url"].rsplit("/", 1)[-1])
        except OpendataError as exc:
            log.info("resource %s not a table: %s", entry["id"], exc.code)
            return "not_table"
        provenance = Provenance(
            portal=self.source.name,
            dataset_id=package["id"],
            resource_id=entry["id"],
            resource_url=entry["url"],
            sha256=hashlib.sha256(response.content).hexdigest(),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            licence=U.licence_of(package),
            title=_table_title(package, entry),
        )
        self.tables.put(parsed, provenance)
        report.counts["tables"] += 1
        return "ok"


_PROBLEM = {
    "dead": "Link nicht erreichbar, Tabelle nicht geladen",
    "not_table": "Link liefert keine Tabelle (z. B. eine Webseite statt CSV)",
    "too_large": "Tabelle größer als erlaubt (ASSISTANT_OPENDATA_MAX_TABLE_MB)",
}


def _gone(package: dict) -> bool:
    private = package.get("private")
    return (
        str(package.get("state") or "active").lower() == "deleted"
        or private is True
        or (isinstance(private, str) and private.lower() == "true")
    )


def _is_table(entry: dict) -> bool:
    fmt = entry["format"].lower().strip()
    path = entry["url"].lower().split("?")[0]
    return fmt in _TABLE_FORMATS or (not fmt and path.endswith((".csv", ".xlsx")))


def _fingerprint(url: str, resource: dict) -> str:
    """What says a file changed without downloading it: url, last_modified, size, hash."""
    fields = [url] + [str(resource.get(k) or "") for k in ("last_modified", "size", "hash")]
    return hashlib.sha256("\n".join(fields).encode()).hexdigest()


def _res_key(dataset_id: str, resource_id) -> str:
    return f"{dataset_id}#resource:{resource_id}"


def _table_title(package: dict, entry: dict) -> str:
    title = str(package.get("title") or "").strip()
    name = entry["name"]
    return f"{title} – {name}" if name and name != title else title


def _size(value) -> int | None:
    if isinstance(value, int | float):
        return int(value)
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None  # DKAN's "3.07 KB" is not a byte count


def _stamp(value: str | None):
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
