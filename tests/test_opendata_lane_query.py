"""How the datasets' lane asks its two indexes (session 15): the question is embedded without
the words that name the catalogue, and the lexical side looks deeper than for documents.

Real CLI sync of a CKAN fixture portal over HTTP, real e5 and Chroma, real tantivy.
"""

from __future__ import annotations

import os

import pytest
from ckan_fixture import CkanFixture, package, running_ckan
from click.testing import CliRunner
from conftest import dead_url, make_settings

from assistant.cli import cli
from assistant.connectors.opendata.units import dense_query
from assistant.models import Scope
from assistant.services import Services

TOPICS = [
    ("Trinkbrunnen im Stadtgebiet", "Standorte der öffentlichen Trinkbrunnen mit Wasserqualität."),
    ("Parkhäuser und freie Stellplätze", "Belegung der Parkhäuser in der Innenstadt."),
    ("Ausleihzahlen der Stadtbibliothek", "Entliehene Bücher und Medien je Zweigstelle."),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Trinkbrunnen – gibt es dazu offene Daten?", "Trinkbrunnen – gibt es dazu ?"),
        ("Welcher Datensatz im Open-Data-Portal nennt Parkhäuser?", "Welcher im nennt Parkhäuser?"),
        ("Daten des Kölner OpenData-Portals zu Brücken", "Daten des Kölner zu Brücken"),
        ("Sind die Datensätze im Portal aktuell?", "Sind die im aktuell?"),
        ("Open Data", "Open Data"),  # nothing else left: the question as asked
        ("Serviceportal der Stadt", "Serviceportal der Stadt"),  # a word, not a catalogue
    ],
)
def test_dense_query_drops_the_catalogue_words(question, expected):
    assert dense_query(question) == expected


@pytest.fixture
def services(tmp_path):
    packages = [
        package(n + 1, title=title, notes=f"<p>{notes}</p>", tags=[{"name": "Stadt"}])
        for n, (title, notes) in enumerate(TOPICS)
    ]
    with running_ckan(CkanFixture(packages)) as portal:
        env = {k: None for k in os.environ if k.startswith("ASSISTANT_")}
        env.update(
            ASSISTANT_DATA_DIR=str(tmp_path / "data"),
            ASSISTANT_OLLAMA_BASE_URL=dead_url(),
            ASSISTANT_SYNC_RATE="0",
            ASSISTANT_OPENDATA_WEIGHT_DENSE="4.0",
        )
        args = ["opendata", "sync", portal.url, "--name", "beispiel"]
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    opened: list[Services] = []

    def open_(**overrides) -> Services:
        s = Services(make_settings(tmp_path, opendata_weight_dense=4.0, **overrides))
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


def test_the_question_is_embedded_without_the_catalogue_words(services):
    search = services().search
    plain = search.search("Trinkbrunnen Wasser", 3, Scope.everything()).hits
    asked = "Trinkbrunnen Datensatz Wasser Open-Data-Portal"
    assert dense_query(asked) == "Trinkbrunnen Wasser"
    worded = search.search(asked, 3, Scope.everything()).hits
    assert plain[0].title.startswith("Trinkbrunnen") and worded[0].title.startswith("Trinkbrunnen")
    # the same vector was compared: the same similarity for every dataset
    assert [h.scores["dense"] for h in worded] == pytest.approx([h.scores["dense"] for h in plain])


def test_the_datasets_lexical_side_looks_deeper_than_candidates(services):
    question = "Stadt"  # a tag of every dataset: each has a lexical rank
    shallow = services(candidates=1, opendata_candidates=1).search
    deep = services(candidates=1, opendata_candidates=20).search
    hits = shallow.search(question, 3, Scope.everything()).hits
    assert sum("lexical" in h.scores for h in hits) == 1
    hits = deep.search(question, 3, Scope.everything()).hits
    assert all("lexical" in h.scores for h in hits) and len(hits) == 3
