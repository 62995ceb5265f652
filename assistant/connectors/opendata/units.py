"""CKAN datasets → searchable units (issue 16).

Indexed: title, description, tags, groups/themes, publishing organisation, licence,
temporal and spatial coverage, `politicalGeocodingURI`, modified date, and every
resource's name, format and link (with "Link nicht erreichbar" where the sync found it
dead). Never indexed, shown nor even stored: the contact fields (`maintainer`,
`maintainer_email`, `author_email`, personal extras such as Berlin's `username`) — real
catalogues hold names and personal addresses of civil servants there. `author` is kept
only as the publisher of a dataset without organisation (Berlin's datenregister names the
publishing office there) and only when the redactor finds no person, e-mail address or
phone number in it. A missing licence is said, not hidden.

With the dense ranking on, a dataset gets ONE vector, of `dense_text` (docs/opendata.md).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote, unquote

from assistant.connectors.opendata.tables import TEXT
from assistant.ingest.units import Unit
from assistant.models import Chunk

CONTACT_FIELDS = ("maintainer", "maintainer_email", "author", "author_email")
_PERSONAL_EXTRA = re.compile(
    r"user|maintainer|author|contact|email|mail|phone|telefon", re.IGNORECASE
)
NO_LICENCE = "Lizenz nicht angegeben"
DEAD = "Link nicht erreichbar"

DENSE_CHARS = 600  # what `dense_text` keeps: dataset line, publisher, tags, description start
# Lines every unit carries (see `dataset_unit`): in a vector they only pull all datasets together.
_SHARED_LINES = ("Offene Daten (Open Data)", "Lizenz:", "Zuletzt geändert:", "Portal:")
_LABELS = ("Datensatz", "Herausgeber", "Lizenz", "Schlagwörter", "Gruppen/Themen", "Formate",
           "Zeitraum", "Raumbezug", "Politische Geokodierung", "Zuletzt geändert", "Portal")  # fmt: skip
_FACT_START = re.compile(
    r"\s+(?=(?:"
    + "|".join(re.escape(f"{x}: ") for x in _LABELS)
    + r"|Offene Daten \(Open Data\) ))"
)
_DESCRIPTION = "Beschreibung: "
# The words of those shared lines as a question says them ("im Kölner Open-Data-Portal",
# "welcher Datensatz", "offene Daten"): `dense_text` leaves them out of every vector, so in the
# question's vector they only pull it towards the few datasets about the catalogue itself.
_CATALOGUE_WORDS = re.compile(
    r"\b(?:open[- ]?data[- ]?portals?|portals?|datens[äa]tz(?:e[sn]?|es)?|offenen?\s+daten"
    r"|open\s+data)\b",
    re.IGNORECASE,
)

_TEMPORAL = (
    "temporal_start",
    "temporal_end",
    "temporal_coverage_from",
    "temporal_coverage_to",
    "temporal_granularity",
    "temporal",
    "dates",
)
_SPATIAL = (
    "spatial_text",
    "geographical_coverage",
    "spatial_reference",
    "geographical_granularity",
)
_GEOCODING = ("politicalGeocodingURI", "politicalGeocodingLevelURI")
_PUBLISHER = ("publisher_name", "publisher", "contributorID")


def strip_contacts(package: dict, is_personal: Callable[[str], bool] | None = None) -> dict:
    """The package without contact fields — applied before anything is stored.

    `author` survives (white space normalised) only for a dataset without organisation and
    only when `is_personal(author)` says no; without a check it is dropped (fail closed)."""
    clean = {k: v for k, v in package.items() if k not in CONTACT_FIELDS}
    author = " ".join(_text(package.get("author")).split())
    if author and is_personal is not None and not _has_org(package) and not is_personal(author):
        clean["author"] = author
    extras = package.get("extras")
    if isinstance(extras, list):
        clean["extras"] = [
            e
            for e in extras
            if isinstance(e, dict) and not _PERSONAL_EXTRA.search(str(e.get("key", "")))
        ]
    elif isinstance(extras, dict):
        clean["extras"] = {k: v for k, v in extras.items() if not _PERSONAL_EXTRA.search(str(k))}
    return clean


def doc_id(portal: str, dataset_id: str) -> str:
    return "opendata-" + hashlib.sha1(f"{portal}\n{dataset_id}".encode()).hexdigest()[:16]


def dataset_url(base_url: str, package: dict) -> str:
    return f"{base_url.rstrip('/')}/dataset/{quote(str(package.get('name') or package['id']))}"


def extras_of(package: dict) -> dict[str, str]:
    extras = package.get("extras")
    if isinstance(extras, dict):
        return {str(k): _text(v) for k, v in extras.items()}
    return {
        str(e.get("key")): _text(e.get("value"))
        for e in extras or []
        if isinstance(e, dict) and e.get("key")
    }


def licence_of(package: dict) -> str | None:
    title = _text(package.get("license_title")) or _text(package.get("license_id"))
    if not title or title.lower() in ("notspecified", "license not specified"):
        return None
    # GovData titles carry a Windows-1252 dash decoded as a C1 control character (U+0096).
    return re.sub(r"\s+", " ", title.replace("\u0096", "–").replace("\u0097", "—")).strip()


def _has_org(package: dict) -> bool:
    org = package.get("organization")
    return isinstance(org, dict) and bool(_text(org.get("title")) or _text(org.get("name")))


def publisher_of(package: dict, extras: dict[str, str]) -> str | None:
    org = package.get("organization")
    if _has_org(package):
        return _text(org.get("title")) or _text(org.get("name"))
    for key in _PUBLISHER[:2]:
        if extras.get(key):
            return extras[key]
    if _text(package.get("author")):  # only there when strip_contacts let it through
        return _text(package["author"])
    # DKAN portals (Bonn, Köln) put the publishing body in groups named "group/<slug>".
    dkan = [
        g
        for g in package.get("groups") or []
        if str((g or {}).get("name", "")).startswith("group/")
    ]
    return ", ".join(_names(dkan)) or None


def dataset_unit(
    package: dict,
    *,
    portal: str,
    base_url: str,
    collection: str,
    resources: list[dict],
    contents: str = "",
) -> Unit:
    """`resources`: [{name, format, url, status}] as the sync saw them (status "ok", "dead", …);
    `contents`: what the dataset's stored tables hold (`table_contents`)."""
    extras = extras_of(package)
    title = _text(package.get("title")) or _text(package.get("name")) or "(ohne Titel)"
    licence, publisher = licence_of(package), publisher_of(package, extras)
    tags = _names(package.get("tags"))
    groups = _names(package.get("groups"))
    modified = _text(package.get("metadata_modified"))
    formats = list(dict.fromkeys(r["format"] for r in resources if r["format"]))
    # Every unit says what it is in the words people use for the catalogue itself ("offene
    # Daten", "Open-Data-Portal", "Datensatz"): in a question these words then weigh nothing,
    # instead of pulling the few datasets *about* the portal (its access statistics) to the top.
    facts = [
        f"Datensatz: {title}" + (f" ({publisher})" if publisher else ""),
        f"Offene Daten (Open Data) im Open-Data-Portal {portal}",
        f"Herausgeber: {publisher}" if publisher else "",
        f"Lizenz: {licence or NO_LICENCE}",
        f"Schlagwörter: {', '.join(tags)}" if tags else "",
        f"Gruppen/Themen: {', '.join(groups)}" if groups else "",
        f"Formate: {', '.join(formats)}" if formats else "",
        _coverage("Zeitraum", extras, _TEMPORAL),
        _coverage("Raumbezug", extras, ("spatial", *_SPATIAL)),
        _coverage("Politische Geokodierung", extras, _GEOCODING),
        f"Zuletzt geändert: {_german_day(modified)}" if modified else "",
        f"Portal: {portal}",
    ]
    notes = plain_text(package.get("notes"))
    if notes:  # with the facts: one passage holds title, tags and description together
        facts.append(f"Beschreibung: {notes}")
    blocks = [("", "\n".join(f for f in facts if f))]
    if resources:
        blocks.append(("Ressourcen", "\n".join(_resource_line(r) for r in resources)))
    if contents:
        blocks.append(("Tabelleninhalt", contents))
    url = dataset_url(base_url, package)
    meta = {
        "kind": "opendata",
        "dataset_id": package["id"],
        "title": title,  # the catalogue's own title (the unit's title adds publisher and portal)
        "portal": portal,
        "url": url,
        "publisher": publisher,
        "license": licence,
        "formats": formats,
        "modified": modified or None,
        # the descriptions are in the text; the answer's source list needs name, format, link
        "resources": [{k: v for k, v in r.items() if k != "description"} for r in resources],
    }
    # The title field weighs most in the lexical ranking and is scored per field: the
    # catalogue words must be in every title too, or the datasets about the portal itself
    # ("Monitoring Offene Daten Köln") win every question that says "offene Daten". The
    # publisher and the portal also tell apart the many same-named datasets of different
    # cities ("Badegewässer", "Haushaltsplan 2013") where the title does not say whose.
    by = f" – {publisher}" if publisher and publisher.casefold() not in title.casefold() else ""
    shown = f"{title}{by} – offene Daten im Open-Data-Portal {portal}"
    return Unit(doc_id(portal, package["id"]), collection, shown, url, blocks, meta,
                _day(modified), "opendata")  # fmt: skip


def dense_text(first: Chunk, chars: int = DENSE_CHARS) -> str:
    """The one text embedded per dataset: its first chunk without the lines every unit
    shares and without the repeated title, cut at `chars`. Measured as a proxy
    (bench/opendata_dense_proxy.py) before it became the product's rule; embedding every
    chunk costs 2–3× the time and was never measured."""
    title = (first.title or "").strip()
    facts = [f for line in first.text.splitlines() for f in _facts(line)]
    kept = [f for f in facts if f.strip() and not f.startswith(_SHARED_LINES)]
    return "\n".join(f for f in kept if f.strip() != title)[:chars]


def dense_query(question: str) -> str:
    """The question as the datasets' vectors are compared with it: without the words that
    name the catalogue (`_CATALOGUE_WORDS`); the question itself when nothing else is left."""
    kept = " ".join(_CATALOGUE_WORDS.sub(" ", question).split())
    return kept if any(c.isalnum() for c in kept) else question


def _facts(line: str) -> list[str]:
    """The facts of one line. A facts block longer than a chunk reaches the chunk with its
    lines joined by spaces (the chunker splits it into sentences), so the facts are told apart
    by their labels; the description, the last fact, is free text and never split."""
    at = line.find(_DESCRIPTION)
    head, description = (line, "") if at < 0 else (line[:at], line[at:])
    return [*_FACT_START.split(head), description]


_CONTENT_VALUES = 300  # distinct labels per dataset: places and row names, not the numbers


def table_contents(tables) -> str:
    """Column headers and the distinct text labels (places, parties, budget lines) of a
    dataset's stored tables: a question names "Neustadt-Süd", which only the table says."""
    headers, labels = [], []
    for table in tables:
        headers += [c.name for c in table.columns if c.name not in headers]
        text_columns = [i for i, c in enumerate(table.columns) if c.kind == TEXT]
        for row in table.rows:
            for i in text_columns:
                value = row[i]
                if isinstance(value, str) and value.strip() and value not in labels:
                    labels.append(value.strip())
                    if len(labels) >= _CONTENT_VALUES:
                        break
    lines = [f"Spalten: {', '.join(headers)}"] if headers else []
    if labels:
        lines.append(f"Einträge: {', '.join(labels)}")
    return "\n".join(lines)


_RESOURCE_TEXT = 300  # characters of a resource's description in the unit's text


def resource_entries(package: dict) -> list[dict]:
    """Each resource's public fields (the sync adds `status`)."""
    out = []
    for r in package.get("resources") or []:
        if not isinstance(r, dict):
            continue
        description = plain_text(r.get("description"))
        name = _text(r.get("name")) or description[:80]
        if "/" in name or not name:  # DKAN names a resource by its path: the file says more
            name = unquote(_text(r.get("url")).split("?")[0].rstrip("/").rsplit("/", 1)[-1])
        entry = {
            "id": _text(r.get("id")),
            "name": name or "Ressource",
            "format": _text(r.get("format")),
            "url": _text(r.get("url")),
            "status": "unchecked",
        }
        if description and description != name:
            # What a file holds is often said only here (DKAN: "Brunnen im Stadtbezirk
            # Nippes", "Einwohner nach Konfession bezogen auf die Stadtteile"), not in the
            # dataset's title or description.
            entry["description"] = description[:_RESOURCE_TEXT]
        out.append(entry)
    return out


def plain_text(value) -> str:
    """Catalogue descriptions often hold HTML (DKAN): tags out, entities decoded."""
    text = _text(value)
    if "<" in text:
        text = re.sub(r"<\s*(br|/p|/li|/h\d|/pre)\s*/?>", "\n", text, flags=re.IGNORECASE)
        text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text)
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", text)).strip()


def _resource_line(r: dict) -> str:
    fmt = f" ({r['format']})" if r["format"] else ""
    where = r["url"] or "ohne Link"
    line = f"- {r['name']}{fmt}: {where}"
    if r.get("description"):
        line += f" – {r['description']}"
    if r.get("status") == "dead":
        line += f" – {DEAD}"
    elif r.get("status") == "not_table":
        line += " – liefert keine Tabelle (z. B. eine Webseite statt CSV)"
    return line


def _coverage(label: str, extras: dict[str, str], keys) -> str:
    values = [f"{extras[k]}" for k in keys if extras.get(k)]
    return f"{label}: {' – '.join(dict.fromkeys(values))}" if values else ""


def _names(items) -> list[str]:
    out = []
    for item in items or []:
        if isinstance(item, dict):
            name = _text(item.get("display_name")) or _text(item.get("title"))
            name = name or _text(item.get("name"))
        else:
            name = _text(item)
        if name:
            out.append(name)
    return list(dict.fromkeys(out))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return ", ".join(_text(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value).strip()


def _day(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None


def _german_day(value: str) -> str:
    d = _day(value)
    return f"{d:%d.%m.%Y}" if d else value
