"""The scope matrix: a staff user outside `personal` never gets a `personalamt` chunk.

Collections `personalamt` (group `personal`) and `allgemein` (alle), filled
with the real CLI; `search --user`, `ask --user`, the chat's code path
(allowed collections → answer service) and each index on its own are asked,
also with the restricted text quoted verbatim.
"""

from __future__ import annotations

import json

import pytest

from assistant.models import Scope

SECRET = (
    "Die Leistungsprämie für Sachbearbeiterinnen im Personalamt beträgt im Jahr 2026 "
    "genau 777 Euro und wird mit dem Märzgehalt ausgezahlt."
)
PUBLIC = "Die Kantine im Rathaus öffnet werktags um 11:30 Uhr; das Tagesgericht kostet 4,90 Euro."
QUERIES = [
    SECRET,  # verbatim
    "Leistungsprämie Personalamt 777 Euro",
    "Wie hoch ist die Leistungsprämie?",
    "Märzgehalt",
    "Kantine Rathaus",
]
USERS = {  # name -> may read personalamt
    "sabine": False,  # group allgemein only
    "ohnegruppe": False,  # no group at all
    "paul": True,  # group personal
}


@pytest.fixture(autouse=True)
def dense_weighted(cli_env, monkeypatch):
    """The dense ranking is checked alone below: ingestion must embed."""
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0.3")


@pytest.fixture
def world(run_cli, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "praemien.md").write_text(f"# Prämien\n\n## § 1 Leistungsprämie\n\n{SECRET}\n")
    (docs / "kantine.md").write_text(f"# Kantine\n\n## Öffnungszeiten\n\n{PUBLIC}\n")
    assert run_cli("collections", "add", "personalamt", "-g", "personal").exit_code == 0
    assert run_cli("ingest", str(docs / "praemien.md"), "-c", "personalamt").exit_code == 0
    assert run_cli("ingest", str(docs / "kantine.md")).exit_code == 0
    for name, groups in (("sabine", "allgemein"), ("ohnegruppe", ""), ("paul", "personal")):
        args = ["users", "add", name, "--password-stdin"] + (["-g", groups] if groups else [])
        assert run_cli(*args, input="passwort-123\n").exit_code == 0
    return run_cli


@pytest.mark.parametrize("user", USERS)
def test_search_and_ask_obey_the_scope(world, user):
    for query in QUERIES:
        out = world("search", query, "-k", "20", "--user", user, "--json")
        assert out.exit_code == 0, out.output
        collections = {h["collection"] for h in json.loads(out.output)}
        if not USERS[user]:
            assert "personalamt" not in collections, (user, query)
        elif query != "Kantine Rathaus":
            assert "personalamt" in collections, (user, query)  # the rule is not "hide all"

        asked = world("ask", query, "--user", user, "--json")
        assert asked.exit_code == 0, asked.output
        answer = json.loads(asked.output)
        cited = {c["doc_id"] for c in answer["citations"]}
        if not USERS[user]:
            assert not any(d.startswith("praemien") for d in cited), answer
            shown = answer["answer"] + json.dumps(answer["citations"], ensure_ascii=False)
            if query != SECRET:  # (a verbatim question is echoed in the JSON, of course)
                assert "777" not in shown and "Märzgehalt" not in shown, shown
            assert "ausgezahlt" not in shown, shown


def test_batch_search_obeys_the_scope(world, tmp_path):
    batch = tmp_path / "queries.txt"
    batch.write_text("\n".join(QUERIES) + "\n")
    out = world("search", "--batch", str(batch), "-k", "20", "--user", "sabine", "--json")
    lines = [json.loads(line) for line in out.output.splitlines()]
    assert len(lines) == len(QUERIES)
    assert all(h["collection"] != "personalamt" for line in lines for h in line["hits"])


def test_unknown_user_gets_a_german_error(world):
    for command in (["search", "Prämie"], ["ask", "Prämie"]):
        out = world(*command, "--user", "niemand")
        assert out.exit_code == 1 and "Den Benutzer „niemand“ gibt es nicht" in out.output


def test_each_index_filters_inside_and_the_chat_path_too(world, cli_env):
    """Lexical and dense rankings alone, and the chat's path (allowed collections → prepare)."""
    from conftest import make_settings  # noqa: F401 - same settings as the CLI above

    from assistant.access.accounts import AccountService
    from assistant.access.collections import CollectionService
    from assistant.config import Settings
    from assistant.services import Services

    services = Services(Settings(_env_file=None))
    try:
        staff = AccountService(services.engine, services.settings).require("sabine")
        allowed = CollectionService(services.engine, services.settings).allowed_collections(staff)
        assert allowed == ["allgemein"]
        for weights in ((1.0, 0.0), (0.0, 1.0)):
            hits = services.search.search(SECRET, 50, Scope.of(allowed), weights=weights).hits
            assert hits and all(h.collection == "allgemein" for h in hits)
        prepared = services.answers.prepare(SECRET, Scope.of(allowed), [])
        assert all(h.collection == "allgemein" for h in prepared.hits)
        assert not services.search.search(SECRET, 50, Scope.of([])).hits  # no collection: nothing
    finally:
        services.close()


def test_knowledge_managers_read_what_they_manage(run_cli, tmp_path):
    """A knowledge manager checks their uploads by searching: the collections they manage
    are in their scope without a reading group. Being listed without the role, or having
    the role without being listed, reads nothing extra (admins read by groups, too)."""
    doc = tmp_path / "praemien.md"
    doc.write_text(f"# Prämien\n\n## § 1 Leistungsprämie\n\n{SECRET}\n")
    people = {  # name -> (options, may read personalamt)
        "kim": (["-r", "wissensmanagement"], True),
        "lea": (["-r", "wissensmanagement"], False),  # manages nothing here
        "max": ([], False),  # listed as manager, but without the role
        "ada": (["-r", "admin"], False),  # may manage every collection, reads by groups
    }
    assert (
        run_cli("collections", "add", "personalamt", "-g", "personal", "-m", "kim").exit_code == 0
    )
    assert run_cli("collections", "grant", "personalamt", "-m", "max").exit_code == 0
    assert run_cli("ingest", str(doc), "-c", "personalamt").exit_code == 0
    for name, (options, _) in people.items():
        added = run_cli("users", "add", name, "--password-stdin", *options, input="passwort-123\n")
        assert added.exit_code == 0, added.output
    for name, (_, may_read) in people.items():
        out = run_cli("search", "Leistungsprämie Märzgehalt", "--user", name, "--json")
        assert out.exit_code == 0, out.output
        collections = {h["collection"] for h in json.loads(out.output)}
        assert ("personalamt" in collections) is may_read, (name, collections)
