"""Span building and word tests shared by the name recognizer's evidence.

``NameRecognizer`` (``names.py``) finds where a name starts; this mixin decides how
far it reaches (particles, initials, surnames), joins touching spans and turns token
spans into character offsets. It reads the word lists and the configured word sets
that the recognizer's constructor sets up.
"""

from __future__ import annotations

import re

from assistant.privacy.lexicon import SURNAME_ENDING, Lexicon, Token
from assistant.privacy.name_tokens import (
    SENTENCE_MARKS,
    TokenSpan,
    adjacent,
    is_initial,
    is_regnal,
)


class NameSpans:
    """How far a name reaches and which words may be part of it."""

    lex: Lexicon
    scores: dict[str, float]
    salutations: set[str]
    abbreviated: set[str]
    titles: set[str]
    particles: set[str]
    determiners: set[str]
    role: re.Pattern
    verb_first_followers: set[str]

    # --- span building ----------------------------------------------------------

    def _span(
        self, tokens: list[Token], start: int, lenient: bool, score: float
    ) -> list[TokenSpan]:
        end = self._collect(tokens, start, lenient)
        return [(start, end, score)] if end >= start else []

    def _collect(self, tokens: list[Token], i: int, lenient: bool, after_name: bool = False) -> int:
        """Index of the last token of the name starting at `i` (i - 1 if none)."""
        last, j = i - 1, i
        while j < len(tokens) and j - i < 5:
            tok = tokens[j]
            if j > i and not adjacent(tokens[j - 1], tok):
                break
            # "Herr Yıldız (Schulsozialarbeit)", "Franziska – Verpflichtungserklärung": no
            # surname behind a bracket or a dash (a list's comma is crossed: "Aydın, Krämer").
            if j == i and after_name and tok.before.strip(" ") not in ("", ","):
                break
            if j == i and tok.text in self.determiners:
                break  # "Leitern der Beherbergungsstätten": no name starts with an article
            if self._is_filler(tokens, j):
                j += 1
                continue
            # After a first name or a particle the next word belongs to the name
            # even if it is also a noun (Peter Stein, von Scheffel).
            previous = tokens[j - 1].text if j > i else ""
            # After a particle too (Maximilian von Thurn-Eberstein), but not after an
            # article ("Müller der Stadt").
            # "van der Meer", "von den Driesch": an article inside a particle counts.
            compound = j - 2 >= i and tokens[j - 2].text in self.particles - self.determiners
            after_first = self.lex.is_first_name(previous) or (
                previous in self.particles
                and (previous not in self.determiners or compound)
                and (last >= i or after_name)  # not "Empfänger von Einzelangaben"
            )
            # "Hans W. Eichel": a middle initial right after the first name.
            after_first = after_first or (after_name and j == i + 1 and is_initial(tokens[i]))
            if (lenient and j == i) or after_first:
                ok = self._lenient_ok(tok)
            else:
                ok = self.lex.is_surname_like(tok.text)
            if not ok:
                break
            last, j = j, j + 1
        return last

    def _merge(self, tokens: list[Token], spans: list[TokenSpan]) -> list[TokenSpan]:
        """Widen spans over particles and initials, and join touching spans into one name."""
        widened = sorted(self._widen(tokens, first, last, score) for first, last, score in spans)
        merged: list[list] = []
        for first, last, score in widened:
            if merged and (
                first <= merged[-1][1] + 1
                and (first <= merged[-1][1] or adjacent(tokens[merged[-1][1]], tokens[first]))
            ):
                merged[-1][1] = max(merged[-1][1], last)
                merged[-1][2] = max(merged[-1][2], score)
            else:
                merged.append([first, last, score])
        return [tuple(m) for m in merged]

    def _widen(self, tokens: list[Token], first: int, last: int, score: float) -> TokenSpan:
        while (
            first > 0
            and adjacent(tokens[first - 1], tokens[first])
            and (
                self._is_name_initial(tokens, first - 1)
                or self._is_left_particle(tokens, first - 1)
            )
        ):
            first -= 1
        while (
            last + 1 < len(tokens)
            and (is_initial(tokens[last + 1]) or is_regnal(tokens[last + 1]))
            and adjacent(tokens[last], tokens[last + 1])
        ):
            last += 1
        return first, last, score

    @staticmethod
    def _is_name_initial(tokens: list[Token], j: int) -> bool:
        # Not the "A." of "i. A." or the "V." of "i. V.".
        return is_initial(tokens[j]) and not (j > 0 and tokens[j - 1].text == "i")

    def _is_left_particle(self, tokens: list[Token], j: int) -> bool:
        word = tokens[j].text
        if word in ("der", "den", "des"):  # only within "van der", "von den"
            return j > 0 and tokens[j - 1].text in self.particles
        return word in self.particles and word not in self.determiners

    @staticmethod
    def _to_chars(tokens: list[Token], spans: list[TokenSpan]) -> list[tuple[int, int, float]]:
        out = []
        for first, last, score in spans:
            dotted = is_initial(tokens[last]) or is_regnal(tokens[last])
            end = tokens[last].end + (1 if dotted else 0)
            out.append((tokens[first].start, end, score))
        return out

    # --- word tests -------------------------------------------------------------

    def _surname_after_ambiguous(self, word: str, brand: bool = False) -> bool:
        # Ernst Müller yes; Mark Brandenburg, Rosa Luxemburg (places) no.
        listed = word in self.lex.surnames and word not in self.lex.places
        if listed:
            return True
        # After a brand an unknown word is its model (Dell Vostro), unless only a
        # surname ends that way (Hermes Kowalczyk).
        unknown = self.lex.is_unknown(word)
        return unknown and (not brand or SURNAME_ENDING.search(word.lower()) is not None)

    def _subject_at_start(self, tokens: list[Token], i: int) -> bool:
        """At a sentence start, "Kulikow gab …" is a name, "Reicht eine Kopie?" a verb:
        a name is followed by a lower-case verb, a verb by a pronoun or article."""
        if i + 1 >= len(tokens):
            return False
        following = tokens[i + 1].text
        # "Yonas Berhane (geb. 15.03.2001)": who has a birth date is a person.
        if following in ("geb", "geboren") and tokens[i + 1].before.strip() in ("", "(", ","):
            return True
        if tokens[i + 1].before != " ":
            return False
        return following.islower() and following not in self.verb_first_followers

    def _starts_sentence(self, tokens: list[Token], i: int) -> bool:
        before = tokens[i].before
        if before.strip() == "" and "\n" in before and i and tokens[i - 1].text.islower():
            return False  # a wrapped line continues its sentence ("die\nRücknahme")
        if SENTENCE_MARKS & set(before):
            return True
        if "." in before:
            previous = tokens[i - 1]
            abbreviation = len(previous.text) == 1 or self._is_salutation(previous)
            return not (abbreviation or previous.text in self.titles)
        return False

    def _is_salutation(self, tok: Token) -> bool:
        return tok.text in self.salutations or (tok.text in self.abbreviated and tok.dot)

    def _is_name_part(self, tok: Token) -> bool:
        return (
            len(tok.text) > 2
            and (self.lex.is_capitalized(tok.text) or tok.text.isupper())
            and not self._is_salutation(tok)
            and tok.text not in self.titles
            and tok.text not in self.lex.ambiguous
            and tok.text not in self.particles
        )

    def _skip_titles(self, tokens: list[Token], i: int) -> int:
        limit = i + 4  # "Frau Bürgermeisterin Prof. Dr." at most
        while i < min(limit, len(tokens)) and (
            tokens[i].text in self.titles
            or self._is_salutation(tokens[i])
            or self.role.fullmatch(tokens[i].text)
        ):
            i += 1
        return i

    def _is_filler(self, tokens: list[Token], j: int) -> bool:
        """An initial (W.) or a particle (von, van der, de la) inside a name."""
        nxt = tokens[j + 1] if j + 1 < len(tokens) else None
        if nxt is None or not adjacent(tokens[j], nxt):
            return False
        if is_initial(tokens[j]):
            return True
        k = j
        while k < len(tokens) and self._particle(tokens, k, j):
            if k + 1 >= len(tokens) or not adjacent(tokens[k], tokens[k + 1]):
                return False
            k += 1
        return k > j and k < len(tokens) and self.lex.is_capitalized(tokens[k].text)

    def _particle(self, tokens: list[Token], k: int, j: int) -> bool:
        """A particle; inside a name also capitalized ("Nguyen Van Hung", "Silva Da Costa")."""
        word = tokens[k].text
        if word in self.particles:
            return True
        inner = k == j and k > 0 and adjacent(tokens[k - 1], tokens[k])
        lower = word.lower()
        return (
            inner
            and word.istitle()
            and lower in self.particles
            and lower not in self.determiners
            and self.lex.is_capitalized(tokens[k - 1].text)
        )

    def _lenient_ok(self, tok: Token) -> bool:
        # Surnames that are also function words (Lange, Anders) and surnames in
        # capitals as on forms (Frau MÜLLER) count here.
        listed = tok.text in self.lex.surnames
        shouted = tok.text.isupper() and len(tok.text) > 2
        capitalized = self.lex.is_capitalized(tok.text) or listed or shouted
        return capitalized and tok.text not in self.titles
