"""The redactor: Presidio analysis and anonymization, fail-closed.

Nothing here writes text anywhere: the log lines carry only exception types,
counts and timings, never the message.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from assistant.privacy.conf import (
    LeanAnalyzerEngine,
    build_recognizers,
    context_enhancer,
    load_conf,
)
from assistant.privacy.confusers import firm_name, numbered, own_account, own_number
from assistant.privacy.forms import own_column_regex, table_cells
from assistant.privacy.lexicon import forget_words, is_first_name
from assistant.privacy.nlp import LANGUAGE, LoadedSpacyNlpEngine
from assistant.privacy.ocr import read_misread_digits
from assistant.privacy.repeats import known_mentions, listed_and_repeated, name_tokens
from assistant.privacy.results import MASK, Entity, PlaceholderMap, Redaction, normalize

logger = logging.getLogger(__name__)

PERSON = "PERSON"
# Kinds found in free text by guessing (a capitalized word, a street-like phrase):
# in text the assistant wrote or quoted, they are redacted only where the person typed them.
FREE_TEXT = frozenset({PERSON, "ADDRESS", "POSTCODE"})
KNOWN_NAME_SCORE = 0.75
ACCOUNTS = frozenset({"IBAN", "BIC"})
# Long texts are analysed in chunks of about this size: several steps of
# Presidio's (context words) are quadratic in the length of the text.
CHUNK_CHARS = 2000
# Preferred places to cut, best first: paragraph, sentence, line, word.
_CUTS = (re.compile(r"\n\s*\n"), re.compile(r"[.!?]\s"), re.compile(r"\n"), re.compile(r"\s"))


class Redactor:
    """Finds personal data in German text and replaces it with typed placeholders.

    If analysis fails for any reason (an exception in a recognizer, a text that
    is no string or too long, a deadline missed), the whole text is replaced by
    ``<REDACTED>`` and ``failed`` is set: the raw text is never returned.
    """

    def __init__(
        self,
        recognizers: Sequence[EntityRecognizer],
        *,
        score_threshold: float = 0.5,
        allow_list: Sequence[str] = (),
        entities: Sequence[str] | None = None,
        conf: dict | None = None,
        max_chars: int = 100_000,
        deadline_s: float = 5.0,
    ) -> None:
        conf = conf or load_conf()
        _quiet_presidio_debug_logs()
        registry = RecognizerRegistry(supported_languages=[LANGUAGE])
        for recognizer in recognizers:
            registry.add_recognizer(recognizer)
        nlp_engine = LoadedSpacyNlpEngine()
        self._pipeline = nlp_engine.get_nlp(LANGUAGE)
        self._analyzer = LeanAnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[LANGUAGE],
            context_aware_enhancer=context_enhancer(conf),
        )
        self._lock = threading.Lock()
        self.supported = sorted({e for r in recognizers for e in r.supported_entities})
        self.entities = list(entities) if entities is not None else self.supported
        unknown = sorted(set(self.entities) - set(self.supported))
        if unknown:
            raise ValueError(f"unknown entity types {unknown}; supported: {self.supported}")
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError(f"score_threshold must be within [0, 1], not {score_threshold}")
        self.score_threshold = score_threshold
        self._allowed = _allow_regex(allow_list)
        # Columns of the administration's own processes (Ticket, Inventarnr., Bestellung):
        # the veto words of the file references, as the header of a pasted table.
        self._own_columns = own_column_regex(
            conf.get("identifiers", {}).get("file_reference", {}).get("cues", ())
        )
        self._numbering = frozenset(w.lower() for w in conf.get("numbering_words", ()))
        self.max_chars = max_chars
        self.deadline_s = deadline_s

    def redact(
        self,
        text: str,
        placeholders: PlaceholderMap | None = None,
        *,
        quoted: bool = False,
        sources: Sequence[str] = (),
    ) -> Redaction:
        """Redact one text; with `placeholders`, number values per conversation.

        `quoted` marks text the assistant wrote or quoted (answers, cited passages),
        not text a person typed: there only structured identifiers and the values
        the person typed earlier in the conversation (`placeholders`) are redacted;
        free-text kinds (names, addresses) are not guessed, and a detection whose
        value occurs verbatim in one of the `sources` (the passages shown) is
        knowledge-base text and stays.
        """
        started = time.perf_counter()
        try:
            entities = self._detect(text, placeholders, quoted, sources)
            redacted = self._replace(text, entities, placeholders)
            if time.perf_counter() - started > self.deadline_s:
                raise TimeoutError("redaction deadline missed")
        except Exception as exc:  # noqa: BLE001 - fail closed on anything
            # The exception text may quote the input, so only its type is logged.
            logger.error("redaction failed (%s); text masked", type(exc).__name__)
            return Redaction(MASK, (), {}, True)
        finally:
            forget_words()  # the words shared by the recognizers hold the text
        counts = dict(Counter(e.type for e in entities))
        return Redaction(redacted, entities, counts, False)

    # --- analysis -------------------------------------------------------------

    def _detect(
        self,
        text: str,
        placeholders: PlaceholderMap | None,
        quoted: bool = False,
        sources: Sequence[str] = (),
    ) -> tuple[Entity, ...]:
        if not isinstance(text, str):
            raise TypeError("text must be str")
        if len(text) > self.max_chars:
            raise ValueError("text too long")
        if not text.strip():
            return ()
        # Without a conversation map, a map for this text alone still carries
        # names from one chunk to the next.
        names = placeholders if placeholders is not None else PlaceholderMap()
        wanted = [t for t in self.entities if not (quoted and t in FREE_TEXT)]
        found = self._detect_chunks(text, names, wanted)
        # OCR'd numbers ("O3.l1.l984") read as digits, in a second reading that only adds:
        # an identifier with a letter of its own (KVNR "O123456789") keeps the first reading's type.
        read = read_misread_digits(text)
        if read != text:
            found += [
                e for e in self._detect_chunks(read, names, wanted) if not _overlaps(e, found)
            ]
        allowed = self._allowed_ranges(text)
        found = [e for e in found if not any(s <= e.start and e.end <= t for s, t in allowed)]
        # "Version 4.2.1", "Tarifstelle 2.4.1.1": a number its numbering word names.
        found = [e for e in found if not numbered(text, e.start, e.end, self._numbering)]
        found = _without_own_accounts(text, found)
        # "Kundennummer der Stadt 88-20411": the office's own account with a supplier.
        found = [e for e in found if not (e.type == "CASE_NUMBER" and own_number(text, e.start))]
        found = _without_own_columns(text, found, self._own_columns)
        if quoted:
            found = _not_from_sources(text, found, sources)
        found += [Entity(t, s, e, KNOWN_NAME_SCORE) for s, e, t in names.known_values(text)]
        entities = merge_overlaps([widen(text, e) for e in merge_overlaps(found)])
        entities = merge_overlaps([*entities, *listed_and_repeated(text, entities)])
        entities = join_surname_first(text, entities)
        # "Bürotechnik Mayer GmbH": a firm's name, also where the surname recurs
        entities = tuple(e for e in entities if not (e.type == PERSON and firm_name(text, e.end)))
        if not quoted:
            for e in entities:
                names.remember_value(e.type, text[e.start : e.end])
        return entities

    def _detect_chunks(self, text: str, names: PlaceholderMap, wanted: list[str]) -> list[Entity]:
        found: list[Entity] = []
        for start, end in chunk_bounds(text):
            found += self._detect_chunk(text[start:end], start, names, wanted)
        return found

    def _detect_chunk(
        self, chunk: str, offset: int, names: PlaceholderMap, wanted: list[str]
    ) -> list[Entity]:
        # spaCy keeps every new word in its string store; the memory zone drops
        # them afterwards, so no message text lingers in the process. Zones of
        # two threads must not interleave, hence the lock.
        with self._lock, self._pipeline.memory_zone():
            results = self._analyzer.analyze(
                text=chunk,
                language=LANGUAGE,
                entities=wanted,
                score_threshold=self.score_threshold,
            )
        found = [Entity(r.entity_type, r.start, r.end, round(r.score, 4)) for r in results]
        if PERSON in self.entities:
            if names.has_name_tokens():
                known = known_mentions(chunk, names.is_known_name_token)
                found += [Entity(PERSON, s, e, KNOWN_NAME_SCORE) for s, e in known]
            persons = [(e.start, e.end) for e in found if e.type == PERSON]
            if persons and PERSON in wanted:  # names the person typed, not quoted ones
                names.remember_name_tokens(name_tokens(chunk, persons))
        return [Entity(e.type, e.start + offset, e.end + offset, e.score) for e in found]

    def _allowed_ranges(self, text: str) -> list[tuple[int, int]]:
        if self._allowed is None:
            return []
        return [m.span() for m in self._allowed.finditer(text)]

    # --- replacement ----------------------------------------------------------

    def _replace(
        self, text: str, entities: tuple[Entity, ...], placeholders: PlaceholderMap | None
    ) -> str:
        # Spliced here rather than by Presidio's anonymizer, which joins neighbouring
        # detections of one type ("DE02… DE02…") into values no placeholder was issued for.
        parts, last = [], 0
        for e in entities:  # sorted, disjoint (merge_overlaps)
            value = text[e.start : e.end]
            label = placeholders.placeholder(e.type, value) if placeholders else f"<{e.type}>"
            parts += [text[last : e.start], label]
            last = e.end
        parts.append(text[last:])
        return "".join(parts)


def _without_own_accounts(text: str, found: list[Entity]) -> list[Entity]:
    """ "Konto der Stadtkasse (IBAN …)": the administration's own account goes, and with it
    whatever was found inside it (a card number's shape within the IBAN's digits)."""
    own = [
        (e.start, e.end) for e in found if e.type in ACCOUNTS and own_account(text, e.start, e.type)
    ]
    return [e for e in found if not any(s <= e.start and e.end <= t for s, t in own)]


def _without_own_columns(text: str, found: list[Entity], own: re.Pattern) -> list[Entity]:
    """A file number in a pasted table's column headed "Ticket", "Inventarnr." or
    "Bestellung" is the administration's own process number, wherever the row is."""
    cells = [(s, e) for label, s, e in table_cells(text) if own.match(label)]
    if not cells:
        return found
    return [
        e
        for e in found
        if not (e.type == "CASE_NUMBER" and any(s <= e.start and e.end <= t for s, t in cells))
    ]


def chunk_bounds(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """Cut a long text into pieces of at most `size` characters, at a paragraph,
    sentence, line or word boundary in the second half of each piece."""
    bounds, start = [], 0
    while len(text) - start > size:
        window = text[start + size // 2 : start + size]
        cut = start + size
        for pattern in _CUTS:
            matches = list(pattern.finditer(window))
            if matches:
                cut = start + size // 2 + matches[-1].end()
                break
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def widen(text: str, entity: Entity) -> Entity:
    """A structured identifier covers its whole token: "DE02…" inside "IBAN:DE02…x",
    never a tail left over. Names keep their span (a name glued to a word is rare,
    an inflection like "Müllers" is covered by the name's own span)."""
    if entity.type == PERSON:
        return _with_initial(text, entity)
    start, end = entity.start, entity.end
    while start > 0 and _continues(text, start - 1, start - 2):
        start -= 1
    while end < len(text) and _continues(text, end, end + 1):
        end += 1
    return (
        Entity(entity.type, start, end, entity.score)
        if (start, end)
        != (
            entity.start,
            entity.end,
        )
        else entity
    )


# An initial before a name ("a. yilmaz", "A.Yilmaz"), not a second one of an
# abbreviation ("z. B. Müller", "u. a. Meyer").
_INITIAL = re.compile(r"(?<![\w.])(?<!\b\w\.\s)(?<!\b\w\.)[^\W\d_]\.[ \t]?$")


# The genitive of a name ending in s, ß, x or z is an apostrophe ("Jonas' Mutter"); it is
# part of the name's word form, as the -s of "Müllers" is.
_GENITIVE = re.compile(r"(?<=[sßxzSXZ])['’](?![\w'’])")


def _with_initial(text: str, entity: Entity) -> Entity:
    match = _INITIAL.search(text, max(0, entity.start - 4), entity.start)
    start = match.start() if match else entity.start
    end = entity.end + 1 if _GENITIVE.match(text, entity.end) else entity.end
    if (start, end) == (entity.start, entity.end):
        return entity
    return Entity(entity.type, start, end, entity.score)


def _continues(text: str, i: int, beyond: int) -> bool:
    """Is text[i] part of the token: a letter or digit, or a joiner between two of them."""
    char = text[i]
    if char.isalnum():
        return True
    inside = 0 <= beyond < len(text) and text[beyond].isalnum()
    return char in "-/._+" and inside


def _not_from_sources(text: str, found: list[Entity], sources: Sequence[str]) -> list[Entity]:
    """Drop detections whose value is quoted from one of the shown passages."""
    if not sources:
        return found
    normalized = [normalize(source) for source in sources]
    return [e for e in found if not any(normalize(text[e.start : e.end]) in s for s in normalized)]


def _overlaps(entity: Entity, others: list[Entity]) -> bool:
    """Overlaps a detection of another type (the same type may be widened)."""
    return any(
        o.start < entity.end and entity.start < o.end and o.type != entity.type for o in others
    )


def merge_overlaps(entities: list[Entity]) -> tuple[Entity, ...]:
    """Overlapping detections become one: the union of their spans, typed by the
    longest (then highest-scoring) of them, so no part of any detection survives."""
    merged: list[list[Entity]] = []
    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        if merged and entity.start < max(e.end for e in merged[-1]):
            merged[-1].append(entity)
        else:
            merged.append([entity])
    result = []
    for group in merged:
        best = max(group, key=lambda e: (e.end - e.start, e.score))
        start, end = min(e.start for e in group), max(e.end for e in group)
        result.append(Entity(best.type, start, end, max(e.score for e in group)))
    return tuple(result)


def join_surname_first(text: str, entities: tuple[Entity, ...]) -> tuple[Entity, ...]:
    """ "KARADENIZ, Murat", "Lombardi, Chiara": one surname, a comma and a first name
    are one person as forms and registers write them, not two (nor a comma between)."""
    out: list[Entity] = []
    for entity in entities:
        last = out[-1] if out else None
        if (
            last is not None
            and last.type == entity.type == PERSON
            and text[last.end : entity.start] == ", "
            and " " not in text[last.start : last.end]
            and is_first_name(text[entity.start : entity.end])
            and not is_first_name(text[last.start : last.end])
        ):
            out[-1] = Entity(PERSON, last.start, entity.end, max(last.score, entity.score))
        else:
            out.append(entity)
    return tuple(out)


def _quiet_presidio_debug_logs() -> None:
    # Presidio's debug lines quote words around each match ("Context list is:
    # …"); they must not reach a log even when the application logs at DEBUG.
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        presidio_logger = logging.getLogger(name)
        if presidio_logger.getEffectiveLevel() < logging.INFO:
            presidio_logger.setLevel(logging.INFO)


def _allow_regex(allow_list: Sequence[str]) -> re.Pattern | None:
    entries = sorted({a.strip() for a in allow_list if a.strip()}, key=len, reverse=True)
    if not entries:
        return None
    # Digits must not continue: "115" is allowed, "1150" or "0611 115 99" is not.
    alternatives = "|".join(r"\s+".join(map(re.escape, a.split())) for a in entries)
    return re.compile(rf"(?<![\w@.+])(?:{alternatives})(?![\w@])", re.IGNORECASE)


def build_redactor(
    *,
    score_threshold: float = 0.5,
    allow_list: Sequence[str] = (),
    entities: Sequence[str] | None = None,
    extra_recognizers: Sequence[EntityRecognizer] = (),
    max_chars: int = 100_000,
    deadline_s: float = 5.0,
) -> Redactor:
    """The German redactor from ``recognizers.yaml``; `allow_list` adds to the conf's list.

    `entities` restricts the types redacted (default: all); `extra_recognizers`
    are added after the configured ones (a city's own patterns, tests). Longer
    texts than `max_chars`, and redactions slower than `deadline_s`, are masked.
    """
    conf = load_conf()
    recognizers = build_recognizers(conf) + list(extra_recognizers)
    return Redactor(
        recognizers,
        score_threshold=score_threshold,
        allow_list=[*conf.get("allow_list", ()), *allow_list],
        entities=entities,
        conf=conf,
        max_chars=max_chars,
        deadline_s=deadline_s,
    )
