"""German licence plates (Kfz-Kennzeichen) in any case and spacing, and the
administration's own vehicles, whose plates belong to no person."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from assistant.privacy.scored import WEAK, Candidate, ScoredRecognizer, cue_regex, word_like

OFFICIAL_WINDOW = 30


def official_vehicle(text: str, start: int, official: re.Pattern | None) -> bool:
    """Is the plate at `start` named as one of the administration's own vehicles
    ("die Dienstfahrzeuge MZ-SM 112 und MZ-SM 118", "das dienstfahrzeug m z …")? They
    belong to no person. Only right before the plate: in "Unfall mit dem Dienstwagen,
    Unfallgegner KO-AB 12" the other plate is a person's."""
    if official is None:
        return False
    return bool(official.search(text[max(0, start - OFFICIAL_WINDOW) : start]))


def fleet_rows(text: str, units: frozenset[str], persons: frozenset[str]) -> list[tuple[int, int]]:
    """Rows of a pasted vehicle list that is a fleet register ("Fahrzeug;Kennzeichen;
    Abteilung"): its header has a plate column and a column of organisational units,
    and no column names a person (Halter, Fahrer, Name …)."""
    rows: list[tuple[int, int]] = []
    header: tuple[str, int] | None = None  # separator and number of columns
    start = 0
    for line in text.split("\n"):
        if header is not None and line.count(header[0]) == header[1] - 1:
            rows.append((start, start + len(line)))
        else:
            header = _fleet_header(line, units, persons)
        start += len(line) + 1
    return rows


def _fleet_header(
    line: str, units: frozenset[str], persons: frozenset[str]
) -> tuple[str, int] | None:
    if any(ch.isdigit() for ch in line):
        return None
    for sep in TABLE_SEPARATORS:
        cells = [c.strip().lower() for c in line.split(sep)]
        if len(cells) < 3 or not any("kennzeichen" in c for c in cells):
            continue
        if units & set(cells) and not persons & set(cells):
            return sep, len(cells)
    return None


TABLE_SEPARATORS = (";", "\t", "|")


def fleet_prefix(plate: str) -> str:
    """District and letters of a plate, upper case, without separators: "MZ-SM 401E" → "MZSM"."""
    return re.sub(r"[^A-ZÄÖÜ]", "", re.split(r"\d", plate.upper(), maxsplit=1)[0])


class LicencePlateRecognizer(ScoredRecognizer):
    """German licence plates in any case: ``MZ-AB 1234``, ``mz-k 481``, ``KO AB 123``.

    District code (1–3 letters, umlauts too), 1–2 letters, a number from 1 to 9999 (no
    leading zero, FZV § 8: "srv-ki-01" is a host), optional E/H;
    at most eight characters. With a dash after the district the shape is rarely
    anything else; with spaces only it is (``es um 12``, ``DIN EN 1234``), so in
    lower case a cue ("kennzeichen", "kfz", "parkt") is needed, and words that
    are common as the first or middle group never count.
    """

    PATTERN = re.compile(
        r"(?<![\w-])([A-Za-zÄÖÜäöü]{1,3})([- ]|[ ]-[ ]?)([A-Za-z]{1,2})([- ]?)([1-9]\d{0,3})([ ][EH]|[EHeh]?)"
        # not a court's register number ("V ZR 123/19"): no plate goes on after a slash;
        # nor a date or time ("AN HB 28.11.", "Mo 8:30"): nor after a dot or colon
        r"(?![\w-]|/\d|[.,:]\d)"
    )
    # Short-term and red plates (FZV §§ 16, 16a, 17): the district, then a number that
    # begins with 03 or 04 (Kurzzeitkennzeichen), 06 (dealers) or 07 (classic cars) and
    # no letters: "MZ-04 123", "mz 06 1234". Only with a cue, the shape is too plain.
    NUMBERED = re.compile(
        r"(?<![\w-])([A-Za-zÄÖÜäöü]{1,3})(?:[- ]|[ ]-[ ]?)0[3467][ ]?\d{2,4}(?![\w-]|/\d|[.,:]\d)"
    )
    # Without separators ("mzab123", "MZAB123E"): split at a known district code.
    COMPACT = re.compile(r"(?<![\w-])([A-Za-zÄÖÜäöü]{2,5})([1-9]\d{0,3})([EHeh]?)(?![\w-])")
    ROMAN = re.compile(r"[IVX]+", re.IGNORECASE)
    NUMBER_WORDS = frozenset({"nr", "no", "id"})
    UNIT = re.compile(
        r"[ \t]*(?:uhr|h|euro|eur|€|%|prozent|min|minuten|stunden|std|tage|jahre|mal|stück)(?!\w)",
        re.IGNORECASE,
    )

    def __init__(
        self,
        not_words: Sequence[str],
        not_abbreviations: Sequence[str],
        districts: Sequence[str] = (),
        official_vehicles: Sequence[str] = (),
        fleet_columns: Sequence[str] = (),
        person_columns: Sequence[str] = (),
        devices: Sequence[str] = (),
        **kwargs,
    ) -> None:
        self._official = cue_regex(official_vehicles)
        # The device word, then at most one brand word, right before the candidate.
        self._device = (
            re.compile(
                r"(?<![^\W_])(?:" + "|".join(devices) + r")[ \t:]+(?:[\w-]+[ \t]+)?$",
                re.IGNORECASE,
            )
            if devices
            else None
        )
        self._units = frozenset(w.lower() for w in fleet_columns)
        self._persons = frozenset(w.lower() for w in person_columns)
        self._not_words = {str(w).lower() for w in not_words}
        self._not_abbreviations = {str(w).upper() for w in not_abbreviations}
        self._districts = {str(w).lower() for w in districts}
        super().__init__(**kwargs)

    def candidates(self, text: str) -> Iterator[Candidate]:
        candidates = [*self._separated(text), *self._compact(text), *self._numbered(text)]
        official = {c for c in candidates if official_vehicle(text, c[0], self._official)}
        if candidates and "kennzeichen" in text.lower():
            rows = fleet_rows(text, self._units, self._persons)
            official |= {c for c in candidates if any(s <= c[0] < e for s, e in rows)}
        fleets = {fleet_prefix(text[c[0] : c[1]]) for c in official}
        official |= plate_ranges(text, candidates)
        for candidate in candidates:
            # A fleet shares district and letters ("Dienstfahrzeuge MZ-SM 112 und MZ-SM
            # 118 … ersetzt durch MZ-SM 401E"): a plate of a named official vehicle's
            # series is the administration's too.
            if candidate in official or fleet_prefix(text[candidate[0] : candidate[1]]) in fleets:
                continue
            if self._model_designation(text, candidate[0]):
                continue
            yield candidate

    def _model_designation(self, text: str, start: int) -> bool:
        """ "Drucker HP M479", "Notebook Lenovo T14": a device's model, unless a plate
        cue stands before it too ("Kennzeichen des Transporters: …")."""
        if self._device is None:
            return False
        before = text[max(0, start - 40) : start]
        return bool(self._device.search(before)) and not (self._cues and self._cues.search(before))

    def _compact(self, text: str) -> Iterator[Candidate]:
        """Plates without separators ("mzab123"): a known district and 1–2 letters that
        are no word or abbreviation ("kw12", "top3", "inc123"); a cue is needed unless
        there are four letters ("mzab", not "abc", "FFP2")."""
        for match in self.COMPACT.finditer(text):
            run, digits = match.group(1), match.group(2)
            if len(run) + len(digits) > 8 or not (run.isupper() or run.islower()):
                continue
            if not any(
                run[:k].lower() in self._districts for k in (1, 2, 3) if len(run) - k in (1, 2)
            ):
                continue
            lower = run.lower()
            if lower in self._not_words or run.upper() in self._not_abbreviations:
                continue
            if word_like(lower) or word_like(lower.capitalize()):
                continue
            strong = len(run) >= 4  # "MAB123", "ffp2", "LKW40": a cue is needed
            yield match.start(), match.end(), 0.55 if strong else WEAK, 0.85

    def _numbered(self, text: str) -> Iterator[Candidate]:
        for match in self.NUMBERED.finditer(text):
            district = match.group(1)
            if district.lower() in self._districts and (district.isupper() or district.islower()):
                yield match.start(), match.end(), WEAK, 0.85

    def _separated(self, text: str) -> Iterator[Candidate]:
        for match in self.PATTERN.finditer(text):
            district, sep, letters, _, digits, _ = match.groups()
            if len(district) + len(letters) + len(digits) > 8:
                continue
            if sep.strip() == "-" and sep != "-":
                # "MZ - AB 123": a dash set apart also joins ranges and lists
                # ("Anlage A - B 12"): a known district code, read as if spaced; one
                # letter of it only after a cue.
                if district.lower() not in self._districts:
                    continue
                if len(district) == 1:
                    yield match.start(), match.end(), WEAK, 0.85
                    continue
                sep = " "
            if letters.lower() in self.NUMBER_WORDS:
                continue  # "rv-nr 65 …", "tel-nr 12"
            upper = district.isupper() and letters.isupper()
            if sep == "-":
                lower = district.islower() and letters.islower()
                known = district.lower() in self._districts
                yield match.start(), match.end(), 0.6 if upper or lower or known else WEAK, 0.85
                continue
            if self.UNIT.match(text, match.end()):
                continue  # "es um 12 uhr"
            if upper:
                common = {district, letters} & self._not_abbreviations
                common = common or self.ROMAN.fullmatch(letters)
            else:
                common = {district.lower(), letters.lower()} & self._not_words
                # a plate is typed in one case or the district capitalized ("Mz ab 123");
                # a lower-case word before capitals is prose: "postponed to Q3"
                common = common or (district.islower() and letters.isupper())
            if common:
                # "es um 12", "SGB II 12" are no plates, but "das auto da ab 123" is:
                # a cue must come first.
                before = text[max(0, match.start() - 40) : match.start()]
                if self._cues and self._cues.search(before):
                    yield match.start(), match.end(), 0.85, 0.85
                continue
            if upper:
                score = 0.5
            elif not district.isupper() and district.lower() in self._districts:
                score = 0.55  # "mz ny 418", "Mz ab 123": a known district code
            else:
                score = WEAK
            yield match.start(), match.end(), score, 0.85


# "QL-AA 100 bis QL-ZZ 999": the bounds of a range of plates (a quota, a reservation
# block) name no vehicle.
RANGE_JOIN = re.compile(r"[ \t]*(?:bis|–|—)[ \t]*$")


def plate_ranges(text: str, candidates: list[Candidate]) -> set[Candidate]:
    """The candidates that are bounds of a range "A bis B"."""
    ordered = sorted(candidates)
    bounds: set[Candidate] = set()
    for first, second in itertools.pairwise(ordered):
        if RANGE_JOIN.fullmatch(text[first[1] : second[0]]):
            bounds |= {first, second}
    return bounds
