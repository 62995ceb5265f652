"""Street addresses as people type them: ``gartenstr. 14b``, ``Am Römertor 7``,
``mittlere bleiche 40, 55116 mainz``, ``Via Roma 12, 39100 Bozen``.

Six shapes of a street name, each followed by a house number (at most three
digits, optional letter or range) and optionally by postcode and town, which
then belong to the match:

* one word ending in a street word: ``Hauptstraße``, ``boppstr.``, ``Karl-Marx-Weg``;
* words before a separate street word: ``Mainzer Str.``, ``Untere Zahlbacher Straße``;
* a street word before a name: ``Platz der Republik``, ``Allee der Kosmonauten``;
* an adjective before a name: ``Mittlere Bleiche`` (postcode or cue needed);
* a preposition before a name: ``Am Gautor``, ``an der goldgrube``, ``Im Sand``;
* the old core of a village: ``Alt-Moabit``, ``alt-tegel``;
* foreign streets: ``Via Roma``, ``Rue des Lilas``.

A post-office box (``Postfach 12 34 56``, ``postfach 123456, 55116 mainz``) is an
address as well; its number is grouped in pairs or threes, or not at all. The town
belongs to the address also without a postcode when it is a known place
(``goethestr 5 in mainz``), and so does a postcode and town written before the street
(``55116 Mainz, Goethestr. 5``). Right after a word of residence ("wohnt in der
gartenstraße") a street counts without a house number.

Prepositional names are the risky shape (``am Ende 3``, ``im Raum 12``): they
count on their own only with a postcode, when written as a proper name inside a
sentence (``vor Am Gautor 7``), or when the name is a compound ending in a
typical field or street word (``Römertor``, ``Münchfeld``), or when the name is one
of the nouns that form such street names on their own (``Zur Mühle``, ``An der
Kirche``, ``Unter den Eichen``) and the number closes the phrase (no counted noun
follows: ``an der Kirche 3 Kinder``); otherwise a cue ("wohnt", "Adresse") must be
near. Configured by ``recognizers.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from presidio_analyzer import PatternRecognizer

from assistant.privacy.lexicon import is_common_word, is_counted_noun, is_noun, is_place
from assistant.privacy.scored import WEAK, Candidate, ScoredRecognizer

_LOWER = "a-zäöüßàáâçèéêëìíîïñòóôùúûýćčěłńřśšźżğışœ"
_L = _LOWER + _LOWER.upper().replace("SS", "")
# Streets named after a day in history: "Straße des 17. Juni", "Platz des 9. November".
DATE_NAME = (
    r"\d{1,2}\.[ \t]?(?:januar|februar|märz|april|mai|juni|juli|august|september|oktober|"
    r"november|dezember)"
)
WORD = rf"[{_L}][{_L}'’]*"


def _alternatives(words: Sequence[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(w.replace(".", r"\.").replace(" ", r"[ \t]+") for w in ordered)


class AddressRecognizer(ScoredRecognizer):
    """Street, house number, optionally postcode and town; see the module docstring."""

    HOUSE_NUMBER = re.compile(r"(?<!\d)[1-9]\d{0,2}(?!\d)")
    BEFORE, AFTER = 120, 90  # longest street before a number; range, postcode, town after

    def __init__(self, conf: dict, **kwargs) -> None:
        self._conf = conf
        self._not_streets = tuple(w.lower() for w in conf["not_streets"])
        self._stop_words = {w.lower() for w in conf["stop_words"]}
        self._abstract = tuple(conf["abstract_endings"])
        self._heads = tuple(w.lower() for w in conf["field_heads"])
        self._whole_heads = {w.lower() for w in conf.get("prepositional_heads", ())}
        self._suffixes = tuple(w.lower().rstrip(".") for w in conf["street_suffixes"])
        self._name_suffixes = tuple(w.lower() for w in conf.get("street_name_suffixes", ()))
        self._name_preps = {w.lower() for w in conf["name_prepositions"]}
        self._institution = re.compile(
            # Not the head of a compound: "Kita-Platz" is a place at a kita, no kita.
            r"(?<![^\W_])(?:" + "|".join(conf.get("institutions", ())) + r")(?:e?[sn])?(?![\w-])",
            re.IGNORECASE,
        )
        self._personal = re.compile(
            r"(?<![^\W_])(?:" + "|".join(conf.get("personal_cues", ())) + ")", re.IGNORECASE
        )
        number = (
            # "12 D-55116 Mainz": D- is the country of the postcode, no letter of the number
            r"(?P<number>(?!0)\d{1,3}(?:[ \t]?[a-h](?![\w]|-\d{4}))?"
            r"(?:[ \t]?[-–/][ \t]?\d{1,3}(?:[ \t]?[a-h](?![\w]|-\d{4}))?)?)(?![\d]|[.,]\d)"
        )
        units = _alternatives(conf["units"])
        self._unit = re.compile(rf"[ \t]*(?:{units})(?![\w])", re.IGNORECASE)
        # Official names with abbreviations (the Gemeindeverzeichnis writes them so):
        # "Hann. Münden", "St. Ingbert" first; "Frankfurt a. M.", "Freiburg i. Br." after.
        abbreviated = r"(?-i:St|Hann)\.[ \t]+(?=(?-i:[A-ZÄÖÜ]))"
        suffix = r"(?:[ \t]+(?-i:[a-z]\.[ \t]?(?:[a-z]\.[ \t]?)?[A-ZÄÖÜ][a-zäöü]{0,2}\.))?"
        town = rf"(?:bad[ \t]+|{abbreviated})?{WORD}(?:-{WORD})*(?:[ \t]+(?:am|an[ \t]der|im|ob[ \t]der|bei|in|vor[ \t]der)[ \t]+{WORD})?(?:[ \t]+\({WORD}\))?{suffix}"
        # Postcode and town after the street: on the same line after a space, a comma or
        # another separator, or on the next line (DIN 5008).
        # The floor or part of the building may come first: "Rheinallee 7, 3. OG, 55118 …",
        # "Talweg 30, DG rechts", "Lagerstraße 3, Haus B".
        # So may the flat or room ("Lutherstraße 31, Whg. 5, …", "… 2, Zimmer 14") and a
        # floor in Roman numerals right after the number ("Marienstr. 7 I", "7 III").
        floor = (
            r"(?:[ \t]+(?-i:I{1,3}|IV)(?![\w.]))?"
            r"(?:,[ \t]*(?:\d{1,2}\.[ \t]?(?:OG|Obergeschoss|Stock|Etage)|EG|DG|UG|Erdgeschoss|"
            r"Dachgeschoss|Souterrain|Hinterhaus|Vorderhaus|Seitenflügel|"
            # the building of several at one number: "Haus B", "Aufgang 2", "Gebäude C"
            r"(?:Haus|Aufgang|Gebäude|Block|Eingang)[ \t]+(?-i:[A-Z]|\d{1,2}))(?!\w)"
            # the side of the floor: "2. OG links", "DG re."
            r"(?:[ \t]+(?:links|rechts|mitte|li\.|re\.))?(?!\w))?"
            r"(?:,?[ \t]*(?:whg\.?|wohnung|app\.?|apartment|appartement|zi\.?|zimmer)"
            r"[ \t]*(?:nr\.?[ \t]*)?\d{1,4}[a-z]?(?![\w]|[.,]\d))?"
        )
        place = (
            rf"(?P<place>{floor}(?:(?:[ \t]*[,;•·|/][ \t]*|[ \t]*\n[ \t]*|[ \t]+)(?:in[ \t]+)?"
            # German/Austrian/Swiss, Dutch ("9711 HK"), Polish ("00-238") postcodes
            rf"(?:\d{{4}}[ \t]?[A-Z]{{2}}(?=[ \t]+[A-Z])|(?:[a-z]{{1,2}}-)?\d{{4,5}}|\d\d-\d{{3}})"
            rf"[ \t]+{town})?)"
        )
        # "Lindenstraße, Hausnummer 12", "lindenstr. hausnr. 7", "Hauptstr. Nr. 3"
        # "Atatürk Cad. No: 12" (Turkish "numara")
        label = r"(?:(?:,[ \t]*)?(?:haus[ -]?)?(?:nr\.?|nummer|no\.?)[ \t]*:?[ \t]*)?"
        words = _alternatives(conf["street_words"] + conf["street_words_after_adjective"])
        self._after_adjective = {w.lower() for w in conf["street_words_after_adjective"]}
        self._adjective_words = {w.lower() for w in conf["adjectives"]}
        adjectives = _alternatives(conf["adjectives"])
        preps = _alternatives(conf["prepositions"])
        foreign = _alternatives(conf["foreign_street_words"])
        leads = _alternatives(conf["lead_words"])
        flags = re.IGNORECASE
        self._shapes = [
            (
                "suffix",
                re.compile(
                    # Any word before a number; _suffix keeps those ending in a street word.
                    rf"(?<![\w-])(?:(?:{adjectives})[ \t]+)?(?P<street>(?:{WORD}\.?-){{0,4}}{WORD}\.?)"
                    rf"(?:[ \t]+|(?<=\.)|(?=,[ \t]*haus)){label}{number}{place}",
                    flags,
                ),
            ),
            (
                "words",
                re.compile(
                    rf"(?<![\w-])(?P<street>(?:(?:{adjectives})[ \t]+)?(?P<first>{WORD}(?:-{WORD})*)[ \t]+(?P<word>{words}))"
                    rf"[ \t]*{label}{number}{place}",
                    flags,
                ),
            ),
            (
                "adjective",
                re.compile(
                    rf"(?<![\w-])(?P<street>(?:{adjectives})[ \t]+(?P<name>{WORD}))[ \t]+{number}{place}",
                    flags,
                ),
            ),
            (
                "preposition",
                re.compile(
                    rf"(?<![\w-])(?P<prep>{preps})[ \t]+(?P<name>{WORD}(?:(?:[ \t]+|-[ \t]und[ \t]+){WORD}){{0,2}})"
                    rf"[ \t]+{number}{place}",
                    flags,
                ),
            ),
            (
                "lead",
                re.compile(
                    rf"(?<![\w-])(?P<street>(?:{leads})[ \t]+(?:der|des|am|an[ \t]der|vor[ \t]dem|zum|zur)"
                    rf"[ \t]+(?P<name>{WORD}(?:[ \t]+{WORD})?|{DATE_NAME}))[ \t]+{number}{place}",
                    flags,
                ),
            ),
            (
                "old_core",
                re.compile(
                    rf"(?<![\w-])(?P<street>alt-(?P<name>{WORD}(?:-{WORD})?))[ \t]+{number}{place}",
                    flags,
                ),
            ),
            (
                "foreign",
                re.compile(
                    rf"(?<![\w-])(?P<street>(?:{foreign})[ \t]+(?:{WORD}[ \t]+){{0,3}}?{WORD})"
                    rf",?[ \t]+{number}{place}",
                ),
            ),
        ]
        self._post_box = re.compile(
            r"(?<![\w-])postfach[ \t]*(?:nr\.?[ \t]*)?"
            rf"(?P<number>\d{{1,3}}(?:[ \t]\d{{2,3}}){{1,3}}|\d{{1,7}})(?![\d]|[.,]\d){place}",
            flags,
        )
        self._town_after = re.compile(rf",?[ \t]+(?:in[ \t]+)?(?P<town>{town})", flags)
        self._town_before = re.compile(
            rf"(?<![\w-])(?:[a-z]{{1,2}}-)?\d{{5}}[ \t]+{town}[ \t]*,[ \t]*$", flags
        )
        self._unnumbered = self._unnumbered_street(conf)
        self._last: tuple[str, list] | None = None  # see _numbered_matches
        self._postcode_town = re.compile(
            rf"(?<![\w-])(?:[a-z]{{1,2}}-)?(?:0[1-9]|[1-9]\d)\d{{3}}[ \t]+(?P<town>{town})", flags
        )
        super().__init__(**kwargs)

    @staticmethod
    def _unnumbered_street(conf: dict) -> re.Pattern:
        residence = _alternatives(conf["residence_words"])
        suffixes = _alternatives(conf["unnumbered_street_suffixes"])
        return re.compile(
            rf"(?<![\w-])(?:{residence})(?:[ \t]+(?:jetzt|nun|seit\w*|noch|wieder|in|im|am|an|"
            rf"der|die|den|dem|auf))*[ \t]+(?P<street>(?:{WORD}-){{0,3}}(?:{WORD})?(?:{suffixes}))"
            r"(?![\w-]|[ \t]*\.?[ \t]*\d)",
            re.IGNORECASE,
        )

    def candidates(self, text: str) -> Iterator[Candidate]:
        yield from self._numbered(text)
        for match in self._unnumbered.finditer(text):
            # "wohnt in der gartenstraße": the street of a person's home, no number needed
            if match.group("street").lower().rstrip(".") not in self._suffixes:
                yield match.start("street"), self._town_end(text, match.end()), 0.6, 0.7
        offices = None
        for match in self._postcode_town.finditer(text):
            # "neue anschrift: 55118 mainz": a known town after a postcode, with a cue;
            # not the postcode of an office's street (kept weak by `_of_person`)
            if not is_place(match.group("town").split()[0]):
                continue
            offices = self.office_ranges(text) if offices is None else offices
            if not any(s <= match.start() and match.end() <= e for s, e in offices):
                yield match.start(), match.end(), WEAK, 0.7
        if "postfach" in text.lower():
            for match in self._post_box.finditer(text):
                yield self._of_person(text, match, (0.75, 0.75))

    def office_ranges(self, text: str) -> list[tuple[int, int]]:
        """Streets and post boxes, with their postcode and town, that are an office's
        address ("Postanschrift: Ausländerbehörde, Bahnhofstraße 47, 56068 Koblenz")."""
        matches = [match for match, _ in self._numbered_matches(text)]
        if "postfach" in text.lower():
            matches += self._post_box.finditer(text)
        return [
            m.span()
            for m in matches
            if self._office_address(text, m) and self._in_apposition(text, m.start())
        ]

    def _in_apposition(self, text: str, start: int) -> bool:
        """The address follows the office's name directly ("Ausländerbehörde,
        Bahnhofstraße 47", "Bürgerbüro Mitte;Rathausplatz 1"): only capitalized words
        and punctuation between, no clause ("das Jobcenter hat die Anschrift: …")."""
        before = text[max(0, start - 45) : start]
        offices = list(self._institution.finditer(before))
        between = before[offices[-1].end() :] if offices else "x"
        return not re.search(r"(?<![\w-])[a-zäöüß]", between)

    def _numbered(self, text: str) -> Iterator[Candidate]:
        for match, scored in self._numbered_matches(text):
            yield self._of_person(text, match, scored)

    def _numbered_matches(self, text: str) -> list[tuple[re.Match, tuple[float, float]]]:
        """The numbered streets of `text`, kept until `forget`: the postcode-and-town
        recognizer asks for the same text's office addresses right after this one
        (the street patterns were a tenth of the analysis, twice)."""
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        found = list(self._search_numbered(text))
        self._last = (text, found)
        return found

    def forget(self) -> None:
        """Drop the last text's matches, so no message text lingers in the process."""
        self._last = None

    def _search_numbered(self, text: str) -> Iterator[tuple[re.Match, tuple[float, float]]]:
        # Every address has a house number: the patterns run only in windows around
        # numbers (the regexes are long; most of a message has none).
        for start, end in self._windows(text):
            for shape, pattern in self._shapes:
                pos = start
                while match := pattern.search(text, pos, end):
                    scored = self._scored(shape, text, match)
                    if scored is None:
                        # A rejected match may hide one that starts later inside it
                        # ("in der Am Markt 22": not "in der Am Markt", but "Am Markt 22").
                        pos = match.start() + 1
                        continue
                    pos = match.end()
                    yield match, scored

    def _of_person(self, text: str, match: re.Match, scored: tuple[float, float]) -> Candidate:
        if self._office_address(text, match):
            scored = (WEAK, WEAK)
        start, end = match.start(), match.end()
        before = self._town_before.search(text, max(0, start - 50), start)
        if before:
            start = before.start()
        if not match.group("place"):
            end = self._town_end(text, end)
        return start, end, *scored

    def _town_end(self, text: str, end: int) -> int:
        """After a street without a postcode: the end of a known town that follows."""
        town = self._town_after.match(text, end)
        return town.end() if town and is_place(town.group("town").split()[0]) else end

    def _office_address(self, text: str, match: re.Match) -> bool:
        """ "Bürgerbüro, Kaiserstraße 3": an office's address, no person's, unless a
        person is named as living there."""
        if not self._institution_before(text, match.start()):
            return False
        window = text[max(0, match.start() - 80) : match.end() + 25]
        return not self._personal.search(window)

    def _institution_before(self, text: str, start: int) -> bool:
        before = text[max(0, start - 45) : start]
        before = re.split(r"[.!?;\n]\s", before)[-1]  # this sentence only
        return bool(self._institution.search(before))

    def _windows(self, text: str) -> list[tuple[int, int]]:
        windows: list[list[int]] = []
        for number in self.HOUSE_NUMBER.finditer(text):
            start = max(0, number.start() - self.BEFORE)
            end = min(len(text), number.end() + self.AFTER)
            if windows and start <= windows[-1][1]:
                windows[-1][1] = end
            else:
                windows.append([start, end])
        return [(start, end) for start, end in windows]

    def _scored(self, shape: str, text: str, match: re.Match) -> tuple[float, float] | None:
        if not match.group("place") and self._unit.match(text, match.end("number")):
            return None  # "im Jahr 12 Prozent", "am Ende 3 Euro"
        return getattr(self, f"_{shape}")(text, match)

    # --- shapes -----------------------------------------------------------------------

    def _suffix(self, text: str, match: re.Match) -> tuple[float, float] | None:
        street = match.group("street").lower()
        if street.endswith(".") and not street.endswith("str."):
            return None
        street = street.rstrip(".")
        suffix = next((x for x in self._suffixes if street.endswith(x)), None)
        if suffix is None:
            return self._name_suffix(street)
        if street.endswith(self._not_streets):
            return None
        if street == suffix:
            return None  # "Straße 5", "Weg 3": the name is missing
        return 0.7, 0.7

    def _name_suffix(self, street: str) -> tuple[float, float] | None:
        """Street names of the other German types: Lindenhof, Sonnenberg, Am Anger …
        The same endings make ordinary compounds (Bahnhof, Spielfeld, Fragebogen), so
        the word must be no common noun, place or lower-case word."""
        last = street.rsplit("-", 1)[-1]
        suffix = next((x for x in self._name_suffixes if last.endswith(x)), None)
        if suffix is None or len(last) < len(suffix) + 3 or street.endswith(self._not_streets):
            return None
        if is_common_word(last):
            return None
        return 0.6, 0.7

    def _words(self, text: str, match: re.Match) -> tuple[float, float] | None:
        first = match.group("first").lower()
        if first in self._stop_words:
            return None
        if match.group("word").lower() in self._after_adjective and not (
            first.endswith("er") or first in self._adjective_words
        ):
            return None  # "Brasilien Platz 1 der Charts"; but "Mainzer Ring 5", "Hohe Brücke 2"
        return 0.7, 0.7

    def _adjective(self, text: str, match: re.Match) -> tuple[float, float] | None:
        if self._not_a_name(match.group("name")):
            return None
        return (0.75, 0.75) if match.group("place") else (WEAK, 0.7)

    def _preposition(self, text: str, match: re.Match) -> tuple[float, float] | None:
        words = re.split(r"[ \t-]+", match.group("name"))
        if any(self._not_a_name(w) for w in words if w != "und"):
            return None
        prep = " ".join(match.group("prep").lower().split())
        if prep not in self._name_preps and words[-1].lower().endswith(self._suffixes):
            return None  # "in der Hauptstraße 12": the street shape matches without "in der"
        if match.group("place"):
            return 0.75, 0.75
        last = words[-1].lower()
        # "im Spielfeld 2", "im Fragebogen 3": inside a thing, not at a street
        # ("Am Sportplatz 4" stays one).
        inside_thing = prep.startswith(("im", "in ")) and is_common_word(words[-1])
        if not inside_thing and any(
            last.endswith(h) and len(last) >= len(h) + 3 for h in self._heads
        ):
            return 0.6, 0.75
        if self._proper_name_inside_sentence(text, match):
            return 0.6, 0.75
        if len(words) == 1 and last in self._whole_heads and self._number_closes(text, match):
            return 0.6, 0.75  # "Zur Mühle 7", "an der kirche 3a"
        return WEAK, 0.7

    def _old_core(self, text: str, match: re.Match) -> tuple[float, float] | None:
        # Named after the old village: "Alt-Moabit"; not "alt-bau 3" (a noun).
        return None if is_noun(match.group("name").split("-")[0]) else (0.6, 0.7)

    def _lead(self, text: str, match: re.Match) -> tuple[float, float] | None:
        # Abstract nouns are common here (Platz der Einheit, Straße der Freiheit);
        # a day in history names a street ("Straße des 17. Juni") although months are
        # stop words.
        if re.fullmatch(DATE_NAME, match.group("name"), re.IGNORECASE):
            return 0.7, 0.7
        if any(w.lower() in self._stop_words for w in match.group("name").split()):
            return None
        return 0.7, 0.7

    def _foreign(self, text: str, match: re.Match) -> tuple[float, float] | None:
        if match.group("place"):
            return 0.7, 0.7
        # "Via Roma 12" inside a sentence is a street; at its start "Via" may be a word.
        before = text[: match.start()].rstrip(" \t")
        inside = bool(before) and (before[-1].isalnum() or before[-1] in ",;:(–-/")
        return (0.6, 0.7) if inside else (WEAK, 0.7)

    # --- helpers ----------------------------------------------------------------------

    def _not_a_name(self, word: str) -> bool:
        lower = word.lower()
        return lower in self._stop_words or lower.endswith(self._abstract)

    NEXT_WORD = re.compile(rf"[ \t]+({WORD})")

    @classmethod
    def _number_closes(cls, text: str, match: re.Match) -> bool:
        """No counted noun follows the number ("an der Kirche 3 Kinder"); a letter or a
        range in the number marks a house number anyway."""
        if not match.group("number").isdigit() or match.group("place"):
            return True
        word = cls.NEXT_WORD.match(text, match.end())
        return not word or not is_counted_noun(word.group(1))

    @staticmethod
    def _proper_name_inside_sentence(text: str, match: re.Match) -> bool:
        """``… vor Am Gautor 7``: a capitalized preposition inside a sentence starts a name."""
        prep, name = match.group("prep"), match.group("name")
        if not (prep[0].isupper() and name[0].isupper()):
            return False
        before = text[: match.start()].rstrip(" \t")
        return bool(before) and (before[-1].isalnum() or before[-1] in ",;:(–-/")


class PostcodeTownRecognizer(PatternRecognizer):
    """A postcode and town ("55118 Mainz"), lifted by an address cue; not the postcode
    and town of an office's street or post box, which `AddressRecognizer` keeps weak
    on purpose (else the cue "Postanschrift" lifts the town of the office's address)."""

    def __init__(self, streets: AddressRecognizer, **kwargs) -> None:
        self._streets = streets
        super().__init__(**kwargs)

    def analyze(self, text: str, entities, nlp_artifacts=None, regex_flags=None):
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        if not results:
            return results
        offices = self._streets.office_ranges(text)
        return [r for r in results if not any(s <= r.start and r.end <= e for s, e in offices)]
