"""The NLP engine for Presidio: a blank German spaCy tokenizer, built here, never downloaded."""

from __future__ import annotations

import re
from collections.abc import Callable

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language

LANGUAGE = "de"

# What spaCy's tokenizer splits a text into before its affix rules: runs of
# non-space characters (str.isspace, which `\s` in a str pattern follows too).
_CHUNK = re.compile(r"\S+")
_EDGE_PUNCT = ".,;:!?()[]\"'„“”‚‘’«»"


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

    def __init__(self, nlp: Language | None = None, chunks: ChunkTokens | None = None) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": "blank"}])
        self.nlp = {LANGUAGE: nlp or build_pipeline()}
        # spaCy's own exceptions ("Dr.", "Nr.", "z.B.") are no message text either.
        exceptions = frozenset(self.nlp[LANGUAGE].tokenizer.rules)
        self.chunks = chunks or ChunkTokens(lambda c: c in exceptions or common_chunk(c))

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
        words, offsets = self.chunks.split(text, self.nlp[language])
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


def common_chunk(chunk: str) -> bool:
    """A chunk whose tokens may be kept across messages: punctuation, or a German stop
    word or word of the shipped word lists that is no listed first name, with
    punctuation at its edges at most ("Antrag,"). Surnames that are common words too
    (Freitag, Koch) are kept: as words they are in the shipped lists anyway."""
    from assistant.privacy.lexicon import STOP_WORDS, is_common_word, is_first_name

    if not any(char.isalnum() for char in chunk):
        return True  # "–", "§", "(…)"
    core = chunk.strip(_EDGE_PUNCT)
    if not core.isalpha():
        return False
    return core.lower() in STOP_WORDS or (is_common_word(core) and not is_first_name(core))


class ChunkTokens:
    """spaCy's tokens of a text, with the tokens of common chunks kept across messages.

    spaCy tokenizes each run of non-space characters on its own (its affix rules never
    look past a space), and the redactor tokenizes inside a memory zone, where spaCy
    forgets every chunk it learnt: each message paid the full affix search for
    "und", "der", "Antrag" again, most of the tokenizing time. Here those chunks' tokens
    are kept in a bounded map; only punctuation and words of the shipped word lists that
    are no listed first name are kept (`common_chunk`): nothing a message adds. The other
    chunks go through spaCy in one call, joined by single spaces. Whitespace runs become
    tokens as in spaCy (a single space after a word belongs to that word); Presidio's
    enhancer only needs them to be there, as words that are no keyword.
    """

    def __init__(self, keep: Callable[[str], bool], limit: int = 50_000) -> None:
        self._keep = keep
        self._limit = limit
        self._known: dict[str, tuple[tuple[str, int], ...]] = {}

    def split(self, text: str, nlp: Language) -> tuple[list[str], list[int]]:
        chunks = [(m.start(), m.group()) for m in _CHUNK.finditer(text)]
        tokens = [self._known.get(chunk) for _, chunk in chunks]
        missing = [i for i, known in enumerate(tokens) if known is None]
        if missing:
            self._tokenize_missing(chunks, tokens, missing, nlp)
        words, offsets = [], []
        previous_end = 0
        for (start, chunk), chunk_tokens in zip(chunks, tokens, strict=True):
            _whitespace_token(text, previous_end, start, words, offsets)
            for word, offset in chunk_tokens:
                words.append(word)
                offsets.append(start + offset)
            previous_end = start + len(chunk)
        _whitespace_token(text, previous_end, len(text), words, offsets)
        return words, offsets

    def _tokenize_missing(self, chunks, tokens, missing, nlp: Language) -> None:
        joined, starts = [], []
        position = 0
        for i in missing:
            starts.append(position)
            joined.append(chunks[i][1])
            position += len(chunks[i][1]) + 1
        found: list[list[tuple[str, int]]] = [[] for _ in missing]
        k = 0
        for token in nlp.make_doc(" ".join(joined)):
            while k + 1 < len(starts) and token.idx >= starts[k + 1]:
                k += 1
            found[k].append((token.text, token.idx - starts[k]))
        for i, chunk_tokens in zip(missing, found, strict=True):
            tokens[i] = tuple(chunk_tokens)
            chunk = chunks[i][1]
            if len(self._known) < self._limit and self._keep(chunk):
                self._known[chunk] = tokens[i]


def _whitespace_token(text: str, start: int, end: int, words: list, offsets: list) -> None:
    """spaCy's token for the whitespace between two chunks: the run without the single
    space that belongs to the word before it (none for exactly one space)."""
    if start > 0 and start < end and text[start] == " ":
        start += 1
    if start < end:
        words.append(text[start:end])
        offsets.append(start)
