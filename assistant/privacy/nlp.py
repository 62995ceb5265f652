"""The NLP engine for Presidio: a blank German spaCy pipeline, built here, never downloaded."""

from __future__ import annotations

import spacy
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

LANGUAGE = "de"


@Language.component("amtswissen_lemma")
def _lemma_component(doc: Doc) -> Doc:
    # Presidio compares context words with lemmas; a blank pipeline has none,
    # so the lower-cased form stands in (context matching is by substring).
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def build_pipeline() -> Language:
    """A blank German pipeline (tokenizer, stop words) plus the lemma filler."""
    nlp = spacy.blank(LANGUAGE)
    nlp.add_pipe("amtswissen_lemma")
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

    # Presidio asks these for every word of every text. The stock versions look
    # the word up in the spaCy vocabulary, which creates a lexeme per new word;
    # plain set and character tests give the same answers without that.
    def is_stopword(self, word: str, language: str) -> bool:
        return word.lower() in self.nlp[language].Defaults.stop_words

    def is_punct(self, word: str, language: str) -> bool:
        return bool(word) and not any(char.isalnum() for char in word)
