"""Search filters over a document's fields (council papers and meetings, issue 15).

Two kinds, one matcher:

* **explicit** filters (CLI flags, chat settings) apply to every document: a document
  without the field does not match (a guideline has no paper type);
* filters **recognised** in the question ("Anfragen", "2025", "im Hauptausschuss")
  restrict council units only (meta kind "oparl"); every other document passes, since a
  year or the word "Antrag" in a question about a guideline says nothing about it.

Values are matched case-insensitively against the values that occur in the index, by a
folded key (umlauts, plural endings: "Anfragen" ↔ "Anfrage", "Anträge" ↔ "Antrag") and
by the parts of a coordinated name ("Haupt- und Finanzausschuss" → "Hauptausschuss",
"Finanzausschuss"; "Änderungs-/Ergänzungsantrag" → "Änderungsantrag"), which are only
used when no name in the index is exactly that word. Committee names are recognised in
a question only after an article or preposition ("der Gemeinderat", "im
Bauausschuss"): Karlsruhe has an organisation called "Offen", and "noch offen" must not
filter anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from assistant.retrieval.manifest import DocumentRecord

COUNCIL = "oparl"  # meta["kind"] of council units
# A generic word for any council paper: it names no type ("Welche Vorlagen …" → all).
GENERIC_TYPES = frozenset({"vorlag", "drucksach", "papier", "dokument"})
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CUE = r"(?:im|in|in der|der|des|dem|den|die|vom|beim|zum|zur|am|durch|vor)"
_YEAR = r"(?:19[89]\d|20\d\d)"
# A year that names a plan rather than the date of a paper ("Haushalt 2026").
_PLAN_WORDS = ("haushalt", "plan", "konzept", "strategie", "programm", "bericht", "ziel")
_RANGE = re.compile(rf"(?:zwischen|von)\s+({_YEAR})\s+(?:und|bis)\s+({_YEAR})", re.IGNORECASE)
_SINCE = re.compile(rf"(?:seit|ab)\s+(?:dem\s+jahr\s+)?({_YEAR})(?![\w/.])", re.IGNORECASE)
_UNTIL = re.compile(rf"(?:bis|vor)\s+(?:dem\s+jahr\s+)?({_YEAR})(?![\w/.])", re.IGNORECASE)
_PLAIN_YEAR = re.compile(rf"(?<![\w/.\-])({_YEAR})(?![\w/\-]|\.\d)")


def fold(text: str) -> str:
    """Case, umlauts and whitespace folded: the form names are compared in."""
    return " ".join(text.casefold().translate(_FOLD).split())


def word_key(word: str) -> str:
    """A word without its plural or inflection ending ("Anfragen", "Anfrage" → "anfrag";
    "Anträge" → "antrag"; "Gemeinderats" → "gemeinderat")."""
    w = fold(word)
    for ending in ("en", "es", "e", "n", "s"):
        if len(w) > len(ending) + 3 and w.endswith(ending):
            return w[: -len(ending)]
    return w


def name_key(name: str) -> str:
    """A name compared as a whole, its last word without inflection ending."""
    words = fold(name).split()
    return " ".join([*words[:-1], word_key(words[-1])]) if words else ""


@lru_cache(maxsize=4096)
def parts_of(name: str) -> tuple[str, ...]:
    """The words a coordinated name stands for, folded: "Haupt- und Finanzausschuss" →
    ("hauptausschuss", "finanzausschuss"), "Änderungs-/Ergänzungsantrag" →
    ("anderungsantrag", "erganzungsantrag"); () for any other name. The shared tail is
    the last part of the second word as the compound splitter of the lexical index
    finds it."""
    from assistant.retrieval.lexical.analysis import default_analyzer

    m = re.fullmatch(r"(\w+)-\s*(?:/|und|,)\s*(\w+)", name.strip())
    if not m:
        return ()
    second = fold(m[2])
    pieces = default_analyzer().split(second)
    if len(pieces) < 2:
        return ()
    return (fold(m[1]) + pieces[-1], second)


def _as_tuple(value) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if str(v).strip())


@dataclass(frozen=True)
class SearchFilters:
    """What hits must match; several values of one field: any of them."""

    body: tuple[str, ...] = ()
    paper_type: tuple[str, ...] = ()
    organization: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        for name in ("body", "paper_type", "organization"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))

    @classmethod
    def year(cls, year: int, **others) -> SearchFilters:
        return cls(date_from=date(year, 1, 1), date_to=date(year, 12, 31), **others)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def to_dict(self) -> dict:
        """The set fields (dates as ISO strings), for --json and the result."""
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = value.isoformat() if isinstance(value, date) else list(value)
        return out

    def matches(self, record: DocumentRecord) -> bool:
        """Does `record` have every filtered field, with one of the wanted values?
        Values compare folded; `Vocabulary.resolve` first turns what a person typed
        into the names the index holds."""
        return self.admits(Facets.of(record))

    @cached_property
    def _folded(self) -> tuple[frozenset[str], ...]:
        return tuple(
            frozenset(map(fold, values))
            for values in (self.body, self.paper_type, self.organization)
        )

    def admits(self, facets: Facets) -> bool:
        """`matches` on a record's precomputed fields."""
        bodies, types, orgs = self._folded
        if bodies and facets.bodies.isdisjoint(bodies):
            return False
        if types and facets.types.isdisjoint(types):
            return False
        if orgs and facets.orgs.isdisjoint(orgs):
            return False
        if self.date_from or self.date_to:
            when = facets.when
            if when is None:
                return False
            if (self.date_from and when < self.date_from) or (self.date_to and when > self.date_to):
                return False
        return True


class Facets(NamedTuple):
    """A record's filterable fields, folded once per manifest generation."""

    council: bool
    bodies: frozenset[str]
    types: frozenset[str]
    orgs: frozenset[str]
    when: date | None

    @classmethod
    def of(cls, record: DocumentRecord) -> Facets:
        meta = record.meta or {}
        return cls(
            meta.get("kind") == COUNCIL,
            frozenset(map(fold, _values(meta, "body", "body_id", "source_name"))),
            frozenset(map(fold, _values(meta, "paper_type"))),
            frozenset(map(fold, organizations(meta))),
            record_date(record),
        )


def _values(meta: Mapping, *keys: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        out += _as_tuple(meta.get(key))
    return out


def organizations(meta: Mapping) -> list[str]:
    """The committees of a unit: its own (meeting) or those that consulted it (paper)."""
    names = list(_as_tuple(meta.get("organization")))
    for consultation in meta.get("consultations") or ():
        if isinstance(consultation, Mapping) and consultation.get("organization"):
            names.append(str(consultation["organization"]))
    return names


def record_date(record: DocumentRecord) -> date | None:
    """A unit's date (paper date, meeting start), else the document's own date."""
    raw = (record.meta or {}).get("date")
    if raw:
        try:
            return date.fromisoformat(str(raw)[:10])
        except ValueError:
            return None
    return record.doc_date


def _head(name: str) -> str:
    """The head of "Gemeinderat - Beratungen zum DHH": "Gemeinderat" (the body itself, in a kind of
    session); other names unchanged."""
    return re.split(r"\s+[-–(]\s*", name, maxsplit=1)[0]


def _index(names: Iterable[str], heads, parts) -> dict[str, list[str]]:
    """alias -> names: each name under its own folded form and its key, and under its
    head ("Gemeinderat - Beratungen zum DHH" is the Gemeinderat too); under a part of a
    coordinated name only when no name is exactly that part (an exact name wins)."""
    exact: dict[str, list[str]] = {}
    derived: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        for alias in {fold(name), name_key(name), *heads(name)}:
            exact.setdefault(alias, []).append(name)
        for alias in parts(name):
            derived.setdefault(alias, []).append(name)
    for alias, found in derived.items():
        exact.setdefault(alias, found)
    return exact


def _type_parts(name: str) -> set[str]:
    return {word_key(p) for p in parts_of(name)}


def _org_heads(name: str) -> set[str]:
    head = _head(name)
    return {fold(head), name_key(head)} if head != name else set()


def _org_parts(name: str) -> set[str]:
    return set(parts_of(name))


def _no_aliases(name: str) -> set[str]:
    return set()


@dataclass
class Vocabulary:
    """The paper types, committees and bodies that occur in the visible units, and the
    pattern that finds committees in a question; built once per manifest generation."""

    types: dict[str, list[str]] = field(default_factory=dict)  # alias -> present types
    organizations: dict[str, list[str]] = field(default_factory=dict)  # alias -> names
    bodies: dict[str, list[str]] = field(default_factory=dict)
    council: int = 0  # visible council units
    facets: dict[str, Facets] = field(default_factory=dict)  # doc id -> folded fields
    _org_pattern: re.Pattern | None = None

    @classmethod
    def build(cls, visible: Mapping[str, DocumentRecord]) -> Vocabulary:
        types: set[str] = set()
        orgs: set[str] = set()
        bodies: set[str] = set()
        council = 0
        facets = {doc_id: Facets.of(record) for doc_id, record in visible.items()}
        for record in visible.values():
            meta = record.meta
            if not meta:
                continue
            council += meta.get("kind") == COUNCIL
            types.update(_as_tuple(meta.get("paper_type")))
            orgs.update(organizations(meta))
            bodies.update(_values(meta, "body", "body_id", "source_name"))
        vocab = cls(
            types=_index(types, _no_aliases, _type_parts),
            organizations=_index(orgs, _org_heads, _org_parts),
            bodies=_index(bodies, _no_aliases, lambda name: {fold(w) for w in name.split()}),
            council=council,
            facets=facets,
        )
        spoken = sorted((a for a in vocab.organizations if len(a) >= 3), key=len, reverse=True)
        if spoken:
            alternatives = "|".join(re.escape(a) for a in spoken)
            vocab._org_pattern = re.compile(rf"(?<!\w){_CUE}\s+({alternatives})(?:s|es)?(?![\w-])")
        return vocab

    def resolve(self, filters: SearchFilters) -> SearchFilters:
        """`filters` with each value replaced by the names the index holds for it
        ("Anfragen" → "Anfrage", "Hauptausschuss" → "Haupt- und Finanzausschuss");
        a value the index does not know stays as typed (and matches nothing)."""

        def names(values: tuple[str, ...], index: dict[str, list[str]]) -> tuple[str, ...]:
            out: list[str] = []
            for v in values:
                found = index.get(fold(v)) or index.get(name_key(v)) or [v]
                out += [f for f in found if f not in out]
            return tuple(out)

        return replace(
            filters,
            body=names(filters.body, self.bodies),
            paper_type=names(filters.paper_type, self.types),
            organization=names(filters.organization, self.organizations),
        )

    def recognise(self, question: str) -> SearchFilters:
        """Filters a question states in words; nothing when no council unit is visible."""
        if not self.council:
            return SearchFilters()
        return SearchFilters(
            paper_type=self._types(question),
            organization=self._organizations(question),
            **_years(question),
        )

    def _types(self, question: str) -> tuple[str, ...]:
        found: list[str] = []
        for word in _WORD.findall(question):
            key = word_key(word)
            if key in GENERIC_TYPES:
                continue
            found += [t for t in self.types.get(key, ()) if t not in found]
        return tuple(found)

    def _organizations(self, question: str) -> tuple[str, ...]:
        if self._org_pattern is None:
            return ()
        found: list[str] = []
        for m in self._org_pattern.finditer(fold(question)):
            found += [n for n in self.organizations.get(m[1], ()) if n not in found]
        return tuple(found)


def _years(question: str) -> dict:
    """date_from/date_to of a year or span of years in the question ({} without one)."""
    if m := _RANGE.search(question):
        first, last = sorted((int(m[1]), int(m[2])))
        return {"date_from": date(first, 1, 1), "date_to": date(last, 12, 31)}
    if m := _SINCE.search(question):
        return {"date_from": date(int(m[1]), 1, 1)}
    if m := _UNTIL.search(question):
        year = int(m[1])
        if m[0].casefold().startswith("vor"):
            return {"date_to": date(year - 1, 12, 31)}
        return {"date_to": date(year, 12, 31)}
    years = []
    for m in _PLAIN_YEAR.finditer(question):
        before = fold(question[: m.start()]).split()[-1:] or [""]
        if not before[0].endswith(_PLAN_WORDS):
            years.append(int(m[1]))
    if len(set(years)) != 1:  # none, or several without a span: no date filter
        return {}
    return {"date_from": date(years[0], 1, 1), "date_to": date(years[0], 12, 31)}


def feasible(
    facets: Mapping[str, Facets], explicit: SearchFilters, recognised: SearchFilters
) -> SearchFilters:
    """`recognised`, or no filter when no council unit passes it: the words meant something
    else ("das Sportereignis 2029" when no paper is dated 2029), and an empty list would
    hide what the question is about."""
    if recognised.active and not any(
        f.council and recognised.admits(f) and (not explicit.active or explicit.admits(f))
        for f in facets.values()
    ):
        return SearchFilters()
    return recognised


def allowed(
    facets: Mapping[str, Facets], explicit: SearchFilters, recognised: SearchFilters
) -> set[str] | None:
    """doc ids that pass both kinds of filter; None when neither is active."""
    if not explicit.active and not recognised.active:
        return None
    return {
        doc_id
        for doc_id, f in facets.items()
        if (not explicit.active or explicit.admits(f))
        and (not recognised.active or not f.council or recognised.admits(f))
    }
