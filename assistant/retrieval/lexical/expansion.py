"""Query expansion for the lexical index: everyday words, synonyms, English questions.

Only the query is expanded, never the index, so switching an expansion on or off
needs no re-indexing. Each word of the question is one group of weighted terms
(see `GermanAnalyzer.analyze_query_groups`); an expansion adds terms to the group of
the word it expands, with a weight below the word's own, so a chunk that uses the
question's own words still ranks first and "every word of the question" (the
coordination bonus) is met by the word or by one of its expansions.

Sources, each optional and each measured in docs/retrieval.md:

* `data/synonyms_de.txt` – a curated list of administrative abbreviations and
  everyday wording (Perso → Personalausweis, umgezogen → Anmeldung, Hartz IV →
  Bürgergeld), shipped with the package;
* OpenThesaurus (Debian `openthesaurus-de-text`), read when installed;
* English questions: word-by-word (and two-word) translation with the German–English
  dictionary of Debian `trans-de-en`, read when installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from assistant.retrieval.lexical.analysis import PART_WEIGHT, GermanAnalyzer, default_analyzer
from assistant.retrieval.lexical.dictionary import load_thesaurus, shared_dictionary

SYNONYM_WEIGHT = 0.7  # curated expansions: below the question's own words (0.3, 0.5: worse)
THESAURUS_WEIGHT = 0.2
TRANSLATION_WEIGHT = 0.6
THESAURUS_MAX = 3  # synonyms per word; more drifts away from the meaning
_MAX_KEY_WORDS = 3

# Function words that only English questions contain (none is also a German word).
_MARKER_WORDS = (
    "the is are do does did my your our what how when which who whom whose can "
    "could should would have has had to of for from with if there any this that "
    "it i get need much many long after before unless be been by or not don't "
    "doesn't allowed until about at me we you they their someone"
)
ENGLISH_MARKERS = frozenset(_MARKER_WORDS.split())
# Skipped in English questions (besides the markers): words without a useful translation.
_STOP_WORDS = (
    "a an in on and as so was will also am were being its his her him she he them "
    "do don doesn t s ll ve re d just still some other into than then too very"
)
ENGLISH_STOP = ENGLISH_MARKERS | frozenset(_STOP_WORDS.split())
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")

Group = dict[str, float]


def _read_synonym_lines(name: str = "synonyms_de.txt") -> list[tuple[list[str], list[str]]]:
    """(keys, expansions) of each `key, key = expansion, expansion` line."""
    text = resources.files("assistant.retrieval.lexical").joinpath("data", name).read_text("utf-8")
    rules = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        keys, targets = line.split("=", 1)
        rules.append(
            (
                [k.strip() for k in keys.split(",") if k.strip()],
                [t.strip() for t in targets.split(",") if t.strip()],
            )
        )
    return rules


def is_english(text: str) -> bool:
    """True for a question written in English (two or more English function words
    making up at least a fifth of its words)."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    markers = sum(1 for w in words if w in ENGLISH_MARKERS)
    return markers >= 2 and markers * 5 >= len(words)


class QueryExpander:
    """Weighted term groups of a question, with the configured expansions."""

    def __init__(
        self,
        analyzer: GermanAnalyzer | None = None,
        *,
        synonyms: bool = True,
        thesaurus: Path | None = None,
        dictionary: Path | None = None,
        cache_dir: Path | None = None,
    ):
        self.analyzer = analyzer or default_analyzer()
        self._rules: dict[tuple[str, ...], list[tuple[tuple[str, bool], ...]]] = {}
        if synonyms:
            for keys, targets in _read_synonym_lines():
                self.add_rule(keys, targets)
        self._thesaurus_path = thesaurus if thesaurus and thesaurus.exists() else None
        self._dictionary = (
            shared_dictionary(dictionary, cache_dir) if dictionary and dictionary.exists() else None
        )

    @property
    def sources(self) -> list[str]:
        """Which expansions are active (for `doctor` and the eval report)."""
        names = ["synonyms"] if self._rules else []
        names += ["thesaurus"] if self._thesaurus_path else []
        return names + (["translation"] if self._dictionary else [])

    def add_rule(self, keys: Iterable[str], targets: Iterable[str]) -> None:
        """Every key (a word or a short phrase) expands to every target phrase."""
        expansions = tuple(t for target in targets for t in self._target_terms(target))
        for key in keys:
            main = self._main_terms(key)
            if 0 < len(main) <= _MAX_KEY_WORDS:
                self._rules.setdefault(main, []).append(expansions)

    def _main_terms(self, text: str) -> tuple[str, ...]:
        return tuple(next(iter(g)) for g in self.analyzer.analyze_query_groups(text))

    def _target_terms(self, text: str) -> list[tuple[str, bool]]:
        return [pair for word in self.analyzer._word_terms(text) for pair in word]

    # --- expanding -----------------------------------------------------------------

    def groups(self, text: str, part_weight: float = PART_WEIGHT) -> list[Group]:
        """The question's term groups, expanded."""
        if self._dictionary is not None and is_english(text):
            return self._english_groups(text, part_weight)
        groups = self.analyzer.analyze_query_groups(text, part_weight)
        if self._rules:
            groups = self._apply_rules(groups, part_weight)
        if self._thesaurus_path is not None:
            groups = [self._thesaurus_group(g, part_weight) for g in groups]
        return groups

    def _apply_rules(self, groups: list[Group], part_weight: float) -> list[Group]:
        mains = [next(iter(g)) for g in groups]
        out: list[Group] = []
        i = 0
        while i < len(groups):
            for n in range(min(_MAX_KEY_WORDS, len(groups) - i), 0, -1):
                expansions = self._rules.get(tuple(mains[i : i + n]))
                if expansions is None:
                    continue
                merged: Group = {}
                for g in groups[i : i + n]:  # a phrase key ("Hartz IV") is one word
                    _merge(merged, g, 1.0)
                for terms in expansions:
                    for term, is_part in terms:
                        weight = SYNONYM_WEIGHT * (part_weight if is_part else 1.0)
                        merged[term] = max(merged.get(term, 0.0), weight)
                out.append(merged)
                i += n
                break
            else:
                out.append(groups[i])
                i += 1
        return out

    def _thesaurus_group(self, group: Group, part_weight: float) -> Group:
        table = _thesaurus_table(self._thesaurus_path, self.analyzer)
        synonyms = table.get(next(iter(group)), ())
        expanded = dict(group)
        for term in synonyms[:THESAURUS_MAX]:
            expanded.setdefault(term, THESAURUS_WEIGHT)
        return expanded

    def _english_groups(self, text: str, part_weight: float) -> list[Group]:
        """English question: each content word (or two-word term such as "sick leave")
        becomes the group of its German translations, the first three weighted higher;
        the word itself stays in too (names, "IFG", "Laptop" occur in German text)."""
        words = [w.lower() for w in _WORD_RE.findall(text.replace("’", "'"))]
        groups: list[Group] = []
        i = 0
        while i < len(words):
            word = words[i]
            pair = f"{word} {words[i + 1]}" if i + 1 < len(words) else ""
            translations = self._translate(pair) if pair and word not in ENGLISH_STOP else []
            if translations:
                phrase, i = pair, i + 2
            else:
                phrase, i = word, i + 1
                if phrase in ENGLISH_STOP:
                    continue
                translations = self._translate(phrase)
            group: Group = {}
            for g in self.analyzer.analyze_query_groups(phrase, part_weight):
                _merge(group, g, 1.0)
            for rank, german in enumerate(translations):
                factor = TRANSLATION_WEIGHT * (1.0 if rank < 3 else 0.5)
                for term, is_part in self._target_terms(german):
                    weight = factor * (part_weight if is_part else 1.0)
                    group[term] = max(group.get(term, 0.0), weight)
            if group:
                groups.append(group)
        return groups

    def _translate(self, english: str) -> list[str]:
        """Translations of `english`, or of its base form ("moving" → "move")."""
        assert self._dictionary is not None
        for form in _english_forms(english):
            found = self._dictionary.lookup(form)
            if found:
                return found
        return []


def _english_forms(word: str) -> list[str]:
    """The word, then crude base forms: flights → flight, moving → move, filed → file."""
    forms = [word]
    if " " in word or len(word) < 4:
        return forms
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms += [stem + "e", stem] + ([stem[:-1]] if stem[-1:] == stem[-2:-1] else [])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


def _merge(into: Group, group: Group, factor: float) -> None:
    for term, weight in group.items():
        into[term] = max(into.get(term, 0.0), weight * factor)


@lru_cache(maxsize=2)
def _thesaurus_table(path: Path, analyzer: GermanAnalyzer) -> dict[str, tuple[str, ...]]:
    return load_thesaurus(path, analyzer)


@lru_cache(maxsize=4)
def default_expander(cache_dir: Path | None = None) -> QueryExpander:
    """Curated synonyms and, when Debian's dictionary is installed, English translation
    (its parsed table cached in `cache_dir`). One per process and cache dir: the
    dictionary table is large."""
    from assistant.retrieval.lexical.dictionary import DEFAULT_DICTIONARY

    return QueryExpander(dictionary=DEFAULT_DICTIONARY, cache_dir=cache_dir)
