"""Council information (OParl, issue 15) in the chat: what a council source shows, which
links to council systems are clickable, and the chat settings that filter by committee,
paper type, year and body.

A council unit's fields come from the sync (`Hit.meta` / `DocumentRecord.meta`, see
connectors/oparl/units.py): reference and title, type, date, and the consultation path
(committee, meeting date, result). Only results the server published are shown. The link
to the council system's page is the unit's own `url`; it is clickable when its host is
one of the registered endpoints' hosts (or the city's allowed hosts, site.py) — the
endpoints are what IT registered, so no host list has to be kept twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.retrieval.filters import SearchFilters, organizations, record_date
from assistant.web.links import is_allowed

if TYPE_CHECKING:
    from assistant.access.accounts import User
    from assistant.services import Services

KIND = "oparl"
LINK_LABEL = "Im Ratsinformationssystem öffnen"
NO_RESULT = "kein Ergebnis veröffentlicht"
ALL = "Alle"
SETTINGS = {  # chat settings id -> label
    "gremium": "Gremium",
    "vorlagenart": "Vorlagenart",
    "jahr_von": "Jahr von",
    "jahr_bis": "Jahr bis",
    "koerperschaft": "Körperschaft",
}


def is_council(meta: Mapping | None) -> bool:
    return bool(meta) and meta.get("kind") == KIND


# --- what a source shows ---------------------------------------------------------------


@dataclass(frozen=True)
class CouncilFacts:
    """What the chat shows of one council unit besides its title."""

    kind: str  # "Beschlussvorlage vom 12.03.2025", "Sitzung des Gemeinderats …"
    path: tuple[str, ...]  # "Gemeinderat, 24.06.2025: einstimmig beschlossen"
    link: str  # Markdown: a link when its host is allowed, else the URL as text

    def markdown(self) -> str:
        """Type and date, the consultation path (one line each) and the link."""
        lines = [self.kind] if self.kind else []
        if self.path:
            lines.append("Beratungsfolge: " + " → ".join(self.path))
        if self.link:
            lines.append(self.link)
        return "  \n".join(lines)


def facts(meta: Mapping | None, allowed: tuple[str, ...]) -> CouncilFacts | None:
    """The facts of a council unit (None for any other document)."""
    if not is_council(meta):
        return None
    page = link(str(meta.get("url") or ""), allowed, LINK_LABEL)
    return CouncilFacts(_kind(meta), tuple(consultation_path(meta)), page)


def consultation_path(meta: Mapping) -> list[str]:
    """Each consultation as "Gemeinderat, 24.06.2025: einstimmig beschlossen"."""
    lines = []
    for c in meta.get("consultations") or ():
        if not isinstance(c, Mapping):
            continue
        line = plain(c.get("organization") or c.get("meeting") or "Gremium unbekannt")
        if when := german(c.get("date")):
            line += f", {when}"
        lines.append(f"{line}: {plain(c.get('result') or NO_RESULT)}")
    return lines


def german(raw) -> str:
    """An ISO date as TT.MM.JJJJ ("" when there is none or it is not a date)."""
    try:
        return f"{date.fromisoformat(str(raw)[:10]):%d.%m.%Y}" if raw else ""
    except ValueError:
        return ""


def _kind(meta: Mapping) -> str:
    when = german(meta.get("date"))
    if meta.get("type") == "Meeting":
        orgs = ", ".join(plain(o) for o in meta.get("organization") or ())
        return " · ".join(p for p in ("Sitzung", orgs, when) if p)
    kind = plain(meta.get("paper_type") or "Vorlage")
    return f"{kind} vom {when}" if when else kind


def link(url: str, allowed: tuple[str, ...], label: str) -> str:
    """A link named `label` to a source's own page when its host is allowed, else the URL
    as text (shared with open data)."""
    url = url.strip()
    if not url:
        return ""
    if is_allowed(url, allowed) and not re.search(r"[\s()<>\[\]]", url):
        return f"[{label}]({url})"
    return f"{label}: `{url.replace('`', '')}`"


def plain(text) -> str:
    """Text safe in a Markdown line: no brackets, emphasis or code marks."""
    text = str(text).replace("[", "(").replace("]", ")")
    return re.sub(r"[`*<>_]", "", " ".join(text.split()))


def endpoint_hosts(services: Services) -> tuple[str, ...]:
    """Hosts of the registered council endpoints: their pages may be linked."""
    return hosts(services.council.sources())


def hosts(sources: Iterable) -> tuple[str, ...]:
    """The hosts of registered sources' URLs, lower case, each once."""
    found = (urlsplit(s.url).hostname or "" for s in sources)
    return tuple(dict.fromkeys(h.lower() for h in found if h))


# --- chat settings (filters) ------------------------------------------------------------


@dataclass
class Options:
    """The values the filters offer: those of the council units the person may read."""

    organizations: list[str]
    paper_types: list[str]
    bodies: list[str]
    years: list[int]

    @property
    def empty(self) -> bool:
        return not (self.organizations or self.paper_types or self.years)


def options(services: Services, person: User | None) -> Options | None:
    """The filter values of the council units in `person`'s scope; None when there are none."""
    if person is None:
        return None
    scope = services.collections.scope(person)
    orgs: set[str] = set()
    types: set[str] = set()
    bodies: set[str] = set()
    years: set[int] = set()
    for record in services.manifest.visible().values():
        meta = record.meta or {}
        if not is_council(meta) or not scope.allows(record.collection):
            continue
        orgs.update(o for o in organizations(meta) if o)
        types.update([meta["paper_type"]] if meta.get("paper_type") else [])
        bodies.update([meta["body"]] if meta.get("body") else [])
        if when := record_date(record):
            years.add(when.year)
    found = Options(sorted(orgs), sorted(types), sorted(bodies), sorted(years))
    return None if found.empty else found


def widgets(found: Options) -> list:
    """The chat settings: a choice per filter, "Alle" first (no filter)."""
    from chainlit.input_widget import Select

    years = [str(y) for y in found.years]
    choices = {
        "gremium": found.organizations,
        "vorlagenart": found.paper_types,
        "jahr_von": years,
        "jahr_bis": years,
        "koerperschaft": found.bodies,
    }
    return [
        Select(id=key, label=SETTINGS[key], values=[ALL, *values], initial_value=ALL)
        for key, values in choices.items()
        if values
    ]


def filters_from(values: Mapping) -> SearchFilters | None:
    """The search filters of the chosen settings (None: nothing chosen). A year range
    given the wrong way round is turned; anything that is no year is ignored."""

    def pick(key: str) -> str:
        value = str(values.get(key) or "").strip()
        return "" if value == ALL else value

    years = [
        int(y) if re.fullmatch(r"\d{4}", y) else None for y in map(pick, ("jahr_von", "jahr_bis"))
    ]
    if all(years) and years[0] > years[1]:
        years.reverse()
    first, last = years
    chosen = SearchFilters(
        body=pick("koerperschaft"),
        paper_type=pick("vorlagenart"),
        organization=pick("gremium"),
        date_from=date(first, 1, 1) if first else None,
        date_to=date(last, 12, 31) if last else None,
    )
    return chosen if chosen.active else None


def describe(filters: SearchFilters | None) -> str:
    """The active filters in one line, for the answer ("" when none)."""
    if filters is None or not filters.active:
        return ""
    parts = []
    for label, value in (
        ("Gremium", filters.organization),
        ("Vorlagenart", filters.paper_type),
        ("Körperschaft", filters.body),
    ):
        if value:
            parts.append(f"{label} {', '.join(plain(v) for v in value)}")
    if filters.date_from or filters.date_to:
        first = filters.date_from.year if filters.date_from else "…"
        last = filters.date_to.year if filters.date_to else "…"
        parts.append(f"Jahr {first}" if first == last else f"Jahr {first}–{last}")
    return "*Eingeschränkt (Einstellungen): " + " · ".join(parts) + "*"


def allowed_hosts(services: Services, site_hosts: Iterable[str]) -> tuple[str, ...]:
    """The city's hosts, the council endpoints' hosts and the open-data portals' hosts."""
    from assistant.web.opendata import portal_hosts

    return tuple(dict.fromkeys([*site_hosts, *endpoint_hosts(services), *portal_hosts(services)]))
