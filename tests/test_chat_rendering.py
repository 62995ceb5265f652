"""What the chat makes of passages and answers (issue 13, items 5, 6, 8, 9, 11).

Snippets are cut around the asked words at sentence and table-row seams, from
the real sample Dienstreiserichtlinie as ingest parses and chunks it; passages
show tables and lists as such; `[n]` marks are one link each; search mode tells
staff plain words and IT the reason and the fix; the prompts carry a readable
version; the upload route's refusals are German. The browser tests show the same
on screen (test_browser.py, test_browser_german.py).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from chainlit.context import init_http_context
from conftest import KNOWLEDGE

from assistant.access.accounts import User
from assistant.answering.answer import Answer, Citation
from assistant.answering.prompts import PROMPTS_DIR, VERSION_FILE, load_prompts
from assistant.retrieval.snippets import snippet
from assistant.web import ui
from assistant.web.attachments import NO_SESSION, german_detail
from assistant.web.passages import as_markdown

QUESTION = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
TITLE = "Dienstreiserichtlinie der Stadtverwaltung Musterstadt"


@pytest.fixture(scope="module")
def chunks():
    from assistant.ingest.chunking import chunk_document
    from assistant.ingest.parse import parse_file

    document = parse_file(
        KNOWLEDGE / "dienstreiserichtlinie.pdf", max_bytes=50 * 2**20, max_pages=100
    )
    return {c.section: c for c in chunk_document(document)}


def _chunk(chunks, section_end: str):
    return next(c for s, c in chunks.items() if s.endswith(section_end))


def test_the_tagegeld_snippet_holds_the_full_day_rate_in_its_row(chunks):
    chunk = _chunk(chunks, "6.1 Höhe des Tagegeldes")
    assert len(chunk.text) > 450  # the case: longer than a snippet, the rate near its end
    cut = snippet(chunk.text, QUESTION)
    assert "jeder volle Kalendertag (24 Stunden Abwesenheit) | 28 Euro" in cut.splitlines(), cut
    assert "Abwesenheitsdauer | Tagegeld" in cut.splitlines(), cut  # the table's header row
    assert len(cut) <= 460, len(cut)
    # Cut at seams: every line is a whole row or starts a sentence; "…" marks the rest.
    assert cut.endswith("…") and not cut.endswith(" …" * 2)
    for line in cut.splitlines():
        assert not line or " | " in line or line[0].isupper() or line[0] in "(§…0123456789", line


def test_a_snippet_follows_the_question_not_the_start_of_the_passage(chunks):
    chunk = _chunk(chunks, "6.1 Höhe des Tagegeldes")
    cut = snippet(chunk.text, "Kein Tagegeld unter zwei Kilometer von der Wohnung")
    assert "weniger als zwei Kilometer von der Wohnung entfernt ist." in cut, cut
    assert cut.startswith("… "), cut


def test_a_passage_shows_its_table_as_a_table_and_its_items_as_a_list(chunks):
    table = as_markdown(_chunk(chunks, "6.1 Höhe des Tagegeldes").text, "§ 6 Tagegeld › 6.1 Höhe")
    assert "| jeder volle Kalendertag (24 Stunden Abwesenheit) | 28 Euro |" in table, table
    assert "|---|---|" in table, table
    section = "§ 6 Tagegeld › 6.2 Kürzung bei unentgeltlicher Verpflegung"
    listed = as_markdown(
        _chunk(chunks, "6.2 Kürzung bei unentgeltlicher Verpflegung").text, section
    )
    items = [line for line in listed.splitlines() if line.startswith("- für das")]
    assert len(items) == 3, listed  # Frühstück, Mittagessen, Abendessen
    assert not listed.startswith("**6.2"), listed  # the label above names the section
    # The first passage repeats the document's title above its text: no list of two.
    first = next(c for c in chunks.values() if c.text.startswith(TITLE))
    opening = as_markdown(first.text, first.section, TITLE)
    assert not opening.startswith("- ") and TITLE not in opening, opening


def _answer(mode: str = "llm", text: str = "", notice: str | None = None) -> Answer:
    citation = Citation(1, "drr", "x.md", "Dienstreiserichtlinie", "§ 6 › 6.1 Höhe", 6, "Tagegeld")
    return Answer(
        answer=text,
        citations=[citation],
        unverified=False,
        refused=False,
        mode=mode,
        model="llama3.1:8b" if mode == "llm" else None,
        prompt_version="abcdef1234",
        prompt_label="06.12.2026",
        notice=notice,
        question="Tagegeld?",
    )


def _render(answer: Answer, **options) -> ui.Rendered:
    """`ui.render_answer` inside a Chainlit context on an event loop, as in the app."""

    async def render():
        init_http_context()
        return ui.render_answer(answer, **options)

    return asyncio.run(render())


def test_each_citation_mark_is_a_link_of_its_own():
    rendered = _render(_answer(text="Es sind 28 Euro [1, 2] und 14 Euro [1–3]."))
    assert "Es sind 28 Euro [1] [2] und 14 Euro [1] [2] [3]." in rendered.content
    names = [e.name for e in rendered.elements]
    assert names == ["[1]"], names  # Chainlit links every "[1]" of the text to source 1


def test_the_ai_label_names_model_and_readable_prompt_version():
    content = _render(_answer(text="28 Euro [1].")).content
    assert "KI-generiert mit llama3.1:8b · Prompt-Fassung 06.12.2026" in content, content
    assert "abcdef1234" not in content, content


def test_the_shipped_prompts_have_their_readable_version():
    prompts = load_prompts()
    recorded = (PROMPTS_DIR / VERSION_FILE).read_text(encoding="utf-8")
    assert prompts.label != prompts.version, (
        f"prompts changed: give them a new name and hash = {prompts.version!r} in {recorded}"
    )


def test_changed_prompts_show_their_hash_until_they_are_named(tmp_path: Path):
    for name in ("system.md", "answer.md", "condense.md"):
        (tmp_path / name).write_text((PROMPTS_DIR / name).read_text(encoding="utf-8") + " x")
    (tmp_path / VERSION_FILE).write_text((PROMPTS_DIR / VERSION_FILE).read_text("utf-8"))
    changed = load_prompts(tmp_path)
    assert changed.label == changed.version != load_prompts().version


def test_search_mode_tells_staff_plain_words_and_it_the_fix():
    notice = "Der Sprachmodell-Server ist nicht erreichbar. Ollama starten: `ollama serve`"
    answer = _answer("search", "[1] …", notice)
    staff = _render(answer, technical=ui.technical(User("anna"))).content
    assert ui.SEARCH_MODE_STAFF in staff and "ollama" not in staff.casefold(), staff
    it = _render(answer, technical=ui.technical(User("ben", ("it",)))).content
    assert "ollama serve" in it and ui.SEARCH_MODE_STAFF not in it, it
    assert ui.technical(User("cem", ("admin",))) and not ui.technical(None)


REFUSALS = ("Session not found", "You are not authorized to upload files for this session")
REFUSALS += ("File type not allowed", "File size too large", "something else")


@pytest.mark.parametrize("english", REFUSALS)
def test_the_upload_routes_refusals_are_german(english):
    german = german_detail(json.dumps({"detail": english}).encode())
    assert german and english not in german
    if english == "Session not found":
        assert german == NO_SESSION
