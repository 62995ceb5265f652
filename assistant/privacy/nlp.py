"""The NLP engine for Presidio: a blank German spaCy tokenizer, built here, never downloaded."""

from __future__ import annotations

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language

LANGUAGE = "de"


def build_pipeline() -> Language:
    """A blank German pipeline used as a tokenizer only.

    Its vocabulary computes no lexeme attributes (shape, prefix, norm, like_num …):
    nothing reads them, and inside the redactor's memory zone every word of a
    message is a new lexeme, so computing 23 attributes per word was most of the
    tokenizing time. Tokens are the same (the tokenizer reads only the text).
    """
    nlp = spacy.blank(LANGUAGE)
    nlp.vocab.lex_attr_getters = {}  # a new dict: the language's defaults stay as they are
    return nlp


class LoadedSpacyNlpEngine(SpacyNlpEngine):
    """`SpacyNlpEngine` around a pipeline that is already loaded.

    The stock engine loads models by name and downloads missing ones; this one
    never does.
    """

    def __init__(self, nlp: Language | None = None) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])
        self.nlp = {LANGUAGE: nlp or build_pipeline()}

    def load(self) -> None:
        """Nothing to load: the pipeline was handed in."""

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """The artifacts Presidio's context enhancer reads, tokenized when first read.

        Only the context enhancer reads them, and only for a result of a recognizer
        with context words; a text without such a result is never tokenized (the
        tokenizer was a sixth of the analysis). See `LazyNlpArtifacts`.
        """
        return LazyNlpArtifacts(text, self, language)

    def tokenize(self, text: str, language: str) -> dict:
        """The tokenizer's words: a blank pipeline finds no entities and has no lemmas.

        Presidio compares context words with lemmas, so the lower-cased word stands
        in (context matching is by substring). Plain strings serve as tokens: the
        enhancer needs only each token's length and offset.
        """
        doc = self.nlp[language].make_doc(text)
        # One pass over the doc: each pass builds a Token object per word.
        words, offsets = [], []
        for token in doc:
            words.append(token.text)
            offsets.append(token.idx)
        lemmas = [word.lower() for word in words]
        return {
            "tokens": words,
            "tokens_indices": offsets,
            "lemmas": lemmas,
            "keywords": NlpArtifacts.set_keywords(self, lemmas, language),
        }

    # Presidio asks these for every word of every text. The stock versions look
    # the word up in the spaCy vocabulary, which creates a lexeme per new word;
    # plain set and character tests give the same answers without that.
    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in self.nlp[language].Defaults.stop_words

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and not any(char.isalnum() for char in word)


class LazyNlpArtifacts(NlpArtifacts):
    """`NlpArtifacts` whose tokens, offsets, lemmas and keywords are computed when one of
    them is first read, with the same values the eager constructor would store.

    Presidio reads them inside the analysis (in the redactor's memory zone) and drops
    the object afterwards, so the text it holds lingers no longer than before.
    """

    _LAZY = frozenset({"tokens", "tokens_indices", "lemmas", "keywords"})

    def __init__(self, text: str, engine: LoadedSpacyNlpEngine, language: str) -> None:
        # The base constructor would tokenize (keywords); set what it sets, bar those.
        self.entities: list = []
        self.nlp_engine = engine
        self.scores: list[float] = []
        self._text, self._language = text, language

    def __getattr__(self, name: str):
        # Called only for attributes not set yet: the lazy ones on their first read.
        if name not in LazyNlpArtifacts._LAZY:
            raise AttributeError(name)
        self.__dict__.update(self.nlp_engine.tokenize(self._text, self._language))
        return self.__dict__[name]
