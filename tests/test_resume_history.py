"""A stored conversation's message steps become the history follow-ups condense against."""

from __future__ import annotations

from assistant.web.ui import history_from_steps


def step(kind: str, output: str, at: str) -> dict:
    return {"type": kind, "output": output, "createdAt": at}


def test_questions_with_their_last_reply_in_time_order_without_source_lists():
    steps = [
        step("assistant_message", "Willkommen", "2026-11-30T09:00:00"),  # before any question
        step("user_message", "Wie hoch ist das Tagegeld?", "2026-11-30T09:01:00"),
        step("run", "intern", "2026-11-30T09:01:01"),
        step(
            "assistant_message",
            "Es beträgt 14 Euro [1].\n\n**Quellen**\n\n- [1] Reise",
            "2026-11-30T09:01:05",
        ),
        step("user_message", "/dokumente", "2026-11-30T09:02:00"),  # a command, not a question
        step("assistant_message", "Ihre Dokumente: …", "2026-11-30T09:02:01"),
        step("user_message", "Und bei <PERSON_1>?", "2026-11-30T09:04:00"),
        step("assistant_message", "Hochladen läuft …", "2026-11-30T09:04:01"),
        step(
            "assistant_message",
            "Bei mehrtägigen Reisen 28 Euro [1].\n\n**Gefundene Textstellen**\n\n- [1] Reise",
            "2026-11-30T09:04:02",
        ),
        step("user_message", "Noch offen?", "2026-11-30T09:05:00"),  # never answered
    ]
    shuffled = steps[::2] + steps[1::2]  # the store's order is not the conversation's
    assert history_from_steps(shuffled) == [
        ("user", "Wie hoch ist das Tagegeld?"),
        ("assistant", "Es beträgt 14 Euro [1]."),
        ("user", "Und bei <PERSON_1>?"),
        ("assistant", "Bei mehrtägigen Reisen 28 Euro [1]."),
    ]
    assert history_from_steps([]) == []
