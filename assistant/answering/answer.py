"""Answer service: condense → retrieve → numbered context → streamed answer → citation check.

Three phases so the chat can stream and the CLI can print with the same code:

* `prepare()` condenses a follow-up question, retrieves passages and decides
  whether the model is asked at all (no relevant passage → a German "nothing
  found", without a model call; no model reachable → search mode);
* `stream()` / `astream()` yield the model's text (one LCEL chain for both);
* `finish()` checks every `[n]` against the context and builds the `Answer`.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from langchain_core.output_parsers import StrOutputParser

from assistant.answering import figures as stats
from assistant.answering.injection import source_flags
from assistant.answering.limits import check_question
from assistant.answering.prompts import (
    PromptSet,
    format_context,
    history_messages,
    source_text,
)
from assistant.answering.results import unsupported_results
from assistant.errors import LLMError
from assistant.models import Hit, Scope, require_scope
from assistant.retrieval.snippets import snippet

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.config import Settings
    from assistant.retrieval.filters import SearchFilters
    from assistant.retrieval.search import SearchResult, SearchService

# Hits of the search among the datasets with a table: a city's yearly datasets alone fill the
# first five, and every hit is read strictly (measure and place named) anyway.
TABLED_K = 10
# Datasets' dense weight for a question that asks for a figure (at most; the setting may be
# lower): years and places are exact words there, which embeddings blur (docs/opendata.md).
TABLE_DENSE_WEIGHT = 0.5
NOTHING_FOUND = "Dazu habe ich in der Wissensbasis nichts gefunden."
EMPTY_SCOPE = (
    "Die Wissensbasis enthält für Sie noch keine Dokumente – entweder ist noch nichts "
    "eingelesen oder keine Sammlung für Ihre Gruppen freigegeben. Bitte wenden Sie sich an "
    "das Wissensmanagement oder die IT."
)
# Search mode's refusal still offers what came closest, marked as such (issue 12).
CLOSEST_HEADING = "Am nächsten kamen diese Textstellen – sie beantworten die Frage wohl nicht:"
_CITE = re.compile(r"\[(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\]")


@dataclass
class Citation:
    n: int
    doc_id: str
    source: str
    title: str
    section: str
    page: int | None
    text: str
    version: int = 1


@dataclass
class Answer:
    answer: str
    citations: list[Citation]
    unverified: bool
    refused: bool
    mode: str  # "llm" | "search"
    model: str | None
    prompt_version: str  # the hash: the audit's
    timings: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    question: str = ""
    standalone_question: str = ""
    hits: list[Hit] = field(default_factory=list)
    closest: list[Citation] = field(default_factory=list)  # refused: what came closest
    flags: list[str] = field(default_factory=list)  # for the audit, see injection.py
    prompt_label: str = ""  # the prompts' readable version, for people (prompts.py)
    statistics: dict | None = None  # figures computed from a statistics table (figures.py)

    def __post_init__(self) -> None:
        if not self.flags:
            self.flags = source_flags(h.text for h in self.hits)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("hits")
        data["citations"] = [asdict(c) for c in self.citations]
        data["figures"] = (self.statistics or {}).get("figures") or []
        return data


@dataclass
class Prepared:
    """Everything between retrieval and the model's first token."""

    question: str
    standalone: str
    hits: list[Hit]
    inputs: dict[str, str]
    started: float
    timings: dict[str, float]
    final: Answer | None = None  # set when no model call is needed
    model_error: LLMError | None = None  # the model timed out while condensing
    statistics: dict | None = None  # figures for a statistics question (figures.py)
    flags: list[str] = field(default_factory=list)  # for the audit: e.g. dense_unavailable


class AnswerService:
    def __init__(
        self,
        settings: Settings,
        search: SearchService,
        prompts: PromptSet,
        chat_model: BaseChatModel | None,
        relevance,
        figures: stats.Figures | None = None,
    ):
        self.figures = figures  # statistics questions: figures computed from tables
        self.settings = settings
        self.search = search
        self.prompts = prompts
        self.model = chat_model  # None: search mode only
        self.relevance = relevance
        if chat_model is not None:
            parser = StrOutputParser()
            self._answer_chain = prompts.answer | chat_model | parser
            self._condense_chain = prompts.condense | chat_model | parser
        self._rewriter = None
        if chat_model is not None and settings.query_rewrites > 0:
            from assistant.retrieval.rewrite import QueryRewriter

            self._rewriter = QueryRewriter(
                chat_model, settings.query_rewrites, token_gap=settings.llm_token_timeout_s
            )

    # --- phase 1 ---------------------------------------------------------------
    def prepare(
        self,
        question: str,
        scope: Scope,
        history: Sequence[tuple[str, str]] = (),
        *,
        filters: SearchFilters | None = None,
    ) -> Prepared:
        """Condense, retrieve within `scope` (required) and `filters`, decide whether the
        model is asked."""
        require_scope(scope)
        check_question(question, self.settings)  # before any model or redaction work
        started = time.perf_counter()
        timings: dict[str, float] = {}
        condensed = self._condense(question, history, timings, started)
        error = condensed if isinstance(condensed, LLMError) else None
        standalone = question if error else condensed
        rewrites = [] if error else self._rewrite(standalone, timings, started)
        if isinstance(rewrites, LLMError):  # a hung model is not asked again
            error, rewrites = rewrites, []
        t = time.perf_counter()
        result = self.search.search(
            standalone,
            self.settings.search_k,
            scope,
            variants=rewrites,
            filters=filters,
            lane_weight=self._lane_weight(standalone),
        )
        hits = result.hits
        timings["retrieval_ms"] = _ms(t)
        prepared = Prepared(question, standalone, hits, {}, started, timings, model_error=error)
        if result.dense_unavailable:  # keywords alone: the IT staff see it in the audit
            prepared.flags.append("dense_unavailable")
        prepared.statistics = self._statistics(standalone, hits, scope, timings)
        if prepared.statistics and (self.model is None or prepared.model_error is not None):
            prepared.final = self._figures_answer(prepared, prepared.model_error)
            return prepared
        if self.model is None:  # search mode: the calibrated judgement of the whole list
            if self.search.judge(result).refused:
                prepared.final = self._nothing_found(prepared, scope, closest=True)
            else:
                prepared.final = self._search_mode(prepared, _no_model_notice())
            return prepared
        relevant = self._relevant(standalone, result)
        if prepared.statistics:  # the dataset whose table gave the figures is source [1]
            first = hits[prepared.statistics["hit"] - 1]
            relevant = [first, *(h for h in relevant if h.chunk_id != first.chunk_id)]
            prepared.statistics["hit"] = 1
        if not relevant:
            prepared.final = self._nothing_found(prepared, scope)
        elif prepared.model_error is not None:  # a hung model is not asked a second time
            prepared.hits = relevant
            prepared.final = self.fallback(prepared, prepared.model_error)
        else:
            prepared.hits = relevant
            context = format_context(relevant)
            if prepared.statistics:
                context += "\n\n" + stats.facts(prepared.statistics)
            prepared.inputs = {"context": context, "question": question}
            timings["prepare_ms"] = _ms(started)
        return prepared

    def _condense(self, question, history, timings, started: float) -> str | LLMError:
        """The standalone question; the question itself when condensing fails, or the
        error when the model timed out (the answer would wait for it again)."""
        from assistant.llm.ollama import TIMEOUT_CODES, classify_error, timed_stream

        if not history or self.model is None:
            return question
        t = time.perf_counter()
        chunks = self._condense_chain.stream(
            {"history": history_messages(history), "question": question}
        )
        try:
            text = "".join(timed_stream(chunks, **self._waits(started)))
        except Exception as exc:  # noqa: BLE001 - condensation is a help, not a must
            error = classify_error(exc)
            return error if error.code in TIMEOUT_CODES else question
        timings["condense_ms"] = _ms(t)
        line = text.strip().splitlines()[0].strip() if text.strip() else ""
        return line or question

    def _relevant(self, standalone: str, result: SearchResult) -> list[Hit]:
        """Hits the gate lets through. A passage found by a rewrite counts when it covers
        the rewrite's words, and its generated questions (doc2query) count as its words."""
        queries = [(standalone, result.query)] + [(v.text, v) for v in result.variants]
        generated = self.search.question_terms(result.hits)
        return [
            h
            for h in result.hits
            if any(
                self.relevance.is_relevant(q, h, a, generated.get(h.chunk_id, frozenset()))
                for q, a in queries
            )
        ]

    def _rewrite(self, question: str, timings, started: float) -> list[str] | LLMError:
        """Multi-query rewrites of the (standalone) question; [] when off or when the
        model fails, the error when it timed out (the answer would wait for it again).
        Rewriting gets at most half of what is left of the question's model budget, so
        the answer's first token keeps the other half. Only their number is recorded."""
        from assistant.llm.ollama import TIMEOUT_CODES

        if self._rewriter is None:
            return []
        left = self.settings.llm_question_budget_s - (time.perf_counter() - started)
        deadline = min(self.settings.llm_first_token_timeout_s, left / 2)
        done = self._rewriter.rewrite(question, deadline)
        timings["rewrite_ms"] = round(done.seconds * 1000, 3)
        timings["rewrites"] = float(len(done.texts))
        if done.error is not None and done.error.code in TIMEOUT_CODES:
            return done.error
        return done.texts

    def _waits(self, started: float) -> dict[str, float]:
        """First-token and gap timeouts, the first within what is left of the budget."""
        left = self.settings.llm_question_budget_s - (time.perf_counter() - started)
        first = min(self.settings.llm_first_token_timeout_s, left)
        return {"first": first, "gap": self.settings.llm_token_timeout_s}

    # --- phase 2 ---------------------------------------------------------------
    def stream(self, prepared: Prepared) -> Iterator[str]:
        from assistant.llm.ollama import classify_error, timed_stream

        chunks = self._answer_chain.stream(prepared.inputs)
        try:
            yield from timed_stream(chunks, **self._waits(prepared.started))
        except Exception as exc:  # noqa: BLE001 - every model failure becomes a typed LlmError
            raise classify_error(exc) from None

    async def astream(self, prepared: Prepared) -> AsyncIterator[str]:
        from assistant.llm.ollama import atimed_stream, classify_error

        chunks = self._answer_chain.astream(prepared.inputs)
        try:
            async for text in atimed_stream(chunks, **self._waits(prepared.started)):
                yield text
        except Exception as exc:  # noqa: BLE001 - every model failure becomes a typed LlmError
            raise classify_error(exc) from None

    # --- phase 3 ---------------------------------------------------------------
    def finish(self, prepared: Prepared, text: str) -> Answer:
        cited, invalid = check_citations(text, len(prepared.hits))
        citations = [_citation(n, prepared.hits[n - 1]) for n in cited]
        prepared.timings["total_ms"] = _ms(prepared.started)
        # A decision's result is a fact like a figure: it must be in the cited text.
        results = unsupported_results(
            text,
            [source_text(h) for h in prepared.hits],
            lambda s: check_citations(s, len(prepared.hits))[0],
        )
        # A number not among the computed figures and table cells is unverified, like a
        # sentence without a source.
        numbers = (
            stats.unsupported_numbers(text, prepared.statistics, prepared.question)
            if prepared.statistics
            else []
        )
        return Answer(
            statistics=prepared.statistics,
            answer=text.strip(),
            citations=citations,
            unverified=bool(invalid) or not cited or bool(results) or bool(numbers),
            refused=False,
            mode="llm",
            model=self.settings.ollama_model,
            prompt_version=self.prompts.version,
            prompt_label=self.prompts.label,
            timings=prepared.timings,
            question=prepared.question,
            standalone_question=prepared.standalone,
            hits=prepared.hits,
        )

    def fallback(self, prepared: Prepared, error: LLMError) -> Answer:
        """Search mode after the model failed (unreachable, missing, timed out)."""
        if prepared.statistics:
            return self._figures_answer(prepared, error)
        notice = f"{error.message} {error.hint or ''}".strip()
        return self._search_mode(prepared, notice)

    def ask(self, question: str, scope: Scope, history=(), filters=None) -> Answer:
        """The whole path without streaming (tests, benchmarks; people go through
        `Assistant.ask`, which also resolves the scope and writes the audit row)."""
        prepared = self.prepare(question, scope, history, filters=filters)
        if prepared.final:
            return prepared.final
        try:
            text = "".join(self.stream(prepared))
        except LLMError as exc:
            return self.fallback(prepared, exc)
        return self.finish(prepared, text)

    # --- helpers ---------------------------------------------------------------
    def _lane_weight(self, question: str, figure: bool = False) -> float | None:
        """Datasets' dense weight for a question that asks for a figure: the table weight,
        since its years and places are exact words that embeddings blur (a city's whole
        table would outrank its district's); else None, the setting."""
        if figure or (self.figures is not None and self.figures.asks_for_figure(question)):
            return min(self.settings.opendata_weight_dense, TABLE_DENSE_WEIGHT)
        return None

    def _statistics(self, question: str, hits: list[Hit], scope: Scope, timings) -> dict | None:
        """Figures from the table of a top hit, or, for a question that asks for a figure,
        from a dataset among those with a stored table (a second search restricted to them:
        thousands of catalogue entries without a table crowd the few with one out of the
        first hits, and one dataset per year crowds out another city's) when its table reads
        more of the question. That dataset then leads the hits, as source [1]."""
        if self.figures is None or not hits:
            return None
        t = time.perf_counter()
        found = self.figures(question, hits)
        tabled = self.figures.tabled(question, hits)
        if tabled is not None:
            k = max(self.settings.search_k, TABLED_K)
            lane = self._lane_weight(question, figure=True)
            more = self.search.search(question, k, scope, where=tabled, lane_weight=lane).hits
            other = self.figures(question, more, strict=True) if more else None
            if other and (not found or other.get("score", 0) > found.get("score", 0)):
                first = more[other["hit"] - 1]
                hits[:] = [first, *(h for h in hits if h.chunk_id != first.chunk_id)]
                found, other["hit"] = other, 1
        timings["figures_ms"] = _ms(t)
        return found

    def _figures_answer(self, prepared: Prepared, error: LLMError | None = None) -> Answer:
        """A statistics question without a model: the computed figures, how, and the
        dataset as source [1] (search mode: nothing in it is generated)."""
        prepared.timings["total_ms"] = _ms(prepared.started)
        found = prepared.statistics or {}
        hit = prepared.hits[found["hit"] - 1]
        found["hit"] = 1
        notice = f"{error.message} {error.hint or ''}".strip() if error else None
        return Answer(
            answer=found["text"],
            citations=[_citation(1, hit)],
            unverified=False,
            refused=False,
            mode="search",
            model=None,
            prompt_version=self.prompts.version,
            prompt_label=self.prompts.label,
            timings=prepared.timings,
            notice=notice,
            question=prepared.question,
            standalone_question=prepared.standalone,
            hits=[hit],
            statistics=found,
        )

    def _nothing_found(self, prepared: Prepared, scope: Scope, closest: bool = False) -> Answer:
        prepared.timings["total_ms"] = _ms(prepared.started)
        empty = not prepared.hits and not self.search.has_documents(scope)
        near = [_citation(i, h) for i, h in enumerate(prepared.hits[:3], 1)] if closest else []
        query = prepared.standalone
        lines = [f"[{c.n}] {c.title} – {c.section}: {_snippet(c.text, query)}" for c in near]
        return Answer(
            notice=EMPTY_SCOPE if empty else None,
            answer="\n\n".join([NOTHING_FOUND, CLOSEST_HEADING, "\n".join(lines)])
            if near
            else NOTHING_FOUND,
            closest=near,
            citations=[],
            unverified=False,
            refused=True,
            mode="search" if self.model is None else "llm",
            model=None,
            prompt_version=self.prompts.version,
            prompt_label=self.prompts.label,
            timings=prepared.timings,
            question=prepared.question,
            standalone_question=prepared.standalone,
            hits=prepared.hits[:3],
        )

    def _search_mode(self, prepared: Prepared, notice: str) -> Answer:
        prepared.timings["total_ms"] = _ms(prepared.started)
        hits = prepared.hits
        lines = [
            f"[{i}] {h.title} – {h.section}: {_snippet(h.text, prepared.standalone)}"
            for i, h in enumerate(hits, 1)
        ]
        return Answer(
            answer="\n".join(lines),
            citations=[_citation(i, h) for i, h in enumerate(hits, 1)],
            unverified=False,
            refused=False,
            mode="search",
            model=None,
            prompt_version=self.prompts.version,
            prompt_label=self.prompts.label,
            timings=prepared.timings,
            notice=notice,
            question=prepared.question,
            standalone_question=prepared.standalone,
            hits=hits,
        )


def check_citations(text: str, n_context: int) -> tuple[list[int], list[int]]:
    """Valid cited numbers (in order of first use) and invalid ones."""
    valid: list[int] = []
    invalid: list[int] = []
    for match in _CITE.finditer(text):
        for number in _numbers(match.group(1)):
            target = valid if 1 <= number <= n_context else invalid
            if number not in target:
                target.append(number)
    return valid, invalid


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        bounds = re.split(r"\s*[–-]\s*", part)
        if len(bounds) == 2 and int(bounds[1]) - int(bounds[0]) < 20:
            out.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            out.extend(int(b) for b in bounds)
    return out


def _citation(n: int, h: Hit) -> Citation:
    return Citation(
        n=n,
        doc_id=h.doc_id,
        source=h.source,
        title=h.title,
        section=h.section,
        page=h.page,
        text=h.text,
        version=h.version,
    )


def _no_model_notice() -> str:
    return (
        "Es ist kein Sprachmodell eingestellt (ASSISTANT_OLLAMA_MODEL). Angezeigt werden die "
        "passendsten Textstellen."
    )


def _snippet(text: str, query: str) -> str:
    """The part of `text` around the words of `query` (snippets.py), on one line: table
    rows apart by " / "."""
    lines = (" ".join(line.split()) for line in snippet(text, query).splitlines())
    return " / ".join(line for line in lines if line)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
