"""Generated council data for the OParl test server (`tests/oparl_fixture.py`).

Every object is built on the fly from its index, deterministically from a seed: 10,000
papers cost a few arrays of timestamps, not 10,000 JSON objects. `CouncilData` also keeps
the state that `mutate` changes (modified stamps, versions, tombstones, added papers,
non-public agenda items). No names of people appear anywhere: only committees, parliamentary
groups, districts and made-up topics.

Layout: paper i (1-based) belongs to meeting (i - 1) // 5 + 1 as agenda item (i - 1) % 5 + 2
(item 1 is the opening); papers added by `mutate` are not scheduled yet (consultation without
meeting). Ids: /oparl/papers/i, /oparl/meetings/j, /oparl/organizations/o,
/oparl/consultations/i-k, /oparl/files/i-k, /oparl/agendaitems/j-n; file contents at
/files/i-k.pdf or .txt.
"""

from __future__ import annotations

import random
import textwrap
from array import array
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone

SCHEMA = "https://schema.oparl.org/1.1/"
PER_MEETING = 5
COMMITTEES = [
    ("Gemeinderat", "GR", "Hauptorgan"),
    ("Hauptausschuss", "HA", "Ausschuss"),
    ("Planungsausschuss", "PA", "Ausschuss"),
    ("Ausschuss für Umwelt und Gesundheit", "AUG", "Ausschuss"),
    ("Bauausschuss", "BA", "Ausschuss"),
    ("Sozialausschuss", "SozA", "Ausschuss"),
    ("Kulturausschuss", "KA", "Ausschuss"),
    ("Schulbeirat", "SB", "Beirat"),
    ("Betriebsausschuss Verkehr", "BAV", "Ausschuss"),
    ("Ortschaftsrat Durlach", "ORD", "Ortschaftsrat"),
]


def _words(text: str) -> list[str]:
    return text.split("|")


PAPER_TYPES = ["Beschlussvorlage", "Antrag", "Anfrage", "Informationsvorlage"]
ACTIONS = _words(
    "Sanierung|Neubau|Erweiterung|Umgestaltung|Modernisierung|Barrierefreier Umbau|"
    "Energetische Ertüchtigung|Ausbau"
)
OBJECTS = _words(
    "der Grundschule|der Stadtbibliothek|des Hallenbads|der Kindertagesstätte|"
    "des Radwegs|der Feuerwache|des Stadtparks|der Sporthalle|des Jugendzentrums|"
    "der Straßenbeleuchtung|des Busbahnhofs|der Musikschule|des Wochenmarktplatzes|"
    "der Friedhofskapelle"
)
PLACES = _words(
    "Nordstadt|Oststadt|Südweststadt|Weststadt|Innenstadt|Mühlburg|Durlach|Neureut|"
    "Grötzingen|Rintheim"
)
THEMES = _words(
    "Lärmaktionsplan Stufe 4|Klimaschutzkonzept 2035|Parkraumkonzept|"
    "Wohnraumförderprogramm|Photovoltaik auf städtischen Dächern|Tempo 30 vor Schulen|"
    "Hitzeaktionsplan|Digitalisierung der Bürgerdienste|Bebauungsplan „Am Mühlbach“|"
    "Nahverkehrsplan|Baumpflanzprogramm|Schulentwicklungsplan"
)
GROUPS = _words(
    "CDU-Fraktion|Fraktion GRÜNE|SPD-Fraktion|FDP-Fraktion|Fraktion DIE LINKE|Fraktion Freie Wähler"
)
RESULTS = _words(
    "einstimmig beschlossen|mehrheitlich beschlossen|mehrheitlich abgelehnt|vertagt|"
    "verwiesen in Fachausschuss"
)
START = datetime(2025, 1, 2, tzinfo=UTC)
SPAN_DAYS = 530  # paper dates run from 2025-01-02 to mid June 2026


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() - 6) % 7)


def local(ts: float) -> datetime:
    """`ts` in German local time (CET/CEST rule by hand: no tzdata needed)."""
    utc = datetime.fromtimestamp(ts, UTC)
    begin = datetime.combine(_last_sunday(utc.year, 3), time(1), UTC)
    end = datetime.combine(_last_sunday(utc.year, 10), time(1), UTC)
    return utc.astimezone(timezone(timedelta(hours=2 if begin <= utc < end else 1)))


def iso(ts: float) -> str:
    return local(ts).isoformat(timespec="seconds")


def make_pdf(text: str) -> bytes:
    """A valid one-page PDF (Helvetica, WinAnsi) showing `text`: stdlib only."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = [ln for para in text.split("\n") for ln in textwrap.wrap(para, 85) or [""]]
    ops = " ".join(f"({esc(ln)}) Tj T*" for ln in lines[:50])
    stream = f"BT /F1 11 Tf 14 TL 56 790 Td {ops} ET".encode("cp1252", "replace")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


class CouncilData:
    """The generated council and its mutable state; `base` is http://host:port."""

    def __init__(
        self,
        base: str,
        *,
        n_papers: int = 50,
        seed: int = 1,
        body_name: str = "Stadt Musterstadt",
        textless_fraction: float = 0.1,
        clock: datetime | None = None,
    ) -> None:
        self.base, self.seed, self.body_name = base, seed, body_name
        self.n_base = n_papers
        self.n_meetings = -(-n_papers // PER_MEETING)
        self.textless_fraction = textless_fraction
        self.initial_clock = clock or datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2)))
        cap = self.initial_clock.timestamp() - 3600
        # Only timestamps are kept per object: filtering a list must not build the objects.
        self.p_created, self.p_modified = array("d"), array("d")
        for i in range(1, n_papers + 1):
            r = self._rng("ptime", i)
            created = self._paper_day(i).timestamp() + r.uniform(6, 10) * 3600
            self.p_created.append(created)
            self.p_modified.append(min(cap, created + r.choice([0, 0, 1, 3, 12, 40]) * 86400))
        self.m_created, self.m_modified = array("d"), array("d")
        for j in range(1, self.n_meetings + 1):
            start = self.meeting_start(j)
            self.m_created.append(self.p_created[(j - 1) * PER_MEETING])
            done = start + self._rng("mtime", j).uniform(1, 10) * 86400
            self.m_modified.append(max(self.m_created[-1], min(cap, done)))
        self.deleted: set[int] = set()
        self.p_version: dict[int, int] = {}
        self.m_version: dict[int, int] = {}
        self.nonpublic: dict[tuple[int, int], float] = {}  # (meeting, item number) -> stamp
        self.org_stamp = datetime(2025, 1, 2, 9, tzinfo=UTC).timestamp()
        self._selected: tuple = (None, ())  # (filters, indices) of the last list asked for

    # --- ids and helpers ------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base}/oparl/{path}"

    @property
    def body_id(self) -> str:
        return self.url("bodies/1")

    @property
    def n_papers(self) -> int:
        return len(self.p_created)

    def _rng(self, kind: str, i: int) -> random.Random:
        return random.Random(f"{self.seed}/{kind}/{i}")

    def _paper_day(self, i: int) -> datetime:
        return START + timedelta(days=(i - 1) * SPAN_DAYS // max(1, self.n_base))

    def meeting_of(self, i: int) -> tuple[int, int] | None:
        """(meeting, agenda item number) of paper i, None when it is not scheduled."""
        if i > self.n_base:
            return None
        return (i - 1) // PER_MEETING + 1, (i - 1) % PER_MEETING + 2

    def meeting_start(self, j: int) -> float:
        last = min(j * PER_MEETING, self.n_base)
        day = self._paper_day(last) + timedelta(days=7 + self._rng("mstart", j).randrange(14))
        return day.timestamp() + 15 * 3600  # 16:00 or 17:00 local time

    def meeting_org(self, j: int) -> int:
        return 1 if j % 3 == 0 else 2 + (j * 7) % (len(COMMITTEES) - 1)

    def stamps(self, kind: str, i: int) -> tuple[float, float, bool]:
        """(created, modified, deleted) without building the object."""
        if kind == "papers":
            return self.p_created[i - 1], self.p_modified[i - 1], i in self.deleted
        if kind == "meetings":
            return self.m_created[i - 1], self.m_modified[i - 1], False
        return self.org_stamp, self.org_stamp, False

    def select(self, kind: str, ms=None, mu=None, cs=None, cu=None) -> Sequence[int]:
        """Indices of `kind` passing the inclusive filters (epoch seconds or None); tombstones
        only with `ms` (OParl 1.1 §2.5). Cached until the next change: walks ask once a page."""
        if self._selected[0] != (kind, ms, mu, cs, cu):
            self._selected = ((kind, ms, mu, cs, cu), self._select(kind, ms, mu, cs, cu))
        return self._selected[1]

    def _select(self, kind, ms, mu, cs, cu) -> Sequence[int]:
        n, gone = self.count(kind), self.deleted if kind == "papers" else set()
        if ms is None and mu is None and cs is None and cu is None:
            return [i for i in range(1, n + 1) if i not in gone] if gone else range(1, n + 1)
        inf = float("inf")
        lo_m, hi_m = -inf if ms is None else ms, inf if mu is None else mu
        lo_c, hi_c = -inf if cs is None else cs, inf if cu is None else cu
        arrays = {"papers": (self.p_created, self.p_modified)}
        arrays["meetings"] = (self.m_created, self.m_modified)
        created, modified = arrays.get(kind, ([self.org_stamp] * n,) * 2)
        return [
            i
            for i, (c, m) in enumerate(zip(created, modified), 1)
            if lo_m <= m <= hi_m and lo_c <= c <= hi_c and (ms is not None or i not in gone)
        ]

    def count(self, kind: str) -> int:
        sizes = {"papers": self.n_papers, "meetings": self.n_meetings}
        return sizes.get(kind, len(COMMITTEES) if kind == "organizations" else 0)

    def render(self, kind: str, i: int) -> dict | None:
        if not 1 <= i <= self.count(kind):
            return None
        return getattr(self, kind[:-1])(i)  # paper, meeting, organization

    # --- objects --------------------------------------------------------------
    def system(self) -> dict:
        return {
            "id": self.url("system"),
            "type": SCHEMA + "System",
            "oparlVersion": SCHEMA,
            "name": f"Ratsinformationssystem {self.body_name}",
            "body": self.url("bodies"),
            "vendor": "https://example.org/oparl-fixture",
            "product": "oparl-fixture",
            "website": self.base + "/",
        }

    def body(self) -> dict:
        b = self.body_id
        return {
            "id": b,
            "type": SCHEMA + "Body",
            "system": self.url("system"),
            "name": self.body_name,
            "shortName": self.body_name.split()[-1],
            "website": self.base + "/",
            "paper": b + "/papers",
            "meeting": b + "/meetings",
            "organization": b + "/organizations",
            "person": b + "/people",
            "legislativeTerm": [],
            "created": iso(self.org_stamp),
            "modified": iso(self.org_stamp),
        }

    def organization(self, o: int) -> dict:
        name, short, kind = COMMITTEES[o - 1]
        return {
            "id": self.url(f"organizations/{o}"),
            "type": SCHEMA + "Organization",
            "body": self.body_id,
            "name": name,
            "shortName": short,
            "organizationType": "Gremium",
            "classification": kind,
            "created": iso(self.org_stamp),
            "modified": iso(self.org_stamp),
        }

    def paper_title(self, i: int) -> tuple[str, str]:
        r = self._rng("paper", i)
        ptype = r.choices(PAPER_TYPES, weights=[5, 2, 2, 2])[0]
        if r.random() < 0.3:
            topic = r.choice(THEMES)
        else:
            topic = f"{r.choice(ACTIONS)} {r.choice(OBJECTS)} {r.choice(PLACES)}"
        group = r.choice(GROUPS)
        name = {
            "Beschlussvorlage": topic + r.choice(["", " – Baubeschluss", " – Vergabe"]),
            "Antrag": f"{topic} – Antrag der {group}",
            "Anfrage": f"{topic}: Sachstand und Kosten – Anfrage der {group}",
            "Informationsvorlage": f"Sachstandsbericht {topic}",
        }[ptype]
        return name, ptype

    def paper(self, i: int) -> dict:
        created, modified, deleted = self.stamps("papers", i)
        pid = self.url(f"papers/{i}")
        if deleted:  # Karlsruhe's tombstone shape
            return {
                "body": self.body_id,
                "created": iso(created),
                "deleted": True,
                "id": pid,
                "modified": iso(modified),
                "name": "",
                "paperType": "",
                "reference": "",
                "type": SCHEMA + "Paper",
            }
        name, ptype = self.paper_title(i)
        day = local(created).date()
        ref = f"{day.year}/{i:04d}"
        return {
            "id": pid,
            "type": SCHEMA + "Paper",
            "body": self.body_id,
            "name": name,
            "reference": ref,
            "date": day.isoformat(),
            "paperType": ptype,
            "auxiliaryFile": self.files(i, name, ref, ptype),
            "consultation": self.consultations(i, ptype),
            "web": f"{self.base}/vorgang/{i}",
            "created": iso(created),
            "modified": iso(modified),
        }

    def consultations(self, i: int, ptype: str) -> list[dict]:
        created, modified, _ = self.stamps("papers", i)
        slot = self.meeting_of(i)
        org = self.meeting_org(slot[0]) if slot else 1
        out = [
            {
                "meeting": self.url(f"meetings/{slot[0]}"),
                "agendaItem": self.url(f"agendaitems/{slot[0]}-{slot[1]}"),
            }
            if slot
            else {}
        ]
        out[0]["organization"] = [self.url(f"organizations/{org}")]
        out[0]["role"] = (
            "Kenntnisnahme"
            if ptype == "Informationsvorlage"
            else ("Entscheidung" if org == 1 else "Vorberatung")
        )
        if org != 1 and ptype != "Informationsvorlage" and self._rng("cons", i).random() < 0.4:
            out.append({"organization": [self.url("organizations/1")], "role": "Entscheidung"})
        for k, c in enumerate(out, 1):
            c.update(
                {
                    "id": self.url(f"consultations/{i}-{k}"),
                    "type": SCHEMA + "Consultation",
                    "paper": self.url(f"papers/{i}"),
                    "authoritative": c["role"] == "Entscheidung",
                    "created": iso(created),
                    "modified": iso(modified),
                }
            )
        return out

    def file_text(self, i: int, k: int, name: str, ref: str, ptype: str) -> str:
        r = self._rng(f"text{k}", i)
        year = int(ref[:4])
        slot = self.meeting_of(i)
        org = COMMITTEES[self.meeting_org(slot[0]) - 1] if slot else COMMITTEES[0]
        sentences = [
            f"Vorlage {ref} ({ptype}): {name}.",
            f"Die Verwaltung legt die Angelegenheit dem Gremium {org[0]} zur Beratung vor.",
            f"Die Kosten werden auf {r.randrange(20, 900) * 1000:,} Euro geschätzt; die Mittel"
            f" stehen im Haushalt {year} bereit.".replace(",", "."),
            f"Die Maßnahme soll bis zum {r.randrange(1, 5)}. Quartal {year + 1} abgeschlossen sein.",
            f"Betroffen ist vor allem der Stadtteil {r.choice(PLACES)}.",
        ]
        if ptype == "Anfrage":
            sentences.append("Die Verwaltung beantwortet die gestellten Fragen wie folgt.")
        return " ".join(sentences[: r.randrange(3, len(sentences) + 1)])

    def files(self, i: int, name: str, ref: str, ptype: str) -> list[dict]:
        created, modified, _ = self.stamps("papers", i)
        r = self._rng("files", i)
        titles = ["Vorlage"] + (["Anlage 1 Lageplan"] if r.random() < 0.5 else [])
        titles += [
            f"Stellungnahme der Verwaltung (Fassung {v})"
            for v in range(1, self.p_version.get(i, 0) + 1)
        ]
        out = []
        for k, title in enumerate(titles, 1):
            text = self.file_text(i, k, name, ref, ptype)
            if k > 2:
                text = f"{title} zu {ref}: Die Verwaltung hält an der Empfehlung fest. {text}"
            f = {
                "id": self.url(f"files/{i}-{k}"),
                "type": SCHEMA + "File",
                "name": title,
                "fileName": f"{ref.replace('/', '-')}-{k}.pdf",
                "mimeType": "application/pdf",
                "date": local(created).date().isoformat(),
                "text": text,
                "accessUrl": f"{self.base}/files/{i}-{k}.pdf",
                "downloadUrl": f"{self.base}/files/{i}-{k}.pdf",
                "created": iso(created),
                "modified": iso(modified),
            }
            if r.random() < self.textless_fraction:  # no text: the client must fetch it
                del f["text"]
                if r.random() < 0.5:
                    f["mimeType"], f["fileName"] = "text/plain", f["fileName"][:-3] + "txt"
                    f["accessUrl"] = f["downloadUrl"] = f["accessUrl"][:-3] + "txt"
            out.append(f)
        return out

    def file_content(self, i: int, k: int) -> tuple[str, str] | None:
        """(mime type, text) behind /files/i-k.*, None when the file does not exist."""
        if not 1 <= i <= self.n_papers or i in self.deleted:
            return None
        for f in self.paper(i)["auxiliaryFile"]:
            if f["id"].endswith(f"/files/{i}-{k}"):
                name, ptype = self.paper_title(i)
                ref = self.paper(i)["reference"]
                text = f.get("text") or self.file_text(i, k, name, ref, ptype)
                return f["mimeType"], text
        return None

    def meeting(self, j: int) -> dict:
        created, modified, _ = self.stamps("meetings", j)
        start = self.meeting_start(j)
        held = start < modified
        org = self.meeting_org(j)
        mid = self.url(f"meetings/{j}")
        items = [
            self._item(
                j,
                1,
                "Eröffnung, Feststellung der Beschlussfähigkeit",
                None,
                created,
                modified,
                held,
            )
        ]
        first = (j - 1) * PER_MEETING + 1
        for i in range(first, min(first + PER_MEETING, self.n_base + 1)):
            n = self.meeting_of(i)[1]
            items.append(self._item(j, n, self.paper_title(i)[0], i, created, modified, held))
        return {
            "id": mid,
            "type": SCHEMA + "Meeting",
            "name": f"{COMMITTEES[org - 1][0]} (öffentlich)",
            "meetingState": "durchgeführt" if held else "eingeladen",
            "start": iso(start),
            "end": iso(start + 3 * 3600),
            "organization": [self.url(f"organizations/{org}")],
            "agendaItem": items,
            "web": f"{self.base}/sitzung/{j}",
            "created": iso(created),
            "modified": iso(modified),
        }

    def _item(self, j, n, name, paper, created, modified, held) -> dict:
        item = {
            "id": self.url(f"agendaitems/{j}-{n}"),
            "type": SCHEMA + "AgendaItem",
            "meeting": self.url(f"meetings/{j}"),
            "number": str(n),
            "order": n,
            "name": name,
            "public": (j, n) not in self.nonpublic,
            "created": iso(created),
            "modified": iso(self.nonpublic.get((j, n), modified)),
        }
        if paper is not None:
            item["consultation"] = self.url(f"consultations/{paper}-1")
            r = self._rng("result", paper)
            ptype = self.paper_title(paper)[1]
            result = (
                "Kenntnisnahme"
                if ptype in ("Anfrage", "Informationsvorlage")
                else r.choice(RESULTS)
            )
            if held and (r.random() > 0.15 or self.m_version.get(j)):
                item["result"] = result
        return item

    # --- state changes (see OParlFixture.mutate) ----------------------------
    def add_paper(self, stamp: float) -> int:
        self._selected = (None, ())
        self.p_created.append(stamp)
        self.p_modified.append(stamp)
        return self.n_papers

    def change_paper(self, i: int, stamp: float) -> None:
        self._selected = (None, ())
        self.p_version[i] = self.p_version.get(i, 0) + 1
        self.p_modified[i - 1] = stamp

    def delete_paper(self, i: int, stamp: float) -> None:
        self._selected = (None, ())
        self.deleted.add(i)
        self.p_modified[i - 1] = stamp

    def change_meeting(self, j: int, stamp: float) -> None:
        self._selected = (None, ())
        self.m_version[j] = self.m_version.get(j, 0) + 1
        self.m_modified[j - 1] = stamp

    def hide_agenda_item(self, paper: int, stamp: float) -> None:
        self._selected = (None, ())
        slot = self.meeting_of(paper)
        if slot is None:
            raise ValueError(f"paper {paper} is on no agenda")
        self.nonpublic[slot] = stamp
        self.m_modified[slot[0] - 1] = stamp
