"""A stored conversation's message steps become the history follow-ups condense against."""

from __future__ import annotations

import json

from assistant.web.interruption import INTERRUPTED, NOTICE, cut_off, is_notice
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


def test_a_question_cut_off_by_a_dead_worker_is_found_and_its_notice_is_no_reply():
    """web/interruption.py: the stored thread ends with an unanswered question; the notice
    added on resume is stored with its mark (metadata as JSON text, as the store returns
    it) and must not count as the answer to that question in the history."""
    notice = step("assistant_message", NOTICE, "2026-11-30T09:03:00")
    notice["metadata"] = json.dumps({"kind": INTERRUPTED})
    steps = [
        step("user_message", "Wie hoch ist das Tagegeld?", "2026-11-30T09:01:00"),
        step("run", "on_message", "2026-11-30T09:01:01"),
        step("assistant_message", "Es beträgt 14 Euro [1].", "2026-11-30T09:01:05"),
        step("user_message", "Wer genehmigt die Reise?", "2026-11-30T09:02:00"),
        step("run", "on_message", "2026-11-30T09:02:01"),  # the killed worker's, never ended
    ]
    assert cut_off(steps[::-1]) and not cut_off(steps[:3]) and not cut_off([])
    again = [
        step("user_message", "Wer genehmigt die Reise?", "2026-11-30T09:04:00"),
        step("assistant_message", "Die Vorgesetzte [1].", "2026-11-30T09:04:05"),
    ]
    assert not cut_off([*steps, notice]) and is_notice(notice) and not is_notice(steps[2])
    assert history_from_steps([*steps, notice, *again]) == [
        ("user", "Wie hoch ist das Tagegeld?"),
        ("assistant", "Es beträgt 14 Euro [1]."),
        ("user", "Wer genehmigt die Reise?"),
        ("assistant", "Die Vorgesetzte [1]."),
    ]
