"""The one use case: a person asks, and gets an answer with citations and one audit row.

    reply = assistant.ask(person, "Wie hoch ist das Tagegeld?", conversation)
    reply.answer.citations, reply.audit_id

Every channel – the chat, `assistant ask`, any later one – is a thin adapter over
`Assistant`. What a channel must not get wrong lives here, once:

* **who** asks: a logged-in person is looked up in the account store on every
  question (`AccountService.current`), so a removed account or changed groups
  apply at once; only the operator at the terminal (`Operator`) reads everything;
* **what** they may read: the scope comes from `CollectionService.scope`; search
  and answering take no other kind of argument, so there is no path on which a
  person's question reaches the indexes without it;
* **what is stored**: one audit row per answer, redacted with the conversation's
  placeholder map (`ConversationRedactor`, shared with the chat history, so each
  text is redacted once).

The chat streams, so the path is also offered in three steps with the same
effect: `prepare` → `stream`/`astream` → `complete`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.access.accounts import Operator
from assistant.errors import AccessDenied, LLMError

if TYPE_CHECKING:
    from assistant.access.accounts import AccountService, Person
    from assistant.access.collections import CollectionService
    from assistant.answering.answer import Answer, AnswerService, Prepared
    from assistant.answering.health import ModelHealthLog
    from assistant.privacy.audit import AuditLog
    from assistant.retrieval.filters import SearchFilters

log = logging.getLogger("assistant.answering.ask")

HISTORY_TURNS = 6  # question/answer pairs kept for condensing follow-up questions
HISTORY_CHARS = 1500  # of one answer in the history
NO_ACCOUNT = (
    "Ihr Konto ist nicht (mehr) freigeschaltet. Bitte melden Sie sich neu an oder "
    "wenden Sie sich an die IT."
)


@dataclass
class Conversation:
    """One conversation: its id (the chat's thread; a fresh one per CLI call) and the
    latest turns as typed, for condensing follow-ups. The turns live in memory only;
    what is stored anywhere is redacted."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    history: list[tuple[str, str]] = field(default_factory=list)

    def remember(self, question: str, answer: str) -> None:
        self.history += [("user", question), ("assistant", answer[:HISTORY_CHARS])]
        del self.history[: -2 * HISTORY_TURNS]


@dataclass
class Turn:
    """One question between `prepare` and `complete`."""

    person: Person
    conversation: Conversation
    prepared: Prepared
    parts: list[str] = field(default_factory=list)
    error: LLMError | None = None
    attempt: int = 0  # 1: the model was asked again on another server; earlier text is void


@dataclass
class Reply:
    answer: Answer
    audit_id: int


class Assistant:
    def __init__(
        self,
        answers: AnswerService,
        accounts: AccountService,
        collections: CollectionService,
        audit: AuditLog,
        health: ModelHealthLog | None = None,
    ):
        self.answers = answers
        self.accounts = accounts
        self.collections = collections
        self.audit = audit
        self.health = health

    def ask(
        self,
        person: Person,
        question: str,
        conversation: Conversation | None = None,
        collections: Sequence[str] = (),
        filters: SearchFilters | None = None,
    ) -> Reply:
        """The whole path without streaming (`assistant ask`)."""
        turn = self.prepare(person, question, conversation, collections, filters)
        for _ in self.stream(turn):
            pass
        return self.complete(turn)

    def prepare(
        self,
        person: Person,
        question: str,
        conversation: Conversation | None = None,
        collections: Sequence[str] = (),
        filters: SearchFilters | None = None,
    ) -> Turn:
        """Look the person up, resolve their scope (narrowed to `collections`), condense
        and retrieve (every hit meeting `filters`); the model is not asked yet."""
        person = self._current(person)
        conversation = conversation if conversation is not None else Conversation()
        scope = self.collections.scope(person, collections)
        prepared = self.answers.prepare(question, scope, conversation.history, filters=filters)
        # Before any of it is stored: quoted passages are not the asker's data.
        self.audit.remember_sources(conversation.id, [hit.text for hit in prepared.hits])
        return Turn(person, conversation, prepared)

    def stream(self, turn: Turn) -> Iterator[str]:
        """The model's text; a failure is kept for `complete` (search mode), not raised.

        When an Ollama server of a pool fails, the question is asked once more on
        another; `turn.attempt` then grows and the text so far is void (a channel that
        showed it replaces it with the new text)."""
        if turn.prepared.final is not None:
            return
        for attempt in range(2):
            turn.attempt = attempt
            try:
                for delta in self.answers.stream(turn.prepared):
                    turn.parts.append(delta)
                    yield delta
                return
            except LLMError as exc:
                if not self._retry(turn, exc):
                    return

    async def astream(self, turn: Turn) -> AsyncIterator[str]:
        """`stream` for the event loop."""
        if turn.prepared.final is not None:
            return
        for attempt in range(2):
            turn.attempt = attempt
            try:
                async for delta in self.answers.astream(turn.prepared):
                    turn.parts.append(delta)
                    yield delta
                return
            except LLMError as exc:
                if not self._retry(turn, exc):
                    return

    def _retry(self, turn: Turn, error: LLMError) -> bool:
        """Once, when another Ollama server of the pool is left; else keep the error."""
        from assistant.llm.pool import may_retry

        if turn.attempt == 0 and may_retry(self.answers.model, error):
            log.warning("Ollama server failed (%s), asking another one", error.code)
            turn.parts.clear()
            return True
        turn.error = error
        return False

    def complete(self, turn: Turn) -> Reply:
        """The answer (generated, search mode or refusal), remembered in the conversation
        and written to the audit log."""
        answer = self._answer(turn)
        answer.flags = [*answer.flags, *turn.prepared.flags]
        self._record_health(turn)
        turn.conversation.remember(turn.prepared.question, answer.answer)
        audit_id = self.audit.record_answer(
            answer,
            user=turn.person.name,
            roles=turn.person.roles,
            conversation_id=turn.conversation.id,
        )
        return Reply(answer, audit_id)

    def _answer(self, turn: Turn) -> Answer:
        if turn.prepared.final is not None:
            return turn.prepared.final
        if turn.error is not None:
            return self.answers.fallback(turn.prepared, turn.error)
        return self.answers.finish(turn.prepared, "".join(turn.parts))

    def _record_health(self, turn: Turn) -> None:
        """A timed-out or silent model makes the model degraded (doctor, IT page)."""
        from assistant.llm.ollama import TIMEOUT_CODES

        if self.health is None:
            return
        error = turn.error or turn.prepared.model_error
        if error is not None and error.code in TIMEOUT_CODES:
            self.health.failed()
        elif error is None and turn.parts:
            self.health.answered()

    def _current(self, person: Person | None) -> Person:
        if isinstance(person, Operator):
            return person
        current = self.accounts.current(person)
        if current is None:
            raise AccessDenied(NO_ACCOUNT)
        return current
