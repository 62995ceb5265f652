"""Multi-query: the local chat model rewrites a question before it is searched.

Everyday questions often share no word with the passage that answers them ("Tippfehler
im Bescheid" → offenbare Unrichtigkeit, § 42 VwVfG); the lexical methods that learn
from the index cannot bridge that (docs/retrieval.md, issue 12). A chat model knows
the statute's word: `QueryRewriter` asks it for 2–3 rewrites in everyday and in
statute German, and `SearchService.search(..., variants=...)` searches each and fuses
them with the question by reciprocal rank.

The rewrites are derived from what a person typed: they live in memory only – never
logged, never in an audit row or an answer (`Answer` carries only their number in
its timings). A model that fails or is slow costs the plain search, nothing else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.config import Settings
    from assistant.errors import LLMError

REWRITE_SYSTEM = (
    "Du hilfst bei der Suche in der Wissensbasis einer Stadtverwaltung (Gesetze, Satzungen, "
    "Dienstanweisungen, Leitfäden). Formuliere die Frage der Nutzerin {n}-mal um, damit die "
    "Suche die passende Textstelle findet: mindestens einmal mit den Fachbegriffen aus "
    "Gesetz und Verwaltung (z. B. Bürgergeld statt Stütze, offenbare Unrichtigkeit statt "
    "Tippfehler im Bescheid, Angehörige statt Schwager) und einmal in einfacher "
    "Alltagssprache. Jede Umformulierung auf eine eigene Zeile, ohne Nummern, ohne "
    "Erklärung. Beantworte die Frage nicht."
)
_MAX_CHARS = 300  # one rewrite: a line, not a page (the lexical query caps words too)
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)]|[a-c][.)])\s*")


@dataclass
class Rewrites:
    """What the model gave (possibly nothing) and, if it failed, the error."""

    texts: list[str]
    seconds: float
    error: LLMError | None = None


class QueryRewriter:
    """Asks the chat model for `count` rewrites of a question, within a deadline."""

    def __init__(self, model: BaseChatModel, count: int, *, token_gap: float):
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        self.count = count
        self.token_gap = token_gap
        prompt = ChatPromptTemplate.from_messages(
            [("system", REWRITE_SYSTEM), ("human", "{question}")]
        )
        self._chain = prompt | model | StrOutputParser()

    def rewrite(self, question: str, deadline_s: float) -> Rewrites:
        """Up to `count` rewrites, different from the question and from each other.

        The model must start within `deadline_s`; a stalled stream is left after
        `min(token_gap, deadline_s)`, and reading stops at the deadline (complete
        lines read so far are kept). Never raises for a model failure: the error is
        returned, classified (ollama.classify_error), and the texts are empty."""
        from assistant.llm.ollama import classify_error, timed_stream

        started = time.perf_counter()
        if self.count <= 0 or deadline_s <= 0:
            return Rewrites([], 0.0)
        text = ""
        try:
            chunks = self._chain.stream({"question": question, "n": self.count})
            gap = min(self.token_gap, deadline_s)
            for chunk in timed_stream(chunks, first=deadline_s, gap=gap):
                text += chunk
                if time.perf_counter() - started > deadline_s:
                    text = text.rsplit("\n", 1)[0] if "\n" in text else ""  # whole lines only
                    break
        except Exception as exc:  # noqa: BLE001 - rewriting is a help, never a must
            return Rewrites([], time.perf_counter() - started, classify_error(exc))
        return Rewrites(parse_rewrites(text, question, self.count), time.perf_counter() - started)


def parse_rewrites(text: str, question: str, count: int) -> list[str]:
    """The model's lines as rewrites: bullets and numbers stripped, quotes dropped,
    empty lines, repeats and the question itself left out, at most `count`."""
    seen = {_key(question)}
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip().strip("\"„“”'").strip()
        if not line or line.endswith(":") or len(line) > _MAX_CHARS:
            continue  # a heading such as "Umformulierungen:" or a runaway paragraph
        if _key(line) in seen:
            continue
        seen.add(_key(line))
        out.append(line)
        if len(out) == count:
            break
    return out


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def build_rewriter(settings: Settings) -> Callable[[str], list[str]]:
    """`question -> rewrites` for measuring (`assistant eval`): the configured number of
    rewrites from the configured chat model, each within the first-token timeout; no
    rewrites when switched off or without a model (and none when the model fails)."""
    if settings.query_rewrites <= 0 or not settings.ollama_model.strip():
        return lambda question: []
    from assistant.llm.ollama import build_chat_model

    rewriter = QueryRewriter(
        build_chat_model(settings), settings.query_rewrites, token_gap=settings.llm_token_timeout_s
    )
    return lambda question: rewriter.rewrite(question, settings.llm_first_token_timeout_s).texts
