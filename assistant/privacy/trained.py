"""Person names (and addresses) proposed by a small NER model trained here, offline.

The rule recognizers need evidence they know (a cue, a listed first name, a
salutation); a new writer's shapes slip past them. A statistical tagger learns
the context instead. No German NER model may be downloaded, so one is trained in
this repository (``bench/train_ner.py``: the tuning parts of the staff-message
sets, the tuning part of the GermEval 2014 dev split, law paragraphs as text
without names) and shipped as a spaCy pipeline directory (``data/ner-de``).

The tagger only proposes; the word lists veto what cannot be a name (a span of
ordinary German words, anything with a digit) and an address without a house
number. It adds results: everything else stays with the rules.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from assistant.privacy.confusers import word_use
from assistant.privacy.lexicon import CAMEL_NAME, STOP_WORDS, Lexicon, tokenize

MODEL_DIR = Path(__file__).parent / "data" / "ner-de"
LABELS = {"PER": "PERSON"}
# One model per process, shared by every redactor; its memory zones must not interleave.
_MODEL_LOCK = threading.Lock()


def _wordish(text: str) -> bool:
    """Letters, perhaps joined by hyphens or apostrophes (Hans-Peter, O'Neill)."""
    return text.replace("-", "").replace("'", "").replace("’", "").isalpha()


def _acronym(word: str) -> bool:
    """A capital after a small letter, as in an abbreviation (BVerwG, PAuswG, eGovG);
    not a name written in capitals (MÜLLER) or McDonald."""
    return any(a.islower() and b.isupper() for a, b in pairwise(word)) and not (
        CAMEL_NAME.match(word)
    )


@lru_cache(maxsize=2)
def load_model(path: str):
    """The spaCy pipeline, loaded once per process.

    Inside a memory zone every word is new to spaCy on every message, and making a
    word's features costs more than tagging it (~1 ms a message). The common words of
    the training texts, by the rule of the tokens kept across messages (nothing a
    message adds, no first name), are made permanent once, here (~17,500, 0.5 s).
    """
    import spacy

    from assistant.privacy.nlp import common_chunk

    model = spacy.load(path)
    for word in [s for s in model.vocab.strings if common_chunk(s)]:
        model.vocab[word]  # creates the lexeme outside any zone: it stays
    return model


class TrainedNameRecognizer(LocalRecognizer):
    """Spans the trained tagger labels and the word lists let pass, at a fixed score."""

    def __init__(
        self,
        conf: dict,
        path: Path = MODEL_DIR,
        score: float = 0.6,
        labels: dict[str, str] | None = None,
        name: str = "TrainedNameRecognizer",
    ) -> None:
        self.path, self.score = Path(path), score
        self.labels = dict(labels or LABELS)
        self.lex = Lexicon.load(conf)
        super().__init__(
            supported_entities=sorted(set(self.labels.values())),
            supported_language="de",
            name=name,
        )

    def load(self) -> None:
        self.model = load_model(str(self.path))

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        meta = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        # The zone drops the message's words from the model's string store afterwards.
        with _MODEL_LOCK, self.model.memory_zone():
            found = [
                (self.labels[ent.label_], *self.trimmed(ent))
                for ent in self.model(text).ents
                if self.labels.get(ent.label_) in entities
            ]
        tokens = tokenize(text) if found else []
        return [
            RecognizerResult(kind, start, end, self.score, recognition_metadata=meta)
            for kind, start, end in found
            if start < end and self.plausible(kind, text, start, end, tokens)
        ]

    def trimmed(self, span) -> tuple[int, int]:
        """Character range without the leading tokens that cannot begin a name
        (punctuation, abbreviations, roles and other ordinary words: "i. A.",
        "bürgermeister") and the trailing ones that cannot end one (punctuation, stop
        words, verbs: "frank formuliert"); a surname is never cut off. Empty when
        nothing is left, or when the span holds a digit (a product: "NVIDIA L40S")."""
        if any(c.isdigit() for c in span.text):
            return span.start_char, span.start_char
        tokens = list(span)
        while tokens and not (_wordish(tokens[0].text) and self._name_like(tokens[0].text)):
            tokens.pop(0)
        while tokens and not self._name_end(tokens[-1].text):
            tokens.pop()
        if not tokens:
            return span.start_char, span.start_char
        return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)

    def plausible(self, kind: str, text: str, start: int, end: int, tokens: list) -> bool:
        """No name talked about as a word ("deniz bedeutet meer"), no model name after
        a brand."""
        if kind != "PERSON":
            return False
        inside = [i for i, t in enumerate(tokens) if t.start >= start and t.end <= end]
        if not inside:
            return True
        if inside[0] > 0 and tokens[inside[0] - 1].text.lower() in self.lex.brands:
            return False  # a model after its brand: "renault zoe", "Seat Leon"
        return not word_use(tokens, inside[0], inside[-1], self.lex)

    def _name_end(self, word: str) -> bool:
        """May end a name: not punctuation, a stop word or a verb or adjective; the
        compound test of `_name_like` would cut surnames (Pietsch), so it is not asked."""
        if not _wordish(word) or word.lower() in STOP_WORDS or self.lex.is_foreign_word(word):
            return False  # "anna office": English after a name
        cap = word[:1].upper() + word[1:]
        return self.lex.is_known_name(cap) or not self.lex.is_lowercase_word(cap)

    def _name_like(self, word: str) -> bool:
        cap = "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
        # Abbreviations, English words and brands (core, file, Teams; Core is a listed
        # first name too) are left to the rules, which know their contexts.
        if _acronym(word) or self.lex.is_foreign_word(word):
            return False
        if self.lex.is_first_name(cap) or self.lex.is_known_name(cap):
            return True
        return not (
            word.lower() in STOP_WORDS
            or self.lex.is_word(cap)
            or self.lex.is_lowercase_word(cap)
            or self.lex.is_compound_noun(cap)
        )
