"""Reading one statistics question against stored tables (issue 16): a `Plan` — the value
column, places, filters and years a table offers for the question, with a score — and its
execution into figures. `questions.StatisticsQuestions` picks the tables and the best plan;
the reading itself is explained in questions.py's docstring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from assistant.connectors.opendata import figures as F
from assistant.connectors.opendata import qualifiers
from assistant.connectors.opendata.answers import (
    range_note,
)
from assistant.connectors.opendata.areas import FiguresConfig, Roles
from assistant.connectors.opendata.columns import Share, Summed, present
from assistant.connectors.opendata.display import chart, rows_used
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.extremes import extreme, superlative
from assistant.connectors.opendata.matching import (
    BAND_SCORE,
    Question,
    adds,
    asks_relative,
    asks_share,
    band_score,
    best,
    chooses,
    code_named,
    column_years,
    compares,
    distinct_position,
    falls_short,
    fully_named,
    header_score,
    kind_named,
    most_specific,
    named_tokens,
    names_loss,
    phrase_score,
    since,
    two_bands,
    undirected,
    wants_figure,
    years,
)
from assistant.connectors.opendata.pairs import label_pair
from assistant.connectors.opendata.ranges import asked_ranges, bands_of, summed_bands
from assistant.connectors.opendata.shares import (
    asks_part,
    city_named,
    names_city,
    part_text,
    place_share,
    share_column,
)
from assistant.connectors.opendata.store import StoredTable, TableStore
from assistant.connectors.opendata.tables import CODE, TEXT

log = logging.getLogger(__name__)
# A code written out (10101) names one row exactly, more than a name read from an adjective
# ("Kölner" → "Stadt Köln") or a prefix: like a range, it outweighs a word.
CODE_SCORE = 20
UNNAMED_SUM = 3  # score lost by a plan that sums rows the question's labels do not tell apart
# Score lost by a plan that finds only one side of a comparison (one place, one column, one
# year): a table with both sides answers it, one whose row name holds both words does not.
ONE_SIDED = 5


@dataclass
class Plan:
    table: StoredTable
    roles: Roles
    columns: list[str]
    places: list[str]
    filters: dict[str, object] = field(default_factory=dict)
    years: list[tuple[StoredTable, str | None]] = field(default_factory=list)
    score: int = 0
    # A comparison of two row labels of one column ("Kalk … als Nippes" where districts are
    # labels, not places): (column, [first named, second named]).
    pair: tuple[str, list[str]] | None = None
    specific: bool = False  # a column, place or row was named (not only the total)
    pinned: bool = False  # the measure (column) and a place or row were both named


class Resolver:
    def __init__(self, q: Question, config: FiguresConfig, store: TableStore):
        self.q, self.config, self.store = q, config, store
        # (table, German note): tables whose bands or qualifiers cannot give the asked figure
        self.unfit: list[tuple[StoredTable, str]] = []

    def best(self, tables: list[StoredTable]) -> Plan | None:
        """The plan that reads the most of the question, among `tables`."""
        plans = [p for t in tables if (p := self.plan(t))]
        plans = [p for p in plans if p.specific or wants_figure(self.q.text)]
        return max(plans, key=lambda p: p.score) if plans else None

    # --- reading the question against one table ------------------------------------------
    def plan(self, table: StoredTable) -> Plan | None:
        roles = F.roles_for(table, self.config)
        columns, col_score = self._columns(table, roles)
        if not columns:
            return None
        places, place_score = self._places(table, roles)
        filters, filter_score = self._filters(table, roles)
        plan = Plan(table, roles, columns, places, filters)
        if not places and compares(self.q.text) and len(columns) < 2:
            plan.pair = label_pair(self.q, table, roles)
            if plan.pair:
                col, labels = plan.pair
                filters[col] = labels[0]
                filter_score += sum(phrase_score(v, self.q) for v in labels)
        plan.specific = bool(col_score or places or filters)
        # The city of the table's portal named without a smaller place ("Anteil der Berliner
        # Bevölkerung") is a place too: the whole table.
        whole = not places and not filters and city_named(self.q.text, table.provenance.portal)
        plan.pinned = bool(col_score and (places or filters or whole))
        plan.score = col_score + place_score + filter_score
        header_years = {y for c in columns for y in years(c)}
        # In a table with a column per year, the years the question asks of its columns; a
        # year naming the publication ("Haushaltsplan 2013/2014") is no period to look for.
        numeric = F.measure_columns(table, roles)
        asked = column_years(self.q, numeric) if any(years(c) for c in numeric) else self.q.years
        wanted = [y for y in asked if y not in header_years]
        plan.years = self._years(table, roles, wanted)
        if plan.years is None:
            return None
        try:  # a dry run: every place must resolve in this table
            for place in places or [None]:
                fig = self.figure(plan, plan.years[0][0], columns[0], place, plan.years[0][1])
        except OpendataError:
            return None
        if filters and fig["rows"] > 1 and not self.config.areas.find(place or ""):
            # The named labels still leave rows of a dimension the question does not name
            # (16 product groups of a district): a table where they pin one row reads it better.
            plan.score -= UNNAMED_SUM
        if compares(self.q.text) and max(len(places), len(columns), len(plan.years)) < 2:
            plan.score -= ONE_SIDED
        if self._place_share(plan, fig):
            try:
                whole = self.figure(plan, plan.years[0][0], columns[0], None, plan.years[0][1])
            except OpendataError:
                return None
            if whole["value"] == fig["value"]:
                return None  # the named place is the whole itself ("der Kölner")
            # "Anteil von Pankow an der Berliner Bevölkerung": the whole is the city itself.
            plan.pinned = plan.pinned or names_city(self.q.text, table.provenance.portal)
        return plan

    def _place_share(self, plan: Plan, fig: dict) -> bool:
        """A place's share of the whole is asked ("Wie viel Prozent der Kölner wohnen in Porz")."""
        return (
            len(plan.places) == 1 and len(plan.columns) == 1 and asks_part(self.q.text)
            and fig["unit"] != "%" and not isinstance(plan.columns[0], Share)
        )  # fmt: skip

    def _columns(self, table: StoredTable, roles: Roles) -> tuple[list[str], int]:
        measures = F.measure_columns(table, roles)
        reading = qualifiers.read(self.q, table, roles, measures, self.config.qualifiers)
        if reading.note:  # "Frauen ab 65" with bands of all people only: no guessed figure
            self.unfit.append((table, reading.note))
            return [], 0
        columns, score = self._named_columns(table, roles, reading.skip)
        if part := part_text(self.q.text):  # "Anteil der Frauen an den Einwohnern"
            reader = Resolver(Question.parse(part), self.config, self.store)
            columns = reader._named_columns(table, roles, reading.skip)[0] or columns
        if asks_share(self.q.text):
            columns = [share_column(self.q, table, roles, c) for c in columns]
        return columns, score

    def _named_columns(
        self, table: StoredTable, roles: Roles, skip: frozenset[str] = frozenset()
    ) -> tuple[list[str], int]:
        """The value column(s): the one the question names best — by a configured phrase, its
        header or the range in its header —, else the total. Two configured phrases in a
        comparison ("CDU vor der SPD") or headers of two years the question names ("Ergebnis
        2010 … Plan 2015") give two columns."""
        names = {c.name for c in table.columns}
        numeric = [c for c in F.measure_columns(table, roles) if c not in skip]
        if self.q.years:  # a year the question asks for picks among columns per year
            asked = set(column_years(self.q, numeric))
            numeric = [c for c in numeric if set(years(c)) & asked] or numeric
        if compares(self.q.text) and len(banded := two_bands(numeric, self.q)) == 2:
            return banded, 2 * BAND_SCORE  # "mehr 65 bis unter 80 als 6 bis unter 15 Jahre"
        configured = {
            p: phrase_score(p, self.q) for p, c in roles.columns.items() if present(c, names)
        }
        ranked = sorted((p for p in configured if configured[p]), key=lambda p: -configured[p])
        full = [p for p in ranked if fully_named(p, self.q)]
        if compares(self.q.text) and full:
            pair = list({roles.columns[p]: p for p in reversed(full)}.values())[-2:]
            # Two columns need two words: "Bewohnerinnen" names "Bewohner" too, but once.
            if len(pair) == 2 and not named_tokens(pair[0], self.q) & named_tokens(pair[1], self.q):
                a, b = pair
                if distinct_position(b, a, self.q) < distinct_position(a, b, self.q):
                    pair.reverse()
                return [roles.columns[p] for p in pair], sum(configured[p] for p in pair)
        headers = {c: header_score(c, self.q) + band_score(c, self.q) for c in numeric}
        if not any(band_score(c, self.q) for c in numeric):
            summed, has_bands = summed_bands(self.q.text, numeric)
            if summed:  # "unter 18": E_U1 + E_1U6 + E_6U15 + E_15U18
                col = summed[0] if len(summed) == 1 else Summed(summed)
                headers[col] = headers.get(col, 0) + BAND_SCORE
            elif has_bands and asked_ranges(self.q.text):
                self.unfit.append((table, range_note(table, bands_of(table))))
                return [], 0  # the bands do not add up to the asked range: no guessed figure
        per_year: dict[str, str] = {}
        for c in sorted(headers, key=lambda c: -headers[c]):
            if headers[c] and years(c):
                per_year.setdefault(years(c)[0], c)
        if len(per_year) >= 2:
            pair = [per_year[y] for y in sorted(per_year)[:2]]
            return pair, sum(headers[c] for c in pair)
        named = {c: (sc, named_tokens(c, self.q)) for c, sc in headers.items() if sc}
        for p in ranked:
            column = roles.columns[p]
            score, tokens = named.get(column, (0, frozenset()))
            # Two phrases of one column ("Einwohner", "Bevölkerung") both name it: their words
            # together, or a subgroup named by one of them looks more specific than the total.
            named[column] = (max(score, configured[p]), tokens | named_tokens(p, self.q))
        if chosen := most_specific(named, roles.default_column):
            return [chosen], named[chosen][0]
        if roles.default_column in names:
            return [roles.default_column], 0
        return [], 0

    def _places(self, table: StoredTable, roles: Roles) -> tuple[list[str], int]:
        found: dict[str, int] = {}
        codes: set[str] = set()  # area codes written out (01011103): the most specific places
        for area in self.config.areas.areas:
            score = max(phrase_score(n, self.q) for n in area.names())
            if score or (area.code and code_named(area.code, self.q)):
                found[area.name] = max(score, 3)
        for role in (roles.area_code, roles.area_name):
            if not role:
                continue
            idx = table.column_index(role)
            named = phrase_score(role, self.q)
            for value in {r[idx] for r in table.rows if r[idx] is not None}:
                # "Stadtbezirk Mülheim": the name column's header right before the place
                header = kind_named(role, str(value), self.q) if named else 0
                if role == roles.area_code and code_named(value, self.q):
                    found.setdefault(str(value), CODE_SCORE + header)
                    codes.add(str(value))
                elif table.columns[idx].kind == TEXT and (
                    s := phrase_score(str(value), self.q, need_all=False)
                ):
                    found.setdefault(str(value), s + header)
        keys = self._without_context(_distinct(found, table, roles), found, codes)
        keys.sort(key=self.q.position)
        return keys[:2], sum(found[k] for k in keys[:2])

    def _without_context(
        self, keys: list[str], found: dict[str, int], codes: set[str]
    ) -> list[str]:
        """Places named only to locate another are not asked about: a configured area that
        contains another named place ("Planungsraum 08010404 in Neukölln"), and, unless the
        question sets places against each other, all but the most specific one."""
        inner = [k for k in keys if not self.config.areas.find(k)]
        keys = [
            k
            for k in keys
            if not ((area := self.config.areas.find(k)) and any(area.contains(i) for i in inner))
        ]
        if len(keys) > 1 and not compares(self.q.text) and not adds(self.q.text):
            # A code written out (01011103) is the most specific; then the best-named place.
            return [
                max(
                    [k for k in keys if k in codes] or keys,
                    key=lambda k: (found[k], -self.q.position(k)),
                )
            ]
        return keys

    def _filters(self, table: StoredTable, roles: Roles) -> tuple[dict[str, object], int]:
        """Row labels the question names in other text columns ("Personalaufwendungen",
        "Museum Ludwig"); a column where two labels score alike filters nothing."""
        filters, total = {}, 0
        for i, col in enumerate(table.columns):
            if col.kind not in (TEXT, CODE) or col.name in (roles.area_code, roles.area_name):
                continue
            values = {r[i] for r in table.rows if r[i] is not None}
            if len(values) < 2:
                continue
            if col.kind == CODE:  # a code is named as one token ("0603"), never as "12" of a date
                scored = {str(v): 8 * code_named(v, self.q) for v in values}
            else:
                scored = {str(v): phrase_score(str(v), self.q, need_all=False) for v in values}
            chosen = best(scored)
            if len(chosen) > 1:  # "ordentliche Erträge" beside "sonstige ordentliche Erträge":
                chosen = [v for v in chosen if phrase_score(v, self.q)] or chosen  # all named
            if len(chosen) == 1:
                filters[col.name], total = chosen[0], total + scored[chosen[0]]
        return filters, total

    def _years(self, table, roles, wanted: list[str]) -> list | None:
        """(table, period) per year asked for; [(table, None)] when none is asked for."""
        if not wanted:
            return [(table, None)]
        series = self.series(table)
        out = []
        for year in wanted[:2]:
            match = next(((t, p) for t, p in series if p and str(p).startswith(year)), None)
            if match is None and any(p for _, p in series):
                return None  # the table has periods, and not this one
            if match is not None:
                out.append(match)
        if len(wanted) == 1 and out and since(self.q.text):
            # "seit 2018", "2018 bis heute": from that year to the newest the series has
            newer = [(t, p) for t, p in series if p and str(p)[:4] > wanted[0]]
            out += newer[-1:]
        return sorted(out, key=lambda tp: str(tp[1])) or [(table, None)]

    def series(self, table: StoredTable) -> list[tuple[StoredTable, str | None]]:
        """Every (table, period) of the series `table` belongs to, oldest first: its own
        period values, and the tables the same config rule matches (one per year)."""
        rule = self.config.rule_for(table.provenance)
        members = [table]
        if rule is not None:
            others = [
                self.store.tables(s["table_name"])
                for s in self.store.list(table.provenance.portal)
                if s["dataset_id"] != table.dataset_id
            ]
            members += [t for ts in others for t in ts if rule.applies(t.provenance)]
        out = []
        for t in members:
            roles = F.roles_for(t, self.config)
            if roles.period:
                idx = t.column_index(roles.period)
                out += [(t, str(p)) for p in sorted({r[idx] for r in t.rows if r[idx]})]
            else:
                out.append((t, next(iter(years(t.provenance.title)), None)))
        return sorted(out, key=lambda tp: str(tp[1] or ""))

    # --- computing -----------------------------------------------------------------------
    def figure(self, plan: Plan, table, column, place, period, pick: str | None = None) -> dict:
        """One value for the plan's filters: a place's (or the whole table's), or with `pick`
        ("max"/"min") the largest or smallest single row's."""
        table = F.rows_where(table, plan.filters)
        if not F.roles_for(table, self.config).period:
            period = None  # the year came from the title of a table per year
        if pick:
            fig = extreme(table, column, period=period, pick=pick, config=self.config)
        else:
            fig = F.figure(table, column, area=place, period=period, config=self.config)
        if plan.filters:
            where = ", ".join(f"{c} = {v}" for c, v in plan.filters.items())
            fig["how"] = f"Zeilen mit {where}; {fig['how']}"
            fig["filters"] = dict(plan.filters)
        return fig

    def execute(self, plan: Plan) -> dict:
        (table, period), column = plan.years[0], plan.columns[0]
        place = plan.places[0] if plan.places else None
        if len(plan.columns) == 2:
            a, b = (self.figure(plan, table, c, place, period) for c in plan.columns)
            a["period"], b["period"] = plan.columns
            # Year columns: the earlier is the base; named ones ("CDU vor der SPD"): the second.
            figs, kind = ([a, b], "columns") if years(plan.columns[0]) else ([b, a], "named")
        elif len(plan.years) == 2:
            figs = [self.figure(plan, t, column, place, p) for t, p in plan.years]
            kind = "years"
        elif len(plan.places) == 2 and adds(self.q.text):  # "A und B zusammen"
            figs = [self.figure(plan, table, column, p, period) for p in plan.places]
            return {
                "kind": "figure",
                "figures": [_clean(F.total(figs)), *map(_clean, figs)],
                "table": rows_used(self, plan, figs),
                "series": chart(self, plan, figs, "places"),
            }
        elif plan.pair:  # two labels of one column: "A mehr als B" as for places
            col, labels = plan.pair
            other, base = (
                {**self.figure(replace(plan, filters={**plan.filters, col: v}), table, column,
                               None, period), "place": v}
                for v in labels
            )  # fmt: skip
            figs, kind = [base, other], "places"
        elif len(plan.places) == 2:  # "A mehr als B": A − B, B the base
            other, base = (self.figure(plan, table, column, p, period) for p in plan.places)
            figs, kind = [base, other], "places"
        elif (pick := superlative(self.q.text)) and not plan.places and isinstance(column, str):
            fig = self.figure(plan, table, column, None, period, pick)  # "der größte Planungsraum"
            return {
                "kind": "figure",
                "figures": [_clean(fig)],
                "table": rows_used(self, plan, [fig]),
                "series": None,
            }
        else:
            return self._single(plan, self.figure(plan, table, column, place, period))
        if names_loss(self.q.text) and all(f["value"] < 0 for f in figs):
            figs = [{**f, "value": -f["value"]} for f in figs]  # a deficit as its amount
        if kind in ("named", "places") and falls_short(self.q.text):
            figs.reverse()  # "A weniger als B": B − A, A the base
        diff = F.compare(*figs)
        if kind in ("named", "places") and undirected(self.q.text) and diff["value"] < 0:
            figs.reverse()  # "Differenz zwischen A und B": the larger less the smaller
            diff = F.compare(*figs)
        main = [_clean(diff)]
        if diff.get("unit") == "%":
            diff["unit"], diff["percent"] = "Prozentpunkte", None
            main = [_clean(diff)]
        elif asks_relative(self.q.text) and diff.get("percent") is not None:
            main = [F.relative(diff), *main]  # "Um wie viel Prozent …": the change in percent
        if kind in ("named", "places") and (pick := chooses(self.q.text)):
            main = [F.chosen(figs, pick), *main]  # "A oder B – wer hat mehr?": that value
        return {
            "kind": "comparison",
            "figures": [*main, _clean(figs[1]), _clean(figs[0])],
            "table": rows_used(self, plan, figs),
            "series": chart(self, plan, figs, kind),
        }

    def _single(self, plan: Plan, fig: dict) -> dict:
        if self._place_share(plan, fig):  # "Welchen Anteil hat Pankow an der Bevölkerung?"
            (table, period) = plan.years[0]
            fig = place_share(fig, self.figure(plan, table, plan.columns[0], None, period))
        return {
            "kind": "figure",
            "figures": [_clean(fig)],
            "table": rows_used(self, plan, [fig]),
            "series": chart(self, plan, [fig], "single"),
        }


def _distinct(found: dict[str, int], table: StoredTable, roles: Roles) -> list[str]:
    """One key per place: a configured area that is also a row of the table counts once."""
    out: list[str] = []
    for key in sorted(found, key=lambda k: -found[k]):
        if not any(key.casefold() == k.casefold() for k in out):
            out.append(key)
    return out


def _clean(fig: dict) -> dict:
    """The JSON fields of a figure (a comparison's parts are listed on their own)."""
    return {k: v for k, v in fig.items() if k not in ("base", "other", "row")}
