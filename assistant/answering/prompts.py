"""Prompt templates from `prompts/*.md` (German), versioned by their content.

The version is a short hash of all template files; it is recorded with every
answer, so an answer can always be traced to the exact instructions it got.
People see a readable name instead (`fassung.toml`: a date or a name, given to
one hash); prompts changed without a new name show their hash.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from assistant.models import Hit

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_FILES = ("system.md", "answer.md", "condense.md")
VERSION_FILE = "fassung.toml"


@dataclass(frozen=True)
class PromptSet:
    system: str
    answer_template: str
    condense_template: str
    version: str
    label: str = ""  # readable version ("06.12.2026"); the hash when none is recorded

    @property
    def answer(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages(
            [("system", self.system), ("human", self.answer_template)]
        )

    @property
    def condense(self) -> ChatPromptTemplate:
        return ChatPromptTemplate.from_messages(
            [
                ("system", self.condense_template),
                MessagesPlaceholder("history"),
                ("human", "{question}"),
            ]
        )


def load_prompts(directory: Path = PROMPTS_DIR) -> PromptSet:
    texts = [(directory / name).read_text(encoding="utf-8").strip() for name in _FILES]
    digest = hashlib.sha256("\n\x00".join(texts).encode("utf-8")).hexdigest()[:10]
    return PromptSet(*texts, version=digest, label=_label(directory / VERSION_FILE, digest))


def _label(path: Path, digest: str) -> str:
    """The recorded name of these texts, or the hash when the texts are not the named ones."""
    try:
        recorded = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return digest
    name = str(recorded.get("name") or "").strip()
    return name if name and recorded.get("hash") == digest else digest


# Anything a document could use to close the fence (`</kontext>`, `< / KONTEXT >` …),
# open another one, or pass for a message of its own.
_TAG = re.compile(r"<\s*/?\s*(kontext|system|assistant|user|frage)\b[^>]*>", re.IGNORECASE)
# A line that starts like a passage (`[3] …`) would pass for another numbered source.
_NUMBERED_LINE = re.compile(r"^([ \t>*_#-]*)\[(\d{1,3})\]", re.MULTILINE)


def format_context(hits: Sequence[Hit]) -> str:
    """Numbered passages, the text inside the `<kontext>` fence of answer.md: document
    text is data, and nothing in it can close the fence or forge a passage."""
    blocks = []
    for n, h in enumerate(hits, 1):
        where = " – ".join(fenced(p) for p in (h.title, h.section) if p)
        page = f" (S. {h.page})" if h.page else ""
        blocks.append(f"[{n}] {where}{page}\n{fenced(source_text(h))}")
    return "\n\n".join(blocks)


def source_text(hit: Hit) -> str:
    """A passage's text as the model sees it and as claims are checked against: for a
    council paper, its consultation path (committee, date, result — from the server's
    data) goes first when the passage itself is not the part that states it; the hit
    list shows one passage per paper, which need not be its first."""
    meta = hit.meta or {}
    if meta.get("kind") != "oparl" or "Beratungsfolge" in hit.text:
        return hit.text
    facts = [
        " ".join(p for p in (meta.get("paper_type"), meta.get("reference")) if p),
        f"Datum: {meta['date']}" if meta.get("date") else "",
    ]
    for c in meta.get("consultations") or []:
        line = ", ".join(p for p in (c.get("organization"), c.get("date")) if p)
        facts.append(f"Beratung: {line}: {c.get('result') or 'kein Ergebnis veröffentlicht'}")
    head = "\n".join(f for f in facts if f)
    return f"{head}\n\n{hit.text}" if head else hit.text


def fenced(text: str) -> str:
    """Document text made harmless inside the fence (tags shown as ‹…›, `[n]` at a line's
    start as `(n)`); the words stay as they were."""
    text = _TAG.sub(lambda m: "‹" + m.group(0)[1:-1].strip() + "›", text)
    return _NUMBERED_LINE.sub(r"\1(\2)", text)


def history_messages(history: Sequence[tuple[str, str]], turns: int = 6) -> list[tuple[str, str]]:
    """The last `turns` messages as LangChain (role, text) pairs."""
    roles = {"user": "human", "assistant": "ai"}
    return [(roles.get(role, role), text) for role, text in list(history)[-turns:]]
