"""Age bands and other ranges: which columns of a table add up to the range a question asks.

A statistics table splits a total into bands, one column each, named in one of a few ways:
"E_U1" (under 1), "E_1U6" (1 to under 6), "E_80U110" or "80 u. älter" (80 and over),
"E_E00_01" … "E_E95_110", "0 - 2", "3 - 5" … Nothing here knows a portal: a header is a band
when its text around the numbers is a band's ("U" for "unter", "-", "_", "u. älter"), and the
headers with the same text around their numbers form one family (a split of one total).

Whether a family's upper bounds are inclusive ("0 - 2", "3 - 5": 0 to 2 years) or exclusive
("E_E00_01", "E_E01_02": 0 to under 1) is read from the family itself — neighbours that share
a bound are exclusive, neighbours one apart are inclusive. Every band becomes a half-open
interval [lo, hi) of whole years; hi None is open ("80 und älter").

The question's range ("unter 18", "ab 65", "zwischen 25 und 55", "von 6 bis unter 15") is
summed only when bands of one family tile it exactly; otherwise there is no figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

OPEN_FROM = 99  # an upper bound this high ("E_80U110", "95_110") means "and older"
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
# "E_1U6", "1 bis unter 6", "1U6": lo to under hi.
_UNDER_PAIR = re.compile(r"(?<!\d)(\d{1,3})\s*(?:u|bis unter)\s*(\d{1,3})(?!\d)", re.IGNORECASE)
# "E_U1", "unter 6": 0 to under hi.
_UNDER = re.compile(r"(?:(?<=[_\s])|^)(?:u|unter)\s*(\d{1,3})(?!\d)", re.IGNORECASE)
# "0 - 2", "E_E03_05", "6 bis 14": a pair whose bounds the family decides.
_PAIR = re.compile(r"(?<!\d)(\d{1,3})\s*(?:-|–|_|bis)\s*(\d{1,3})(?!\d)", re.IGNORECASE)
# "80 u. älter", "80 und mehr", "80+", "ab 80", "über 80".
_OPEN = re.compile(
    r"(?<!\d)(\d{1,3})\s*(?:\+|(?:jahre\w*\s+)?(?:u\.?|und|oder)\s*(?:älter|mehr|darüber))",
    re.IGNORECASE,
)
_OPEN_BEFORE = re.compile(r"(?:ab|über)\s*(\d{1,3})(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Band:
    column: str
    family: str  # the header's text around its numbers: bands of one split share it
    lo: int
    hi: int | None  # exclusive; None: open-ended
    pair: bool = False  # "a - b" / "a_b": inclusive or exclusive, decided by the family


def header_band(header: str) -> Band | None:
    """The band a header names, or None (a year, a code, no band's wording)."""
    text = header.strip()
    if _YEAR.search(text) or len(re.findall(r"\d+", text)) > 2:
        return None
    for pattern, kind in ((_OPEN, "open"), (_OPEN_BEFORE, "open"), (_UNDER_PAIR, "under_pair"),
                          (_UNDER, "under"), (_PAIR, "pair")):  # fmt: skip
        m = pattern.search(text)
        if not m or not _only_band(text, m):
            continue
        family = (text[: m.start()] + "#" + text[m.end() :]).casefold()
        if kind == "open":
            return Band(header, family, int(m.group(1)), None)
        if kind == "under":
            return Band(header, family, 0, int(m.group(1)))
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo >= hi:
            return None
        return Band(header, family, lo, None if hi >= OPEN_FROM else hi, pair=kind == "pair")
    return None


def _only_band(text: str, m: re.Match) -> bool:
    """Beside the band there are at most a short prefix/suffix of letters ("E_", "Jahre")."""
    rest = text[: m.start()] + text[m.end() :]
    return not re.search(r"\d", rest) and len(re.sub(r"[\W_]", "", rest)) <= 12


def families(headers: list[str]) -> dict[str, list[Band]]:
    """The bands of `headers`, grouped by family, as half-open intervals."""
    grouped: dict[str, list[Band]] = {}
    for h in headers:
        if band := header_band(h):
            grouped.setdefault(band.family, []).append(band)
    # A family of one kind: "E_U1" and "E_1U6" share the text around the numbers ("E_#").
    return {f: _settle(sorted(bs, key=lambda b: (b.lo, b.hi or 1000))) for f, bs in grouped.items()}


def _settle(bands: list[Band]) -> list[Band]:
    """Pairs whose neighbours lie one apart ("0 - 2", "3 - 5") are inclusive: hi + 1."""
    closed = [b for b in bands if b.pair and b.hi is not None]
    touching = sum(1 for a, b in pairwise(closed) if a.hi == b.lo)
    apart = sum(1 for a, b in pairwise(closed) if a.hi is not None and a.hi + 1 == b.lo)
    if apart <= touching:
        return bands
    return [
        Band(b.column, b.family, b.lo, b.hi + 1, False) if b.pair and b.hi is not None else b
        for b in bands
    ]


def tile(bands: list[Band], lo: int, hi: int | None) -> list[str] | None:
    """The fewest bands of one family that cover [lo, hi) exactly, in order; else None."""
    best: list[str] | None = None

    def walk(at: int, used: list[str]) -> None:
        nonlocal best
        if best is not None and len(used) >= len(best):
            return
        for b in bands:
            if b.lo != at:
                continue
            if b.hi == hi:
                best = [*used, b.column]
            elif b.hi is not None and (hi is None or b.hi < hi):
                walk(b.hi, [*used, b.column])

    walk(lo, [])
    return best


# --- the range a question asks for ---------------------------------------------------------
_NUM = r"(\d{1,3})(?!\d)(?![.,]\d)"
# The suspended hyphen of a shared ending ("10- bis unter 18-Jährige": "10-Jährige bis …").
_SUSPENDED = r"(?:-(?=\s))?"
_Q_UNDER_PAIR = re.compile(
    rf"(?<![\d.,]){_NUM}{_SUSPENDED}\s*(?:jahre\w*\s+)?(?:bis|und)\s+unter\s+{_NUM}",
    re.IGNORECASE,
)
_Q_PAIR = re.compile(
    rf"(?<![\d.,]){_NUM}{_SUSPENDED}\s*(?:jahre\w*\s+)?"
    rf"(?:bis(?:\s+zu|\s+einschließlich)?|und|-|–)\s*{_NUM}"
    r"(?!\s*(?:jahre\w*\s+)?(?:und|oder)\s+(?:älter|mehr))",
    re.IGNORECASE,
)
_PAIR_BEFORE = re.compile(r"\b(zwischen|von|alter)\s+$", re.IGNORECASE)
_PAIR_AFTER = re.compile(r"\s*-?\s*(jahr|jährig)", re.IGNORECASE)
# "zwischen 18 und unter 25" is a pair, not "unter 25".
# A compound writes the bound with hyphens: "die Unter-18-Jährigen", "der Ab-65-Jährigen".
_Q_BELOW = re.compile(rf"(?<!bis )(?<!\d und )\b(?:unter|jünger als)(?:\s+|-){_NUM}", re.IGNORECASE)
_Q_FROM = re.compile(rf"\b(?:ab|über|mindestens|älter als)(?:\s+|-){_NUM}", re.IGNORECASE)
_Q_OPEN = re.compile(
    rf"(?<![\d.,]){_NUM}\s*(?:jahre\w*\s+)?(?:und|oder)\s+(?:älter|mehr|darüber)", re.IGNORECASE
)
_Q_PLUS = re.compile(rf"(?<![\d.,]){_NUM}\+")


@lru_cache(maxsize=256)
def asked_ranges(question: str) -> tuple[tuple[int, int | None], ...]:
    """The half-open ranges the question may mean, most likely first; () when none.
    "zwischen 25 und 55" and "6 bis 14" are read both ways (to 55 inclusive and to under 55);
    bands tile at most one of them in practice."""
    text = _YEAR.sub(" ", question)
    if m := _Q_UNDER_PAIR.search(text):
        lo, hi = int(m.group(1)), int(m.group(2))
        return ((lo, hi),) if lo < hi else ()
    for m in _Q_PAIR.finditer(text):
        lo, hi = int(m.group(1)), int(m.group(2))
        # "Bezirk 1 und 2" are two places: a pair is a range after "zwischen"/"von" or
        # before "Jahre"/"-Jährige".
        if lo < hi and (_PAIR_BEFORE.search(text[: m.start()]) or _PAIR_AFTER.match(text, m.end())):
            return ((lo, hi + 1), (lo, hi))
    if m := (_Q_OPEN.search(text) or _Q_PLUS.search(text) or _Q_FROM.search(text)):
        return ((int(m.group(1)), None),)
    if m := _Q_BELOW.search(text):
        return ((0, int(m.group(1))),) if int(m.group(1)) > 0 else ()
    return ()


def summed_bands(question: str, headers: list[str]) -> tuple[list[str] | None, bool]:
    """The columns whose bands add up to the question's range (the fewest, from one family),
    and whether the table has bands at all (a range it cannot tile then has no figure)."""
    asked = asked_ranges(question)
    fams = families(headers)
    if not asked or not fams:
        return None, bool(fams)
    for lo, hi in asked:
        found = [t for bs in fams.values() if (t := tile(bs, lo, hi))]
        if found:
            return min(found, key=len), True
    return None, True


def bands_of(table) -> list[str]:
    """The band headers of a stored table, in the table's order."""
    return [c.name for c in table.columns if header_band(c.name)]
