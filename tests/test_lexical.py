"""The tantivy lexical index, on real tantivy in tmp_path."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.models import Chunk
from assistant.retrieval.lexical import IndexBusyError, open_lexical_index
from assistant.retrieval.lexical.analysis import GermanAnalyzer
from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex

REPO = Path(__file__).resolve().parents[1]


def chunk(doc_id="d1", version=1, n=0, text="", collection="allgemein", section="", title="T"):
    return Chunk(
        chunk_id=f"{doc_id}-v{version}-{n}",
        doc_id=doc_id,
        version=version,
        collection=collection,
        source=f"{doc_id}.md",
        title=title,
        section=section,
        page=n + 1 if n % 2 else None,
        ordinal=n,
        text=text,
    )


@pytest.fixture
def index(tmp_path):
    idx = open_lexical_index(tmp_path / "lexical")
    yield idx
    idx.close()


def ids(hits) -> list[str]:
    return [c.chunk_id for c, _ in hits]


# --- add, search, delete -------------------------------------------------------------


def test_add_and_search_returns_the_chunk_with_all_fields(index):
    stored = chunk(text="Die Hundesteuer beträgt 165 Euro.", section="§ 5 Steuersatz", n=1)
    index.add([stored, chunk(n=2, text="Schneeräumen auf Gehwegen")])
    hits = index.search("Hundesteuer", 5)
    assert [c for c, _ in hits] == [stored]  # every field survives the round trip
    assert hits[0][1] > 0


def test_results_best_first_and_limited_to_k(index):
    index.add([chunk(n=i, text="Gebühr " * (i + 1) + "Antrag " * 20) for i in range(6)])
    hits = index.search("Gebühren", 3)
    scores = [s for _, s in hits]
    assert len(hits) == 3 and scores == sorted(scores, reverse=True)
    assert ids(hits)[0] == "d1-v1-5"  # the chunk that says it most often
    assert index.search("Gebühren", 0) == []


def test_count_and_versions(index):
    assert index.count() == 0 and index.versions() == set()
    index.add([chunk("a", 1, 0, "eins"), chunk("a", 1, 1, "zwei"), chunk("a", 2, 0, "drei")])
    index.add([chunk("b", 7, 0, "vier")])
    assert index.count() == 4
    assert index.versions() == {("a", 1), ("a", 2), ("b", 7)}


def test_delete_one_version_keeps_the_others(index):
    index.add([chunk("a", 1, 0, "Satzung alt"), chunk("a", 2, 0, "Satzung neu")])
    index.delete("a", 1)
    assert index.versions() == {("a", 2)}
    assert [c.version for c, _ in index.search("Satzung", 5)] == [2]


def test_delete_every_version_of_a_doc(index):
    index.add(
        [chunk("a", 1, 0, "Satzung"), chunk("a", 2, 0, "Satzung"), chunk("b", 1, 0, "Satzung")]
    )
    index.delete("a")
    assert index.versions() == {("b", 1)} and index.count() == 1
    index.delete("does-not-exist")  # harmless
    assert index.count() == 1


def test_adding_the_same_chunk_again_replaces_it(index):
    index.add([chunk(text="alte Fassung")])
    index.add([chunk(text="neue Fassung")])  # same doc, version, chunk id: a retried add
    assert index.count() == 1
    assert index.search("alte", 5) == [] and len(index.search("neue", 5)) == 1


def test_doc_ids_with_separator_like_characters(index):
    index.add([chunk("amt/42:x@1", 3, 0, "Sonderfall")])
    assert index.versions() == {("amt/42:x@1", 3)}
    index.delete("amt/42:x@1", 3)
    assert index.count() == 0


# --- collections ---------------------------------------------------------------------

SECRET = "Beurteilung der Beschäftigten im Personalamt: Leistungsprämie vertraulich"


def test_collection_filter_is_inside_the_query(index):
    index.add([chunk("p", text=SECRET, collection="personalamt")])
    index.add([chunk("g", n=i, text=f"Allgemeine Regel {i}") for i in range(30)])
    assert index.search(SECRET, 10, collections=["allgemein"]) == []
    assert index.search(f'"{SECRET}"', 50, collections=["allgemein"]) == []
    assert ids(index.search(SECRET, 1, collections=["personalamt"])) == ["p-v1-0"]
    assert ids(index.search(SECRET, 1))[0] == "p-v1-0"  # None means all


def test_collection_filter_several_and_none(index):
    index.add(
        [
            chunk("a", text="Parkausweis", collection="ordnungsamt"),
            chunk("b", text="Parkausweis", collection="allgemein"),
            chunk("c", text="Parkausweis", collection="personalamt"),
        ]
    )
    found = {c.collection for c, _ in index.search("Parkausweis", 10, ["allgemein", "ordnungsamt"])}
    assert found == {"allgemein", "ordnungsamt"}
    assert index.search("Parkausweis", 10, collections=[]) == []


def test_filter_does_not_change_scores(index):
    index.add(
        [chunk("a", text="Hund Steuer", collection="x"), chunk("b", text="Katze", collection="y")]
    )
    ((_, unfiltered),) = index.search("Hund", 5)
    ((_, filtered),) = index.search("Hund", 5, ["x"])
    assert filtered == pytest.approx(unfiltered)


# --- user text is never query syntax -------------------------------------------------

SYNTAX = [
    '"',
    '"Hund',
    "Hund AND",
    "OR OR",
    "NOT",
    "title:Hund",
    "collection:personalamt",
    "(Hund",
    "Hund)",
    "-Hund",
    "+Hund",
    "Hund*",
    "Hund~2",
    "Hund^3",
    "[1 TO 5]",
    "{",
    "\\",
    "§",
    "§§",
    "::",
    "",
    "   ",
    "\x00",
    "Ä" * 5000,
    "Hund " * 2000,
    "'; DROP TABLE",
]


@pytest.mark.parametrize("query", SYNTAX)
def test_query_syntax_characters_do_not_raise(index, query):
    index.add(
        [
            chunk(text="Hund und Katze", section="§ 1"),
            chunk("p", text="Hund", collection="personalamt"),
        ]
    )
    hits = index.search(query, 5, collections=["allgemein"])
    assert all(c.collection == "allgemein" for c, _ in hits)


# --- persistence and sharing ---------------------------------------------------------


def test_persists_across_reopen(tmp_path):
    first = open_lexical_index(tmp_path / "idx")
    first.add([chunk("a", 2, 0, "Wohngeldantrag")])
    first.close()
    again = open_lexical_index(tmp_path / "idx")
    assert again.versions() == {("a", 2)} and ids(again.search("Wohngeld", 3)) == ["a-v2-0"]
    again.close()


def test_closed_index_refuses_use(tmp_path):
    idx = open_lexical_index(tmp_path / "idx")
    idx.close()
    with pytest.raises(RuntimeError):
        idx.search("x", 1)


def test_second_object_sees_commits_at_once(tmp_path):
    writer = open_lexical_index(tmp_path / "idx")
    reader = open_lexical_index(tmp_path / "idx")
    assert reader.search("Sperrzeit", 5) == []
    writer.add([chunk(text="Sperrzeit für Gaststätten")])
    assert ids(reader.search("Sperrzeit", 5)) == ["d1-v1-0"]  # no waiting for a reload
    reader.add([chunk("r", text="Sperrzeit")])  # and the other one can write too
    assert writer.count() == 2
    writer.delete("d1")
    assert reader.count() == 1


def test_busy_writer_lock_waits_then_raises(tmp_path):
    holder = TantivyLexicalIndex(tmp_path / "idx")
    other = TantivyLexicalIndex(tmp_path / "idx", lock_timeout_s=0.3)
    lock = holder._live_index().writer(15_000_000, 1)  # as an ingest process would hold it
    start = time.monotonic()
    with pytest.raises(IndexBusyError) as err:
        other.add([chunk(text="Wartet")])
    assert time.monotonic() - start >= 0.3 and "anderen Vorgang" in err.value.message
    lock.wait_merging_threads()  # released
    other.add([chunk(text="Wartet")])
    assert holder.count() == 1


def test_busy_writer_lock_is_retried(tmp_path):
    holder = TantivyLexicalIndex(tmp_path / "idx")
    other = TantivyLexicalIndex(tmp_path / "idx", lock_timeout_s=10)
    lock = holder._live_index().writer(15_000_000, 1)
    threading.Timer(0.3, lock.wait_merging_threads).start()
    other.add([chunk(text="kommt durch")])  # waits for the release instead of failing
    assert holder.count() == 1


def test_another_process_writes_while_we_search(tmp_path):
    path = tmp_path / "idx"
    here = open_lexical_index(path)
    here.add([chunk("mine", text="Hundesteuer")])
    script = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from pathlib import Path; from assistant.retrieval.lexical import open_lexical_index;"
        "from assistant.models import Chunk;"
        "i = open_lexical_index(Path(sys.argv[1]));"
        "i.add([Chunk(f'x{n}', 'ext', 1, 'allgemein', 's', 't', '', None, n, 'Hundesteuer extern')"
        " for n in range(50)]); i.close()"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), str(REPO)])
    while proc.poll() is None:
        assert here.search("Hundesteuer", 100)  # searching during the other process's write
    assert proc.returncode == 0
    assert here.count() == 51 and ("ext", 1) in here.versions()


def test_threads_search_while_another_adds(index):
    index.add(
        [chunk("base", n=i, text=f"Reisekostenabrechnung Dienstreise {i}") for i in range(50)]
    )
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                hits = index.search("Reisekosten Dienstreise", 10, ["allgemein"])
                assert len(hits) == 10 and all(c.collection == "allgemein" for c, _ in hits)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    searchers = [threading.Thread(target=search) for _ in range(4)]
    for t in searchers:
        t.start()
    for batch in range(10):
        index.add([chunk(f"new{batch}", n=i, text="Reisekosten") for i in range(20)])
    stop.set()
    for t in searchers:
        t.join()
    assert errors == [] and index.count() == 250


# --- refusing a foreign index --------------------------------------------------------


def test_index_from_another_analysis_is_refused(tmp_path):
    TantivyLexicalIndex(tmp_path / "idx", GermanAnalyzer(split_compounds=False)).close()
    with pytest.raises(ConfigError) as err:
        open_lexical_index(tmp_path / "idx")
    assert "neu einlesen" in str(err.value)


# --- ranking on a real municipal statute, among the federal laws --------------------

CORPORA = REPO.parent / "shared" / "corpora"
HUNDESTEUER = "BBO_Satzung_Erhebung_Hundesteuer"


def _sections(path: Path) -> list[Chunk]:
    """One chunk per heading of a Markdown statute (a stand-in for the ingest chunker)."""
    text = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    pieces = re.split(r"^#+ (.*)$", text, flags=re.MULTILINE)
    title = pieces[1].strip() if len(pieces) > 1 else path.stem
    return [
        Chunk(
            f"{path.stem}-{i}",
            path.stem,
            1,
            "allgemein",
            path.name,
            title,
            heading.strip(),
            None,
            i,
            body,
        )
        for i, (heading, body) in enumerate(zip(pieces[1::2], pieces[2::2]))
        if body.strip()
    ]


@pytest.fixture(scope="module")
def statutes(tmp_path_factory):
    if not (CORPORA / "kommunal-badboll" / f"{HUNDESTEUER}.md").exists():
        pytest.skip("shared corpora not available")
    files = sorted((CORPORA / "kommunal-badboll").glob("*.md"))
    files += sorted((CORPORA / "bundesrecht").glob("*.md"))
    idx = open_lexical_index(tmp_path_factory.mktemp("statutes"))
    idx.add([c for f in files for c in _sections(f)])
    yield idx
    idx.close()


RANKING = [
    ("Hundesteuer Ermäßigung", HUNDESTEUER, ("§ 7", "§ 8")),  # Zwinger; general rules
    ("Kampfhund Steuer", HUNDESTEUER, ("§ 5",)),
    ("Steuermarke verloren", HUNDESTEUER, ("§ 11",)),  # only inside "Hundesteuermarke"
    ("Steuerbefreiung Blindenhund", HUNDESTEUER, ("§ 6",)),
    ("§ 5 Hundesteuer", HUNDESTEUER, ("§ 5",)),
    ("Paragraph 11 Hundesteuer", HUNDESTEUER, ("§ 11",)),
    ("Gebuehren Faelligkeit", "BBO_Satzung_Verwaltungsgebuehren", ("§ 8",)),
    ("Streupflicht Gehweg Zeiten", "BBO_Satzung_Streupflicht", ("§ 7",)),
]


@pytest.mark.parametrize("query, doc_id, sections", RANKING)
def test_ranking_on_real_statutes(statutes, query, doc_id, sections):
    top = statutes.search(query, 3)[0][0]
    assert (top.doc_id, " ".join(top.section.split()[:2])) in [(doc_id, s) for s in sections], (
        top.doc_id,
        top.section,
    )
