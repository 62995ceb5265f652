"""What one person may send: the length of a question and messages per minute.

Both are checked before any model or redaction work: the length in
`AnswerService.prepare` (every channel) and, in the chat, before Chainlit stores
the message (web/limits.py); the rate per person in the chat.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.config import Settings

WINDOW_S = 60.0


def check_question(text: str, settings: Settings) -> None:
    """An empty or too long question raises `InputError` with a German message."""
    if not text.strip():
        raise InputError("Bitte geben Sie eine Frage ein.")
    limit = settings.max_question_chars
    if len(text) > limit:
        raise InputError(
            f"Ihre Nachricht ist mit {len(text):,} Zeichen zu lang; möglich sind höchstens "
            f"{limit:,} Zeichen.".replace(",", "."),
            code="too_long",
            hint="Bitte stellen Sie eine kürzere Frage. Ganze Dokumente bitte als Datei "
            "hochladen, nicht in das Eingabefeld kopieren.",
        )


class MessageRate:
    """At most `chat_messages_per_minute` accepted messages per person in any 60 s.

    In memory, per serving process (one process serves the chat); refused
    messages do not count, so waiting a moment always helps.
    """

    def __init__(self, settings: Settings, clock=time.monotonic):
        self.limit = settings.chat_messages_per_minute
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, person: str) -> None:
        """Count a message of `person`, or raise `InputError` (code rate_limit)."""
        now = self._clock()
        with self._lock:
            sent = self._sent.setdefault(person, deque())
            while sent and now - sent[0] >= WINDOW_S:
                sent.popleft()
            if len(sent) >= self.limit:
                wait = max(1, round(WINDOW_S - (now - sent[0])))
                raise InputError(
                    f"Sie haben in der letzten Minute {self.limit} Nachrichten gesendet; "
                    f"mehr sind nicht möglich. Bitte warten Sie {wait} Sekunden.",
                    code="rate_limit",
                )
            sent.append(now)
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: people without a message in the window are dropped.
        if len(self._sent) > 1000:
            for person in [p for p, q in self._sent.items() if not q or now - q[-1] >= WINDOW_S]:
                del self._sent[person]
