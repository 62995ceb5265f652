"""Population qualifiers (sex, citizenship, …) in a statistics question, and whether the table
can split its values by them.

"Wie viele Frauen ab 65 …" names a range and a qualifier. A table with a women total ("E_EW",
"Frauen") but age bands only for all people cannot answer it: summing the bands of all people
would be a guess that looks exact. A band family belongs to a column when its text starts with
the column's name ("EW_U6" … of "EW") or its words are the column's words ("Frauen unter 18"
… of "Frauen"); a family that belongs to no column other than the total splits all people.

A qualifier the table does not express at all ("Ausländer" against a table of age bands only)
is known from the configured word groups (`qualifiers:` in the figures config): nothing here
knows a portal's column names or a language's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.connectors.opendata.areas import Roles
from assistant.connectors.opendata.columns import real_columns
from assistant.connectors.opendata.matching import (
    STOP,
    Question,
    band_score,
    fully_named,
    header_score,
    named_tokens,
    phrase_score,
    words,
    years,
)
from assistant.connectors.opendata.ranges import asked_ranges, families, header_band
from assistant.connectors.opendata.store import StoredTable
from assistant.connectors.opendata.tables import TEXT

_YEAR_TEXT = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


@dataclass(frozen=True)
class Reading:
    """What the question's qualifier leaves of the table: band headers not to read, or a
    German note why no figure can be given."""

    skip: frozenset[str] = frozenset()
    note: str | None = None


def read(
    q: Question,
    table: StoredTable,
    roles: Roles,
    measures: list[str],
    groups: dict[str, tuple[str, ...]],
) -> Reading:
    """The band headers the question's qualifier rules out, or a refusal (see the module)."""
    bands = [c for c in measures if header_band(c)]
    plain = [c for c in measures if not header_band(c)]
    owners = {f: _owner(f, plain, roles) for f in families(bands)}
    qualifier = _qualifier(q, roles, plain)
    ranged = bool(asked_ranges(q.text)) or _names_band(q, bands)
    if qualifier is None:
        word = _unexpressed(q, table, roles, groups)
        if word:
            return Reading(note=_note_absent(table, word, plain, bands))
        # Without a qualifier, the bands of all people are read, not those of a subgroup.
        sub = frozenset(b.column for f, bs in families(bands).items() if owners[f] for b in bs)
        if ranged and sub and sub == set(bands):
            groups = _list([c for c in set(owners.values()) if c])
            return Reading(note=_note_only(table, groups, bands))
        return Reading(sub)
    if not ranged:
        return Reading()
    own = [b.column for f, bs in families(bands).items() if owners[f] == qualifier for b in bs]
    if not own:
        return Reading(note=_note_split(table, qualifier, q, roles, bands))
    return Reading(frozenset(bands) - set(own))


def _alnum(text: str) -> str:
    return re.sub(r"[\W_#]", "", text.casefold())


def _owner(family: str, plain: list[str], roles: Roles) -> str | None:
    """The column a band family splits further, when it is not the total (None: all people)."""
    fam, fam_words = _alnum(family), _content(family.replace("#", " "))
    best, length = None, 0
    for c in plain:
        name = _alnum(c)
        phrases = [p for p, col in roles.columns.items() if col == c]
        own_words = set(_content(c)) | {w for p in phrases for w in _content(p)}
        if len(name) >= 2 and fam.startswith(name) and len(name) > length:
            best, length = c, len(name)
        elif fam_words and set(fam_words) <= own_words and len(fam) > length:
            best, length = c, len(fam)
    return None if best == roles.default_column else best


def _content(text: str) -> list[str]:
    return [w for w in words(text) if len(w) >= 3 and w not in STOP and not w.isdigit()]


def _qualifier(q: Question, roles: Roles, plain: list[str]) -> str | None:
    """A column other than the total that the question names with words the total's own
    names do not cover ("Frauen" → E_EW; not "Einwohnerinnen und Einwohner")."""
    scored: dict[str, tuple[int, frozenset[str]]] = {}
    for c in plain:
        # A header named by its year only ("Plan 2012") is a period, not a qualifier.
        if years(c) and not phrase_score(_YEAR_TEXT.sub(" ", c), q, need_all=False):
            continue
        if score := header_score(c, q):
            scored[c] = (score, named_tokens(c, q))
    for p, c in roles.columns.items():
        if any(r not in plain for r in real_columns(c)):
            continue  # a configured sum of bands ("Kinder unter 6") is a range, not a qualifier
        if (score := phrase_score(p, q)) > scored.get(c, (0,))[0]:
            scored[c] = (score, named_tokens(p, q))
    total = scored.pop(roles.default_column, (0, frozenset()))
    others = [
        c for c, (s, toks) in scored.items()
        if not toks <= total[1] or s > total[0]
    ]  # fmt: skip
    return max(others, key=lambda c: scored[c][0]) if others else None


def _names_band(q: Question, bands: list[str]) -> bool:
    return any(band_score(b, q) for b in bands)


def _unexpressed(
    q: Question, table: StoredTable, roles: Roles, groups: dict[str, tuple[str, ...]]
) -> tuple[str, str] | None:
    """(group, word) of a configured qualifier the question names and the table has in no
    header, configured phrase or row label."""
    for group, group_words in groups.items():
        for word in group_words:
            if not fully_named(word, q):
                continue
            probe = Question.parse(word)
            texts = [c.name for c in table.columns] + list(roles.columns)
            texts += [
                str(r[i]) for i, c in enumerate(table.columns) if c.kind == TEXT
                for r in table.rows if r[i] is not None
            ]  # fmt: skip
            if not any(phrase_score(t, probe, need_all=False) for t in set(texts)):
                return group, word
    return None


def _title(table: StoredTable) -> str:
    return table.provenance.title or table.provenance.resource_id


def _list(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1]


def _note_absent(table, found: tuple[str, str], plain: list[str], bands: list[str]) -> str:
    group, word = found
    return (
        f"Die Tabelle „{_title(table)}“ unterscheidet nicht nach {group} („{word}“); sie hat "
        f"die Spalten {_list(plain + bands)}. Eine Zahl dafür wäre geschätzt und wird deshalb "
        "nicht genannt."
    )


def _note_only(table, groups: str, bands: list[str]) -> str:
    return (
        f"Die Tabelle „{_title(table)}“ teilt nur {groups} nach Alter auf ({_list(bands)}), "
        "nicht alle Personen. Eine Zahl für alle in diesem Bereich wäre geschätzt und wird "
        "deshalb nicht genannt."
    )


def _note_split(table, qualifier: str, q: Question, roles: Roles, bands: list[str]) -> str:
    named = next((p for p, c in roles.columns.items() if c == qualifier and phrase_score(p, q)),
                 qualifier)  # fmt: skip
    split = (
        f"nach Alter teilt sie nur alle Personen auf, in die Gruppen {_list(bands)}"
        if bands
        else "Altersgruppen hat sie nicht"
    )
    return (
        f"Die Tabelle „{_title(table)}“ hat für „{named}“ nur die Gesamtzahl (Spalte "
        f"{qualifier}); {split}. Eine Zahl für „{named}“ in diesem Bereich wäre geschätzt "
        "und wird deshalb nicht genannt."
    )
