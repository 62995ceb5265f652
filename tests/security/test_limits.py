"""Item 4 of issue 11: what one person sends is bounded.

Probes, replayed against a served app over socket.io and against the real CLI:
a 1 MB message closed the socket without a word (the question stayed on screen,
nothing answered); a 100 KB message went through redaction and the model (10.5 s);
100 questions in 10 s were all answered. Now: a German notice, before any storing,
redaction or model call; at most `chat_messages_per_minute` per person; and
`assistant ask --json` prints exactly one JSON object per call, errors included.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    TEST_USER,
    Recording,
    ask,
    launch,
    open_chat,
    screenshot_on_failure,
    wait_until_done,
)
from probe_app import PASSWORD, run_cli, send, serve, stored
from served import Chat, token

MAX_CHARS = 2000
PER_MINUTE = 4
QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
DOCUMENT = """# Reisekostenrichtlinie

## § 6 Tagegeld

Das Tagegeld bei einer ganztägigen Dienstreise beträgt 28 Euro. Bei einer Abwesenheit
von mehr als acht Stunden beträgt das Tagegeld 14 Euro.
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory, ollama_server):
    ollama_server.start()
    ollama_server.reset()
    server = serve(
        tmp_path_factory.mktemp("limits"),
        ollama_server.url,
        {"reisekosten.md": DOCUMENT},
        users=("flood", "calm", "paste"),
        max_question_chars=str(MAX_CHARS),
        chat_messages_per_minute=str(PER_MINUTE),
    )
    yield server
    server.stop()


@pytest.fixture
def fake(fake_ollama):
    return fake_ollama  # conftest's: running, back to its defaults for each test


def chat_of(app, name: str) -> Chat:
    return Chat(app.url, token(app.url, name, PASSWORD))


def model_calls(fake, text: str) -> int:
    return sum(
        text in json.dumps(r.body, ensure_ascii=False) for r in fake.requests_to("/api/chat")
    )


@pytest.mark.parametrize("size", [1_000_000, 100_000])
def test_an_oversize_message_gets_a_german_notice_before_any_work(app, fake, size):
    chat = chat_of(app, "paste")
    try:
        marker = f"Einfügetext{size}"
        pasted = f"{marker} " + "Bitte prüfen Sie den folgenden Vorgang. " * (size // 40)
        answer = send(chat, pasted, timeout=30)

        reply = answer.reply()["output"]
        assert "zu lang" in reply and f"{MAX_CHARS:,}".replace(",", ".") in reply, reply
        assert answer.events[-1][0] - answer.sent < 5  # refused, not worked on
        assert chat.sio.connected  # the socket stays; the person can go on
        assert "28 Euro" in chat.ask(QUESTION).reply()["output"]
    finally:
        chat.close()
    assert model_calls(fake, marker) == 0
    # Nothing of it was stored (the chat history redacts what it stores: no redaction ran).
    assert not stored(app.data_dir, f"SELECT id FROM chat_steps WHERE output LIKE '%{marker}%'")
    assert not stored(app.data_dir, f"SELECT id FROM chat_threads WHERE name LIKE '%{marker}%'")


def test_a_message_flood_is_limited_per_person_and_others_are_served(app, fake):
    flood, calm = chat_of(app, "flood"), chat_of(app, "calm")
    try:
        replies = [send(flood, f"{QUESTION} ({i})").reply()["output"] for i in range(10)]
        limited = [r for r in replies if "Bitte warten Sie" in r]
        answered = [r for r in replies if "28 Euro" in r]
        assert len(answered) == PER_MINUTE and len(limited) == 10 - PER_MINUTE, replies
        assert "Nachrichten gesendet" in limited[0]
        started = time.monotonic()
        assert "28 Euro" in calm.ask(QUESTION).reply()["output"]  # another person: served
        assert time.monotonic() - started < 10
    finally:
        flood.close()
        calm.close()
    answered_by_model = [  # answer requests (follow-ups are also condensed: not counted)
        r
        for r in fake.requests_to("/api/chat")
        if "<kontext>" in r.body["messages"][-1]["content"]
        and QUESTION in r.body["messages"][-1]["content"]
    ]
    assert len(answered_by_model) == PER_MINUTE + 1  # the flood's admitted ones, the calm one


def test_cli_refuses_an_oversize_question_as_one_json_object(app, fake):
    before = stored(app.data_dir, "SELECT count(*) FROM audit_log")[0][0]
    done = run_cli(app.env, "ask", "Frage " + "x" * MAX_CHARS, "--json")

    assert done.returncode == 1
    data = json.loads(done.stdout)  # one object, nothing else on stdout
    assert done.stdout.strip().count("\n") == 0
    assert data["error"]["code"] == "too_long" and "zu lang" in data["error"]["message"]
    assert stored(app.data_dir, "SELECT count(*) FROM audit_log")[0][0] == before
    assert not fake.requests_to("/api/chat")

    human = run_cli(app.env, "ask", "Frage " + "x" * MAX_CHARS)
    assert human.returncode == 1 and "zu lang" in human.stderr and not human.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["ask", QUESTION, "--json"], None),
        (["ask", QUESTION, "--json", "--user", "niemand"], "not_found"),
        (["ask", "   ", "--json"], "input"),
        (["ask", "--json"], "input"),
    ],
)
def test_cli_ask_json_prints_exactly_one_object_per_call(app, fake, args, code):
    done = run_cli(app.env, *args)

    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout + done.stderr
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    if code is None:
        assert done.returncode == 0 and "28 Euro" in data["answer"], data
    else:
        assert done.returncode == 1 and data["error"]["code"] == code, data
        assert data["error"]["message"]


def test_in_the_browser_a_pasted_megabyte_gets_the_notice_and_the_chat_goes_on(app, fake, tmp_path):
    """The probe as a person meets it: the page's own socket, Chromium, a 1 MB paste."""
    if not os.path.exists(CHROMIUM):  # as conftest.require: skipped here, required in CI
        missing = f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)"
        if os.environ.get("AMTSWISSEN_REQUIRE_ALL"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path / "profile", Recording())
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(30_000)
        with screenshot_on_failure(page, tmp_path / "paste.png"):
            open_chat(page, app.url, TEST_USER)
            ask(page, "Vorgang " + "Bitte prüfen Sie den folgenden Vorgang. " * 25_000)
            notice = page.locator(ASSISTANT_MESSAGES).filter(has_text="zu lang")
            notice.wait_for()
            assert "höchstens" in notice.inner_text()
            wait_until_done(page)
            ask(page, QUESTION)  # the same page, the same socket: answered
            page.locator(ASSISTANT_MESSAGES).filter(has_text="28 Euro").first.wait_for()
        context.close()
