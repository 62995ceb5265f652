"""An answer cut off because the app process giving it died (issue 17: a worker killed
mid-answer, see docs/operations.md "When a process dies mid-answer").

Chainlit keeps a chat session in the memory of one process. When that process dies, the
page's socket reconnects through HAProxy to another process, which does not know the
session: Chainlit resumes the thread from the chat history instead (the page is on
/thread/<id> from the first question on), and the page redraws the conversation from
what is stored. A streamed answer is stored only when it is complete (`Message.send`
after the last token; the audit row is written then too), so the cut-off answer is
neither in the history nor in the audit log: the thread ends with a question that no
reply follows. `tell_if_cut_off` finds that on resume and adds a German notice to the
thread, stored like any message (so the next resume does not repeat it) and marked, so
that the question it follows counts as unanswered in the history for follow-ups (ui.py).

A page reloaded while its process still answers looks the same on resume; the notice is
then true for the page (its stream is gone) and the finished answer lands after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import chainlit as cl

INTERRUPTED = "interrupted"  # metadata kind of the notice
NOTICE = (
    "Die Verbindung zum Server wurde unterbrochen; die letzte Antwort ist unvollständig. "
    "Bitte stellen Sie die Frage erneut."
)


def cut_off(steps: Iterable[Mapping[str, Any]]) -> bool:
    """The stored conversation ends with a question that no reply follows (answers, search
    mode, error texts, the stop notice and command replies are all assistant messages)."""
    answered = True
    for step in sorted(steps, key=lambda st: str(st.get("createdAt") or "")):
        if step.get("type") == "user_message":
            answered = False
        elif step.get("type") == "assistant_message":
            answered = True
    return not answered


def is_notice(step: Mapping[str, Any]) -> bool:
    """The step is this notice (stored metadata comes back as JSON text)."""
    metadata = step.get("metadata")
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return False
    return isinstance(metadata, dict) and metadata.get("kind") == INTERRUPTED


async def tell_if_cut_off(thread: dict) -> bool:
    """On resume: when the thread's last question went unanswered, send and store the
    notice. Chainlit redraws the page from `thread["steps"]` after `on_chat_resume`, which
    would drop a message sent before: the notice joins that list too."""
    steps = thread.get("steps")
    if not isinstance(steps, list) or not cut_off(steps):
        return False
    notice = cl.Message(content=NOTICE, metadata={"kind": INTERRUPTED})
    await notice.send()
    steps.append(notice.to_dict())
    return True
