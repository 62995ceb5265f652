"""The OParl connector: System → Bodies → lists, into the sync store, then into the index.

Fetch (engine phase 1): the body's organization, meeting and paper lists, page by
page along `links.next`; an incremental run sends `modified_since` (the server's own
clock, from the last completed run). Embedded consultations are kept as objects of
their own, because agenda items point to them. Build (phase 2): every dirty paper or
meeting becomes a unit (units.py); a deleted one is removed from the index and every
unit that showed it is rebuilt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from assistant.connectors.engine import RunReport, SyncIncomplete, SyncStore
from assistant.connectors.http import FetchError, PoliteClient
from assistant.connectors.oparl import files as file_texts
from assistant.connectors.oparl.model import as_list, is_deleted, kind_of, ref_id, text, timestamp
from assistant.connectors.oparl.units import doc_id, meeting_unit, paper_unit

log = logging.getLogger(__name__)

LISTS = (("organization", "Organization"), ("meeting", "Meeting"), ("paper", "Paper"))
UNIT_KINDS = ("Paper", "Meeting")
_MAX_PAGES = 100_000
_CACHE_OBJECTS = 5_000  # looked-up objects kept during a build (memory stays bounded)  # a server whose `next` never ends must not keep us forever


class OParlSync:
    def __init__(self, store: SyncStore, ingestor, client: PoliteClient, source, settings):
        self.store, self.ingestor, self.client = store, ingestor, client
        self.source, self.settings = source, settings
        self.bodies: dict[str, str] = {}  # body id -> name
        self.progress: Callable[[str, dict], None] = lambda event, data: None
        self._cache: dict[str, dict | None] = {}  # object id -> payload, during a build

    # --- phase 1 ------------------------------------------------------------------------
    def fetch(self, report: RunReport, since: str | None, epoch: int, done: dict) -> None:
        system = self._get(self.source.url, report)
        bodies = self._bodies(system, report)
        wanted = self.source.options.get("body")
        for body in bodies:
            bid = ref_id(body)
            if wanted and wanted not in (bid, text(body.get("shortName")), text(body.get("name"))):
                continue
            self.bodies[bid] = text(body.get("name")) or text(body.get("shortName"))
            self.store.store_page(self.source.name, [(bid, "Body", None, body)], epoch, {})
            for key, kind in LISTS:
                url = ref_id(body.get(key))
                if url:
                    self._walk(url, kind, since, epoch, done, report, f"{bid}#{key}")
        if wanted and not self.bodies:
            raise SyncIncomplete(f"Die Körperschaft „{wanted}“ gibt es auf diesem Server nicht.")

    def _bodies(self, system: dict, report: RunReport) -> list[dict]:
        ref = system.get("body")
        if isinstance(ref, list):  # some servers embed the bodies
            return [b for b in ref if isinstance(b, dict)]
        data = self._get(ref_id(ref), report) if ref_id(ref) else None
        if isinstance(data, dict) and "data" in data:
            return [b for b in as_list(data["data"]) if isinstance(b, dict)]
        if isinstance(data, dict) and kind_of(data) == "Body":
            return [data]
        raise SyncIncomplete(
            "Der Server nennt keine Körperschaften (Body-Liste leer oder unlesbar)."
        )

    def _walk(self, url, kind, since, epoch, done, report: RunReport, key) -> None:
        """Follow one list to its end; the next page is a checkpoint after every page."""
        if done.get(key) == "done":
            return
        next_url, params = done.get(key), None
        if next_url is None:
            next_url, params = url, ({"modified_since": since} if since else None)
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            if next_url in seen:
                report.problem("loop", "Die Liste verweist auf sich selbst; abgebrochen.", next_url)
                break
            seen.add(next_url)
            try:
                page = self._get(next_url, report, params)
            except FetchError as exc:
                if exc.code != "not_found":
                    raise
                report.problem("list_missing", "Eine Liste fehlt auf dem Server (HTTP 404).", url)
                break
            objects, following = self._page(page, kind, report)
            following = following if following and following != next_url else None
            marks = {key: following or "done", "cursor": report.cursor or ""}
            counts = self.store.store_page(self.source.name, objects, epoch, marks, UNIT_KINDS)
            for name, n in counts.items():
                report.counts[name] += n
            report.counts["pages"] += 1
            self.progress("page", {"kind": kind, "objects": len(objects)})
            if not following:
                break
            next_url, params = following, None
        done[key] = "done"

    def _page(self, page, kind: str, report: RunReport):
        """(objects to store, next URL) of one list page; quirks tolerated, problems counted."""
        if isinstance(page, list):  # Sternberg: `[]` instead of a list object
            items, following = page, None
        elif isinstance(page, dict):
            items = as_list(page.get("data"))
            following = ref_id((page.get("links") or {}).get("next"))
        else:
            raise SyncIncomplete("Eine Listenseite des Servers ist unlesbar.")
        objects = []
        for item in items:
            if not isinstance(item, dict) or not ref_id(item):
                report.problem("invalid_object", "Ein Objekt ohne id wurde übersprungen.", kind)
                report.counts["failed"] += 1
                continue
            objects.extend(self._objects(item, kind, report))
        return objects, following

    def _objects(self, item: dict, kind: str, report: RunReport):
        oid = ref_id(item)
        modified = text(item.get("modified"))
        self._advance_cursor(report, modified)
        if is_deleted(item):
            return [(oid, kind, modified, None)]
        out = [(oid, kind_of(item) or kind, modified, item)]
        if kind == "Paper":  # agenda items point to consultations: keep each on its own
            for c in as_list(item.get("consultation")):
                if isinstance(c, dict) and ref_id(c):
                    out.append(
                        (ref_id(c), "Consultation", text(c.get("modified")), {**c, "paper": oid})
                    )
        return out

    def _advance_cursor(self, report: RunReport, modified: str) -> None:
        stamp = timestamp(modified)
        if stamp is None or stamp.tzinfo is None:
            return
        current = timestamp(report.cursor) if report.cursor else None
        if current is None or stamp > current:
            report.cursor = stamp.isoformat()

    def _get(self, url: str, report: RunReport, params: dict | None = None):
        try:
            data, _ = self.client.get_json(url, params)
        finally:
            report.requests = self.client.requests
        return data

    # --- phase 2 ------------------------------------------------------------------------
    def build(self, report: RunReport) -> None:
        """Turn every dirty object into its unit (or remove it), in batches."""
        name = self.source.name
        self._cache.clear()  # the fetch phase (or a sweep) changed what is stored
        while rows := self.store.dirty(name, 100):
            units, built, others = [], {}, []
            for row in rows:
                kind, oid = row["kind"], row["object_id"]
                if row["deleted"]:
                    self._remove(row)
                    continue
                if kind not in UNIT_KINDS:  # shown by units, not one itself
                    others.append(oid)
                    continue
                result = self._unit(row["payload"], kind, report)
                units.append(result.unit)
                built[result.unit.doc_id] = (oid, result.links)
            if others:
                self.store.mark_linked_dirty(name, others)
                self.store.mark_clean_many(name, others)
            if units:
                self._ingest(units, built, report)

    def _unit(self, payload: dict, kind: str, report: RunReport):
        body = self.bodies.get(ref_id(payload.get("body")), "") or self._body_name(payload)
        common = {"source": self.source.name, "collection": self.source.collection, "body": body}
        if kind == "Meeting":
            return meeting_unit(payload, lookup=self._lookup, **common)
        texts = file_texts.FileTexts(self, report)
        return paper_unit(payload, lookup=self._lookup, files=texts.text, **common)

    def _ingest(self, units, built, report: RunReport) -> None:
        name = self.source.name
        result = self.ingestor.ingest_units(units)
        updated, done = [], []
        for r in result.results:
            oid, links = built[r.doc_id]
            if r.failed:
                report.counts["failed"] += 1
                report.problem("unit_failed", r.message or "Eintrag nicht übernommen.", oid)
            elif r.status == "updated":
                updated.append(oid)
            done.append((oid, None if r.failed else r.doc_id, links))
            self.progress("unit", {"status": r.status})
        self.store.finish_units(name, done)
        # A paper shows its meetings' results, a meeting its papers: a unit that changed
        # makes the units linking it stale. Only a changed unit propagates (an unchanged
        # rebuild does not), so paper <-> meeting links cannot loop.
        self.store.mark_linked_dirty(name, updated)

    def _remove(self, row: dict) -> None:
        name, oid = self.source.name, row["object_id"]
        if row["kind"] in UNIT_KINDS:
            self.ingestor.remove(doc_id(name, oid))
        self.store.mark_linked_dirty(name, [oid])
        self.store.set_links(name, oid, [])
        self.store.mark_clean(name, oid, None)

    def sweep(self, report: RunReport, epoch: int) -> None:
        """After a full walk: what the server no longer lists is gone (deleted without a
        tombstone, or no longer public)."""
        gone = self.store.unseen(self.source.name, epoch, UNIT_KINDS)
        if gone:
            self.store.store_page(
                self.source.name, [(oid, "Paper", None, None) for oid in gone], epoch, {}
            )
            report.counts["deleted"] += len(gone)
            self.build(report)

    def _lookup(self, object_id: str) -> dict | None:
        """A stored object's payload ({"deleted": True} for a tombstone). Cached during a
        build, when nothing stored changes: units look up the same meetings and
        organisations thousands of times (11 of 90 s of a 2,000-paper sync)."""
        if object_id in self._cache:
            return self._cache[object_id]
        row = self.store.get_object(self.source.name, object_id)
        if row is None or row["deleted"]:
            found = {"deleted": True} if row is not None else None
        else:
            found = row["payload"]
        if len(self._cache) >= _CACHE_OBJECTS:
            self._cache.clear()
        self._cache[object_id] = found
        return found

    def _body_name(self, payload: dict) -> str:
        body = self._lookup(ref_id(payload.get("body")))
        return text(body.get("name")) if body else ""
