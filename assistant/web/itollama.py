"""The IT page's section "Sprachmodell-Server": every Ollama server of the pool with
its state as this app process sees it – reachable, down (and when it is asked again),
questions in flight, answered and failed – from `OllamaPool.states()`.

Addresses are shown without user:password; nothing about a question appears here.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.llm.pool import NodeState

HEADERS = ("Adresse", "Zustand", "Modell", "Laufende Fragen", "Beantwortet", "Fehlgeschlagen")


def pool_section(settings: Settings) -> str:
    """The section for the settings' pool (a single server is a pool of one)."""
    from assistant.llm.pool import pool_for

    pool = pool_for(settings)
    # A pool of one is never health-checked while answering; the page asks it here.
    pool.refresh(force=len(pool.nodes) == 1)
    return pool_html(pool.states(), settings.ollama_model)


def pool_html(states: list[NodeState], model: str) -> str:
    title = '<h2 id="ollama-pool">Sprachmodell-Server</h2>'
    up = sum(1 for s in states if s.up)
    summary = f'<p class="muted">{up} von {len(states)} Servern erreichbar.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADERS)
    rows = "".join(_row(s, model) for s in states)
    table = (
        f'<table id="ollama-pool-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )
    return title + summary + table


def _row(s: NodeState, model: str) -> str:
    cells = [
        # Host and port: the page links nowhere and names no scheme (tests/test_itpage.py).
        f"<code>{escape(s.url.split('://', 1)[-1])}</code>",
        escape(_state(s)),
        escape(_model(s, model)),
        str(s.in_flight),
        str(s.answered),
        str(s.failed),
    ]
    css = ' class="error"' if s.up is False else ""
    return f"<tr{css}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _state(s: NodeState) -> str:
    if s.up is None:
        return "noch nicht geprüft"
    if s.up:
        return "erreichbar"
    return f"ausgefallen – neue Prüfung in {s.retry_in_s:.0f} s"


def _model(s: NodeState, model: str) -> str:
    if not model:
        return "kein Modell eingestellt"
    if s.up is not True:
        return "–"
    return model if s.has_model else f"{model} fehlt"
