"""Query expansion of the lexical index: synonyms, English translation, spelling, gate."""

from __future__ import annotations

import pytest

from assistant.models import Chunk, Hit
from assistant.retrieval.lexical.analysis import PART_WEIGHT
from assistant.retrieval.lexical.dictionary import EnglishGerman, parse_dictionary
from assistant.retrieval.lexical.expansion import (
    SYNONYM_WEIGHT,
    THESAURUS_WEIGHT,
    TRANSLATION_WEIGHT,
    QueryExpander,
    _read_synonym_lines,
    is_english,
)
from assistant.retrieval.lexical.tantivy_index import TantivyLexicalIndex
from assistant.retrieval.relevance import RelevanceGate

# A few lines in the format of Debian's trans-de-en (Ding).
DING = """\
# Version :: 1.9
Bandhaken {m} [constr.] :: dog
Hund {m} [zool.] | Hunde {pl} :: dog | dogs
Hundesteuer {f} :: dog tax
Hundehalter {m} | Hund anmelden :: dog owner | to register a dog
Hundefutter {n}; Futter für den Hund :: dog food
Steuer {f}; Abgabe {f} [fin.] :: tax; levy
Personalausweis {m} :: identity card; ID card
umziehen; die Wohnung wechseln {vi} :: to move; to relocate
Wohnung {f} :: flat [Br.]; apartment [Am.]
"""


@pytest.fixture
def ding(tmp_path):
    path = tmp_path / "de-en"
    path.write_text(DING, encoding="utf-8")
    return path


def chunk(n: int, text: str, section: str = "") -> Chunk:
    return Chunk(f"c{n}", f"d{n}", 1, "allgemein", f"d{n}.md", "T", section, None, 0, text)


# --- curated synonyms -------------------------------------------------------------------

SYNONYMS = [
    # question, expected term, expected weight in the group of the first word
    ("Perso verloren", "personalausweis", SYNONYM_WEIGHT),
    ("Persos verloren", "personalausweis", SYNONYM_WEIGHT),  # matched after stemming
    ("Knöllchen bekommen", "verwarnungsgeld", SYNONYM_WEIGHT),
    ("Hartz IV beantragen", "burgergeld", SYNONYM_WEIGHT),
    ("umgezogen, was nun", "anmeld", SYNONYM_WEIGHT),
    ("Kita Gebühren", "kindertageseinricht", SYNONYM_WEIGHT),
    ("Führerschein umschreiben", "fahrerlaubnis", SYNONYM_WEIGHT),
]


@pytest.mark.parametrize("question, term, weight", SYNONYMS)
def test_curated_synonyms(question, term, weight):
    groups = QueryExpander().groups(question)
    assert groups[0][term] == pytest.approx(weight)
    assert next(iter(groups[0].values())) == 1.0  # the question's own word keeps full weight


def test_phrase_key_is_one_word_of_the_question():
    groups = QueryExpander().groups("Hartz IV beantragen")
    assert len(groups) == 2 and {"hartz", "iv", "burgergeld"} <= set(groups[0])


def test_expansion_off_and_compound_parts_of_expansions_weigh_less():
    assert QueryExpander(synonyms=False).groups("Perso") == [{"perso": 1.0}]
    group = QueryExpander().groups("Perso")[0]
    assert group["ausweis"] == pytest.approx(SYNONYM_WEIGHT * PART_WEIGHT)


def test_every_synonym_line_parses():
    rules = _read_synonym_lines()
    assert len(rules) > 80 and all(keys and targets for keys, targets in rules)


def test_synonym_found_but_own_word_ranks_first(tmp_path):
    index = TantivyLexicalIndex(tmp_path / "idx")
    index.add([chunk(1, "Den Personalausweis beantragen."), chunk(2, "Perso ist kurz.")])
    assert [c.chunk_id for c, _ in index.search("Perso", 5)] == ["c2", "c1"]
    plain = TantivyLexicalIndex(tmp_path / "idx", expander=QueryExpander(synonyms=False))
    assert [c.chunk_id for c, _ in plain.search("Perso", 5)] == ["c2"]


# --- English questions ---------------------------------------------------------------

ENGLISH = [
    ("How much is the dog tax in Bad Boll?", True),
    ("Can I use my private laptop when working from home?", True),
    ("Do I need a certificate?", True),
    ("Wie hoch ist die Hundesteuer?", False),
    ("Was kostet ein Personalausweis für die Reise in die USA?", False),
    ("Laptop Homeoffice", False),
    ("Die Firma hat ein Office in der City.", False),
]


@pytest.mark.parametrize("question, english", ENGLISH)
def test_is_english(question, english):
    assert is_english(question) is english


def test_dictionary_ranks_common_german_words_first(ding):
    table = parse_dictionary(ding)
    assert table["dog"].split("|")[0] == "Hund"  # before the alphabetically first Bandhaken
    assert table["dog tax"] == "Hundesteuer"
    assert "Personalausweis" in table["id card"].split("|")
    assert "umziehen" in table["move"].split("|")  # "to move" → "move"


def test_english_question_is_translated(ding, tmp_path):
    expander = QueryExpander(dictionary=ding, cache_dir=tmp_path / "cache")
    groups = expander.groups("How much is the dog tax?")
    assert len(groups) == 1  # "dog tax" is one term, "how much is the" are skipped
    assert groups[0]["hundesteu"] == pytest.approx(TRANSLATION_WEIGHT)
    moving = expander.groups("Do I have to register after moving into a flat?")
    assert any("umzieh" in g for g in moving) and any("wohnung" in g for g in moving)
    assert list((tmp_path / "cache").iterdir())  # parsed once, cached


def test_english_search_finds_german_text(ding, tmp_path):
    index = TantivyLexicalIndex(tmp_path / "idx", expander=QueryExpander(dictionary=ding))
    index.add([chunk(1, "Die Hundesteuer beträgt 120 Euro."), chunk(2, "Die Gemeinde hat Wälder.")])
    assert [c.chunk_id for c, _ in index.search("How much is the dog tax?", 5)] == ["c1"]


def test_cache_is_reused_and_missing_dictionary_is_fine(ding, tmp_path):
    EnglishGerman(ding, tmp_path / "c").lookup("dog")
    ding.write_text("", encoding="utf-8")  # same name, but the cache key holds size and date
    assert EnglishGerman(ding, tmp_path / "c").lookup("dog") == []
    missing = QueryExpander(dictionary=tmp_path / "nicht-da")
    assert missing.sources == ["synonyms"]
    assert missing.groups("How much is the dog tax?")  # still searched, untranslated


def test_thesaurus_adds_few_synonyms_with_low_weight(tmp_path):
    path = tmp_path / "openthesaurus.txt"
    path.write_text("# comment\nGehweg;Bürgersteig;Trottoir;Gehsteig;Fußweg\n", encoding="utf-8")
    group = QueryExpander(synonyms=False, thesaurus=path).groups("Trottoir")[0]
    assert group["trottoir"] == 1.0
    assert group["gehweg"] == THESAURUS_WEIGHT and len(group) == 4  # the word + 3 synonyms


# --- spelling ------------------------------------------------------------------------------

TYPOS = ["Elterngled", "Eltrengeld", "Elterngelt", "Elterngeldd"]


@pytest.mark.parametrize("typo", TYPOS)
def test_misspelt_word_finds_the_indexed_word(tmp_path, typo):
    index = TantivyLexicalIndex(tmp_path / "idx")
    index.add([chunk(1, "Das Elterngeld wird monatlich gezahlt."), chunk(2, "Die Hundesteuer.")])
    assert [c.chunk_id for c, _ in index.search(f"{typo} beantragen", 5)] == ["c1"]
    strict = TantivyLexicalIndex(tmp_path / "idx", spelling=False)
    assert strict.search(f"{typo} beantragen", 5) == []


def test_known_words_are_not_corrected(tmp_path):
    index = TantivyLexicalIndex(tmp_path / "idx")
    index.add([chunk(1, "Der Hund bellt."), chunk(2, "Der Mund lacht.")])
    assert [c.chunk_id for c, _ in index.search("Hund", 5)] == ["c1"]


# --- the relevance gate ------------------------------------------------------------------


def hit(text: str) -> Hit:
    return Hit(1, 1.0, "d", "c", "d.md", "Merkblatt", "", None, "allgemein", text)


def test_gate_covers_expanded_forms():
    gate = RelevanceGate(0.5, 0.55)
    assert gate.coverage("Perso verloren", hit("Der Personalausweis ist verloren.")) == 1.0


def test_gate_weighs_rare_words_with_the_index(tmp_path):
    index = TantivyLexicalIndex(tmp_path / "idx")
    index.add([chunk(n, f"Musterstadt Regel {n}") for n in range(20)])
    passage = hit("Musterstadt Regel 1")
    plain = RelevanceGate(0.4, 0.55)
    weighted = RelevanceGate(0.4, 0.55, lexical=index)
    question = "Wetter Musterstadt"
    assert plain.coverage(question, passage) == 0.5 and plain.is_relevant(question, passage)
    assert weighted.coverage(question, passage) < 0.1
    assert not weighted.is_relevant(question, passage)
