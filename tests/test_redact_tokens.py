"""The context enhancer's tokens (nlp.ChunkTokens): the same tokens and offsets as
spaCy's tokenizer on the whole text, with only common chunks kept across messages."""

import pytest

from assistant.privacy.nlp import ChunkTokens, LoadedSpacyNlpEngine, common_chunk

TEXTS = [
    "",
    " ",
    "   ",
    "\n",
    " führende Leerzeichen",
    "Leerzeichen am Ende  ",
    "zwei  Leerzeichen\tTab\n\nLeerzeile \n Einzug",
    "Tel.: 0621/504-2231, Fax (0621) 504-2299; z.B. Az. 32-VA-2026/017.",
    "„Antrag“ von Frau Yıldız-Kaya (geb. 04.07.1988) – bitte prüfen!",
    "E-Mail: j.nowak@example.org, IBAN DE02 1203 0000 0000 2020 51…",
    "Antragsteller:in\u00a0wohnt\u2009in der Ulmenallee 14b, 55116 Mainz-Gonsenheim.",
    "§ 45 Abs. 1 StVO (Anordnung) & §§ 3–5 BauNVO / VwZG.",
]


@pytest.fixture(scope="module")
def engine():
    return LoadedSpacyNlpEngine()


def spacy_tokens(engine, text):
    doc = engine.nlp["de"].make_doc(text)
    return [t.text for t in doc], [t.idx for t in doc]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_and_offsets_are_spacys_also_when_remembered(engine, text):
    nlp = engine.nlp["de"]
    chunks = ChunkTokens(common_chunk)
    first = chunks.split(text, nlp)
    again = chunks.split(text, nlp)  # now from the kept chunks, where they are common
    assert first == spacy_tokens(engine, text)
    assert again == first


def test_a_chunk_joined_with_others_splits_as_on_its_own(engine):
    """Chunks spaCy has not seen go through one call, joined by spaces: each must keep
    its own tokens (the affix rules never look past a space)."""
    nlp = engine.nlp["de"]
    chunks = ChunkTokens(lambda chunk: False)
    text = "(Az.: 12/3-4) „Müller“, Str. 5a; Nr.7 usw."
    for word in text.split():
        assert chunks.split(word, nlp) == spacy_tokens(engine, word)
    assert chunks.split(text, nlp) == spacy_tokens(engine, text)


def test_only_common_words_and_punctuation_are_kept():
    kept = ChunkTokens(common_chunk)
    kept.split(
        "Der Antrag, bitte – Frau Yıldız, Ulmenallee 14b, Tel. 0621 504, Jens (Bauamt)",
        LoadedSpacyNlpEngine().nlp["de"],
    )
    remembered = set(kept._known)
    assert {"Der", "Antrag,", "–"} <= remembered
    for personal in ("Yıldız,", "Ulmenallee", "14b,", "0621", "504,", "Jens"):
        assert personal not in remembered


def test_the_map_stays_bounded():
    engine = LoadedSpacyNlpEngine()
    kept = ChunkTokens(lambda chunk: True, limit=3)
    kept.split("eins zwei drei vier fünf", engine.nlp["de"])
    assert len(kept._known) == 3


def test_the_enhancers_artifacts_carry_these_tokens(engine):
    text = TEXTS[7]
    artifacts = engine.process_text(text, "de")
    words, offsets = spacy_tokens(engine, text)
    assert (artifacts.tokens, artifacts.tokens_indices) == (words, offsets)
    assert artifacts.lemmas == [w.lower() for w in words]
    assert "tel." in artifacts.keywords and "," not in artifacts.keywords
