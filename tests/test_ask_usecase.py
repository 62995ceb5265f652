"""`Assistant.ask`, the one use case every channel goes through (answering/ask.py).

Real services on a tiny knowledge base in two collections (real SQLite, tantivy,
Presidio). What is proven here: a person's request never reaches the indexes
without the person's own scope – no caller can pass "nothing" and get "all";
rights are read from the account store on every question; one audit row per
answer; each text of a conversation is redacted once for the chat history and
the audit log together; the relevance gate reuses the search's analysis.
"""

from __future__ import annotations

import inspect

import pytest

from assistant.access.accounts import Operator
from assistant.answering.ask import Conversation
from assistant.errors import AccessDenied
from assistant.models import Scope
from assistant.retrieval.search import SearchService

SECRET = "Die Leistungsprämie im Personalamt beträgt 777 Euro und wird im März ausgezahlt."
PUBLIC = "Die Kantine im Rathaus öffnet werktags um 11:30 Uhr; das Tagesgericht kostet 4,90 Euro."


@pytest.fixture
def world(services, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "praemien.md").write_text(f"# Prämien\n\n## § 1 Leistungsprämie\n\n{SECRET}\n")
    (docs / "kantine.md").write_text(f"# Kantine\n\n## Öffnungszeiten\n\n{PUBLIC}\n")
    services.collections.add("personalamt", ["personal"])
    services.ingestor.ingest_paths([docs / "praemien.md"], collection="personalamt")
    services.ingestor.ingest_paths([docs / "kantine.md"])
    services.accounts.add("sabine", "passwort-123", groups=["allgemein"])
    services.accounts.add("paul", "passwort-123", groups=["personal"])
    return services


@pytest.fixture
def scopes(world, monkeypatch):
    """Every scope that reaches the search service."""
    seen: list = []
    real = SearchService.search

    def spy(self, query, k, scope, **kw):
        seen.append(scope)
        return real(self, query, k, scope, **kw)

    monkeypatch.setattr(SearchService, "search", spy)
    return seen


@pytest.mark.parametrize("missing", [(), (None,), (["personalamt"],), ("personalamt",)])
def test_search_refuses_anything_but_a_scope(world, missing):
    with pytest.raises(TypeError, match="[Ss]cope"):
        world.search.search("Leistungsprämie", 5, *missing)
    with pytest.raises(TypeError):
        world.answers.prepare("Leistungsprämie", *missing)


def test_a_persons_question_reaches_search_only_with_their_scope(world, scopes):
    sabine = world.accounts.require("sabine")
    reply = world.assistant.ask(sabine, "Wie hoch ist die Leistungsprämie im Personalamt?")
    assert scopes and all(s == Scope.of(["allgemein"]) for s in scopes)
    assert not any(s.is_everything for s in scopes)
    assert "777" not in reply.answer.answer and not reply.answer.citations

    paul = world.accounts.require("paul")
    reply = world.assistant.ask(paul, "Wie hoch ist die Leistungsprämie im Personalamt?")
    assert scopes[-1] == Scope.of(["allgemein", "personalamt"])
    assert any(c.doc_id.startswith("praemien") for c in reply.answer.citations)


def test_wanting_a_collection_never_widens_the_scope(world, scopes):
    sabine = world.accounts.require("sabine")
    reply = world.assistant.ask(sabine, "Leistungsprämie", collections=["personalamt"])
    assert scopes[-1] == Scope.of([]) and reply.answer.refused


def test_only_the_operator_reads_everything(world, scopes):
    reply = world.assistant.ask(Operator("root"), "Wie hoch ist die Leistungsprämie?")
    assert scopes[-1].is_everything
    assert any(c.doc_id.startswith("praemien") for c in reply.answer.citations)


def test_rights_are_read_from_the_account_store_on_every_question(world, scopes):
    logged_in = world.accounts.require("sabine")  # as the login recorded her
    world.accounts.set_groups("sabine", ["personal"])
    world.assistant.ask(logged_in, "Leistungsprämie")
    assert scopes[-1] == Scope.of(["allgemein", "personalamt"])  # the new groups, not the login's
    world.accounts.remove("sabine")
    with pytest.raises(AccessDenied) as refused:
        world.assistant.ask(logged_in, "Leistungsprämie")
    assert "Konto" in refused.value.message


def test_one_audit_row_per_answer_in_the_conversation(world):
    paul = world.accounts.require("paul")
    conversation = Conversation("thread-1")
    first = world.assistant.ask(paul, "Wann öffnet die Kantine?", conversation)
    second = world.assistant.ask(paul, "Was kostet das Tagesgericht?", conversation)
    rows = world.audit.list(count=None)
    assert [r.id for r in rows] == [second.audit_id, first.audit_id]
    assert {r.conversation_id for r in rows} == {"thread-1"}
    assert rows[0].user_id == world.audit.pseudonym("paul") and rows[0].roles == ["mitarbeitende"]
    assert [role for role, _ in conversation.history] == ["user", "assistant"] * 2


class CountingRedactor:
    """The real redactor, counting the texts it is given."""

    def __init__(self, real):
        self.real, self.texts = real, []

    def redact(self, text, placeholders=None, **kw):
        self.texts.append(text)
        return self.real.redact(text, placeholders, **kw)


def test_each_text_of_a_conversation_is_redacted_once(world):
    counting = CountingRedactor(world.redactor)
    world.__dict__["redactor"] = counting
    paul = world.accounts.require("paul")
    question = "Frau Erika Mustermann fragt: wann öffnet die Kantine?"
    # The chat history stores the question first (as Chainlit does when it arrives) …
    stored = world.conversations.redact(question, "thread-2").text
    reply = world.assistant.ask(paul, question, Conversation("thread-2"))
    row = world.audit.get(reply.audit_id)
    assert counting.texts.count(question) == 1  # … and the audit row reuses that redaction
    assert row.question == stored and "Mustermann" not in row.question
    message = f"{reply.answer.answer}\n\n**Quellen**\n[1] Kantine"  # the chat's message
    world.conversations.redact(message, "thread-2", quoted=True)  # an answer: quoted text
    assert reply.answer.answer not in counting.texts[-1]  # the answer inside is not redone


def test_the_gate_judges_with_the_searchs_own_analysis(world, monkeypatch):
    gate = world.answers.relevance

    def again(*_args, **_kw):
        raise AssertionError("the question was analysed a second time")

    monkeypatch.setattr(gate.expander, "groups", again)
    prepared = world.answers.prepare("Wann öffnet die Kantine?", Scope.everything())
    assert prepared.hits  # relevant passages were found, judged without a second analysis


def test_channels_are_thin_adapters():
    """The chat's question handler and `assistant ask` stay glue over `Assistant`."""
    from assistant.cli import retrieval
    from assistant.web import app

    for glue in (app.answer, retrieval.ask.callback.__wrapped__.__wrapped__):
        lines = inspect.getsource(glue).splitlines()
        assert len(lines) < 30, (glue.__name__, len(lines))
