"""Rendering of results for the chat: Markdown text plus Chainlit side elements."""

from __future__ import annotations

from pathlib import Path

import chainlit as cl

from .models import Hit

STARTERS = [
    ("Tagegeld auf Dienstreisen", "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"),
    ("Mobiles Arbeiten", "Wie viele Tage pro Woche darf ich mobil arbeiten?"),
    ("Passwortregeln", "Welche Anforderungen gelten für mein Passwort?"),
    ("Personalausweis verloren", "Was muss eine Bürgerin tun, wenn ihr Personalausweis verloren ist?"),
]

SEARCH_MODE_NOTICE = (
    "**Suchmodus:** Es wird keine KI-Antwort erzeugt, sondern die passendsten Textstellen "
    "aus der Wissensbasis werden angezeigt."
)


def source_label(hit: Hit) -> str:
    parts = [hit.title]
    if hit.section:
        parts.append(hit.section.split(" › ")[-1])
    if hit.page:
        parts.append(f"S. {hit.page}")
    return ", ".join(parts)


def render_hits(hits: list[Hit], notice: str = SEARCH_MODE_NOTICE) -> tuple[str, list]:
    """Markdown listing the passages, and one side element per passage."""
    if not hits:
        return "Dazu habe ich in der Wissensbasis nichts gefunden.", []
    lines = [notice, ""]
    elements = []
    for h in hits:
        name = f"Quelle {h.rank}"
        snippet = h.text if len(h.text) <= 300 else h.text[:300].rsplit(" ", 1)[0] + " …"
        lines.append(f"**[{h.rank}] {source_label(h)}** – {name}\n> {snippet}\n")
        elements.append(_element(name, h))
    return "\n".join(lines), elements


def _element(name: str, hit: Hit):
    path = Path(hit.source)
    if path.suffix.lower() == ".pdf" and path.exists():
        return cl.Pdf(name=name, path=str(path), page=hit.page or 1, display="side")
    header = f"**{source_label(hit)}**\n\n"
    return cl.Text(name=name, content=header + hit.text, display="side")
