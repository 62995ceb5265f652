"""Item 5 of issue 11: a hung model does not hold the person.

Probe: with Ollama silent after its first token, the search-mode fallback came after
120 s, for a follow-up after 241 s (condensing and answering each waited out one long
read timeout). Now, against a served app over socket.io with the fake Ollama hanging:
separate first-token and between-token timeouts within one budget per question, a
German notice while the model prepares, the search-mode passages within the gap
timeout when it falls silent, and `doctor` and the IT page show the model degraded.
Timeouts are small here (settings), so the probes stay quick.
"""

from __future__ import annotations

import json
import time

import pytest
from probe_app import PASSWORD, run_cli, serve
from served import Chat, get, token

FIRST_TOKEN_S, GAP_S, BUDGET_S, NOTICE_S = 3.0, 1.5, 3.5, 1.0
SLACK_S = 2.5  # retrieval, audit row, rendering, socket
QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
FOLLOW_UP = "Und bei einer Abwesenheit von mehr als acht Stunden?"
WAITING = "Das Sprachmodell bereitet die Antwort vor"
DOCUMENT = """# Reisekostenrichtlinie

## § 6 Tagegeld

Das Tagegeld bei einer ganztägigen Dienstreise beträgt 28 Euro. Bei einer Abwesenheit
von mehr als acht Stunden beträgt das Tagegeld 14 Euro.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, ollama_server):
    ollama_server.start()
    server = serve(
        tmp_path_factory.mktemp("hangs"),
        ollama_server.url,
        {"reisekosten.md": DOCUMENT},
        users=("hanna", ("itprobe", "--role", "it")),
        llm_first_token_timeout_s=str(FIRST_TOKEN_S),
        llm_token_timeout_s=str(GAP_S),
        llm_question_budget_s=str(BUDGET_S),
        llm_wait_notice_s=str(NOTICE_S),
    )
    warm = Chat(server.url, token(server.url, "hanna", PASSWORD))  # lazy loads of a first
    warm.ask(QUESTION)  # question (redaction for the audit row …) are not what is measured
    warm.close()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_ollama):
    fake_ollama.stall_s = 30.0  # conftest's fake, with a hang shorter than its default
    yield fake_ollama
    fake_ollama.stall_after = None  # later modules use the session's fake without resetting
    fake_ollama.first_token_delay = fake_ollama.token_delay = 0.0


@pytest.fixture
def chat(app):
    # IT's account: it is shown why search mode came (staff get a plain sentence, issue 13 item 5).
    session = Chat(app.url, token(app.url, "itprobe", PASSWORD))
    yield session
    session.close()


def elapsed(answer) -> float:
    return answer.events[-1][0] - answer.sent


def streamed(answer) -> list[str]:
    """What the person saw appear in the reply while it was being written."""
    out = []
    for _, event, data in answer.events:
        if event == "stream_start" and isinstance(data, dict):
            out.append(str(data.get("output") or ""))
        elif event == "stream_token" and isinstance(data, dict):
            out.append(str(data.get("token") or ""))
    return out


def test_a_model_silent_after_its_first_token_gives_search_mode_within_the_gap(chat, fake):
    fake.stall_after = 1
    answer = chat.ask(QUESTION, timeout=60)

    reply = answer.reply()["output"]
    assert "Suchmodus" in reply and "verstummt" in reply, reply
    assert "28 Euro" in reply  # the passages follow the notice
    silent_from = next(t for t, e, _ in answer.events if e == "stream_start")
    assert answer.events[-1][0] - silent_from < GAP_S + SLACK_S


def test_a_follow_up_to_a_hung_model_waits_once_not_twice(chat, fake):
    assert "28 Euro" in chat.ask(QUESTION).reply()["output"]  # a history to condense against
    fake.reset()
    fake.stall_after = 1
    answer = chat.ask(FOLLOW_UP, timeout=60)

    reply = answer.reply()["output"]
    assert "Suchmodus" in reply and "14 Euro" in reply, reply
    assert elapsed(answer) < GAP_S + SLACK_S, elapsed(answer)
    assert len(fake.requests_to("/api/chat")) == 1  # condensing hung: no second wait


def test_a_slow_first_token_is_announced_in_german_and_then_answered(chat, fake):
    fake.first_token_delay = NOTICE_S + 1.0  # within the first-token timeout
    answer = chat.ask(QUESTION, timeout=60)

    seen = streamed(answer)
    assert seen and WAITING in seen[0], seen  # shown while waiting …
    reply = answer.reply()["output"]
    assert "28 Euro" in reply and WAITING not in reply, reply  # … and replaced by the answer
    assert "Suchmodus" not in reply


def test_no_first_token_within_the_timeout_gives_search_mode(chat, fake):
    fake.first_token_delay = 30.0
    answer = chat.ask(QUESTION, timeout=60)

    reply = answer.reply()["output"]
    assert "Suchmodus" in reply and "nicht rechtzeitig" in reply, reply
    assert elapsed(answer) < FIRST_TOKEN_S + SLACK_S, elapsed(answer)


def test_condensing_and_answering_share_one_budget(chat, fake):
    assert "28 Euro" in chat.ask(QUESTION).reply()["output"]
    fake.first_token_delay = 2.0  # each call alone is within the first-token timeout
    answer = chat.ask(FOLLOW_UP, timeout=60)

    reply = answer.reply()["output"]
    assert "Suchmodus" in reply and "nicht rechtzeitig" in reply, reply
    assert elapsed(answer) < BUDGET_S + SLACK_S, elapsed(answer)


def test_doctor_and_it_page_show_a_hung_model_as_degraded(app, chat, fake):
    fake.stall_after = 1
    assert "Suchmodus" in chat.ask(QUESTION, timeout=60).reply()["output"]

    done = run_cli(app.env, "doctor", "--json")
    check = next(c for c in json.loads(done.stdout) if c["name"] == "ollama")
    assert check["status"] == "warn" and "beeinträchtigt" in check["detail"], check
    it = token(app.url, "itprobe", PASSWORD)
    page = get(app.url, "/it", it)
    assert page.status_code == 200 and "Sprachmodell beeinträchtigt" in page.text

    fake.stall_after = None  # the model answers again: no longer degraded
    assert "28 Euro" in chat.ask(QUESTION).reply()["output"]
    check = next(
        c for c in json.loads(run_cli(app.env, "doctor", "--json").stdout) if c["name"] == "ollama"
    )
    assert check["status"] == "ok", check
    assert "Sprachmodell antwortet rechtzeitig" in get(app.url, "/it", it).text


def test_the_cli_leaves_a_silent_model_behind_too(app, fake):
    """`assistant ask` streams without an event loop: the same timeouts, read in a thread."""
    fake.stall_after = 1
    started = time.monotonic()
    done = run_cli(app.env, "ask", QUESTION, "--json")
    took = time.monotonic() - started

    data = json.loads(done.stdout)
    assert data["mode"] == "search" and "verstummt" in data["notice"], data
    assert any("28 Euro" in c["text"] for c in data["citations"])
    assert took < 30, took  # process start and redaction included; before: 120 s read timeout
