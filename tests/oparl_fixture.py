"""A small generated OParl 1.1 server for tests and benchmarks of the council connector.

Speaks the protocol of `../shared/oparl/karlsruhe/serve.py` (lists of `page_size` objects
with `links.next` and `pagination`; `modified_since`/`modified_until`/`created_since`/
`created_until`, inclusive, a bad value → 400; tombstones listed only with `modified_since`;
unknown URLs → 404 with an OParl Error object; the `Date` header is the server `clock`) over
generated data (`oparl_fixture_data.py`), plus state changes between syncs and fault injection.

    with running_oparl(n_papers=200) as oparl:
        sync(oparl.url)                        # System URL
        oparl.clock = datetime(2026, 8, 1, 9, tzinfo=...)
        oparl.mutate(changed=[3], deleted=[7], added=2, nonpublic_agenda=[12])
        oparl.inject("status", pattern="/papers", status=500, times=2)
        sync(oparl.url)
        assert all("modified_since" in q for q in oparl.queries("/papers$"))

Fault kinds for `inject` (each fires on matching requests after `skip` of them, `times`
times, None = always; `pattern` is a regex searched in path?query):
  errors: "status" (status=500; 429 adds Retry-After: retry_after=1), "not_found",
          "delay" (seconds=1, then the normal answer), "drop_connection",
          "malformed_json" (body cut in half), "missing_fields" (fields=("id", "type") removed
          from the object, or from a list page's first object);
  vendor quirks: "aux_file_object" (auxiliaryFile as one object), "na_values"
          (fields=("date", "paperType", "start") set to "N/A"), "bad_offset" (+01::00 in
          timestamps), "empty_list_array" (an empty list page as []), "id_mismatch" (an object's
          own id on prefix="https://ris.example.org" instead of the URL it was fetched from).
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from fake_http import LoopbackFake
from oparl_fixture_data import SCHEMA, CouncilData, make_pdf

FILTERS = ("modified_since", "modified_until", "created_since", "created_until")
ERROR_KINDS = ("status", "not_found", "delay", "drop_connection")
TRANSFORM_KINDS = (
    "malformed_json",
    "missing_fields",
    "aux_file_object",
    "na_values",
    "bad_offset",
    "empty_list_array",
    "id_mismatch",
)
LIST_KINDS = ("papers", "meetings", "organizations", "people")
_ROUTES = [
    (re.compile(r"/oparl|/oparl/system"), "system"),
    (re.compile(r"/oparl/bodies"), "bodies"),
    (re.compile(r"/oparl/bodies/1"), "body"),
    (re.compile(r"/oparl/bodies/1/(papers|meetings|organizations|people)"), "list"),
    (re.compile(r"/oparl/(papers|meetings|organizations)/(\d+)"), "object"),
    (re.compile(r"/oparl/(consultations|files)/(\d+)-(\d+)"), "paper_part"),
    (re.compile(r"/oparl/agendaitems/(\d+)-(\d+)"), "agenda_item"),
    (re.compile(r"/files/(\d+)-(\d+)\.(?:pdf|txt)"), "content"),
]
_OFFSET = re.compile(r"([+-]\d\d):(\d\d)$")
_CEST = timezone(timedelta(hours=2))


def parse_time(value: str | None) -> datetime | None:
    """Lenient ISO 8601 (an unencoded '+' arrives as ' '); naive means UTC."""
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@dataclass
class Fault:
    kind: str
    pattern: str | None = None
    times: int | None = None
    skip: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    def take(self, target: str) -> bool:
        if self.pattern and not re.search(self.pattern, target):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


@dataclass
class Request:
    path: str
    query: dict[str, str]
    raw_query: str
    status: int = 0  # 0: no answer (dropped, or the client went away)


@dataclass(eq=False)
class OParlFixture(LoopbackFake):
    """The server; `data` holds the generated council, `requests` what was asked."""

    n_papers: int = 50
    seed: int = 1
    page_size: int = 20
    body_name: str = "Stadt Musterstadt"
    textless_fraction: float = 0.1
    clock: datetime = field(default_factory=lambda: datetime(2026, 7, 1, 12, tzinfo=_CEST))
    data: CouncilData = field(init=False, repr=False)
    requests: list[Request] = field(default_factory=list, init=False, repr=False)
    faults: list[Fault] = field(default_factory=list, init=False, repr=False)
    _conns: set = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        names = ("n_papers", "seed", "body_name", "clock", "textless_fraction")
        self.data = CouncilData("", **{name: getattr(self, name) for name in names})

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The System URL, where a client starts."""
        return self.base + "/oparl/system"

    @property
    def server(self) -> Self:
        """The fixture itself (`running_oparl(...) as o: o.server.mutate(...)` reads well)."""
        return self

    @property
    def body_id(self) -> str:
        return self.base + "/oparl/bodies/1"

    def start(self) -> Self:
        if not self._server:
            self._listen(_Server(("127.0.0.1", self.port), self))
            self.data.base = self.base  # ids name the bound port
        return self

    def stop(self) -> None:
        def cut() -> None:  # keep-alive connections would outlive the server otherwise
            with self._lock:
                conns, self._conns = list(self._conns), set()
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        self._close(cut)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state changes ----------------------------------------------------------
    def mutate(
        self,
        changed=(),
        deleted=(),
        added: int = 0,
        nonpublic_agenda=(),
        changed_meetings=(),
        at: datetime | None = None,
    ) -> datetime:
        """Change the council between syncs; every touched object gets `modified` = `at`
        (default: the server clock; the clock moves on to `at` if that is later).
        changed: paper indices (1-based) that get a new attachment "Stellungnahme der
        Verwaltung (Fassung n)"; deleted: papers that become tombstones; added: new papers
        (not on any agenda); nonpublic_agenda: papers whose agenda item turns `public: false`
        (bumps the meeting); changed_meetings: meetings whose results are filled in."""
        with self._lock:
            stamp = at or self.clock
            self.clock = max(self.clock, stamp)
            ts, d = stamp.timestamp(), self.data
            for i in [*changed, *deleted, *nonpublic_agenda]:
                if not 1 <= i <= d.n_papers:
                    raise ValueError(f"no paper {i}")
            for i in changed:
                d.change_paper(i, ts)
            for i in deleted:
                d.delete_paper(i, ts)
            for i in nonpublic_agenda:
                d.hide_agenda_item(i, ts)
            for j in changed_meetings:
                if not 1 <= j <= d.n_meetings:
                    raise ValueError(f"no meeting {j}")
                d.change_meeting(j, ts)
            for _ in range(added):
                d.add_paper(ts)
        return stamp

    # --- faults -----------------------------------------------------------------
    def inject(
        self,
        kind: str,
        pattern: str | None = None,
        *,
        times: int | None = None,
        skip: int = 0,
        **params: Any,
    ) -> Fault:
        """Add a fault (kinds: module docstring); returns it (`fault.fired` counts)."""
        if kind not in ERROR_KINDS + TRANSFORM_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        fault = Fault(kind, pattern, times, skip, params)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    # --- request log ------------------------------------------------------------
    def request_count(self, pattern: str | None = None) -> int:
        """Requests whose path matches `pattern` (regex search; None: all)."""
        return len(self._matching(pattern))

    def per_path(self) -> Counter[str]:
        with self._lock:
            return Counter(r.path for r in self.requests)

    def queries(self, pattern: str | None = None) -> list[dict[str, str]]:
        """The query parameters of the requests whose path matches `pattern`."""
        return [r.query for r in self._matching(pattern)]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def _matching(self, pattern: str | None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if not pattern or re.search(pattern, r.path)]

    # --- used by the handler ----------------------------------------------------
    def _arrive(self, path: str, raw_query: str) -> tuple[Request, list[Fault]]:
        req = Request(path, dict(parse_qsl(raw_query, keep_blank_values=True)), raw_query)
        target = path + ("?" + raw_query if raw_query else "")
        with self._lock:
            self.requests.append(req)
            return req, [f for f in self.faults if f.take(target)]

    def _answer(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        """(status, JSON value) or (200, (mime type, bytes)) for file contents."""
        with self._lock:
            for regex, name in _ROUTES:
                if m := regex.fullmatch(path.rstrip("/")):
                    return getattr(self, "_route_" + name)(query, *m.groups())
        return _error(404, "Unbekannte URL", path)

    def _route_system(self, q) -> tuple[int, Any]:
        return 200, self.data.system()

    def _route_body(self, q) -> tuple[int, Any]:
        return 200, self.data.body()

    def _route_bodies(self, q) -> tuple[int, Any]:
        return self._page("/oparl/bodies", q, [None], lambda _: self.data.body())

    def _route_list(self, q, kind) -> tuple[int, Any]:
        bounds = {}
        for name in FILTERS:
            if name in q:
                if (t := parse_time(q[name])) is None:
                    return _error(400, "Ungültiger Filterwert", f"{name}={q[name]!r}")
                bounds[name] = t.timestamp()
        ms, mu = bounds.get("modified_since"), bounds.get("modified_until")
        cs, cu = bounds.get("created_since"), bounds.get("created_until")
        sel = self.data.select(kind, ms, mu, cs, cu)
        path = f"/oparl/bodies/1/{kind}"
        return self._page(path, q, sel, lambda i: self.data.render(kind, i))

    def _page(self, path: str, q: dict, sel: Sequence, render) -> tuple[int, Any]:
        size = self.page_size
        pages = max(1, -(-len(sel) // size))
        try:
            page = int(q.get("page", "1"))
        except ValueError:
            page = 0
        if page < 1:
            return _error(400, "Ungültige Seitenzahl", q.get("page", ""))
        keep = [(k, v) for k, v in q.items() if k in FILTERS]

        def link(p: int) -> str:
            return f"{self.base}{path}?{urlencode([*keep, ('page', str(p))])}"

        links = {"first": link(1), "self": link(page), "last": link(pages)}
        if page > 1:
            links["prev"] = link(page - 1)
        if page < pages:
            links["next"] = link(page + 1)
        return 200, {
            "data": [render(i) for i in sel[(page - 1) * size : page * size]],
            "pagination": {
                "totalElements": len(sel),
                "elementsPerPage": size,
                "currentPage": page,
                "totalPages": pages,
            },
            "links": links,
        }

    def _route_object(self, q, kind, i) -> tuple[int, Any]:
        obj = self.data.render(kind, int(i))
        return (200, obj) if obj else _error(404, "Objekt nicht gefunden", f"{kind}/{i}")

    def _route_paper_part(self, q, kind, i, k) -> tuple[int, Any]:
        i = int(i)
        paper = self.data.render("papers", i)
        if paper and not paper.get("deleted"):
            key = "consultation" if kind == "consultations" else "auxiliaryFile"
            for part in paper[key]:
                if part["id"] == self.data.url(f"{kind}/{i}-{k}"):
                    return 200, part
        return _error(404, "Objekt nicht gefunden", f"{kind}/{i}-{k}")

    def _route_agenda_item(self, q, j, n) -> tuple[int, Any]:
        meeting = self.data.render("meetings", int(j))
        for item in meeting["agendaItem"] if meeting else []:
            if item["id"] == self.data.url(f"agendaitems/{j}-{n}"):
                return 200, item
        return _error(404, "Objekt nicht gefunden", f"agendaitems/{j}-{n}")

    def _route_content(self, q, i, k) -> tuple[int, Any]:
        found = self.data.file_content(int(i), int(k))
        if not found:
            return _error(404, "Datei nicht gefunden", f"files/{i}-{k}")
        mime, text = found
        if mime == "application/pdf":
            return 200, (mime, make_pdf(text))
        return 200, ("text/plain; charset=utf-8", text.encode())


def _error(status: int, message: str, debug: str) -> tuple[int, dict]:
    return status, {"type": SCHEMA + "Error", "message": message, "debug": debug}


def _main_objects(value: Any) -> list[dict]:
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        return [o for o in value["data"] if isinstance(o, dict)]
    return [value] if isinstance(value, dict) else []


def _bad_offsets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                _OFFSET.sub(r"\1::\2", v)
                if k in ("created", "modified", "start", "end") and isinstance(v, str)
                else _bad_offsets(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_bad_offsets(v) for v in value]
    return value


def apply_quirks(value: Any, faults: list[Fault], base: str) -> Any:
    """The JSON transforms among `faults`, applied to an answer about to be sent."""
    for f in faults:
        objs = _main_objects(value)
        if f.kind == "missing_fields" and objs:
            for name in f.params.get("fields", ("id", "type")):
                objs[0].pop(name, None)
        elif f.kind == "aux_file_object":
            for o in objs:
                if o.get("auxiliaryFile"):
                    o["auxiliaryFile"] = o["auxiliaryFile"][0]
        elif f.kind == "na_values":
            for o in objs:
                for name in f.params.get("fields", ("date", "paperType", "start")):
                    if name in o:
                        o[name] = "N/A"
        elif f.kind == "bad_offset":
            value = _bad_offsets(value)
        elif f.kind == "id_mismatch":
            for o in objs:
                if isinstance(o.get("id"), str):
                    o["id"] = o["id"].replace(
                        base, f.params.get("prefix", "https://ris.example.org")
                    )
        elif f.kind == "empty_list_array" and isinstance(value, dict) and value.get("data") == []:
            value = []
    return value


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a "delay" fault must not hold up stop()

    def __init__(self, address: tuple[str, int], fixture: OParlFixture):
        self.fixture = fixture
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.fixture._lock:
            self.fixture._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.fixture._lock:
            self.fixture._conns.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def date_time_string(self, timestamp: float | None = None) -> str:
        # the server's clock, not ours: clients may take the Date header as their sync cursor
        return format_datetime(self.server.fixture.clock.astimezone(UTC), usegmt=True)

    def do_GET(self) -> None:
        try:
            self._get()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout after "delay")

    def _get(self) -> None:
        fx = self.server.fixture
        parts = urlsplit(self.path)
        req, faults = fx._arrive(parts.path, parts.query)
        kinds = {f.kind: f for f in faults}
        if "delay" in kinds:
            time.sleep(float(kinds["delay"].params.get("seconds", 1)))
        if "drop_connection" in kinds:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if "status" in kinds:
            status, value = _error(kinds["status"].params.get("status", 500), "Fehler", "fault")
        elif "not_found" in kinds:
            status, value = _error(404, "Objekt nicht gefunden", "fault")
        else:
            status, value = fx._answer(parts.path, req.query)
        req.status = status
        if isinstance(value, tuple):
            return self._send(status, value[0], value[1])
        value = apply_quirks(value, [f for f in faults if f.kind in TRANSFORM_KINDS], fx.base)
        body = json.dumps(value, ensure_ascii=False).encode()
        if "malformed_json" in kinds:
            body = body[: len(body) // 2]
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(kinds["status"].params.get("retry_after", 1))
        self._send(status, "application/json; charset=utf-8", body, headers)

    def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in {
            "Content-Type": ctype,
            "Content-Length": str(len(body)),
            **(headers or {}),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def running_oparl(**kw: Any) -> Iterator[OParlFixture]:
    """An `OParlFixture(**kw)` serving on 127.0.0.1 (a free port) for the `with` block."""
    fixture = OParlFixture(**kw).start()
    try:
        yield fixture
    finally:
        fixture.stop()
