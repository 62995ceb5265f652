"""Person names in German text, without an NER model.

Evidence, strongest first:

* a salutation or title before the name: "Frau Holle", "Herrn Dr. Weber";
* a cue: a role ("Sachbearbeiterin Schmitz", "Antragsteller:in Hr. Weber"), an
  introduction ("mein Name ist …", "Name: …") or a sign-off ("gez. …",
  "Mit freundlichen Grüßen" and the name line below);
* a first name from the list, with the surname that follows it;
* a word already found as part of a name elsewhere in the text.

Surnames are taken only with such evidence; first names that are also
ordinary words (Ernst, Mark, Rosa) need a known surname or a cue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from .lexicon import Lexicon, Token, tokenize

Span = tuple[int, int, float]  # token index range [first, last] as char offsets + score


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


class NameRecognizer(LocalRecognizer):
    """Finds person names; configured by the ``names`` section of ``recognizers.yaml``."""

    def __init__(self, conf: dict, entity: str = "PERSON", name: str = "NameRecognizer"):
        self.lex = Lexicon.load(conf)
        self.scores: dict[str, float] = conf["scores"]
        self.salutations = set(conf["salutations"])
        self.abbreviated = set(conf["abbreviated_salutations"])
        self.titles = set(conf["titles"])
        self.particles = set(conf["particles"])
        self.determiners = set(conf["determiners"])
        suffix = conf["role_suffix"]
        self.role = re.compile(rf"(?:{_alternation(conf['roles'])})(?:{suffix})?")
        self.cue = re.compile(
            rf"\b(?:(?:{_alternation(conf['roles'])})(?:{suffix})?|{conf['cue_phrases']})"
        )
        self.form_cue = re.compile(conf["form_cues"])
        self.cue_gap = re.compile(conf["cue_gap"])
        super().__init__(supported_entities=[entity], supported_language="de", name=name)

    def load(self) -> None:
        """The word lists are loaded in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        tokens = tokenize(text)
        spans = self._salutations(tokens) + self._cues(text, tokens) + self._first_names(tokens)
        spans += self._repeated(tokens, spans)
        meta = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        entity = self.supported_entities[0]
        return [RecognizerResult(entity, s, e, score, recognition_metadata=meta) for s, e, score in spans]

    # --- evidence ---------------------------------------------------------------

    def _salutations(self, tokens: list[Token]) -> list[Span]:
        spans = []
        for i, tok in enumerate(tokens):
            if not self._is_salutation(tok):
                continue
            start = self._skip_titles(tokens, i + 1)
            # "jede Frau Anspruch …": after an article "Frau" is a noun, so only
            # a real surname-like word may follow.
            lenient = not (i and tokens[i - 1].text.lower() in self.determiners)
            spans += self._span(tokens, start, lenient, self.scores["salutation"])
        return spans

    def _cues(self, text: str, tokens: list[Token]) -> list[Span]:
        spans = []
        starts = {tok.start: i for i, tok in enumerate(tokens)}
        for regex, lenient in ((self.cue, False), (self.form_cue, True)):
            for match in regex.finditer(text):
                i = self._next_token(text, tokens, starts, match.end())
                if i is not None:
                    start = self._skip_titles(tokens, i)
                    spans += self._span(tokens, start, lenient, self.scores["cue"])
        return spans

    def _first_names(self, tokens: list[Token]) -> list[Span]:
        spans = []
        for i, tok in enumerate(tokens):
            if not (self.lex.is_first_name(tok.text) and self.lex.is_capitalized(tok.text)):
                continue
            if i and self.lex.is_first_name(tokens[i - 1].text) and _adjacent(tokens[i - 1], tok):
                continue  # second of a double first name: covered from the first
            end = self._collect(tokens, i + 1, lenient=False)
            if tok.text in self.lex.ambiguous:
                # "Mark Brandenburg", "Ernst der Lage": only a listed surname counts.
                if end > i and tokens[end].text in self.lex.surnames:
                    spans.append((tok.start, tokens[end].end, self.scores["ambiguous_full"]))
            elif end > i:
                spans.append((tok.start, tokens[end].end, self.scores["full_name"]))
            else:
                spans.append((tok.start, tok.end, self.scores["first_name"]))
        return spans

    def _repeated(self, tokens: list[Token], spans: list[Span]) -> list[Span]:
        """Bare later (or earlier) mentions of a name already found in the text."""
        inside = [(s, e) for s, e, _ in spans]
        found = {
            t.text for t in tokens
            if any(s <= t.start and t.end <= e for s, e in inside) and self._is_name_part(t)
        }
        return [
            (t.start, t.end, self.scores["repeated"])
            for t in tokens
            if t.text in found and not any(s <= t.start and t.end <= e for s, e in inside)
        ]

    # --- helpers ----------------------------------------------------------------

    def _is_salutation(self, tok: Token) -> bool:
        return tok.text in self.salutations or (tok.text in self.abbreviated and tok.dot)

    def _is_name_part(self, tok: Token) -> bool:
        return (
            len(tok.text) > 2
            and self.lex.is_capitalized(tok.text)
            and not self._is_salutation(tok)
            and tok.text not in self.titles
            and tok.text not in self.lex.ambiguous
        )

    def _skip_titles(self, tokens: list[Token], i: int) -> int:
        while i < len(tokens) and (
            tokens[i].text in self.titles
            or self._is_salutation(tokens[i])
            or self.role.fullmatch(tokens[i].text)
        ):
            i += 1
        return i

    def _next_token(self, text: str, tokens: list[Token], starts: dict, pos: int) -> int | None:
        gap = self.cue_gap.match(text, pos)
        return starts.get(gap.end()) if gap else None

    def _span(self, tokens: list[Token], start: int, lenient: bool, score: float) -> list[Span]:
        end = self._collect(tokens, start, lenient)
        return [(tokens[start].start, tokens[end].end, score)] if end >= start else []

    def _collect(self, tokens: list[Token], i: int, lenient: bool) -> int:
        """Index of the last token of the name starting at `i` (i - 1 if none)."""
        last = i - 1
        j = i
        while j < len(tokens) and j - i < 5:
            tok = tokens[j]
            if j > i and not _adjacent(tokens[j - 1], tok):
                break
            if self._is_filler(tokens, j) and last >= i - 1:
                j += 1
                continue
            ok = self._lenient_ok(tok) if (lenient and j == i) else self.lex.is_surname_like(tok.text)
            if not ok:
                break
            last = j
            j += 1
        return last

    def _is_filler(self, tokens: list[Token], j: int) -> bool:
        """A particle (von, van der) or an initial (W.) inside a name."""
        tok = tokens[j]
        nxt = tokens[j + 1] if j + 1 < len(tokens) else None
        if nxt is None or not _adjacent(tok, nxt):
            return False
        is_initial = len(tok.text) == 1 and tok.text.isupper() and tok.dot
        particle = tok.text in self.particles and self.lex.is_capitalized(nxt.text)
        return is_initial or particle

    def _lenient_ok(self, tok: Token) -> bool:
        return (
            self.lex.is_capitalized(tok.text)
            and tok.text not in self.titles
            and not self.role.fullmatch(tok.text)
        )


def _adjacent(left: Token, right: Token) -> bool:
    """Only a space (or an initial's dot) between two words of one name."""
    return right.before in (" ", "\u00a0") or (left.dot and right.before in (". ", ".\u00a0"))


def name_tokens(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """Capitalized words inside the given PERSON spans (to remember for later messages)."""
    return [
        t.text for t in tokenize(text)
        if len(t.text) > 2 and t.text[0].isupper()
        and any(s <= t.start and t.end <= e for s, e in spans)
    ]


def known_mentions(text: str, is_known: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Words of the text that an earlier message of the conversation found as a name."""
    return [(t.start, t.end) for t in tokenize(text) if t.text[0].isupper() and is_known(t.text)]
