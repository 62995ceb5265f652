"""Council objects → searchable units: a paper with its consultation path, a meeting with
its agenda.

What is indexed and what is not (issue 15): papers (reference, title, type, date,
lead office, consultations with committee, meeting date and result, the text of
every file) and meetings (name, committee, start, agenda items with number, name,
result, resolution text). Never: persons, contact data, agenda items marked
`public: false`, and anything of a deleted paper — an agenda item that points to a
deleted paper is left out of its meeting, so the paper's reference and title are
gone everywhere. Results shown are only those the server published.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.connectors.oparl.model import (
    as_list,
    day,
    german_date,
    kind_of,
    ref_id,
    text,
    timestamp,
)
from assistant.ingest.units import Unit

Lookup = Callable[[str], dict | None]  # object id -> payload (None: unknown or deleted)

_EMPTY_TEXT = re.compile(r"^(\s|--\s*\d+\s+of\s+\d+\s*--)*$")


@dataclass
class Built:
    unit: Unit
    links: set[str]  # ids of objects whose data the unit shows


def doc_id(source: str, object_id: str) -> str:
    return "oparl-" + hashlib.sha1(f"{source}\n{object_id}".encode()).hexdigest()[:16]


def paper_unit(
    paper: dict,
    *,
    source: str,
    collection: str,
    body: str,
    lookup: Lookup,
    files: Callable[[dict | str], str],
) -> Built:
    """The paper with its consultation path; `files` gives a file's text by file id."""
    pid = ref_id(paper)
    reference, name = text(paper.get("reference")), text(paper.get("name")) or "(ohne Titel)"
    paper_type, when = text(paper.get("paperType")), day(paper.get("date"))
    links: set[str] = set()
    lead = _org_names(paper.get("underDirectionOf"), lookup, links)
    originators = _org_names(paper.get("originatorOrganization"), lookup, links)
    consultations = [
        c
        for c in (_consultation(c, lookup, links) for c in as_list(paper.get("consultation")))
        if c
    ]
    head = [f"{_label(paper_type)} {reference}".strip() + f": {name}"]
    facts = [
        f"Art: {paper_type}" if paper_type else "",
        f"Datum: {german_date(when)}" if when else "",
        f"Körperschaft: {body}" if body else "",
        f"Federführend: {', '.join(lead)}" if lead else "",
        f"Eingereicht von: {', '.join(originators)}" if originators else "",
    ]
    head.append("\n".join(f for f in facts if f))
    path = _consultation_text(consultations)
    if path:  # in the first passage: search mode shows the consultation path with the hit
        head.append("Beratungsfolge:\n" + path)
    blocks = [("", "\n\n".join(h for h in head if h))]
    for file in [paper.get("mainFile"), *as_list(paper.get("auxiliaryFile"))]:
        if isinstance(file, dict | str) and file:
            content = _file_text(file, files)
            title = text(file.get("name")) if isinstance(file, dict) else "Hauptdokument"
            if content:
                blocks.append((title or "Dokument", content))
    organizations = list(
        dict.fromkeys(c["organization"] for c in consultations if c["organization"])
    )
    meta = {
        "kind": "oparl",
        "type": "Paper",
        "oparl_id": pid,
        "source_name": source,
        "reference": reference,
        "paper_type": paper_type,
        "date": when.isoformat() if when else None,
        "body": body,
        "organization": organizations or lead,
        "url": _link(paper),
        "consultations": consultations,
    }
    title = f"{reference} – {name}" if reference else name
    unit = Unit(doc_id(source, pid), collection, title, pid, blocks, meta, when, "oparl")
    return Built(unit, links)


def meeting_unit(
    meeting: dict, *, source: str, collection: str, body: str, lookup: Lookup
) -> Built:
    mid = ref_id(meeting)
    links: set[str] = set()
    name = text(meeting.get("name")) or "Sitzung"
    orgs = _org_names(meeting.get("organization"), lookup, links)
    start = timestamp(meeting.get("start"))
    when = start.date() if start else day(meeting.get("start"))
    facts = [
        f"Gremium: {', '.join(orgs)}" if orgs else "",
        f"Beginn: {german_date(when)}" + (f", {start:%H:%M} Uhr" if start else "") if when else "",
        f"Körperschaft: {body}" if body else "",
        "Die Sitzung ist abgesagt." if meeting.get("cancelled") is True else "",
    ]
    items = [line for line in (_agenda_line(i, lookup, links) for i in _agenda(meeting)) if line]
    blocks = [("", "\n".join(f for f in facts if f))]
    if items:
        blocks.append(("Tagesordnung", "\n\n".join(items)))
    title = f"{name} am {german_date(when)}" if when else name
    meta = {
        "kind": "oparl",
        "type": "Meeting",
        "oparl_id": mid,
        "source_name": source,
        "date": when.isoformat() if when else None,
        "body": body,
        "organization": orgs,
        "url": _link(meeting),
    }
    unit = Unit(doc_id(source, mid), collection, title, mid, blocks, meta, when, "oparl")
    return Built(unit, links)


# --- parts -----------------------------------------------------------------------------


def _agenda(meeting: dict) -> list[dict]:
    items = [i for i in as_list(meeting.get("agendaItem")) if isinstance(i, dict)]
    items = [i for i in items if i.get("public") is not False and i.get("deleted") is not True]
    return sorted(items, key=lambda i: (i.get("order") is None, i.get("order") or 0))


def _agenda_line(item: dict, lookup: Lookup, links: set[str]) -> str:
    """One agenda item; "" when it points to a deleted paper (its title must go too)."""
    paper = None
    consultation_id = ref_id(item.get("consultation"))
    if consultation_id:
        links.add(consultation_id)
        consultation = lookup(consultation_id)
        paper_id = ref_id(consultation.get("paper")) if consultation else ""
        if paper_id:
            links.add(paper_id)
            paper = lookup(paper_id)
            if paper is None or paper.get("deleted") is True:
                return ""
    number, name = text(item.get("number")), text(item.get("name"))
    if not name:
        return ""
    parts = [f"TOP {number}: {name}" if number else name]
    if paper and text(paper.get("reference")):
        parts.append(f"Vorlage {text(paper.get('reference'))}")
    if text(item.get("result")):
        parts.append(f"Ergebnis: {text(item.get('result'))}")
    line = " – ".join(parts)
    if text(item.get("resolutionText")):
        line += f"\nBeschluss: {text(item.get('resolutionText'))}"
    return line


def _consultation(raw, lookup: Lookup, links: set[str]) -> dict | None:
    """Committee, meeting, date and result of one consultation, from the data only."""
    consultation = raw if isinstance(raw, dict) else lookup(ref_id(raw))
    if not consultation:
        return None
    meeting_id = ref_id(consultation.get("meeting"))
    meeting = lookup(meeting_id) if meeting_id else None
    if meeting_id:
        links.add(meeting_id)
    organization = ", ".join(_org_names(consultation.get("organization"), lookup, links))
    if not organization and meeting:
        organization = ", ".join(_org_names(meeting.get("organization"), lookup, links))
    item = _find_item(meeting, ref_id(consultation.get("agendaItem")))
    if item is False:  # the agenda item is not public: nothing of it enters the index
        item = None
    when = timestamp(meeting.get("start")) if meeting else None
    return {
        "organization": organization,
        "meeting": text(meeting.get("name")) if meeting else "",
        "date": when.date().isoformat() if when else None,
        "agenda_number": text(item.get("number")) if item else "",
        "result": text(item.get("result")) if item else "",
        "resolution": text(item.get("resolutionText")) if item else "",
        "role": text(consultation.get("role")),
        "authoritative": consultation.get("authoritative") is True,
    }


def _find_item(meeting: dict | None, item_id: str):
    """The agenda item `item_id` of `meeting`; False when it is marked non-public."""
    if not meeting or not item_id:
        return None
    for item in as_list(meeting.get("agendaItem")):
        if isinstance(item, dict) and ref_id(item) == item_id:
            return False if item.get("public") is False else item
    return None


def _consultation_text(consultations: list[dict]) -> str:
    lines = []
    for c in consultations:
        when = german_date(day(c["date"])) if c["date"] else ""
        line = c["organization"] or c["meeting"] or "Gremium unbekannt"
        if when:
            line += f", Sitzung am {when}"
        if c["agenda_number"]:
            line += f" (TOP {c['agenda_number']})"
        if c["role"]:
            line += f" – {c['role']}"
        line += f": {c['result']}" if c["result"] else ": kein Ergebnis veröffentlicht"
        if c["resolution"]:
            line += f"\nBeschluss: {c['resolution']}"
        lines.append(line)
    return "\n".join(lines)


def _org_names(value, lookup: Lookup, links: set[str]) -> list[str]:
    names = []
    for ref in as_list(value):
        if isinstance(ref, dict) and text(ref.get("name")):
            names.append(text(ref.get("name")))
            continue
        oid = ref_id(ref)
        if not oid:
            continue
        links.add(oid)
        org = lookup(oid)
        if org and kind_of(org) in (None, "Organization") and text(org.get("name")):
            names.append(text(org.get("name")))
    return list(dict.fromkeys(names))


def _file_text(file: dict | str, files: Callable[[dict | str], str]) -> str:
    """The file's `text` when the server sends it, else what `files` downloads."""
    content = file.get("text") if isinstance(file, dict) else None
    if not isinstance(content, str):
        content = files(file) or ""
    return "" if _EMPTY_TEXT.match(content) else content.strip()


def _link(obj: dict) -> str:
    """A link people can open: the council system's page, else the main document, else the
    object's own URL (JSON)."""
    if text(obj.get("web")):
        return text(obj.get("web"))
    for file in [obj.get("mainFile"), *as_list(obj.get("auxiliaryFile"))]:
        if isinstance(file, dict) and text(file.get("accessUrl")):
            return text(file.get("accessUrl"))
    return ref_id(obj)


def _label(paper_type: str) -> str:
    return "Anfrage" if paper_type.lower().startswith("anfrage") else "Vorlage"
