"""Shared primitives of the structured-identifier recognizers (identifiers.py,
plates.py, addresses.py, tax_numbers.py, birthdates.py, file_references.py, spoken.py).

A recognizer yields candidates ``(start, end, score, score with a cue)``; a cue word
within a window around the value lifts the score. This module imports nothing of the
other recognizer modules, so any of them can build on it without an import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    LocalRecognizer,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts

from assistant.privacy.lexicon import english_words, is_common_word, is_noun

# (start, end, score without a cue, score with a cue nearby)
Candidate = tuple[int, int, float, float]

WEAK = 0.3  # below the redactor's threshold: needs a cue


def cue_regex(words: Sequence[str]) -> re.Pattern | None:
    """Cue words (regex fragments) matched case-insensitively at the start of a word."""
    if not words:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(words) + ")", re.IGNORECASE)


class ScoredRecognizer(LocalRecognizer):
    """Base: subclasses yield candidates; a cue within the window lifts the score."""

    def __init__(
        self, entity: str, name: str, cues: Sequence[str] = (), window: Sequence[int] = (60, 25)
    ) -> None:
        self._cues = cue_regex(cues)
        self._before, self._after = window
        super().__init__(supported_entities=[entity], supported_language="de", name=name)

    def load(self) -> None:
        """Patterns are compiled in the constructor."""

    def candidates(self, text: str) -> Iterator[Candidate]:
        raise NotImplementedError

    def cue_near(self, text: str, start: int, end: int) -> bool:
        if self._cues is None:
            return False
        before = text[max(0, start - self._before) : start]
        after = text[end : end + self._after]
        return bool(self._cues.search(before) or self._cues.search(after))

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for start, end, score, cued in self.candidates(text):
            if cued > score and self.cue_near(text, start, end):
                score = cued
            if score > 0:
                results.append(self._result(start, end, score))
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return result(self, self.supported_entities[0], start, end, score)


def result(
    recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float
) -> RecognizerResult:
    """A finding of one of our recognizers, with the explanation the context enhancer
    writes its context word into and the metadata Presidio expects."""
    return RecognizerResult(
        entity,
        start,
        end,
        score,
        analysis_explanation=AnalysisExplanation(recognizer=recognizer.name, original_score=score),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


def word_like(value: str) -> bool:
    """A word or a compound ending in one (commerz|bank), not a code like "cobadeff"."""
    if value in english_words() or is_common_word(value):
        return True
    return any(is_noun(value[k:]) for k in range(2, len(value) - 3))
