"""Several Ollama servers as one pool (`ASSISTANT_OLLAMA_BASE_URLS`): least-busy routing,
a node that is down is skipped, a node that dies mid-stream is replaced for one retry,
and doctor and the IT page show every node. Two real fake-Ollama servers, the real
langchain-ollama client, real services (SQLite, tantivy, Chroma, audit log)."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from conftest import dead_url, make_settings
from fake_ollama import running_fake_ollama
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.access.accounts import Operator
from assistant.llm import pool as ollama_pool
from assistant.llm.ollama import build_chat_model, stream_chat
from assistant.llm.pool import PooledChatModel, pool_for
from assistant.privacy.audit import AuditQuery
from assistant.services import Services

MODEL = "llama3.1:8b"
LONG = " ".join(f"Wort{i}" for i in range(40))
DIENSTREISE = (
    "# Dienstreisen\n\nDas Tagegeld bei Dienstreisen beträgt 28 Euro pro vollem Kalendertag. "
    "Für An- und Abreisetage werden 14 Euro gezahlt.\n"
)


def _answer(messages: list[dict]) -> str:
    """A long answer when asked for one (keeps a node busy), else a short one."""
    asked = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    return LONG if "lang" in asked else "Kurz."


@pytest.fixture
def nodes():
    with running_fake_ollama(answer=_answer) as a, running_fake_ollama(answer=_answer) as b:
        yield a, b


def pool_settings(tmp_path, *urls: str, **overrides):
    return make_settings(tmp_path, ollama_base_urls=",".join(urls), ollama_model=MODEL, **overrides)


def ask(model, text: str) -> str:
    return "".join(stream_chat(model, [SystemMessage("System"), HumanMessage(text)]))


def chats(fake) -> int:
    return len(fake.requests_to("/api/chat"))


def test_the_single_url_is_a_pool_of_one(tmp_path, nodes):
    a, _ = nodes
    settings = make_settings(tmp_path, ollama_base_url=a.url, ollama_model=MODEL)
    assert settings.ollama_urls() == [a.url]
    assert not isinstance(build_chat_model(settings), PooledChatModel)  # the plain client
    assert ask(build_chat_model(settings), "Frage") == "Kurz."


def test_concurrent_streams_go_to_different_nodes(tmp_path, nodes):
    a, b = nodes
    for fake in nodes:
        fake.token_delay = 0.02
    model = build_chat_model(pool_settings(tmp_path, a.url, b.url))
    assert isinstance(model, PooledChatModel)
    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(ask(model, "bitte lang"))) for _ in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert answers == [LONG, LONG]
    assert (chats(a), chats(b)) == (1, 1)
    assert all(node.in_flight == 0 for node in model.pool.nodes)


def test_a_busy_node_gets_no_new_questions_while_another_is_idle(tmp_path, nodes):
    a, b = nodes
    for fake in nodes:
        fake.token_delay = 0.05  # the long answer takes ~2 s
    model = build_chat_model(pool_settings(tmp_path, a.url, b.url))
    long = threading.Thread(target=ask, args=(model, "bitte lang"))
    long.start()
    deadline = time.monotonic() + 5
    while chats(a) + chats(b) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    busy = a if chats(a) else b
    idle = b if busy is a else a
    # Round robin alone would send the second of these to the busy node.
    for _ in range(3):
        assert ask(model, "Frage") == "Kurz."
    assert (chats(busy), chats(idle)) == (1, 3)
    states = {s.url: s for s in model.pool.states()}
    assert states[busy.url].in_flight == 1 and states[idle.url].in_flight == 0
    long.join(timeout=10)


def test_a_node_that_is_down_is_skipped_and_used_again_when_back(tmp_path, nodes, monkeypatch):
    monkeypatch.setattr(ollama_pool, "BACKOFF_S", 0.3)
    monkeypatch.setattr(ollama_pool, "HEALTH_TTL_S", 0.1)
    a, b = nodes
    b.stop()
    model = build_chat_model(pool_settings(tmp_path, a.url, b.url))
    for _ in range(4):
        assert ask(model, "Frage") == "Kurz."
    assert chats(a) == 4 and chats(b) == 0
    down = {s.url: s for s in model.pool.states()}[b.url]
    assert down.up is False
    b.start()  # same port
    time.sleep(0.4)  # the back-off has passed: the node is asked again
    for _ in range(4):
        ask(model, "Frage")
    assert chats(b) >= 1


def test_a_node_without_the_chat_model_is_skipped(tmp_path, nodes):
    from assistant.errors import LLMError

    a, b = nodes
    b.models = ["bge-m3:latest"]
    model = build_chat_model(pool_settings(tmp_path, a.url, b.url))
    for _ in range(3):
        assert ask(model, "Frage") == "Kurz."
    assert chats(a) == 3 and chats(b) == 0
    a.models = ["bge-m3:latest"]
    model = build_chat_model(pool_settings(tmp_path, a.url, b.url, temperature=0.2))  # new pool
    with pytest.raises(LLMError) as failed:
        ask(model, "Frage")
    assert failed.value.code == "model_missing" and "ollama pull llama3.1:8b" in failed.value.hint


def test_no_node_reachable_is_a_german_error_not_a_crash(tmp_path):
    from assistant.errors import LLMError

    model = build_chat_model(pool_settings(tmp_path, dead_url(), dead_url()))
    with pytest.raises(LLMError) as failed:
        ask(model, "Frage")
    assert failed.value.code == "unreachable" and "erreichbar" in failed.value.message


# --- a node dies mid-stream: the question is answered by the other --------------------


@pytest.fixture
def world(tmp_path, nodes):
    a, b = nodes
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "dienstreise.md").write_text(DIENSTREISE, encoding="utf-8")
    services = Services(pool_settings(tmp_path, a.url, b.url))
    report = services.ingestor.ingest_paths([kb])
    assert report.ok, report.to_dict()
    for fake in nodes:
        fake.answer = None  # derived from the prompt: cites the passage
        fake.token_delay = 0.01
        fake.reset()
    yield services
    services.close()


def _arm_first_pick(services, nodes, after: int = 3):
    """The node the pool will pick next dies after `after` tokens; returns (dying, other)."""
    pool = pool_for(services.settings)
    chosen = pool.pick()
    dying = next(f for f in nodes if f.url == chosen.url)
    other = next(f for f in nodes if f is not dying)
    dying.die_mid_stream(after=after)
    return dying, other


QUESTION = "Wie hoch ist das Tagegeld bei Dienstreisen?"


def test_a_node_dying_mid_stream_is_replaced_and_the_answer_restarts(world, nodes):
    dying, other = _arm_first_pick(world, nodes)
    assistant = world.assistant
    turn = assistant.prepare(Operator("root"), QUESTION)
    shown = list(assistant.stream(turn))
    reply = assistant.complete(turn)

    assert not dying.running and chats(dying) == 1 and chats(other) == 1
    assert turn.error is None and turn.attempt == 1
    answer = reply.answer
    assert answer.mode == "llm" and answer.citations and "28 Euro" in answer.answer
    # The channel saw the cut-off start, then the whole answer from the other node;
    # only the second is the answer (no half sentence in front of it).
    assert len(shown) == 3 + len(turn.parts)
    assert (
        "".join(shown[3:]) == "".join(turn.parts) and answer.answer == "".join(turn.parts).strip()
    )
    rows = world.audit.newest(AuditQuery(limit=10))
    assert len(rows) == 1 and rows[0].mode == "llm"
    states = {s.url: s for s in pool_for(world.settings).states()}
    assert states[dying.url].up is False and states[dying.url].failed == 1
    assert states[other.url].answered == 1


def test_the_async_path_retries_too(world, nodes):
    dying, other = _arm_first_pick(world, nodes, after=2)
    assistant = world.assistant
    turn = assistant.prepare(Operator("root"), QUESTION)

    async def run() -> list[str]:
        return [delta async for delta in assistant.astream(turn)]

    shown = asyncio.run(run())
    reply = assistant.complete(turn)
    assert turn.attempt == 1 and turn.error is None and len(shown) == 2 + len(turn.parts)
    assert reply.answer.mode == "llm" and "28 Euro" in reply.answer.answer
    assert chats(dying) == 1 and chats(other) == 1
    assert len(world.audit.newest(AuditQuery(limit=10))) == 1


def test_the_retry_is_made_once_only(world, nodes):
    for fake in nodes:
        fake.fail_next(500, "boom", path="/api/chat")
    reply = world.assistant.ask(Operator("root"), QUESTION)
    assert reply.answer.mode == "search"  # both failed: search mode, the passage shown
    assert sum(chats(f) for f in nodes) == 2
    assert len(world.audit.newest(AuditQuery(limit=10))) == 1


# --- doctor and the IT page ------------------------------------------------------


def test_doctor_lists_every_node(run_cli, nodes, monkeypatch):
    a, b = nodes
    monkeypatch.setenv("ASSISTANT_OLLAMA_BASE_URLS", f"{a.url},{b.url}")
    monkeypatch.setenv("ASSISTANT_OLLAMA_MODEL", MODEL)
    check = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}["ollama"]
    assert check["status"] == "ok", check
    assert a.url in check["detail"] and b.url in check["detail"]
    assert "2 von 2" in check["detail"] and MODEL in check["detail"]

    b.stop()
    check = {c["name"]: c for c in json.loads(run_cli("doctor", "--json").stdout)}["ollama"]
    assert check["status"] == "warn" and "1 von 2" in check["detail"]
    assert f"{b.url}: nicht erreichbar" in check["detail"]
    assert f"{a.url}: Ollama" in check["detail"]


def test_it_page_section_shows_each_node_and_its_state(tmp_path, nodes):
    from assistant.web.itollama import pool_section

    a, b = nodes
    b.models = ["bge-m3:latest"]  # reachable, but without the chat model
    settings = pool_settings(tmp_path, a.url, b.url, connect_timeout_s=0.5)
    dead = dead_url()
    html = pool_section(settings)
    assert "Sprachmodell-Server" in html and "2 von 2 Servern erreichbar" in html
    assert f"<code>{a.url.removeprefix('http://')}</code>" in html and f"{MODEL} fehlt" in html
    down = pool_section(pool_settings(tmp_path, a.url, dead))
    assert "1 von 2 Servern erreichbar" in down and "ausgefallen" in down


def test_it_page_shows_the_pool(tmp_path, nodes, monkeypatch):
    from test_itpage import SECRET, client, login

    a, _ = nodes
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", SECRET)
    services = Services(pool_settings(tmp_path, a.url, dead_url()))
    try:
        c = client(services)
        login(c, "it")
        text = c.get("/it").text
        assert 'id="ollama-pool"' in text and "1 von 2 Servern erreichbar" in text
        assert f"<code>{a.url.removeprefix('http://')}</code>" in text and "ausgefallen" in text
    finally:
        services.close()
