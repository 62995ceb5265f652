"""The one way to redact what is stored: `redact_or_mask`, and redaction per conversation.

Every writer that stores text people typed or read (audit rows, chat history,
log records) goes through `redact_or_mask`: redacted text, or the whole text
masked when redaction fails in any way. `ConversationRedactor` adds what a
conversation needs: one placeholder map (the same person is `<PERSON_1>` in the
question, the answer, the stored history and the audit row) and each text
redacted once (the chat history and the audit row share the result).

    conversations = ConversationRedactor(lambda: services.redactor)
    conversations.redact(question, thread_id).text
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from assistant.privacy.logfilter import redacting
from assistant.privacy.results import MASK, PlaceholderMap, Redaction

log = logging.getLogger(__name__)

MASKED = Redaction(MASK, (), {}, True)
MAX_CONVERSATIONS = 2000  # placeholder maps kept in memory (least recently used go)
MEMO_PER_CONVERSATION = 16  # redacted texts remembered per conversation (a few turns)
MAX_SOURCES = 40  # passages remembered per conversation (the last few answers' sources)
MIN_PART = 40  # a remembered text this long is reused inside a longer one (answer in message)


def redact_or_mask(
    redactor,
    text: str | None,
    placeholders: PlaceholderMap | None = None,
    *,
    where: str = "redaction",
    quoted: bool = False,
    sources: Sequence[str] = (),
) -> Redaction:
    """`text` redacted by `redactor` (a `Redactor` or a function returning one); on any
    failure the whole text is masked and the log gets the exception type only.
    `quoted`/`sources`: text the assistant wrote or quoted, see `Redactor.redact`."""
    try:
        engine = redactor if hasattr(redactor, "redact") else redactor()
        with redacting():  # a record logged meanwhile is masked, not redacted again
            if quoted:
                result = engine.redact(text or "", placeholders, quoted=True, sources=sources)
            else:
                result = engine.redact(text or "", placeholders)
        if result.failed or not isinstance(result.text, str):
            return MASKED
        return result
    except Exception as exc:  # noqa: BLE001 - the text must never pass unredacted
        log.error("%s: redaction raised %s; text masked", where, type(exc).__name__)
        return MASKED


class ConversationRedactor:
    """Redaction with one placeholder map per conversation, each text redacted once.

    Remembered texts are keyed by a keyed hash, so nothing raw stays in memory
    longer than the redaction itself. Thread-safe.
    """

    def __init__(self, redactor, max_conversations: int = MAX_CONVERSATIONS):
        self._redactor: object | Callable = redactor
        self._max = max_conversations
        self._maps: OrderedDict[str, _Conversation] = OrderedDict()
        self._key = secrets.token_bytes(16)
        self._lock = threading.Lock()

    def placeholders(self, conversation_id: str | None) -> PlaceholderMap:
        """The conversation's placeholder map (created on first use)."""
        return self._entry(conversation_id).placeholders

    def remember_sources(self, conversation_id: str | None, texts: Sequence[str]) -> None:
        """The passages shown in the conversation: knowledge-base text, not the asker's
        data. A value the assistant quotes from them stays readable in stored answers."""
        entry = self._entry(conversation_id)
        with self._lock:
            for text in texts:
                if text and text not in entry.sources:
                    entry.sources.append(text)
            del entry.sources[:-MAX_SOURCES]

    def redact(
        self,
        text: str | None,
        conversation_id: str | None,
        *,
        where: str = "redaction",
        quoted: bool = False,
    ) -> Redaction:
        """`text` redacted with the conversation's placeholders. The same text of the same
        conversation is redacted once; a text that contains one redacted before (the chat
        message around an answer) reuses that part and redacts only the rest.

        `quoted`: the assistant's text (an answer, a cited passage) rather than what the
        person typed; see `Redactor.redact`."""
        entry = self._entry(conversation_id)
        placeholders, memo = entry.placeholders, entry.memo
        text = text or ""
        digest = hashlib.blake2b(text.encode(), key=self._key, digest_size=16).digest()
        key = (quoted, digest)
        with self._lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key][1]
            known = [
                (raw, done)
                for (q, _), (raw, done) in memo.items()
                if q == quoted and raw and raw in text
            ]
            sources = tuple(entry.sources) if quoted else ()
        redact = partial(
            redact_or_mask, self._redactor, where=where, quoted=quoted, sources=sources
        )
        result = (
            self._composed(text, known[-1], placeholders, redact)
            if known
            else redact(text, placeholders)
        )
        with self._lock:
            # The raw text stays in memory (never on disk) while the conversation is
            # recent, like the chat's own session; only long texts can be parts.
            memo[key] = (text if len(text) >= MIN_PART else None, result)
            while len(memo) > MEMO_PER_CONVERSATION:
                memo.popitem(last=False)
        return result

    @staticmethod
    def _composed(text: str, known: tuple[str, Redaction], placeholders, redact) -> Redaction:
        raw, done = known
        before, _, after = text.partition(raw)
        parts = [
            redact(before, placeholders) if before.strip() else Redaction(before, (), {}, False),
            done,
            redact(after, placeholders) if after.strip() else Redaction(after, (), {}, False),
        ]
        if any(p.failed for p in parts):
            return MASKED
        counts: dict[str, int] = {}
        for part in parts:
            for kind, n in part.counts.items():
                counts[kind] = counts.get(kind, 0) + n
        # Offsets of the parts' entities no longer fit the whole text: the counts do.
        return Redaction("".join(p.text for p in parts), (), counts, False)

    def __len__(self) -> int:
        return len(self._maps)

    def _entry(self, conversation_id: str | None) -> _Conversation:
        key = str(conversation_id or "")
        with self._lock:
            if key in self._maps:
                self._maps.move_to_end(key)
            else:
                self._maps[key] = _Conversation(PlaceholderMap(), OrderedDict(), [])
                while len(self._maps) > self._max:
                    self._maps.popitem(last=False)
            return self._maps[key]


@dataclass
class _Conversation:
    """What redaction keeps of one conversation, in memory only."""

    placeholders: PlaceholderMap
    memo: OrderedDict  # (quoted, keyed hash of a text) -> (raw text or None, Redaction)
    sources: list[str]  # passages shown (knowledge-base text)
