"""Statistics questions answered from the stored tables without an LLM (issue 16).

    figures = StatisticsQuestions(lambda: store, config_path)
    found = figures("Wie viele Einwohner hatte Pankow Ende 2013 mehr als Mitte?", hits)
    found["figures"][0] == {"value": 29430, "unit": "Einwohner", "dataset_id": …, "how": …}

When a top hit is an open-data dataset with a stored table, the question is read against its
tables (matching.py): the value column (a configured phrase, else the header the question
names, else the configured total column), the places (configured areas — a district summed
over its sub-areas —, area codes and names in the table, other row labels), the years (the
period column, the per-year tables of a series — the tables one config rule matches —, or a
year in a header such as "Plan 2013"). Two places, two years or two year columns make a
comparison (difference and percent). The result carries the figures (a comparison's
difference first), the rows used (a table for the chat), a series (a chart) and the source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.connectors.opendata.answers import (
    answer_text,
    sources,
)
from assistant.connectors.opendata.areas import FiguresConfig
from assistant.connectors.opendata.errors import OpendataError
from assistant.connectors.opendata.matching import (
    Question,
    asks_for_dataset,
    wants_figure,
)
from assistant.connectors.opendata.resolver import Resolver
from assistant.connectors.opendata.store import StoredTable, TableStore

log = logging.getLogger(__name__)
TOP_HITS = 5  # only a dataset the search ranks near the top is read as the question's


class StatisticsQuestions:
    """The callable the answer service gets (`services.opendata_figures`)."""

    def __init__(self, tables: Callable[[], TableStore], config_path: Path | None = None):
        self._tables, self._path = tables, config_path
        self._config: FiguresConfig | None = None
        self._stamp: float | None = None
        self._warned: set[str] = set()

    def config(self) -> FiguresConfig:
        """The figures config, read again when the file changed."""
        if self._path is None:
            return FiguresConfig()
        try:
            stamp = self._path.stat().st_mtime
        except OSError:
            log.warning("figures config %s not found", self._path)
            return FiguresConfig()
        if self._config is None or stamp != self._stamp:
            self._config, self._stamp = FiguresConfig.load(self._path), stamp
        return self._config

    def asks_for_figure(self, question: str) -> bool:
        """A figure is asked for, not a dataset: its years and places are exact words."""
        return wants_figure(question) and not asks_for_dataset(question)

    def tabled(self, question: str, hits: Sequence) -> Callable[[dict], bool] | None:
        """For a question that asks for a figure and finds catalogue entries near the top: a
        test that accepts the datasets with a stored table (for a second, narrower search
        when no top hit had one); else None. Answer from such a hit with `strict=True`."""
        if asks_for_dataset(question) or not wants_figure(question):
            return None
        if not any(
            (getattr(h, "meta", None) or {}).get("kind") == "opendata" for h in hits[:TOP_HITS]
        ):
            return None  # a question about the handbook, not about open data
        try:
            keys = {(t["portal"], t["dataset_id"]) for t in self._tables().list()}
        except OpendataError:
            return None
        if not keys:
            return None
        return lambda meta: (
            meta.get("kind") == "opendata" and (meta.get("portal"), meta.get("dataset_id")) in keys
        )

    def __call__(self, question: str, hits: Sequence, *, strict: bool = False) -> dict | None:
        """Figures for `question` from the tables of the top `hits`. `strict`: the hits were
        not found for their words but for having a table, so a figure counts only when the
        question names both its measure and its place or row."""
        if asks_for_dataset(question):
            return None
        q = Question.parse(question)
        store, config = self._tables(), self.config()
        resolver = Resolver(q, config, store)
        best = None  # (score, -rank, plan, rank, hit): the table that reads most of the question
        # The narrower search's hits all have a table and each must name measure and place.
        seen = set()
        for n, hit in enumerate(hits if strict else hits[:TOP_HITS], 1):
            meta = getattr(hit, "meta", None) or {}
            key = (meta.get("portal"), meta.get("dataset_id"))
            if meta.get("kind") != "opendata" or not meta.get("dataset_id") or key in seen:
                continue
            seen.add(key)
            try:
                tables = store.tables(meta["dataset_id"], meta.get("portal"))
                self._warn_missing(tables, config)
                plan = resolver.best(tables) if tables else None
            except OpendataError as exc:
                log.info("statistics question not resolved: %s", exc.code)
                continue
            # A table that names the asked place beats a better-ranked one that can only
            # give its total ("Porz" is in the district table, not in the polling one).
            if strict and plan and not plan.pinned:
                continue
            if plan and (best is None or plan.score > best[0]):
                best = (plan.score, -n, plan, n, hit)
        if best is None:
            return self._unfit(resolver, hits if strict else hits[:TOP_HITS])
        _, _, plan, n, hit = best
        found = resolver.execute(plan)
        found["hit"], found["score"] = n, plan.score
        found["sources"] = sources(hit, found["figures"])
        found["text"] = answer_text(found)
        return found

    def _unfit(self, resolver: Resolver, hits: Sequence) -> dict | None:
        """No figure, because the table's bands do not add up to the asked range: say so."""
        if not resolver.unfit:
            return None
        table, note = resolver.unfit[0]
        n, hit = next(
            (n, h) for n, h in enumerate(hits, 1)
            if (getattr(h, "meta", None) or {}).get("dataset_id") == table.dataset_id
        )  # fmt: skip
        found = {"kind": "note", "figures": [], "table": None, "series": None, "hit": n}
        found["score"], found["sources"] = 0, sources(hit, [])
        found["note"] = note
        found["text"] = answer_text(found)
        return found

    def _warn_missing(self, tables: list[StoredTable], config: FiguresConfig) -> None:
        """A configured column the table lacks is never read: say so once in the log
        (`assistant opendata check` lists them all)."""
        for note in (n for t in tables for n in config.missing_columns(t)):
            if note not in self._warned:
                self._warned.add(note)
                log.warning("%s", note)
