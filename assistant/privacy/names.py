"""Person names in German text, without an NER model.

Evidence, strongest first:

* a salutation or title before the name: "Frau Holle", "Herrn Dr. Weber";
* a cue: a role ("Sachbearbeiterin Schmitz", "Antragsteller:in Hr. Weber"), an
  introduction ("mein Name ist …", "Name: …") or a sign-off ("gez. …",
  "Mit freundlichen Grüßen" and the name line below);
* a first name from the list, with the surname that follows it;
* a word already found as part of a name elsewhere in the text;
* (optional, ``guess_unknown_words``) a capitalized word that no word list
  knows: German capitalizes nouns, and the noun list is large, so such a word
  is most often a name.

Surnames that are ordinary words (Fischer, Koch) are taken only with such
evidence; first names that are also ordinary words (Ernst, Mark, Rosa) need a
surname that is no ordinary word, or a cue.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from assistant.privacy.article_names import article_surnames
from assistant.privacy.confusers import street_name, word_use
from assistant.privacy.inverted import inverted_names
from assistant.privacy.lexicon import Lexicon, Token, in_code, is_institution, tokenize
from assistant.privacy.name_spans import NameSpans
from assistant.privacy.name_tokens import (
    FIELD_END,
    PREPOSITIONS,
    TokenSpan,
    abbreviated,
    adjacent,
    alternation,
    directly_after,
    is_saint,
    truncated,
)

# A syslog time stamp ("Mar 12 07:30:11 mail-gw postfix…"): the month, not a first name.
LOG_STAMP = re.compile(
    r"(?<![\w-])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[ \t]+\d{1,2}[ \t]+\d\d:\d\d"
)


class NameRecognizer(NameSpans, LocalRecognizer):
    """Finds person names; configured by the ``names`` section of ``recognizers.yaml``."""

    def __init__(self, conf: dict, entity: str = "PERSON", name: str = "NameRecognizer"):
        self.lex = Lexicon.load(conf)
        self.scores: dict[str, float] = conf["scores"]
        self.salutations = set(conf["salutations"])
        self.abbreviated = set(conf["abbreviated_salutations"])
        self.titles = set(conf["titles"])
        self.particles = set(conf["particles"])
        self.determiners = set(conf["determiners"])
        roles = rf"(?:{alternation(conf['roles'])})(?:{conf['role_suffix']})?"
        self.role = re.compile(roles)
        self.cue = re.compile(rf"\b(?:{roles}|{conf['cue_phrases']})")
        self.form_cue = re.compile(conf["form_cues"])
        self.sign_off = re.compile(conf["cue_phrases"])
        self.cue_gap = re.compile(conf["cue_gap"])
        self.guess = bool(conf.get("guess_unknown_words", False))
        self.product_cues = {w.lower() for w in conf.get("product_cues", ())}
        self.no_guess_after = (
            set(conf.get("no_guess_after", ())) | self.determiners | self.product_cues
        )
        self.verb_first_followers = set(conf.get("verb_first_followers", ()))
        self.place_heads = tuple(w.lower() for w in conf.get("place_heads", ()))
        self.office_heads = tuple(w.lower() for w in conf.get("office_heads", ()))
        self.room_heads = frozenset(w.lower() for w in conf.get("room_heads", ()))
        # Lower-case words after a sentence's first word that are no verb (und, oder …).
        self.no_verb_after_subject = set(conf.get("no_verb_after_subject", ()))
        super().__init__(supported_entities=[entity], supported_language="de", name=name)

    def load(self) -> None:
        """The word lists are loaded in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        # Letters glued to digits are part of a code ("L64R881144"), no initial or word.
        tokens = [t for t in tokenize(text) if not in_code(text, t)]
        spans = self._salutations(tokens) + self._cues(text, tokens) + self._first_names(tokens)
        spans += inverted_names(tokens, self.lex, self.scores["full_name"])
        spans += article_surnames(tokens, self.lex, self.scores["unknown_word"])
        if self.guess:
            spans += self._unknown_words(tokens) + self._surname_subjects(tokens)
        spans += self._repeated(tokens, spans)
        # Found by the word alone, no cue: "Deniz bedeutet Meer", "ganz Frank gesagt".
        weak = self.scores["first_name"]
        spans = [s for s in spans if s[2] > weak or not word_use(tokens, s[0], s[1], self.lex)]
        meta = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        stamps = {m.start() for m in LOG_STAMP.finditer(text)}
        return [
            RecognizerResult(
                self.supported_entities[0], start, end, score, recognition_metadata=meta
            )
            for start, end, score in self._to_chars(tokens, self._merge(tokens, spans))
            if start not in stamps
        ]

    # --- evidence ---------------------------------------------------------------

    def _salutations(self, tokens: list[Token]) -> list[TokenSpan]:
        spans = []
        for i, tok in enumerate(tokens):
            # "Familie, Senioren, Frauen": a salutation is followed by its name directly.
            if self._is_salutation(tok) and i + 1 < len(tokens) and directly_after(tokens[i + 1]):
                # "jede Frau Anspruch …": after an article "Frau" is a noun, so only
                # a surname-like word may follow.
                # "dem Herrn Hausmann": "Herr" is no common noun as "Frau" is.
                lenient = not (i and tokens[i - 1].text.lower() in self.determiners) or (
                    tok.text.rstrip(".") in ("Herr", "Herrn", "Hr", "Hrn")
                )
                start = self._skip_titles(tokens, i + 1)
                found = []
                # "Frau Richter (ASD)": a name follows its title, not across a bracket.
                if start < len(tokens) and directly_after(tokens[start]):
                    found = self._span(tokens, start, lenient, self.scores["salutation"])
                spans += found or self._role_surname(tokens, i, start)
        return spans

    def _role_surname(self, tokens: list[Token], i: int, start: int) -> list[TokenSpan]:
        """ "Herr Kaiser wg. Sperrmüll", "Frau Richter (ASD)": a role after a salutation
        that no name follows is the surname, if it is one (Kaiser, Richter, Vogt); a
        role that is no surname stays a role ("Herr Bürgermeister")."""
        k = start - 1
        if k <= i or tokens[k].text in self.titles or tokens[k].text not in self.lex.surnames:
            return []
        return [(k, k, self.scores["salutation"])]

    def _cues(self, text: str, tokens: list[Token]) -> list[TokenSpan]:
        spans = []
        starts = {tok.start: i for i, tok in enumerate(tokens)}
        for regex, lenient in ((self.cue, False), (self.form_cue, True)):
            for match in regex.finditer(text):
                gap = self.cue_gap.match(text, match.end())
                if gap and "\n" in gap.group() and self.role.fullmatch(match.group()):
                    continue  # a role names the person on its own line ("Kind\nUnterhalt…")
                i = starts.get(gap.end()) if gap else None
                # "Empfänger von Einzelangaben", "zum Richter": after a role a
                # preposition starts no name.
                if i is not None and regex is self.cue and tokens[i].text in PREPOSITIONS:
                    continue
                if i is not None and self._office_signature(match.group(), tokens, i):
                    continue
                if i is not None and is_institution(tokens[i].text):
                    continue  # "Empfänger: Max-Planck-Institut", "Name: …-Stiftung"
                if i is not None:
                    start = self._skip_titles(tokens, i)
                    # "Tochter Rosa Frank-Huber", "Sohn August": after a role any first
                    # name is one, even one that is also a word.
                    word = tokens[start].text if start < len(tokens) else ""
                    first = self.lex.is_first_name(word) or (
                        word in self.lex.ambiguous and word.lower() not in self.lex.brands
                    )
                    role = regex is self.cue and first and bool(self.role.fullmatch(match.group()))
                    spans += self._span(tokens, start, lenient or role, self.scores["cue"])
        return spans

    def _office_signature(self, cue: str, tokens: list[Token], i: int) -> bool:
        """A sign-off signed by an office ("Mit freundlichen Grüßen\nStadtkasse"): one
        compound with the head of an organisational unit alone on its line, no listed
        name (not "Hausmann")."""
        word, alone = tokens[i].text, i + 1 == len(tokens) or "\n" in tokens[i + 1].before
        office = word.lower().endswith(self.office_heads) and self.lex.is_compound_noun(word)
        if not office or self.lex.is_known_name(word):
            return False
        # After a role ("Ansprechpartner: Projektteam KI", "Zuständig: Bürgerservice")
        # a compound with such a head is the unit in that role, wherever the line goes on.
        if self.sign_off.fullmatch(cue):
            return alone
        # … unless a name follows it ("Sachbearbeiter: Amtsleitung Müller").
        after = "" if alone else tokens[i + 1].text
        named = self.lex.is_known_name(after) or self.lex.is_unknown(after)
        return bool(self.role.fullmatch(cue)) and not named

    def _first_names(self, tokens: list[Token]) -> list[TokenSpan]:
        spans = []
        for i, tok in enumerate(tokens):
            if not (self.lex.is_first_name(tok.text) and self.lex.is_capitalized(tok.text)):
                continue
            if i > 0 and is_saint(tokens[i - 1]):
                continue  # "Kita St. Martin", "Sankt Georg": a church, feast or place
            # "Firma Otto", "Software Claude", "Renault Zoe": after a product cue or a
            # brand like an ambiguous name.
            previous = tokens[i - 1].text.lower() if i > 0 else ""
            room = previous in self.room_heads  # "Raum Merkur", "Sitzungssaal Jupiter"
            product = previous in self.product_cues or previous in self.lex.brands or room
            # The surname follows after a space: not across a line break, a field gap,
            # a tab or a table's ";" ("Vorname: Renate⏎Geb.-Datum", "Demir;Cem;…").
            if i + 1 < len(tokens) and FIELD_END.search(tokens[i + 1].before):
                if not (tok.text in self.lex.ambiguous or product):
                    spans.append((i, i, self.scores["first_name"]))
                continue
            if tok.text in self.lex.ambiguous or product:
                # "Mark Brandenburg", "Ernst der Lage": only a surname, no word or place;
                # after a brand only a listed one ("Mercedes Gonzalez", not "Dell Vostro").
                end = self._collect(tokens, i + 1, lenient=False)
                brand = tok.text.lower() in self.lex.brands
                if end > i and self._surname_after_ambiguous(tokens[i + 1].text, brand):
                    spans.append((i, end, self.scores["ambiguous_full"]))
                continue
            # After a first name a capitalized word is the surname, even if it is
            # also a noun (Peter Stein, Hans Eichel).
            end = self._collect(tokens, i + 1, lenient=True, after_name=True)
            score = self.scores["full_name"] if end > i else self.scores["first_name"]
            spans.append((i, max(i, end), score))
        return spans

    def _unknown_words(self, tokens: list[Token]) -> list[TokenSpan]:
        """Runs of capitalized words that no word list knows (Kibaki, Heath Miller).

        Not after an article or a preposition of place (there it is a company,
        a place or a nominalized verb); at a sentence start only when a
        lower-case verb follows the run.
        """
        spans = []
        i = 0
        while i < len(tokens):
            last = self._unknown_run(tokens, i)
            if last < i:
                i += 1
                continue
            cut = abbreviated(tokens, last) or truncated(tokens, last, self.lex.is_known_name)
            if self._plausible_position(tokens, i, last) and not cut:
                spans.append((i, last, self.scores["unknown_word"]))
            i = last + 1
        return spans

    def _surname_subjects(self, tokens: list[Token]) -> list[TokenSpan]:
        """A listed surname that is also a word (Huber, Beck, Braun) opening a sentence
        before a lower-case verb: "Beck ist wieder in Mainz", not "Beck-Pokal" or
        "Braun oder Grau?"."""
        spans = []
        for i, tok in enumerate(tokens[:-1]):
            if not (i == 0 or self._starts_sentence(tokens, i)):
                continue
            word = tok.text
            if word not in self.lex.surnames or word in self.lex.places or len(word) < 4:
                continue
            if not self.lex.is_capitalized(word) or not self._subject_at_start(tokens, i):
                continue
            if tokens[i + 1].text in self.no_verb_after_subject:
                continue
            spans.append((i, i, self.scores["unknown_word"]))
        return spans

    def _unknown_run(self, tokens: list[Token], i: int) -> int:
        """Last index of a run of unknown or name words starting with an unknown one."""
        if not self._guessable(tokens[i]):
            return i - 1
        last = i
        while last + 1 < len(tokens) and adjacent(tokens[last], tokens[last + 1]):
            nxt = tokens[last + 1].text
            # After an unknown word an English one continues the name (Usain Bolt).
            english = not tokens[last + 1].dash and self.lex.is_unknown(nxt, english_ok=True)
            if not (self._guessable(tokens[last + 1]) or self.lex.is_known_name(nxt) or english):
                break
            last += 1
        return last

    def _guessable(self, tok: Token) -> bool:
        # A dotted word of up to three letters is an abbreviation (Abs., Nr.).
        # Nor the first part of a truncated compound ("Schank- und Speisewirtschaften").
        if tok.dash:
            return False
        if tok.dot and len(tok.text) <= 3:
            return False
        if tok.text.lower().endswith("nr"):
            return False  # "Kartennr.", "Karten-Nr": a number's label, abbreviated
        return self.lex.is_unknown(tok.text) and not street_name(tok.text, self.lex)

    def _plausible_position(self, tokens: list[Token], first: int, last: int) -> bool:
        if first > 0 and is_saint(tokens[first - 1]):
            return False
        if first == 0 or self._starts_sentence(tokens, first):
            return self._subject_at_start(tokens, last)
        previous = tokens[first - 1].text
        # "Fujitsu Esprimo": a model after its brand; "Gemeindehaus Pützchen",
        # "Grundschule Holzlar": a place after a building or district.
        if previous.lower() in self.lex.brands or self._place_head(previous):
            return False
        # No product reading after an abbreviation ("MS Authenticator"): staff abbreviate
        # roles before names ("SB Kowalczyk", "OB Ebling"), and a missed name costs more.
        return previous.lower() not in self.no_guess_after

    def _place_head(self, word: str) -> bool:
        """A noun naming a building, facility or district (Bürgerhaus, Sporthalle,
        Stadtteil), after which a capitalized unknown word is its place."""
        lower = word.lower()
        return (
            word[:1].isupper()
            and (lower.endswith(self.place_heads) or lower in self.room_heads)
            and word not in self.lex.surnames  # Niehaus, Imhof: names
        )

    def _repeated(self, tokens: list[Token], spans: list[TokenSpan]) -> list[TokenSpan]:
        """Bare other mentions of a word already found as part of a name in the text."""
        inside = {j for first, last, _ in spans for j in range(first, last + 1)}
        # In any capitalization: forms write surnames in capitals ("Name: KARADENIZ").
        found = {tokens[j].text.lower() for j in inside if self._is_name_part(tokens[j])}
        score = self.scores["repeated"]
        return [
            (j, j, score)
            for j, t in enumerate(tokens)
            if t.text[:1].isupper()
            and j not in inside
            # also in the genitive: "Kathrins Kollege" when "Kathrin Müller" is named
            and (t.text.lower() in found or (t.text[-1:] == "s" and t.text[:-1].lower() in found))
        ]
