"""Prompt templates from `prompts/*.md` (German), versioned by their content.

The version is a short hash of all template files; it is recorded with every
answer, so an answer can always be traced to the exact instructions it got.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

from assistant.models import Hit

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
_FILES = ("system.md", "answer.md", "condense.md")


@dataclass(frozen=True)
class PromptSet:
    system: str
    answer_template: str
    condense_template: str
    version: str

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
    return PromptSet(*texts, version=digest)


def format_context(hits: Sequence[Hit]) -> str:
    """Numbered passages; the delimiters cannot be forged by a document's text."""
    blocks = []
    for n, h in enumerate(hits, 1):
        where = " – ".join(p for p in (h.title, h.section) if p)
        page = f" (S. {h.page})" if h.page else ""
        text = h.text.replace("<kontext>", "‹kontext›").replace("</kontext>", "‹/kontext›")
        blocks.append(f"[{n}] {where}{page}\n{text}")
    return "\n\n".join(blocks)


def history_messages(history: Sequence[tuple[str, str]], turns: int = 6) -> list[tuple[str, str]]:
    """The last `turns` messages as LangChain (role, text) pairs."""
    roles = {"user": "human", "assistant": "ai"}
    return [(roles.get(role, role), text) for role, text in list(history)[-turns:]]
