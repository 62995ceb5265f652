"""Values under the labels of pasted tables and OCR'd forms.

Staff paste rows of a spreadsheet or a specialist application — cells separated by
tabs, semicolons or bars, the first line naming the columns — and forms read by OCR
("Name: KARADENIZ  Vorname: Hülya", "Name Oberhausen   Vorname Renate"). There the
label, not the word, says what a value is: a cell under "Name" is a person whatever
the word ("Kurz, Helga", "Schmied"), a cell under "Kassenzeichen" or "Vorgang" is a
file number without its cue in front. So:

* a table's header cell is put before each cell of its column ("Kassenzeichen:
  5.1102.334871.2") and the cue patterns of the conf (`cues`: file numbers, dates of
  birth) are run on that; a column whose header is a person field gives PERSON;
* a column whose header is a file-number label (a cue of the conf, or a compound with
  a number head: "Schülernummer") holds file numbers: each code in it is one, whatever
  its shape ("KB 4471"); a column headed by one of the administration's own processes
  (the veto words of the file references: Ticket, Inventar, Bestellung) holds none, and
  the engine drops file numbers found there by other recognizers too;
* a person field of a form (`person_fields`: the name fields of the German
  registration form — Familienname, Vornamen, Geburtsname … — and the persons a
  form names: Antragsteller, Kontoinhaber, Sorgeberechtigte …) at the start of a line
  or after a field gap (two spaces, a tab) gives the value up to the next gap or the
  line end: a form's fields never run over a line break.

A value counts as a person only when it looks like one: capitalized words (OCR may
read I as 1 and O as 0 inside a word), at most six, each a listed name, a place or a
word no list knows — or a first name that is no word among them ("Bürgerbüro Mitte"
under "Name" is an office). The same test applies to a signature line "Hahn,
Sachbearbeiterin" (a name, a comma, a role alone on the last line) and to a chat mention
"@lena" (Teams, Slack), which may be lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from assistant.privacy.file_references import is_number_label
from assistant.privacy.lexicon import (
    english_words,
    is_common_word,
    is_first_name,
    is_institution,
    is_listed_name,
    is_noun,
    is_place,
)
from assistant.privacy.scored import result

# Tab, semicolon, bar; and the comma of CSV (RFC 4180), written without spaces after it
# (prose puts one there: "Vorname, Nachname, Geburtsdatum" in a sentence is no header).
SEPARATORS = ("\t", ";", "|", ",")
# A code in a cell under a file-number header: at most four parts, each with a digit or
# a short letter code ("KB 4471", "WG-17/3", "Az 3 K 88/25"), a digit somewhere; not a
# date, an amount (a decimal comma) or words ("in Prüfung seit 2").
_CODE_PART = r"(?:[\w./-]*\d[\w./-]*|[A-Za-zÄÖÜ]{1,5}[./-]?)"
CODE_CELL = re.compile(rf"(?=[^\n]*\d){_CODE_PART}(?:[ ]{_CODE_PART}){{0,3}}")
DATE_CELL = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2,4})?$|(?:19|20)\d\d$")
# A JSON member with a string or number value: "key": "value" / "key": 123.
JSON_MEMBER = re.compile(
    r'"(?P<key>[^\W\d][\w-]{0,39})"[ \t]*:[ \t]*(?:"(?P<string>[^"\\\n]*)"|(?P<number>\d[\d.]*))'
)
XML_ELEMENT = re.compile(
    r"<(?P<key>[^\W\d][\w-]{0,39})(?:[ \t][^<>\n]*)?>(?P<value>[^<>\n]{1,200})</(?P=key)>"
)
# A code to test whether a header is a cue of the file numbers ("Az.: AB-40917").
PROBE_CODE = "AB-40917"
MARKDOWN_RULE = re.compile(r"[\s|:-]*-[\s|:-]*")
PERSON_SCORE = 0.85
CELL_SCORE = 0.85
# A person's name in a cell or field: words, commas, slashes between several persons;
# a 1 or 0 inside a capitalized word is an OCR error (W1ERZBICKI).
_NAME_WORD = r"[^\W\d_](?:[^\W\d_]|(?<=[^\W\d_])[01](?!\d)|[-'’.])*"
NAME_VALUE = re.compile(rf"{_NAME_WORD}(?:[ ]?[,/][ ]?{_NAME_WORD}|[ ]{_NAME_WORD}){{0,5}}")
WORDS = re.compile(r"[^\W\d_]+")
COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_CAP_WORD = r"[A-ZÄÖÜ][^\W\d_]+(?:[-'’][^\W\d_]+)*"
# A chat mention (Teams, Slack): "@lena", "@Lena Berger"; not an e-mail's "@".
MENTION = re.compile(rf"(?<![\w@.])@(?P<value>[^\W\d_][\w-]*(?:[ ]{_CAP_WORD})?)(?![\w@.-]*\.\w)")
# Gender-fair and optional endings of a label: Vorname(n), Antragsteller/in, Schüler*in.
LABEL_END = r"(?:\(n\)|\(in\)|[/*:_]-?(?:in|r|e)\b)?"
# A field gap: two spaces or a tab (the next field), the line end, or a comma or bracket
# that adds to the field ("Vater des Kindes: Tesfaye Alemu, Aufenthaltserlaubnis …").
GAP = r"(?=[ ]{2,}|\t|[ ]*$|,[ \t]|[ \t]*\()"


class FormFieldRecognizer(LocalRecognizer):
    """PERSON, CASE_NUMBER and DATE_OF_BIRTH from table headers and form labels."""

    def __init__(
        self,
        name_fields: Sequence[str],
        person_fields: Sequence[str],
        cue_patterns: Sequence[tuple[str, re.Pattern]],
        role: str = r"(?!)",
        own_columns: Sequence[str] = (),
    ) -> None:
        # A signature line "Hahn, Sachbearbeiterin" (name, then the function) at the
        # end of a note, and a chat mention "@lena".
        self._signature = re.compile(
            rf"(?m)^[ \t]*(?P<value>{_CAP_WORD}(?:[ ]{_CAP_WORD}){{0,2}}),[ \t]*(?:{role})[ \t]*$"
        )
        names, persons = "|".join(name_fields), "|".join(person_fields)
        self._person_header = re.compile(rf"(?i:(?:{names}|{persons}){LABEL_END})$")
        # A field at a line start or after a gap: any person field with a colon; a name
        # field also without one when its value ends at a gap or the line end
        # ("Name Oberhausen   Vorname Renate").
        # A role as the label, also with a genitive ("Vater des Kindes: …", "Mutter: …").
        roles = rf"(?:{role})(?:[ \t]+(?:des|der)[ \t]+[^\W\d_]+)?"
        # A qualifier in brackets may follow the label ("Fahrzeughalter (falls
        # abweichend): …"), or its English translation on a bilingual document
        # ("Name / Surname:"); a register screen pads the label with dot leaders
        # ("Halter .......:"); a labelled field may also follow a sentence on its line.
        note = (
            r"(?:[ \t]*\([^()\n]{1,30}\)|[ \t]*/[ \t]*[A-Za-z]+(?:[ ][a-z]+)?)?"
            r"(?:[ \t]*\.{2,})?"
        )
        self._field = re.compile(
            rf"(?m)(?:^|[ ]{{2,}}|\t|(?<=[.!?])[ ])[ \t]*(?i:(?:{names}|{persons}){LABEL_END}{note}[ \t]*:"
            rf"|{roles}{note}[ \t]*:|(?:{names}){LABEL_END}[ \t]+)[ \t]*(?P<value>{NAME_VALUE.pattern}){GAP}"
        )
        self._cues = list(cue_patterns)
        self._own_column = own_column_regex(own_columns)
        entities = ["PERSON", *sorted({entity for entity, _ in cue_patterns})]
        super().__init__(supported_entities=entities, supported_language="de", name="FormFields")

    def load(self) -> None:
        """Patterns are compiled in the constructor."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found = list(self._table_cells(text))
        for regex in (self._field, self._signature, MENTION):
            for match in regex.finditer(text):
                start, end = match.span("value")
                # "Hiwet Berhe, Duldung": the name, then what the field adds after a comma
                ends = [end] + [start + i for i in _comma_cuts(text[start:end])]
                end = next((e for e in ends if person_like(text[start:e], regex is not MENTION)), 0)
                if end:
                    found.append(("PERSON", start, end))
        return [self._result(*item) for item in found]

    def _table_cells(self, text: str):
        for label, start, end in [*table_cells(text), *json_pairs(text), *xml_elements(text)]:
            yield from self._cell(label, text[start:end], start)

    def _cell(self, label: str, cell: str, offset: int):
        value = cell.strip()
        if not value:
            return
        offset += cell.index(value)
        if self._person_header.match(label) and NAME_VALUE.fullmatch(value):
            if person_like(value):
                yield "PERSON", offset, offset + len(value)
            return
        if self._own_column.match(label):
            return  # a ticket's, an order's, an inventory item's number: no one's case
        if self._case_column(label) and CODE_CELL.fullmatch(value) and not DATE_CELL.match(value):
            yield "CASE_NUMBER", offset, offset + len(value)
            return
        probe = f"{label}: "
        for entity, regex in self._cues:
            for match in regex.finditer(probe + value):
                start, end = match.span("value") if "value" in regex.groupindex else match.span()
                if start >= len(probe):
                    yield entity, offset + start - len(probe), offset + end - len(probe)

    def _case_column(self, label: str) -> bool:
        """The header is a file-number label: a cue of the conf before a code
        ("Kassenzeichen", "Az.", "BG-Nummer") or a compound with a number head
        ("Schülernummer", "Beitragskonto") that names no contact, document or own process."""
        if is_number_label(label):
            return True
        probe = f"{label}: {PROBE_CODE}"
        for entity, regex in self._cues:
            match = regex.match(probe) if entity == "CASE_NUMBER" else None
            if match and match.end() == len(probe):
                return True
        return False

    def _result(self, entity: str, start: int, end: int) -> RecognizerResult:
        score = PERSON_SCORE if entity == "PERSON" else CELL_SCORE
        return result(self, entity, start, end, score)


def person_like(value: str, capitals: bool = True) -> bool:
    """Letters, every word a listed name, a word no list knows, or a place name (a
    surname in a name field: "Name Oberhausen"); "Bürgerbüro Mitte" is an office. With
    `capitals` (fields, signatures; not chat mentions) every word is capitalized."""
    words = WORDS.findall(value.replace("1", "i").replace("0", "o"))
    if not words or len(words) > 6 or words[0].lower() in english_words():
        return False
    if any(is_institution(c) for c in COMPOUND.findall(value)):
        return False  # "Konrad-Adenauer-Gymnasium", "Friedrich-Ebert-Stiftung"
    # initials and lower-case particles (van, de, al) say nothing either way
    words = [w for w in words if len(w) > 1 and not (len(w) <= 3 and w.islower())]
    if capitals and not all(w[0].isupper() for w in words):
        return False  # forms write names capitalized: "Antragsteller:in Jana … hat …"
    # a first name that is no word makes a person ("Ahmadi, Sahar": Ahmadi is a noun too)
    if any(is_first_name(w) and not _ordinary(w) for w in words):
        return True
    return bool(words) and all(is_listed_name(w) or not _ordinary(w) for w in words)


def _comma_cuts(value: str) -> list[int]:
    """Where the value may end before a comma, the last comma first."""
    return [i for i in range(len(value) - 1, 0, -1) if value[i] == ","]


def _ordinary(word: str) -> bool:
    """A noun, a compound ending in one (Stadtkasse) or another common word; a place
    name is no ordinary word here."""
    if is_place(word):
        return False
    if is_noun(word) or is_common_word(word):
        return True
    return any(is_noun(word[k:]) for k in range(2, len(word) - 3))


def table_cells(text: str) -> Iterator[tuple[str, int, int]]:
    """Each cell of a pasted table as (its column's header, start, end): the rows
    after a header row with as many separators. Markdown's outer bars ("| Az. | Name |")
    and its rule line ("|---|---|") are no cells."""
    lines = _lines(text)
    i = 0
    while i < len(lines):
        sep, header = _header(lines[i][1])
        i += 1
        if sep is None:
            continue
        while i < len(lines):
            offset, line = lines[i]
            inner, skip = _inner(line, sep)
            if inner.count(sep) != len(header) - 1:
                break
            i += 1
            if sep == "|" and MARKDOWN_RULE.fullmatch(inner):
                continue
            position = offset + skip
            for label, cell in zip(header, inner.split(sep), strict=True):
                yield label, position, position + len(cell)
                position += len(cell) + len(sep)


def json_pairs(text: str) -> Iterator[tuple[str, int, int]]:
    """Each string or number member of a JSON object (RFC 8259) as (its key, start, end):
    an export from a case system names its fields by key, as a table by its header
    ("name": "Okafor" is a person field, "aktenzeichen": "7-12/26" a file number).
    A key written in snake or kebab case is read as one word ("geburts_name")."""
    for match in JSON_MEMBER.finditer(text):
        group = "string" if match.group("string") is not None else "number"
        key = re.sub(r"[_-]", "", match.group("key"))
        yield key, match.start(group), match.end(group)


def xml_elements(text: str) -> Iterator[tuple[str, int, int]]:
    """Each element holding text only, on one line, as (its name, start, end): an XML
    export names its fields by element, as JSON by key (`<Name>Schäfer</Name>`)."""
    for match in XML_ELEMENT.finditer(text):
        yield re.sub(r"[_-]", "", match.group("key")), match.start("value"), match.end("value")


def own_column_regex(words: Sequence[str]) -> re.Pattern:
    """A header that names one of the administration's own processes (regex fragments
    at the start of the header: the veto words of the file references)."""
    if not words:
        return re.compile(r"(?!)")
    return re.compile(rf"(?i:{'|'.join(words)})")


def _inner(line: str, sep: str) -> tuple[str, int]:
    """A row without Markdown's outer bars, and how many characters went in front."""
    if sep != "|":
        return line, 0
    stripped = line.strip()
    if not (stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1):
        return line, 0
    start = line.index("|") + 1
    return line[start : line.rindex("|")], start


def _lines(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for line in text.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _header(line: str) -> tuple[str | None, list[str]]:
    """A header row: at least two separators, every cell a short label without digits."""
    for sep in SEPARATORS:
        if line.count(sep) < 1 or (sep != "\t" and line.count(sep) < 2):
            continue
        if sep == "," and re.search(r",\s", line):
            continue
        cells = [c.strip() for c in _inner(line, sep)[0].split(sep)]
        if all(c and len(c) <= 40 and not any(ch.isdigit() for ch in c) for c in cells):
            return sep, cells
    return None, []
