"""What the fake Ollama says: answers, condensed questions and embeddings derived
from the request alone, so tests can check the path from retrieval to citations.

Pure functions, no server: `fake_ollama.py` serves them over HTTP.
"""

from __future__ import annotations

import hashlib
import math
import re

NO_CONTEXT_ANSWER = "Dazu enthält der Kontext keine Angaben."

# --- model names ---------------------------------------------------------------


def normalize_model(name: str) -> str:
    """Ollama's implicit tag and registry: `llama3.1` means `llama3.1:latest`."""
    name = name.strip().removeprefix("registry.ollama.ai/library/")
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


# --- the answer derived from the prompt ----------------------------------------

# A context item starts at a line start: `[1] …`, `**[1]**`, `- [1]:`, `> [2])` …
_ITEM = re.compile(r"^[ \t>*_#-]*\[(\d{1,3})\][*_:).\t ]*", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"„(A-ZÄÖÜ§]|\s*$)")
# A period after these words (or after a number or single letter) ends no sentence.
_ABBREVIATIONS = {
    "abs",
    "abschn",
    "anl",
    "art",
    "bspw",
    "buchst",
    "bzgl",
    "bzw",
    "ca",
    "dr",
    "einschl",
    "etc",
    "evtl",
    "ggf",
    "gem",
    "inkl",
    "kap",
    "lfd",
    "lt",
    "max",
    "min",
    "mind",
    "nr",
    "rd",
    "sog",
    "str",
    "tel",
    "usw",
    "vgl",
    "ziff",
    "zzgl",
}
_CONDENSE = re.compile(r"eigenständig\w*\s+(?:\w+\s+){0,2}Frage|stand-?alone", re.IGNORECASE)
_FOLLOWUP_LABEL = re.compile(
    r"^[ \t*]*(?:Folgefrage|Neue Frage|Nachfrage|Aktuelle Frage|Follow[- ]?up(?: question| input)?)"
    r"[ \t*]*:[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_USER_LINE = re.compile(
    r"^[ \t*]*(?:Nutzer|Benutzer|Mitarbeiter|Mensch|Human|User)\w*[ \t*]*:(.+)$",
    re.IGNORECASE | re.MULTILINE,
)
# Words of prompts and questions that are never "the topic" of a history.
_NOT_TOPIC = {
    "antwort",
    "assistent",
    "assistentin",
    "benutzer",
    "chatverlauf",
    "dabei",
    "darf",
    "dürfen",
    "folgefrage",
    "frage",
    "fragen",
    "gespräch",
    "gesprächsverlauf",
    "history",
    "input",
    "kann",
    "kontext",
    "können",
    "muss",
    "müssen",
    "nachfrage",
    "nutzer",
    "question",
    "soll",
    "standalone",
    "verlauf",
    "warum",
    "welche",
    "welcher",
    "welches",
    "wieso",
}


def parse_context(text: str) -> dict[int, str]:
    """Numbered context items of a prompt: `{1: "text of [1]", 2: …}`."""
    marks = list(_ITEM.finditer(text))
    ends = [mark.start() for mark in marks[1:]] + [len(text)]
    items: dict[int, str] = {}
    for mark, end in zip(marks, ends, strict=False):  # no marks: nothing
        items.setdefault(int(mark.group(1)), text[mark.end() : end].strip())
    return items


def _sentence_end(text: str) -> int | None:
    """Index just after the first sentence, or None if the text ends none."""
    for end in _SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)$", text[: end.start()])
        token = word.group(1) if word else ""
        if end.group() == "." and (
            token.lower() in _ABBREVIATIONS or token.isdigit() or len(token) == 1
        ):
            continue
        return end.end()
    return None


def first_sentence(text: str) -> str:
    """The first sentence, not fooled by German abbreviations (`z. B.`, `Abs.`, `S. 3`)."""
    end = _sentence_end(text)
    return text[:end].strip() if end else text.strip()


def item_sentence(item: str) -> str:
    """First sentence of an item's body; a first line without a sentence is its header."""
    lines = [line.strip() for line in item.splitlines() if line.strip()]
    if len(lines) > 1 and _sentence_end(lines[0]) is None and len(lines[0]) < 160:
        lines = lines[1:]  # e.g. "Reisekostenrichtlinie, § 3 (S. 2)"
    return first_sentence(" ".join(lines))


def _contents(messages: list[dict], role: str) -> list[str]:
    return [str(m.get("content") or "") for m in messages if m.get("role") == role]


def _topic(history: str) -> str | None:
    """The main noun of a history: its longest capitalised word (German nouns are)."""
    words = re.findall(r"\b[A-ZÄÖÜ][\wäöüß-]{3,}", history)
    words = [w for w in words if w.lower() not in _NOT_TOPIC]
    return max(words, key=len) if words else None


def condense(messages: list[dict]) -> str:
    """A standalone question: the follow-up, plus the topic of the history if missing."""
    users = _contents(messages, "user")
    last = users[-1] if users else ""
    labels = list(_FOLLOWUP_LABEL.finditer(last))
    before, followup = (
        (last[: labels[-1].start()], last[labels[-1].end() :]) if labels else ("", last)
    )
    followup = followup.strip().splitlines()[0].strip() if followup.strip() else ""
    embedded = [m.group(1) for m in _USER_LINE.finditer(before)] or [before]
    topic = _topic(" ".join([*users[:-1], *embedded]))
    if not topic or topic.lower() in followup.lower():
        return followup
    return f"{followup.rstrip(' ?')} (zum Thema {topic})?"


def answer_for(messages: list[dict]) -> str:
    """What the fake model answers to these chat messages (tests may compute it too)."""
    prompt_text = "\n".join(_contents(messages, "system") + _contents(messages, "user"))
    if _CONDENSE.search(prompt_text):
        return condense(messages)
    users = _contents(messages, "user")
    items = parse_context(users[-1] if users else "") or parse_context(
        "\n".join(_contents(messages, "system"))
    )
    if not items:
        return NO_CONTEXT_ANSWER
    number = min(items)
    return f"{item_sentence(items[number])} [{number}]"


def tokens_of(text: str) -> list[str]:
    """How the fake streams an answer: one word (with its trailing space) per chunk."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def embed_text(text: str, dim: int) -> list[float]:
    """Deterministic unit vector: hashed bag of lower-cased words, signed buckets."""
    vector = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "big") % dim
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if not norm:  # no words: a fixed unit vector, never NaN
        return [1.0] + [0.0] * (dim - 1)
    return [v / norm for v in vector]
