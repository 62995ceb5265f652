"""Council sources and filters in the chat (web/council.py, ui.py): pure functions of the
answer and the settings, as test_chat_rendering.py tests the rest of the rendering."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from chainlit.context import init_http_context

from assistant.answering.answer import Answer, Citation
from assistant.web import ui
from assistant.web.council import (
    ALL,
    LINK_LABEL,
    consultation_path,
    describe,
    filters_from,
)

META = {
    "kind": "oparl",
    "type": "Paper",
    "reference": "2025/0007",
    "paper_type": "Beschlussvorlage",
    "date": "2025-03-12",
    "url": "https://ratsinfo.example.de/vorgang/7",
    "consultations": [
        {"organization": "Hauptausschuss", "date": "2025-06-10", "result": "vertagt"},
        {"organization": "Gemeinderat", "date": "2025-06-24", "result": "einstimmig beschlossen"},
        {"organization": "Bauausschuss", "date": None, "result": ""},
    ],
}


@dataclass
class Record:  # the manifest record's part the rendering reads
    meta: dict
    version: int = 1
    doc_date: date | None = None


def answer(mode: str = "llm") -> Answer:
    citation = Citation(1, "p7", "oparl", "2025/0007 – Sanierung der Grundschule", "", None, "…")
    return Answer("Beschlossen [1].", [citation], False, False, mode, "m", "v", question="Frage")


def render(answer: Answer, hosts: list[str]) -> ui.Rendered:
    """`ui.render_answer` inside a Chainlit context on an event loop, as in the app."""

    async def run():
        init_http_context()
        return ui.render_answer(answer, {"p7": Record(META)}, hosts)

    return asyncio.run(run())


def test_consultation_path_names_committee_date_and_result():
    assert consultation_path(META) == [
        "Hauptausschuss, 10.06.2025: vertagt",
        "Gemeinderat, 24.06.2025: einstimmig beschlossen",
        "Bauausschuss: kein Ergebnis veröffentlicht",
    ]


def test_council_source_shows_facts_and_a_link_to_an_endpoint_host():
    shown = render(answer(), ["ratsinfo.example.de"])
    assert "[1] 2025/0007 – Sanierung der Grundschule · Beschlussvorlage vom 12.03.2025" in (
        shown.content
    )
    assert "Gemeinderat, 24.06.2025: einstimmig beschlossen" in shown.content
    assert f"[{LINK_LABEL}]({META['url']})" in shown.content
    assert "Version 1" not in shown.content  # the paper's date, not an edition
    panel = shown.elements[0].content
    assert "Beratungsfolge: Hauptausschuss" in panel and f"({META['url']})" in panel


def test_a_link_to_another_host_stays_text():
    shown = render(answer(), ["stadt.example.de"])
    assert f"({META['url']})" not in shown.content
    assert f"`{META['url']}`" in shown.content


def test_search_mode_lists_the_paper_with_its_path():
    shown = render(answer("search"), ["ratsinfo.example.de"])
    assert "Suchmodus" in shown.content
    assert "Beratungsfolge: Hauptausschuss, 10.06.2025: vertagt → Gemeinderat" in shown.content


def test_filters_from_chat_settings():
    assert filters_from({k: ALL for k in ("gremium", "vorlagenart", "jahr_von")}) is None
    chosen = filters_from(
        {"gremium": "Gemeinderat", "vorlagenart": "Anfrage", "jahr_von": "2026", "jahr_bis": "2025"}
    )
    assert chosen.organization == ("Gemeinderat",) and chosen.paper_type == ("Anfrage",)
    assert (chosen.date_from, chosen.date_to) == (date(2025, 1, 1), date(2026, 12, 31))
    assert filters_from({"jahr_von": "zwanzig"}) is None  # not a year: ignored
    assert describe(chosen) == (
        "*Eingeschränkt (Einstellungen): Gremium Gemeinderat · Vorlagenart Anfrage · "
        "Jahr 2025–2026*"
    )
