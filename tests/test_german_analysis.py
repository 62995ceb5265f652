"""German analysis of the lexical index: table-driven cases, one behaviour per table."""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from assistant.retrieval.lexical.analysis import PART_WEIGHT, GermanAnalyzer, default_analyzer, fold


@pytest.fixture(scope="module")
def analyzer() -> GermanAnalyzer:
    return default_analyzer()


# --- folding: spellings that must give the same terms ---------------------------------

SAME_TERMS = [
    ("Gebühren", "Gebuehren"),
    ("Gebühren", "Gebuhren"),
    ("Gebühren", "GEBÜHREN"),
    ("Straße", "Strasse"),
    ("Ärzte", "Aerzte"),
    ("Öffentlichkeit", "Oeffentlichkeit"),
    ("Gebühren", "Gebu\u0308hren"),  # decomposed ü, as in the court decisions
    ("Veröffentlichung", "Veröﬀentlichung"),  # PDF ligature ﬀ
    ("Satzung", "Satzungen"),
    ("Hund", "Hunde"),
    ("Antrag", "Anträge"),
    ("Ermäßigung", "Ermaessigung"),
]


@pytest.mark.parametrize("a, b", SAME_TERMS)
def test_spellings_and_inflections_meet(analyzer, a, b):
    assert analyzer.analyze(a) == analyzer.analyze(b) != []


FOLD = [
    ("Gebühren", "gebuhren"),
    ("Gebuehren", "gebuhren"),
    ("Straße", "strasse"),
    ("Steuer", "steuer"),  # "ue" between vowels is not an umlaut
    ("neue", "neue"),
    ("Quelle", "quelle"),  # nor after q
    ("Aerzte", "arzte"),
    ("Café", "cafe"),
]


@pytest.mark.parametrize("word, folded", FOLD)
def test_fold(word, folded):
    assert fold(word) == folded


# --- stop words ----------------------------------------------------------------------

STOP = [
    ("der die das und für", []),
    ("Was ist das?", []),
    ("Wie hoch ist die Hundesteuer?", ["hoch", "hundesteu"]),
    ("Abs. Nr. bzw. ggf.", []),
]


@pytest.mark.parametrize("text, whole_words", STOP)
def test_stop_words_dropped(analyzer, text, whole_words):
    words, _ = analyzer.analyze_split(text)
    assert words == whole_words


# --- compounds -----------------------------------------------------------------------

SPLITS = [
    ("Hundesteuersatzung", ["hunde", "steuer", "satzung"]),
    ("Reisekostenabrechnung", ["reise", "kosten", "abrechnung"]),
    ("Bundesamt", ["bundes", "amt"]),  # Fugen-es (the mined list holds "bundes")
    ("Straßenreinigung", ["strasse", "reinigung"]),  # Fugen-n
    ("Zwingersteuer", ["zwinger", "steuer"]),
    ("Schulamt", ["schul", "amt"]),  # dropped -e of "Schule"
    ("Landratsamt", ["land", "rat", "amt"]),  # Fugen-s, three parts
    ("Verwaltung", []),
    ("Unterhalt", []),  # "unter" is a stop word, never a part
    ("Hund", []),
]


@pytest.mark.parametrize("word, parts", SPLITS)
def test_split(analyzer, word, parts):
    assert analyzer.split(fold(word)) == parts


COMPOUND_TERMS = [
    # word, terms that must all be indexed for it (stems of whole word and parts)
    ("Hundesteuersatzung", ["hund", "steu", "satzung", "hundesteu"]),
    ("Reisekostenabrechnung", ["reis", "kost", "abrechn", "reisekost"]),
    ("Verwaltungsgebühren", ["verwaltungsgebuhr", "verwalt", "gebuhr"]),
    ("Hundesteuer-Satzung", ["hundesteu", "satzung", "hund", "steu"]),
    ("E-Mail", ["mail", "email"]),
]


@pytest.mark.parametrize("word, expected", COMPOUND_TERMS)
def test_compound_terms_indexed(analyzer, word, expected):
    terms = analyzer.analyze(word)
    assert set(expected) <= set(terms)


def test_whole_word_first_and_parts_in_their_own_list(analyzer):
    words, parts = analyzer.analyze_split("Hundesteuersatzung")
    assert words == ["hundesteuersatz"]
    assert {"hund", "steu", "satzung"} <= set(parts)


def test_query_weights_parts_lower_than_words(analyzer):
    weights = analyzer.analyze_query("Hundesteuer")
    assert weights == {"hundesteu": 1.0, "hund": PART_WEIGHT, "steu": PART_WEIGHT}
    # a word that is also typed on its own keeps full weight
    assert analyzer.analyze_query("Hund Hundesteuer")["hund"] == 1.0


def test_no_split_without_compounds():
    plain = GermanAnalyzer(split_compounds=False)
    assert plain.analyze("Hundesteuersatzung") == ["hundesteuersatz"]
    assert plain.analyzer_id != default_analyzer().analyzer_id


# --- numbers and § -------------------------------------------------------------------

NUMBERS = [
    ("§ 17", ["17", "§17"]),
    ("§17", ["17", "§17"]),
    ("17", ["17"]),
    ("§§ 2, 8", ["2", "§2", "8"]),
    ("§ 3a", ["3a", "§3a"]),
    ("Paragraph 17", ["paragraph", "17", "§17"]),
    ("§ 8 Abs. 2 Nr. 3", ["8", "§8", "2", "3"]),
    ("007", ["7"]),
    ("000", ["0"]),
    ("165,00 €", ["165", "0"]),
    ("Tatbestand1Die", ["tatbestand", "tat", "bestand", "1"]),
    ("1" * 30, []),  # account numbers and hashes are noise
]


@pytest.mark.parametrize("text, terms", NUMBERS)
def test_numbers_and_paragraphs(analyzer, text, terms):
    assert analyzer.analyze(text) == terms


# --- punctuation, garbage, user syntax ----------------------------------------------

GARBAGE = [
    ("", []),
    ("   \n\t", []),
    ("!!! ??? ...", []),
    ('"()[]{}:-+*~^\\/', []),
    ("x" * 100, []),
    ("a b c", []),
    ("\x00\x1f", []),
    ("title:Hund", ["titl", "hund"]),
    ('"Hund" AND (Katze)', ["hund", "and", "katz"]),
]


@pytest.mark.parametrize("text, terms", GARBAGE)
def test_garbage_and_syntax_are_plain_text(analyzer, text, terms):
    assert analyzer.analyze(text) == terms


# --- properties ----------------------------------------------------------------------


def test_query_and_index_terms_are_the_same(analyzer):
    text = "Wie hoch ist die Hundesteuer für Kampfhunde nach § 5 Abs. 1?"
    assert set(analyzer.analyze_query(text)) == set(analyzer.analyze(text))


def test_identity_follows_word_lists():
    a = GermanAnalyzer(stopwords=["und"], lexicon=["hund", "steuer"])
    b = GermanAnalyzer(stopwords=["und"], lexicon=["hund", "steuer"])
    c = GermanAnalyzer(stopwords=["und"], lexicon=["hund", "steuer", "marke"])
    assert a.analyzer_id == b.analyzer_id != c.analyzer_id


def test_threads_analyse_alike():
    shared = GermanAnalyzer()
    texts = [f"Hundesteuersatzung § {i} Gebühren Straßenreinigung {i}" for i in range(200)]
    expected = [GermanAnalyzer().analyze(t) for t in texts]
    results: dict[int, list] = {}

    def work(n: int) -> None:
        results[n] = [shared.analyze(t) for t in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values()) and len(results) == 8


def test_query_analysis_is_fast():
    fresh = GermanAnalyzer()  # cold cache: every word analysed for the first time
    queries = [f"Wie hoch ist die Hundesteuer{i} für Kampfhunde nach § {i}?" for i in range(200)]
    times = []
    for q in queries:
        start = time.perf_counter()
        fresh.analyze_query(q)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001
