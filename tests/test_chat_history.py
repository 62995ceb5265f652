"""Chat history (Chainlit data layer): every write redacted, feedback in the audit log.

Real SQLite (and PostgreSQL with TEST_POSTGRES_URL), the real redactor, the
data layer called the way Chainlit calls it.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from chainlit.context import init_http_context
from chainlit.element import Text
from chainlit.types import Feedback
from chainlit.user import User
from conftest import store_settings
from test_audit import PII, PII_QUESTION, make_answer, raw_values

from assistant.privacy import MASK, build_redactor
from assistant.services import Services
from assistant.web.chat_history import RedactedDataLayer, async_url, build_data_layer

CHAT_TABLES = ("chat_users", "chat_threads", "chat_steps", "chat_elements", "chat_feedbacks")
COMMENT = f"Bitte Rückruf an Frau {PII['PERSON']}, Tel. {PII['PHONE']}"


@pytest.fixture(scope="module")
def redactor():
    return build_redactor()


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request, tmp_path, redactor):
    s = Services(store_settings(tmp_path, request.param))
    s.__dict__["redactor"] = redactor  # built once per module
    yield s
    s.engine.dispose()
    s.close()


def run(coro):
    return asyncio.run(coro)


def stored_text(services) -> str:
    """Every row of the chat tables, plus (SQLite) every file under the data dir."""
    parts = []
    with services.engine.connect() as conn:
        for table in CHAT_TABLES:
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):
                parts.append(" ".join(str(v) for v in row))
    for path in services.settings.data_dir.rglob("*"):
        if path.is_file() and path.name != "pseudonym.key":
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


async def conversation(layer: RedactedDataLayer, audit) -> dict:
    """One thread as Chainlit writes it: user, question, name, answer, session, source, feedback."""
    thread_id, question_id, answer_id = (str(uuid.uuid4()) for _ in range(3))
    init_http_context(thread_id=thread_id)
    user = await layer.create_user(
        User(identifier="mmuster", metadata={"roles": ["mitarbeitende"], "email": PII["EMAIL"]})
    )
    await layer.update_thread(thread_id, name=PII_QUESTION, user_id=user.id)
    now = "2026-11-30T10:00:00Z"
    step = {"threadId": thread_id, "createdAt": now, "start": now, "end": now, "streaming": False}
    await layer.create_step(
        {
            **step,
            "id": question_id,
            "type": "user_message",
            "name": "mmuster",
            "output": PII_QUESTION,
        }
    )
    answer_text = f"Für {PII['PERSON']} gilt: nur mit Zustimmung [1]."
    await layer.create_step(
        {**step, "id": answer_id, "type": "assistant_message", "name": "Amtswissen", "output": ""}
    )
    await layer.update_step(
        {
            **step,
            "id": answer_id,
            "type": "assistant_message",
            "name": "Amtswissen",
            "output": answer_text,
        }
    )
    await layer.create_step(
        {
            **step,
            "id": str(uuid.uuid4()),
            "type": "tool",
            "name": f"Suche {PII['PERSON']}",
            "input": PII_QUESTION,
            "output": PII["IBAN"],
        }
    )
    await layer.update_thread(
        thread_id,
        metadata={
            "history": [["user", PII_QUESTION]],
            "chat_profile": None,
            "env": {"token": PII["TAX_ID"]},
        },
    )
    element = Text(
        name="Quelle 1",
        content=f"Antragsteller {PII['PERSON']}, {PII['ADDRESS']}",
        display="side",
        for_id=answer_id,
        thread_id=thread_id,
    )
    await layer.create_element(element)
    row_id = audit.record_answer(
        make_answer(),
        user="mmuster",
        conversation_id=thread_id,
        placeholders=layer.placeholders(thread_id),
    )
    layer.remember_audit_id(answer_id, row_id)
    await layer.upsert_feedback(
        Feedback(forId=answer_id, value=0, threadId=thread_id, comment=COMMENT)
    )
    await layer.engine.dispose()  # pooled connections belong to this event loop
    return {
        "thread": thread_id,
        "question": question_id,
        "answer": answer_id,
        "row": row_id,
        "element": element.id,
        "user": user,
    }


def test_async_url():
    assert async_url("sqlite:////tmp/a.db") == "sqlite+aiosqlite:////tmp/a.db"
    assert async_url("postgresql+psycopg://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    with pytest.raises(ValueError):
        async_url("mysql://h/db")


def test_everything_written_is_redacted(services):
    layer = build_data_layer(services)
    ids = run(conversation(layer, services.audit))
    stored = stored_text(services)
    leaked = [v for v in raw_values() if v in stored]
    assert not leaked
    for placeholder in (
        "<PERSON_1>",
        "<IBAN",
        "<TAX_ID",
        "<PHONE",
        "<EMAIL",
        "<ID_CARD",
        "<DATE_OF_BIRTH",
        "<CASE_NUMBER",
        "<ADDRESS",
    ):
        assert placeholder in stored, placeholder
    assert "token" not in stored  # the user env is never persisted
    run(layer.close())
    assert ids["user"].metadata == {"roles": ["mitarbeitende"]}


def test_thread_reads_back_with_consistent_numbers(services):
    layer = build_data_layer(services)

    async def scenario():
        ids = await conversation(layer, services.audit)
        thread = await layer.get_thread(ids["thread"])
        await layer.close()
        return ids, thread

    ids, thread = run(scenario())
    steps = {s["id"]: s for s in thread["steps"]}
    assert "<PERSON_1>" in thread["name"]
    assert steps[ids["question"]]["output"].startswith("Frau <PERSON_1>")
    assert steps[ids["answer"]]["output"] == "Für <PERSON_1> gilt: nur mit Zustimmung [1]."
    assert steps[ids["question"]]["name"] == "mmuster"
    feedback = steps[ids["answer"]]["feedback"]
    assert feedback["value"] == 0 and "<PERSON_1>" in feedback["comment"]
    assert "Erika" not in feedback["comment"]
    assert thread["elements"] and thread["elements"][0]["url"].startswith("/verlauf/element/")


def test_feedback_lands_in_audit_row(services):
    layer = build_data_layer(services)
    ids = run(conversation(layer, services.audit))
    entry = services.audit.get(ids["row"])
    assert entry.feedback == -1
    assert "<PERSON_1>" in entry.feedback_comment and "<PHONE" in entry.feedback_comment
    assert PII["PERSON"] not in entry.feedback_comment

    async def thumbs_up_then_retract():
        init_http_context(thread_id=ids["thread"])
        fid = await layer.upsert_feedback(
            Feedback(forId=ids["answer"], value=1, threadId=ids["thread"])
        )
        assert services.audit.get(ids["row"]).feedback == 1
        await layer.delete_feedback(fid)
        await layer.close()

    run(thumbs_up_then_retract())
    assert services.audit.get(ids["row"]).feedback is None


def test_feedback_without_audit_link_is_only_stored(services):
    layer = build_data_layer(services)

    async def scenario():
        thread_id = str(uuid.uuid4())
        init_http_context(thread_id=thread_id)
        await layer.update_thread(thread_id, name="Frage")
        await layer.upsert_feedback(Feedback(forId=str(uuid.uuid4()), value=1, threadId=thread_id))
        await layer.close()

    run(scenario())
    assert services.audit.list() == []


class Broken:
    def redact(self, text, placeholders=None):
        raise RuntimeError(text)


def test_failing_redactor_masks_whole_text(services):
    services.__dict__["redactor"] = Broken()
    layer = build_data_layer(services)
    thread_id, step_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def scenario():
        init_http_context(thread_id=thread_id)
        await layer.update_thread(thread_id, name=PII_QUESTION)
        await layer.create_step(
            {
                "id": step_id,
                "threadId": thread_id,
                "type": "user_message",
                "name": "mmuster",
                "output": PII_QUESTION,
                "streaming": False,
            }
        )
        thread = await layer.get_thread(thread_id)
        await layer.close()
        return thread

    thread = run(scenario())
    assert thread["name"] == MASK and thread["steps"][0]["output"] == MASK
    assert not [v for v in raw_values() if v in stored_text(services)]


def test_unsafe_thread_ids_are_refused(services):
    layer = build_data_layer(services)
    bad = "x') OR 1=1 --"

    async def scenario():
        init_http_context(thread_id=str(uuid.uuid4()))
        await layer.update_thread(bad, name="Frage")
        await layer.create_step(
            {
                "id": str(uuid.uuid4()),
                "threadId": bad,
                "type": "user_message",
                "name": "u",
                "output": "Frage",
                "streaming": False,
            }
        )
        await layer.close()

    run(scenario())
    with services.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM chat_threads")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM chat_steps")).scalar() == 0


def test_placeholder_maps_are_bounded_and_shared_with_the_audit(services):
    from assistant.privacy.redact import ConversationRedactor

    layer = build_data_layer(services)
    assert layer.conversations is services.conversations is services.audit.conversations
    bounded = ConversationRedactor(lambda: services.redactor, max_conversations=3)
    first = bounded.placeholders("t0")
    for i in range(1, 5):
        bounded.placeholders(f"t{i}")
    assert len(bounded) == 3 and bounded.placeholders("t0") is not first
    run(layer.close())


def test_text_element_is_served_to_its_owner_only(services, monkeypatch):
    import chainlit.data as chainlit_data
    from chainlit.auth.jwt import create_jwt
    from fastapi import FastAPI
    from starlette.testclient import TestClient

    from assistant.web.chat_history import register_history_routes

    layer = build_data_layer(services)

    async def scenario():
        ids = await conversation(layer, services.audit)
        thread = await layer.get_thread(ids["thread"])
        await layer.close()  # the client below runs its own event loop
        return thread

    url = run(scenario())["elements"][0]["url"]
    monkeypatch.setattr(chainlit_data, "_data_layer", layer)
    monkeypatch.setattr(chainlit_data, "_data_layer_initialized", True)
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "test-secret-" + "y" * 40)
    for name in ("kkoch", "mmuster"):  # people are looked up in the account store
        services.accounts.add(name, "passwort-" + name)
    SESSION = {"session": 0}  # as the login issues it: the (new) accounts' session counter
    app = FastAPI()
    register_history_routes(app, services)
    with TestClient(app) as c:  # one event loop for all requests (pooled connections)
        assert c.get(url).status_code == 401
        c.cookies.set("access_token", create_jwt(User(identifier="kkoch", metadata=SESSION)))
        assert c.get(url).status_code == 403
        c.cookies.set("access_token", create_jwt(User(identifier="mmuster", metadata=SESSION)))
        res = c.get(url)
        assert res.status_code == 200 and res.text.startswith("Antragsteller <PERSON_1>, <ADDRESS")
        assert PII["PERSON"] not in res.text
        assert c.get(url.rsplit("/", 1)[0] + "/" + str(uuid.uuid4())).status_code == 404


def test_feedback_on_the_run_step_reaches_the_answers_audit_row(services):
    """Chainlit shows the thumbs on the `on_message` run step, the parent of the answer."""
    layer = build_data_layer(services)
    thread_id, run_id, answer_id = (str(uuid.uuid4()) for _ in range(3))
    row_id = services.audit.record_answer(make_answer(), user="mmuster")

    async def scenario():
        init_http_context(thread_id=thread_id)
        await layer.update_thread(thread_id, name="Frage")
        base = {"threadId": thread_id, "streaming": False, "output": ""}
        await layer.create_step({**base, "id": run_id, "type": "run", "name": "on_message"})
        await layer.create_step(
            {
                **base,
                "id": answer_id,
                "type": "assistant_message",
                "name": "Amtswissen",
                "parentId": run_id,
            }
        )
        layer.remember_audit_id(answer_id, row_id)
        await layer.upsert_feedback(Feedback(forId=run_id, value=1, threadId=thread_id))
        await layer.close()

    run(scenario())
    assert services.audit.get(row_id).feedback == 1


def test_the_store_away_gives_chainlits_user_lookup_no_stack_trace(redactor, monkeypatch, caplog):
    """Chainlit looks the person up in the chat tables on every request and, when that
    yields nobody, goes on with the token's user but logs an ERROR with a stack trace.
    With PostgreSQL away (here: nothing listens on the port) our statement's WARNING is
    all the log gets; a lookup that fails for another reason still logs its ERROR."""
    import logging

    import chainlit.auth
    from browser_util import free_port
    from chainlit.auth.jwt import create_jwt, decode_jwt

    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "test-secret-" + "x" * 40)
    monkeypatch.setattr(chainlit.auth, "decode_jwt", decode_jwt)  # Chainlit's own check
    away = RedactedDataLayer(
        f"postgresql+asyncpg://amtswissen@127.0.0.1:{free_port()}/gone", redactor=lambda: redactor
    )
    token = create_jwt(User(identifier="anna"))

    async def lookup(layer):
        monkeypatch.setattr(chainlit.auth, "get_data_layer", lambda: layer)
        return await chainlit.auth.authenticate_user(token)

    with caplog.at_level(logging.WARNING):
        assert run(lookup(away)).identifier == "anna"  # the request goes on
    assert "chat history: SQL failed" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text

    class Broken(RedactedDataLayer):
        async def get_user(self, identifier):
            raise RuntimeError("not the store")

    broken = Broken(away._conninfo, redactor=lambda: redactor)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert run(lookup(broken)).identifier == "anna"
    assert "Unable to get persisted_user" in caplog.text
