"""Optional word lists from Debian packages, read when installed.

* `trans-de-en` (`/usr/share/trans/de-en`): the Ding German–English dictionary,
  one entry a line: `German | German … :: English | English …`, sub-entries aligned
  by `|`, alternatives separated by `;`, annotations in {} [] () <>.
* `openthesaurus-de-text` (`/usr/share/openthesaurus-de/openthesaurus.txt`): one
  synonym set a line, words separated by `;`.

Parsing the 25 MB dictionary takes about 10 s, so the English → German table is
written once to a cache file (marshal: plain strings, nothing executable) (keyed by the dictionary's size and date) and read from
there afterwards (well under a second); it is only loaded when the first English
question arrives.
"""

from __future__ import annotations

import marshal
import os
import re
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.retrieval.lexical.analysis import GermanAnalyzer

DEFAULT_DICTIONARY = Path("/usr/share/trans/de-en")
DEFAULT_THESAURUS = Path("/usr/share/openthesaurus-de/openthesaurus.txt")
MAX_TRANSLATIONS = 8
_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>|/[^/]*/")
_WORD = re.compile(r"[^\W\d_]+")
_JUNK = re.compile(r"\b(jdn|jdm|jds|etw|sich)\b|[.…]")


def _clean(text: str) -> str:
    return " ".join(_ANNOTATION.sub(" ", text).replace("(", " ").replace(")", " ").split())


def parse_dictionary(path: Path) -> dict[str, str]:
    """English word or two-word term → German translations (one or two words), best
    first. The dictionary lists senses alphabetically ("dog": Bandhaken … Hund …), so
    candidates are ranked by how common the German word is in the dictionary itself
    (how many entries use it: Hund, Arzt, Arbeit are in hundreds, Bandhaken in one),
    twice that for entries whose first English alternative is the word. The
    translations of one key are joined by "|" (one string per key keeps the table
    small in memory: about 300,000 keys)."""
    ranked: dict[str, list[tuple[int, str]]] = {}
    usage: Counter[str] = Counter()
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("#") or " :: " not in line:
                continue
            german, english = line.rstrip("\n").split(" :: ", 1)
            usage.update(set(_WORD.findall(german.lower())))
            de_head = german.split(" | ", 1)[0]
            en_head = english.split(" | ", 1)[0]
            targets = [
                t
                for t in (_clean(a) for a in de_head.split(";"))
                if t and len(t.split()) <= 2 and not _JUNK.search(t)
            ]
            if not targets:
                continue
            for position, alternative in enumerate(en_head.split(";")):
                key = _clean(alternative).lower()
                key = key.removeprefix("to ")
                if key and len(key.split()) <= 2:
                    ranked.setdefault(key, []).extend(
                        (2 if position == 0 else 1, t) for t in targets
                    )
    table: dict[str, str] = {}
    for key, candidates in ranked.items():
        score: dict[str, int] = {}
        for factor, target in candidates:
            common = usage[target.split()[-1].lower()]
            score[target.replace("|", " ")] = max(score.get(target, 0), factor * common)
        best = sorted(score, key=lambda t: -score[t])[:MAX_TRANSLATIONS]
        table[key] = "|".join(best)
    return table


class EnglishGerman:
    """English → German lookups from trans-de-en, loaded on first use (thread-safe)."""

    def __init__(self, path: Path, cache_dir: Path | None = None):
        self.path = Path(path)
        self.cache_dir = cache_dir
        self._table: dict[str, str] | None = None
        self._lock = threading.Lock()

    def lookup(self, english: str) -> list[str]:
        found = self._load().get(english.lower())
        return found.split("|") if found else []

    def _cache_file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        stat = self.path.stat()
        return self.cache_dir / f"trans-de-en-v2-{stat.st_size}-{int(stat.st_mtime)}.marshal"

    def _load(self) -> dict[str, str]:
        if self._table is not None:
            return self._table
        with self._lock:
            if self._table is None:
                self._table = self._read()
        return self._table

    def _read(self) -> dict[str, str]:
        cache = self._cache_file()
        if cache is not None and cache.exists():
            try:
                return marshal.loads(cache.read_bytes())
            except (OSError, ValueError):
                pass  # a damaged cache is rebuilt
        table = parse_dictionary(self.path)
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(marshal.dumps(table))
                os.replace(tmp, cache)
            except OSError:
                pass  # read-only data dir: parse again next time
        return table


_SHARED: dict[Path, EnglishGerman] = {}
_SHARED_LOCK = threading.Lock()


def shared_dictionary(path: Path, cache_dir: Path | None = None) -> EnglishGerman:
    """One `EnglishGerman` per dictionary file and process (the table takes ~40 MB),
    whatever index or data dir asks for it; the first caller's cache dir is used."""
    key = Path(path).resolve()
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = EnglishGerman(path, cache_dir)
        return _SHARED[key]


def load_thesaurus(path: Path, analyzer: GermanAnalyzer) -> dict[str, tuple[str, ...]]:
    """Stemmed word → stems of its OpenThesaurus synonyms (single words only), in the
    order of the file, the word's own sets first."""
    table: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            words = [_clean(w) for w in line.rstrip("\n").split(";")]
            stems = [
                analyzer.analyze(w)[0] for w in words if w and " " not in w and analyzer.analyze(w)
            ]
            for stem in stems:
                bucket = table.setdefault(stem, [])
                bucket.extend(s for s in stems if s != stem and s not in bucket)
    return {stem: tuple(others) for stem, others in table.items()}
