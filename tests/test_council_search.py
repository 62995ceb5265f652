"""Search over council units (issue 15): reference lookup, filters, hit fields, eval gold.

A small real index (tantivy, Chroma in a temp dir, embeddings from the fake Ollama):
Markdown files ingested by the real Ingestor, then given a connector unit's `meta` in
the manifest, as the OParl connector commits them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from conftest import make_settings, store_settings

from assistant.access.accounts import Operator
from assistant.models import Scope
from assistant.retrieval.evaluation import Question, evaluate, is_hit, load_questions
from assistant.retrieval.filters import SearchFilters
from assistant.services import Services

KA = "https://oparl.example/bodies/0001"


def paper(ref, ptype, day, orgs, title, text, oid, collection="ratsinfo"):
    meta = {
        "kind": "oparl",
        "type": "Paper",
        "oparl_id": f"{KA}/papers/vo/{oid}",
        "source_name": "karlsruhe",
        "reference": ref,
        "paper_type": ptype,
        "date": day,
        "body": "Stadt Karlsruhe",
        "organization": orgs,
        "url": f"https://ris.example/vo/{oid}",
    }
    return f"p{oid}", collection, f"# {title}\n\n{ptype} {ref} vom {day}.\n\n{text}\n", meta


MEETING = (
    "# Sitzung des Ortschaftsrats Hohenwettersbach\n\nTOP 1 Kliniklotsen, TOP 2 Winterdienst "
    "im Ortsteil.\n"
)
# The other papers quote 2026/0419 more often than the paper itself does.
UNITS = [
    paper("2026/0419", "Anfrage", "2026-03-01", ["Gemeinderat"], "Streusalz auf Radwegen",
          "Wie oft werden die Radwege im Winterdienst geräumt und gestreut?", 1),
    paper("2026/0222", "Antrag", "2026-02-01", ["Haupt- und Finanzausschuss"], "Winterdienst",
          "Bezug: Vorlage 2026/0419, Anfrage 2026/0419 und nochmals 2026/0419 zum Winterdienst "
          "auf Radwegen. Der Winterdienst soll die Radwege zuerst räumen.", 2),
    paper("2026/0222/1", "Änderungs-/Ergänzungsantrag", "2026-02-10", ["Gemeinderat"],
          "Winterdienst Ergänzung", "Ergänzung zu 2026/0222 und 2026/0419: Winterdienst "
          "auch auf Gehwegen vor Schulen.", 3),
    paper("2025/0100", "Anfrage", "2025-05-05", ["Bauausschuss"], "Winterdienst Bilanz",
          "Wie viele Tonnen Streusalz hat der Winterdienst im Winter verbraucht?", 4),
    paper("DHH/2025/3105", "Haushalt THH 4100", "2025-11-11",
          ["Gemeinderat - Beratungen zum DHH"], "Mehr Geld für den Winterdienst",
          "Haushaltsantrag: zusätzliche Mittel für den Winterdienst und Streusalz.", 5),
    paper("0815/2025", "Beschlussvorlage", "2025-07-28", ["Gemeinderat", "Offen"],
          "Radverkehr Beschluss", "Der Gemeinderat beschließt den Ausbau des Radverkehrs; "
          "der Winterdienst auf Radwegen bleibt offen.", 6),
    paper("2026/0333/1", "Antrag", "2026-04-01", ["Gemeinderat"], "Spielplatz Nachtrag",
          "Nachtrag zum Spielplatz am Rathaus.", 7),
    paper("2026/0500", "Anfrage", "2026-05-01", ["Gemeinderat"], "Vertraulicher Winterdienst",
          "Interne Anfrage zum Winterdienst in der Verwaltung.", 8, collection="intern"),
    # Many Beschlussvorlagen about the topic: an Anfrage filter must still find the two.
    *[
        paper(f"2024/09{n:02d}", "Beschlussvorlage", "2024-06-01", ["Bauausschuss"],
              f"Winterdienst Los {n}", "Winterdienst Winterdienst Radwege Streusalz räumen "
              "Winterdienst Vergabe.", 100 + n)
        for n in range(12)
    ],
    ("m10299", "ratsinfo",
     MEETING,
     {"kind": "oparl", "type": "Meeting", "oparl_id": f"{KA}/meetings/10299",
      "date": "2025-02-26", "organization": ["Ortschaftsrat Hohenwettersbach"],
      "body": "Stadt Karlsruhe", "url": "https://ris.example/si/10299"}),
    ("baeume", "opendata", "# Baumkataster\n\nDatensatz der Straßenbäume mit Standort.\n",
     {"kind": "opendata", "dataset_id": "baumkataster", "portal": "transparenz",
      "url": "https://daten.example/dataset/baumkataster"}),
]  # fmt: skip
GUIDELINE = """# Dienstanweisung Winterdienst

## § 1 Räumpflicht

Der Winterdienst räumt Gehwege am Rathaus bis 7 Uhr; Streusalz nur auf Treppen.
"""


def build(services: Services, tmp) -> dict[str, str]:
    """Ingest every unit and the guideline; return name -> doc id."""
    ids = {}
    for name, collection, text, meta in UNITS:
        path = tmp / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        result = services.ingestor.ingest_file(path, collection)
        assert not result.failed, result
        record = services.manifest.get(result.doc_id)
        services.manifest.commit(replace(record, meta=meta))
        ids[meta.get("reference") or name] = result.doc_id
    path = tmp / "winterdienst.md"
    path.write_text(GUIDELINE, encoding="utf-8")
    ids["guideline"] = services.ingestor.ingest_file(path, "allgemein").doc_id
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory, ollama_server):
    tmp = tmp_path_factory.mktemp("council")
    ollama_server.start()
    settings = make_settings(
        tmp,
        embedding_backend="ollama",
        ollama_embedding_model="bge-m3",
        ollama_base_url=ollama_server.url,
        candidates=4,  # small, so that a filter needs the wider candidate lists
        dense_candidates=4,
    )
    services = Services(settings)
    services.ids = build(services, tmp)
    yield services
    services.close()


def search(world, query, k=5, scope=None, **kw):
    return world.search.search(query, k, scope or Scope.everything(), **kw)


# --- reference lookup -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "reference"),
    [
        ("Was steht in Vorlage 2026/0419?", "2026/0419"),
        ("2026/0419", "2026/0419"),
        ("Drucksache Nr. 2026/0222 Winterdienst", "2026/0222"),  # not its supplement /1
        ("Worum geht es im Änderungsantrag 2026/0222/1?", "2026/0222/1"),
        ("DHH/2025/3105", "DHH/2025/3105"),
        ("Was wurde zu 0815/2025 beschlossen?", "0815/2025"),
        ("Vorlage 2026/0333", "2026/0333/1"),  # no exact paper: its first supplement
    ],
)
def test_a_reference_puts_its_paper_first(world, question, reference):
    for weights in [(1.0, 0.0), (1.0, 0.3)]:
        result = search(world, question, weights=weights)
        assert result.hits[0].meta["reference"] == reference, [h.meta for h in result.hits]
        assert result.hits[0].rank == 1 and "reference" in result.hits[0].scores
        assert result.filters["references"] == [reference]
        assert not world.search.judge(result).refused


def test_by_text_alone_the_quoting_papers_would_win(world):
    """Why the lookup is needed: the lexical ranking puts the papers that quote the
    reference (or extend it) above the paper itself."""
    for question, own in [
        ("Vorlage 2026/0419", "2026/0419"),
        ("Drucksache 2026/0222", "2026/0222"),
    ]:
        ranking = world.lexical.search(world.lexical.analyse(question), 5, None)
        first = world.manifest.get(ranking[0][0].doc_id).meta["reference"]
        assert first != own, ranking
        assert search(world, question).hits[0].meta["reference"] == own


def test_unknown_reference_changes_nothing(world):
    result = search(world, "Vorlage 2026/9999 Winterdienst")
    assert "references" not in result.filters
    assert not any("reference" in h.scores for h in result.hits)


def test_reference_lookup_stays_in_scope(world):
    ratsinfo = Scope.of(["ratsinfo", "allgemein"])
    hidden = search(world, "Anfrage 2026/0500", k=20, scope=ratsinfo)
    assert all(h.collection != "intern" for h in hidden.hits)
    assert "references" not in hidden.filters
    assert search(world, "Anfrage 2026/0500").hits[0].meta["reference"] == "2026/0500"


# --- filters ----------------------------------------------------------------------------


def test_explicit_type_and_year_return_only_matching_papers(world):
    filters = SearchFilters.year(2026, paper_type="Anfragen")  # plural, as people type it
    result = search(world, "Winterdienst Radwege", k=10, filters=filters)
    refs = [h.meta.get("reference") for h in result.hits]
    assert refs and set(refs) == {"2026/0419", "2026/0500"}, refs
    assert result.filters["explicit"] == {
        "paper_type": ["Anfrage"],
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
    }


def test_a_filter_widens_the_candidates(world):
    """Twelve Beschlussvorlagen fill the first candidates; the Anfragen still come."""
    plain = search(world, "Winterdienst Radwege Streusalz", k=10)
    assert not any(h.meta.get("paper_type") == "Anfrage" for h in plain.hits[:4])
    result = search(world, "Winterdienst Radwege Streusalz", k=10, filters=SearchFilters(
        paper_type="Anfrage"))  # fmt: skip
    assert {h.meta["reference"] for h in result.hits} == {"2026/0419", "2025/0100", "2026/0500"}


def test_explicit_filters_apply_to_every_document(world):
    result = search(world, "Winterdienst Gehwege Rathaus", k=20, filters=SearchFilters(
        organization="Hauptausschuss"))  # fmt: skip
    assert [h.meta["reference"] for h in result.hits] == ["2026/0222"]  # guideline excluded
    assert result.filters["explicit"] == {"organization": ["Haupt- und Finanzausschuss"]}
    nothing = search(world, "Winterdienst", filters=SearchFilters(paper_type="Gibtsnicht"))
    assert nothing.hits == []


def test_filters_recognised_in_the_question_restrict_council_units_only(world):
    result = search(world, "Welche Anfragen zum Winterdienst gab es 2026?", k=20)
    assert result.filters["recognised"] == {
        "paper_type": ["Anfrage"],
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
    }
    council = [h for h in result.hits if h.meta.get("kind") == "oparl"]
    assert {h.meta["reference"] for h in council} == {"2026/0419", "2026/0500"}
    assert any(h.doc_id == world.ids["guideline"] for h in result.hits)  # not council: passes


def test_committee_recognised_only_as_a_committee(world):
    result = search(world, "Was hat der Gemeinderat zum Winterdienst beschlossen?", k=20)
    assert result.filters["recognised"]["organization"] == [
        "Gemeinderat",
        "Gemeinderat - Beratungen zum DHH",
    ]
    refs = {h.meta.get("reference") for h in result.hits if h.meta.get("kind") == "oparl"}
    gemeinderat = {"2026/0419", "2026/0222/1", "DHH/2025/3105", "0815/2025", "2026/0333/1"}
    assert refs and refs <= gemeinderat | {"2026/0500"}  # no Bauausschuss, no meeting
    hfa = search(world, "Anträge im Hauptausschuss zum Winterdienst", k=20)
    assert hfa.filters["recognised"]["organization"] == ["Haupt- und Finanzausschuss"]
    # "offen" is a word here, not Karlsruhe's organisation "Offen"; "Vorlagen" names no type
    assert "recognised" not in search(world, "Welche Vorlagen sind noch offen?").filters


def test_a_reference_is_not_a_year(world):
    result = search(world, "Was steht in Vorlage 2026/0419?")
    assert "recognised" not in result.filters
    assert "recognised" not in search(world, "Winterdienst im Haushalt 2026").filters


# --- hit fields -------------------------------------------------------------------------


def test_hits_carry_the_units_fields(world):
    top = search(world, "Vorlage 2026/0419").hits[0].to_dict()
    assert top["reference"] == "2026/0419" and top["paper_type"] == "Anfrage"
    assert top["date"] == "2026-03-01" and top["url"] == "https://ris.example/vo/1"
    assert top["oparl_id"].endswith("/papers/vo/1") and top["meta"]["organization"]
    for key in ("rank", "score", "doc_id", "chunk_id", "source", "title", "text"):
        assert key in top
    data = search(world, "Baumkataster Straßenbäume").hits[0].to_dict()
    assert (data["dataset_id"], data["portal"]) == ("baumkataster", "transparenz")
    assert data["url"] == "https://daten.example/dataset/baumkataster"
    plain = search(world, "Räumpflicht Treppen Rathaus", filters=None).hits
    guideline = next(h for h in plain if h.doc_id == world.ids["guideline"]).to_dict()
    assert "meta" not in guideline and "reference" not in guideline


# --- answering and the CLI --------------------------------------------------------------


ANFRAGEN = {u[3]["reference"] for u in UNITS if u[3].get("paper_type") == "Anfrage"}


def test_ask_passes_filters_to_search(world):
    reply = world.assistant.ask(
        Operator("tester"), "Winterdienst Radwege", filters=SearchFilters(paper_type="Anfrage")
    )
    hits = reply.answer.hits
    assert hits and all(h.meta["paper_type"] == "Anfrage" for h in hits)
    anfragen = {world.ids[r] for r in ANFRAGEN}
    assert reply.answer.citations and {c.doc_id for c in reply.answer.citations} <= anfragen


def test_cli_search_and_ask_flags(tmp_path, run_cli, cli_env):
    from assistant.config import Settings

    services = Services(Settings(_env_file=None))
    ids = build(services, tmp_path)
    services.close()
    out = run_cli("search", "Winterdienst", "--type", "Anfrage", "--year", "2026", "--json")
    hits = json.loads(out.stdout)  # a list of hits (the CLI contract)
    assert hits and all(h["paper_type"] == "Anfrage" for h in hits)
    assert all(h["date"].startswith("2026") for h in hits)
    batch = tmp_path / "queries.txt"
    batch.write_text("Winterdienst\n", encoding="utf-8")
    line = json.loads(
        run_cli("search", "--batch", str(batch), "--type", "Anfrage", "--json").stdout
    )
    assert line["filters"]["explicit"]["paper_type"] == ["Anfrage"]
    committee = json.loads(
        run_cli("search", "Winterdienst", "--committee", "Bauausschuss", "--from", "2025-01-01",
                "--to", "31.12.2025", "--json").stdout
    )  # fmt: skip
    assert [h["reference"] for h in committee] == ["2025/0100"]
    text = run_cli("search", "Welche Anfragen zum Winterdienst gab es 2026?").stdout
    assert "Aus der Frage erkannt: Vorlagenart Anfrage" in text
    asked = json.loads(run_cli("ask", "Winterdienst", "--type", "Anfrage", "--json").stdout)
    cited = {c["doc_id"] for c in asked["citations"]}
    assert cited and cited <= {ids[r] for r in ANFRAGEN}, asked
    bad = run_cli("search", "Winterdienst", "--from", "2026-01-01", "--to", "2025-01-01")
    assert bad.exit_code == 2 and "liegt nach" in bad.output


# --- evaluation gold --------------------------------------------------------------------


def test_eval_gold_by_reference_and_oparl_id(world, tmp_path):
    lines = [
        {"id": "r1", "question": "Was steht in Vorlage 2026/0419?", "reference": "2026/0419"},
        {"id": "o1", "question": "Kliniklotsen Hohenwettersbach", "oparl_id": "meetings/10299"},
        {"id": "u1", "question": "Wetter morgen", "source": None},
    ]
    path = tmp_path / "rat.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    questions = load_questions(path)
    assert [q.answerable for q in questions] == [True, True, False]
    report = evaluate(lambda q, depth: search(world, q, depth).hits, questions, [1, 5])
    ranks = {o.id: o.rank for o in report.outcomes}
    assert ranks["r1"] == 1 and ranks["o1"] is not None
    assert report.outcomes[0].gold == "2026/0419" and report.overall.n == 2
    meeting = next(h for h in search(world, "Kliniklotsen Hohenwettersbach").hits)
    assert is_hit(meeting, Question("x", "q", oparl_id="meetings/10299"))
    assert not is_hit(meeting, Question("x", "q", oparl_id="meetings/299"))  # not a tail
    assert not is_hit(meeting, Question("x", "q", reference="2026/0419"))


# --- manifest ---------------------------------------------------------------------------


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_manifest_round_trips_meta(tmp_path, store):
    from assistant.db import build_engine
    from assistant.retrieval.manifest import DocumentRecord, Manifest

    engine = build_engine(store_settings(tmp_path, store))
    manifest = Manifest(engine)
    meta = dict(UNITS[0][3], consultations=[{"organization": "Gemeinderat", "result": "ja"}])
    record = DocumentRecord(
        "d1", "ratsinfo", "oparl:x", "Titel", "0" * 64, 1, 1, None, None, "md",
        datetime(2026, 1, 1, tzinfo=UTC), doc_date=date(2026, 3, 1), meta=meta,
    )  # fmt: skip
    manifest.commit(record)
    assert manifest.get("d1").meta == meta and manifest.visible()["d1"].meta == meta
    manifest.commit(replace(record, version=2, meta=None))
    assert manifest.get("d1").meta is None
    engine.dispose()


def test_a_year_no_paper_has_is_not_a_filter(tmp_path):
    """A year in a question about an event ("2029") must not empty the list when no
    paper is dated that year; a year that papers have still filters."""
    services = Services(make_settings(tmp_path))
    build(services, tmp_path)
    result = services.search.search(
        "Winterdienst auf Radwegen beim Sportfest 2029", 5, Scope.everything()
    )
    assert result.hits and not result.filters.get("recognised")
    in_2025 = services.search.search("Winterdienst 2025", 5, Scope.everything())
    council = [h for h in in_2025.hits if h.meta.get("kind") == "oparl"]
    assert council and all(h.meta["date"].startswith("2025") for h in council)
    services.close()
