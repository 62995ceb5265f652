"""Person names as staff type them in chat: in lower case, as a first name only.

"hab murat gefragt", "halterin gisela marx", "frau kowalczyk hat angerufen",
"die mutter von finn und ida": no capital letter marks the name, so the evidence
is the name lexicon and the words around it, never capitalization:

* a lower-case word that is a first name and no ordinary German word (``murat``,
  ``gisela``; not ``will``, ``mark``), with the surname-like words after it;
* a lower-case salutation before the name (``frau engel``, ``herr m.``);
* a role or relation before it, optionally with ``von`` (``bewerberin ewa``,
  ``der sohn von kai``): then any listed first name or surname counts, even one
  that is also a noun;
* a name joined to one of these by ``und``, ``oder`` or a comma (``finn und ida``).

Capitalized names are the `NameRecognizer`'s (names.py); this recognizer looks
only at lower-case words, so the two do not compete.
"""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.de.stop_words import STOP_WORDS

from assistant.privacy.confusers import word_use
from assistant.privacy.lexicon import SURNAME_ENDING, Lexicon, Token, tokenize
from assistant.privacy.name_tokens import is_saint

MAX_PARTS = 4  # words of one name after its first
JOINERS = {"und", "oder", "sowie", "&"}
# Prepositions that name a person as addressee, origin, beneficiary or company.
NAME_PREPOSITIONS = {"an", "von", "für", "mit", "bei"}
# Irish and Italian/French names with an elided particle: o'brien, d'angelo.
# Who is asked, called or told is a person ("frag mal lindenberg", "schreib hellweg
# an"); who has called or answered too ("lindenberg hat angerufen"). Towns do not
# phone, so a place name counts before a phone word, not before other reports
# ("wiesbaden hat geantwortet" is the city's administration).
ASK_VERBS = frozenset(
    [
        "frag",
        "frage",
        "fragt",
        "ruf",
        "rufe",
        "schreib",
        "schreibe",
        "sag",
        "sage",
        "informier",
        "informiere",
        "erinner",
        "erinnere",
        "kontaktier",
        "kontaktiere",
    ]
)
FILLERS = frozenset(
    ["mal", "doch", "bitte", "kurz", "noch", "halt", "einfach", "gleich", "nochmal", "auch"]
)
CALLED = frozenset(["angerufen", "zurückgerufen", "telefoniert"])
REPORTED = frozenset(
    [
        "geschrieben",
        "geantwortet",
        "gemailt",
        "nachgefragt",
        "gefragt",
        "abgesagt",
        "zugesagt",
        "gemeldet",
        "reklamiert",
        "beschwert",
        "besprochen",
        "gesprochen",
    ]
)
AUXILIARIES = frozenset(["hat", "hatte", "hätte", "hab", "habe"])
APOSTROPHE_NAME = re.compile(r"(?:o|d)['’][^\W\d_]{3,}")
# A lower-case word is an ordinary word when it is at least as frequent in lower case
# as capitalized (log ratio, see lexicon.lower_margin).
COMMON_MARGIN = 0.0
VOWEL = re.compile(r"[aeiouyäöüáàâãåéèêëíìîïóòôõøúùûůýÿæœı]")


class CasualNameRecognizer(LocalRecognizer):
    """Lower-case person names; configured by the ``names`` section of ``recognizers.yaml``."""

    def __init__(self, conf: dict, entity: str = "PERSON", name: str = "CasualNameRecognizer"):
        self.lex = Lexicon.load(conf)
        self.score = conf["scores"]["casual"]
        self.cue_score = conf["scores"]["cue"]
        self.salutations = {s.lower() for s in conf["salutations"]} | {
            s.lower() for s in conf["abbreviated_salutations"] if s not in ("Dr", "Prof")
        }
        self.abbreviated = {s.lower() for s in conf["abbreviated_salutations"]}
        self.titles = {t.lower() for t in conf["titles"]}
        self.particles = {p.lower() for p in conf["particles"]} - {"der", "den", "des", "o"}
        self.determiners = {d.lower() for d in conf["determiners"]}
        roles = "|".join(sorted((r.lower() for r in conf["roles"]), key=len, reverse=True))
        self.role = re.compile(rf"(?:{roles})(?:{conf['role_suffix'].lower()})?")
        self.not_names = {w.lower() for w in conf.get("not_names", ())}
        self.product_cues = {w.lower() for w in conf.get("product_cues", ())}
        self.room_heads = frozenset(w.lower() for w in conf.get("room_heads", ()))
        super().__init__(supported_entities=[entity], supported_language="de", name=name)

    def load(self) -> None:
        """The word lists are loaded in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        tokens = tokenize(text)
        spans = self.spans(tokens)
        meta = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        results = []
        for first, last, score in spans:
            end = tokens[last].end + (1 if tokens[last].dot and len(tokens[last].text) == 1 else 0)
            results.append(
                RecognizerResult(
                    self.supported_entities[0],
                    tokens[first].start,
                    end,
                    score,
                    recognition_metadata=meta,
                )
            )
        return results

    def spans(self, tokens: list[Token]) -> list[tuple[int, int, float]]:
        """(first, last, score) token spans of the names found."""
        spans: list[tuple[int, int, float]] = []
        i = 0
        while i < len(tokens):
            found = self._name_at(tokens, i)
            if found is None:
                i += 1
                continue
            first, last, score = found
            spans.append((first, last, score))
            i = last + 1
            # "finn und ida", "elke, timo": a first name joined to a name is one too.
            while i < len(tokens) and (j := self._joined(tokens, i)) is not None:
                last = self._rest(tokens, j)
                spans.append((j, last, score))
                i = last + 1
        spans += self._listed_before(tokens, spans)
        # Without a salutation or role, "ganz frank", "deniz bedeutet meer", "grace
        # period" use the word as a word.
        return [s for s in spans if s[2] > self.score or not word_use(tokens, s[0], s[1], self.lex)]

    def _listed_before(
        self, tokens: list[Token], spans: list[tuple[int, int, float]]
    ) -> list[tuple[int, int, float]]:
        """Listed names before a name in a list: "schmidt, kowalski und nguyen"."""
        found = []
        taken = {first for first, _, _ in spans}
        for first, _, score in spans:
            k = first
            while k > 0 and tokens[k].before.strip() in (",", ";") and "\n" not in tokens[k].before:
                word = tokens[k - 1].text
                if k - 1 in taken or not word.islower() or not self._listed_name(word):
                    break
                k -= 1
                taken.add(k)
                found.append((k, k, score))
        return found

    # --- evidence ----------------------------------------------------------------

    def _name_at(self, tokens: list[Token], i: int) -> tuple[int, int, float] | None:
        tok = tokens[i]
        word = tok.text
        if self._surname_first(tokens, i):
            return i, i, self.cue_score
        if not word.islower():
            return None
        if word in self.salutations and (tok.dot or word not in self.abbreviated):
            return self._after_salutation(tokens, i)
        if word == "o" and i and tokens[i - 1].text == "c" and tok.before == "/":
            return self._after_salutation(tokens, i)  # "c/o müller": care of a person
        if self.role.fullmatch(word) or word in NAME_LABELS:
            return self._after_role(tokens, i)
        if self._addressed(tokens, i):
            return i, self._rest(tokens, i), self.score
        if i and is_saint(tokens[i - 1]):
            return None  # "sankt martin umzug", "st. georg"
        if APOSTROPHE_NAME.fullmatch(word):
            return i, self._rest(tokens, i), self.score  # "o'brien", "d'angelo"
        # "jankowski", "petrović", "yıldızoğlu": an ending only surnames have.
        if len(word) > 5 and SURNAME_ENDING.search(word) and not self._common(word):
            return i, self._rest(tokens, i), self.score
        # "an jankowski", "mit kowalczyk": a listed name that is no German word.
        after_preposition = i and tokens[i - 1].text.lower() in NAME_PREPOSITIONS and _spaced(tok)
        if after_preposition and len(word) > 3 and self._listed_name(word):
            return i, self._rest(tokens, i), self.score
        # "die firma otto", "das tool mattermost", "renault zoe": a company, product or
        # model, unless a listed surname follows ("die firma otto schmidt").
        previous = tokens[i - 1].text.lower() if i > 0 else ""
        # "raum merkur", "besprechungsraum jupiter": a room's name, as a product's
        room = previous in self.room_heads
        product = (
            previous in self.product_cues or previous in self.lex.brands or room
        ) and _spaced(tok)
        if not product and self._strong_first(word):
            return i, self._rest(tokens, i), self.score
        # "petra schönfeld", "frank heller": a first name that is also a word or a
        # place counts together with a listed surname.
        if self.lex.is_first_name(_cap(word)) and self._may_be_name(word):
            last = self._rest(tokens, i)
            if last > i and self._listed_surname(tokens[i + 1].text):
                return i, last, self.score
        return None

    def _surname_first(self, tokens: list[Token], i: int) -> bool:
        """A surname before its first name ("Müller, Hans", "yilmaz, ahmet"): a listed surname, a comma, a first name."""
        if i + 1 >= len(tokens) or tokens[i + 1].before.strip() != ",":
            return False
        word, nxt = tokens[i].text, tokens[i + 1].text
        if _cap(word.lower()) not in self.lex.surnames or not self._may_be_name(word.lower()):
            return False
        if not (word.islower() or word.istitle()) or not (nxt.islower() or nxt.istitle()):
            return False
        return self._strong_first(nxt.lower()) and not self._function_word(word.lower())

    def _after_salutation(self, tokens: list[Token], i: int) -> tuple[int, int, float] | None:
        j = i + 1
        if j >= len(tokens) or not _spaced(tokens[j]):
            return None
        # "die frau hat", "meine frau": after an article or a pronoun it is a noun.
        noun_use = i > 0 and tokens[i - 1].text.lower() in self.determiners
        # "herr van der berg", "frau de la cruz": particles lead the name.
        k = j
        while k + 1 < len(tokens) and _spaced(tokens[k + 1]):
            if tokens[k].text not in self.particles and not (k > j and tokens[k].text == "der"):
                break
            k += 1
        if k > j and tokens[k].text.islower() and self._may_be_name(tokens[k].text):
            return j, self._rest(tokens, k), self.cue_score
        # "herr bürgermeister wojcik", "frau ministerin": a title or office, then maybe the name.
        # An office that is also a surname ("herr richter", "frau kaiser") stays a name.
        if tokens[j].text in self.titles or self.role.fullmatch(tokens[j].text):
            after_title = self._after_title(tokens, j, noun_use)
            if after_title is not None or not self._listed_surname(tokens[j].text):
                return after_title
        word = tokens[j].text
        if _initial(tokens[j]) and not noun_use:
            return j, j, self.cue_score
        if not word.islower() or not self._may_be_name(word) or self._function_word(word):
            return None
        # "ein herr jankowski", "der familie papadopoulos": a name is no ordinary word.
        if noun_use and self._common(word):
            return None
        return j, self._rest(tokens, j), self.cue_score

    def _after_title(
        self, tokens: list[Token], j: int, noun_use: bool
    ) -> tuple[int, int, float] | None:
        """The name after a salutation and a title or office: "herr dr. m.", "frau
        bürgermeisterin kaya"; none if the office stands alone ("sehr geehrte frau
        ministerin")."""
        k = j + 1
        if k >= len(tokens) or not _spaced(tokens[k]) or not tokens[k].text.islower():
            return None
        word = tokens[k].text
        if _initial(tokens[k]) and not noun_use:
            return k, k, self.cue_score
        if not self._may_be_name(word) or self._function_word(word):
            return None
        # "herr dr. müller": a listed name even if it is also a noun; "frau ministerin
        # antrag …" no.
        listed = self._listed_surname(word) or self.lex.is_first_name(_cap(word))
        if self._common(word) and not listed:
            return None
        return k, self._rest(tokens, k), self.cue_score

    def _after_role(self, tokens: list[Token], i: int) -> tuple[int, int, float] | None:
        j = i + 1
        if j < len(tokens) and tokens[j].text in ("von", "vom") and _spaced(tokens[j]):
            j += 1
        if j >= len(tokens) or not _spaced(tokens[j]) or not tokens[j].text.islower():
            return None
        word = tokens[j].text
        # After a role a listed name counts even if it is also a noun (bewerberin jasmin);
        # so does an unlisted word that is no German word, a place included: a role noun
        # takes a place only with a preposition ("die mieterin lindenberg" is a name).
        listed = self.lex.is_first_name(_cap(word)) or self._listed_surname(word)
        unknown = (
            len(word) > 3
            and _cap(word) not in self.lex.nouns
            and not (self.lex.is_foreign_word(word))
        )
        if not ((listed or unknown) and self._may_be_name(word)) or self._function_word(word):
            return None
        return j, self._rest(tokens, j), self.cue_score

    def _addressed(self, tokens: list[Token], i: int) -> bool:
        """A word no list knows as a German word, asked or told ("frag mal lindenberg"),
        talked to ("mit hellweg besprochen") or reporting ("lindenberg hat angerufen")."""
        word = tokens[i].text
        if len(word) <= 3 or _cap(word) in self.lex.nouns or self.lex.is_foreign_word(word):
            return False
        if not self._may_be_name(word) or self._function_word(word):
            return False
        place = self.lex.is_word(_cap(word))
        j = i - 1
        # "ruf mal bei hellweg an"; but "frag mal bei mainz nach" asks the town's offices
        while j >= 0 and tokens[j].text.lower() in (FILLERS if place else FILLERS | {"bei"}):
            j -= 1
        if j >= 0 and tokens[j].text.lower() in ASK_VERBS:
            return True
        after = [t.text.lower() for t in tokens[i + 1 : i + 5]]
        if after[:1] and after[0] in AUXILIARIES:
            said = [w for w in after[1:] if w not in FILLERS and w not in {"schon", "sich"}]
            return bool(said) and (said[0] in CALLED or (said[0] in REPORTED and not place))
        talked = i and tokens[i - 1].text.lower() == "mit" and bool(set(after[:2]) & REPORTED)
        return bool(talked) and not place

    def _joined(self, tokens: list[Token], i: int) -> int | None:
        """Index of a further name joined to the name that ends before tokens[i]: "finn und
        ida", a list "schmidt, kowalski; nguyen und weber". A joiner word takes a listed
        first name or surname; a comma or semicolon also a word no list knows."""
        tok = tokens[i]
        if tok.text in JOINERS and _spaced(tok) and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if not _spaced(nxt) or not nxt.text.islower():
                return None
            return i + 1 if self._listed_name(nxt.text) else None
        if tok.before.strip() not in (",", ";") or "\n" in tok.before or not tok.text.islower():
            return None
        word = tok.text
        if self._listed_name(word) or (
            len(word) > 3 and self._surname_like(word) and VOWEL.search(word) is not None
        ):
            return i
        return None

    def _listed_name(self, word: str) -> bool:
        cap = _cap(word)
        listed = self.lex.is_first_name(cap) or cap in self.lex.surnames
        if not listed or cap in self.lex.ambiguous:  # frank, rosa, mercedes: words or brands
            return False
        return self._may_be_name(word) and not self._common(word)

    def _rest(self, tokens: list[Token], i: int) -> int:
        """Last token of the name whose first word is tokens[i]: surname-like words
        and particles directly after it (no punctuation in between)."""
        last, j = i, i + 1
        while j < len(tokens) and j - i <= MAX_PARTS and _spaced(tokens[j]):
            word = tokens[j].text
            if not word.islower():
                break
            if word in self.particles and j + 1 < len(tokens) and _spaced(tokens[j + 1]):
                j += 1
                continue
            if not self._surname_like(word):
                break
            last, j = j, j + 1
        return last

    # --- word tests ----------------------------------------------------------------

    def _strong_first(self, word: str) -> bool:
        """A first name that is no ordinary word: murat, gisela, ewa (not will, mark)."""
        cap = _cap(word)
        return (
            len(word) > 2
            and self.lex.is_first_name(cap)
            and cap not in self.lex.ambiguous
            and word not in STOP_WORDS
            and word not in self.not_names
            and not self.lex.is_foreign_word(word)
            and VOWEL.search(word) is not None  # "kgst", "drk": abbreviations
        )

    def _surname_like(self, word: str) -> bool:
        """After a first name: a listed surname (richter, sauer) or a word no list knows."""
        # Two-letter German words are ASCII (an, du, ob); hà, lê, vũ are Vietnamese names.
        if not self._may_be_name(word) or (len(word) < 3 and word.isascii()):
            return False
        cap = _cap(word)
        if cap in self.lex.surnames or self.lex.is_first_name(cap):
            return True
        # Not the compound test of capitalized text: surnames are compounds too
        # (ostermeier, schönfeld).
        return not self._common(word)

    def _listed_surname(self, word: str) -> bool:
        return _cap(word) in self.lex.surnames and self._may_be_name(word)

    def _may_be_name(self, word: str) -> bool:
        return word not in STOP_WORDS and word not in self.not_names and not word.isdigit()

    def _function_word(self, word: str) -> bool:
        """A word mostly written in lower case: a verb, adjective, adverb (vorgesehen)."""
        return word in STOP_WORDS or self.lex.lower_margin.get(_cap(word), -99.0) > COMMON_MARGIN

    def _common(self, word: str) -> bool:
        """An ordinary German word written in lower case (verb, adjective, noun, place)."""
        cap = _cap(word)
        if word in STOP_WORDS or word in self.not_names or self.lex.is_foreign_word(word):
            return True
        if self.lex.lower_margin.get(cap, -99.0) > COMMON_MARGIN:
            return True
        return self.lex.is_word(cap)


# Words that label the name after them, typed without a colon ("nachname petrauskaite",
# "führt den doppelnamen nowak-brandt"): read like a role.
NAME_LABELS = frozenset(
    {"vorname", "vornamen", "nachname", "nachnamen", "familienname", "familiennamen",
     "geburtsname", "geburtsnamen", "doppelname", "doppelnamen", "rufname", "rufnamen",
     "zuname", "zunamen", "ehename", "ehenamen"}
)  # fmt: skip


def _cap(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def _spaced(tok: Token) -> bool:
    """Only spaces between this word and the one before (no comma, no line break)."""
    return tok.before in (" ", "\u00a0") or tok.before.strip(" .\u00a0") == "" and "." in tok.before


def _initial(tok: Token) -> bool:
    return len(tok.text) == 1 and tok.dot
