"""A small CKAN action-API server for the open-data connector's tests (issue 16).

The real catalogue server in ../shared/opendata is static; this one can change between
syncs (edit, delete, make private, drop a dataset from the listing) and fail on purpose
(HTTP 500, 429, a slow answer, malformed JSON, a CSV link that answers with an HTML page,
a dead link). Standard library only; it runs in a thread of the test process and keeps
a log of the requests it answered.

Packages carry contact fields with a made-up civil servant, so tests can prove that
none of them reaches the sync store or the index.
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CONTACT = {
    "maintainer": "Erika Mustermann",
    "maintainer_email": "erika.mustermann@stadt-beispiel.example",
    "author": "Max Beispielmann",
    "author_email": "max.beispielmann@stadt-beispiel.example",
}
BASE_TIME = datetime(2021, 3, 1, 8, 0, tzinfo=UTC)

CSV = (
    "Jahr;Stadtteil;Kita-Plätze\n2020;Nordstadt;1.204\n2021;Nordstadt;1.310\n"
    "2020;Südstadt;987\n2021;Südstadt;1.022\n"
).encode()


def package(n: int, **fields) -> dict:
    pid = f"pkg-{n:04d}"
    data = {
        "id": pid,
        "name": f"datensatz-{n}",
        "title": f"Testdatensatz {n}",
        "notes": f"<p>Beschreibung des Datensatzes {n} über Spielplätze.</p>",
        "state": "active",
        "private": False,
        "type": "dataset",
        "license_id": "dl-by-de/2.0",
        "license_title": "Datenlizenz Deutschland \u0096 Namensnennung \u0096 Version 2.0",
        "metadata_modified": (BASE_TIME + timedelta(hours=n)).isoformat(),
        "organization": {"name": "stadt-beispiel", "title": "Stadt Beispielstadt"},
        "groups": [{"name": "soci", "title": "Bevölkerung und Gesellschaft"}],
        "tags": [{"name": "Spielplatz", "display_name": "Spielplatz"}],
        "extras": [
            {"key": "politicalGeocodingURI", "value": "http://dcat-ap.de/def/politicalGeocoding/regionalKey/081110000000"},
            {"key": "temporal_start", "value": "2020-01-01"},
            {"key": "temporal_end", "value": "2021-12-31"},
            {"key": "username", "value": "emustermann"},
        ],
        "resources": [
            {"id": f"{pid}-html", "name": "Webseite", "format": "HTML",
             "url": f"https://stadt-beispiel.example/seite/{n}"},
        ],
        **CONTACT,
    }  # fmt: skip
    data.update(fields)
    return data


class CkanFixture:
    """State and faults; `url` once started. Faults: {action or path: [kind, …]} consumed
    in order — "500", "429", "slow" (answers after `slow_seconds`), "malformed"."""

    def __init__(self, packages: list[dict] | None = None):
        self.packages: dict[str, dict] = {p["id"]: p for p in packages or []}
        self.hidden: set[str] = set()  # vanished from the listing without a trace
        self.files: dict[str, tuple[int, str, bytes]] = {}
        self.faults: dict[str, list[str]] = {}
        self.always: dict[str, str] = {}  # action -> fault on every call
        self.slow_seconds = 2.0
        self.log: list[str] = []
        self.url = ""
        self._clock = BASE_TIME + timedelta(days=30)

    # --- changing the catalogue between syncs ------------------------------------------
    def touch(self, pid: str, **fields) -> None:
        self._clock += timedelta(minutes=10)
        self.packages[pid].update(fields, metadata_modified=self._clock.isoformat())

    def add_file(self, name: str, body: bytes, status=200, ctype="text/csv") -> str:
        self.files[f"/files/{name}"] = (status, ctype, body)
        return f"{self.url}/files/{name}"

    def downloads(self, name: str) -> int:
        return sum(1 for entry in self.log if entry == f"/files/{name}")

    # --- answering -----------------------------------------------------------------------
    def search(self, params: dict) -> dict:
        rows, start = int(params.get("rows", 10)), int(params.get("start", 0))
        hits = [p for pid, p in self.packages.items() if pid not in self.hidden]
        hits = [p for p in hits if _matches(p, params.get("fq", ""))]
        hits.sort(key=lambda p: (p["metadata_modified"], p["name"]))
        # CKAN never lists private datasets to anonymous callers, nor deleted ones unless
        # asked; this fixture does list them, as portals with include_deleted/drafts do.
        return {"count": len(hits), "results": hits[start : start + rows]}

    def answer(self, path: str, params: dict):
        action = path.rsplit("/", 1)[-1]
        if action == "package_search":
            return self.search(params)
        if action == "package_show":
            pkg = self.packages.get(params.get("id", ""))
            if pkg is None:
                return 404, {
                    "success": False,
                    "error": {"__type": "Not Found Error", "message": "Not found"},
                }
            return pkg
        if action == "status_show":
            return {"ckan_version": "2.10.4", "site_title": "Testportal"}
        return 400, {"success": False, "error": {"message": f"Unknown action {action}"}}  # fmt: skip


def _matches(pkg: dict, fq: str) -> bool:
    for field, value in re.findall(r'(\w+):(\[[^\]]*\]|"[^"]*"|\S+)', fq or ""):
        if field == "metadata_modified":
            since = datetime.fromisoformat(value[1:-1].split(" TO ")[0])
            if datetime.fromisoformat(pkg["metadata_modified"]) < since:
                return False
        elif field == "organization" and (pkg.get("organization") or {}).get("name") != value.strip(
            '"'
        ):
            return False
    return True


def _handler(fixture: CkanFixture):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet test output
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            fixture.log.append(parts.path)
            key = parts.path.rsplit("/", 1)[-1] if "/api/" in parts.path else parts.path
            queue = fixture.faults.get(key) or []
            fault = queue.pop(0) if queue else fixture.always.get(key)
            if fault == "slow":
                time.sleep(fixture.slow_seconds)
            elif fault in ("500", "429"):
                return self._send(int(fault), b"<html>Fehler</html>", "text/html", retry=fault)
            elif fault == "malformed":
                return self._send(
                    200, b'{"success": true, "result": {"count": 3, "resu', "application/json"
                )
            if "/api/" in parts.path:
                result = fixture.answer(parts.path, params)
                status, body = (
                    result
                    if isinstance(result, tuple)
                    else (200, {"success": True, "result": result})
                )
                return self._send(
                    status, json.dumps(body).encode(), "application/json;charset=utf-8"
                )
            if parts.path in fixture.files:
                status, ctype, body = fixture.files[parts.path]
                return self._send(status, body, ctype)
            self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")  # fmt: skip

        def _send(self, status: int, body: bytes, ctype: str, retry: str | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if retry == "429":
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def running_ckan(fixture: CkanFixture):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fixture))
    server.daemon_threads = True
    fixture.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        server.shutdown()
        server.server_close()
