"""Open data (issue 16) in the chat: a dataset source's facts (publisher, licence, link to the
portal page) and, for a statistics answer, the rows used as a Markdown table and a chart drawn
on the server (SVG served as an image element from the app's own origin: the CSP's
`img-src 'self'` holds, no script, no CDN), with the source dataset and licence under it.

The link to the portal is clickable when its host is a registered portal's (or the city's
allowed hosts), like council links (council.py).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from html import escape

from assistant.connectors.opendata.figures import format_number
from assistant.web.council import CouncilFacts, hosts, link, plain

KIND = "opendata"
LINK_LABEL = "Im Open-Data-Portal öffnen"
NO_LICENCE = "keine Lizenz angegeben"
CHART_NAME = "Diagramm"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 250, 70, 40, 40


def facts(meta: Mapping | None, allowed: tuple[str, ...]) -> CouncilFacts | None:
    """Publisher and licence, and the link to the dataset page (None for other documents)."""
    if not meta or meta.get("kind") != KIND:
        return None
    parts = ["Offener Datensatz"]
    if meta.get("publisher"):
        parts.append(f"Herausgeber: {plain(meta['publisher'])}")
    parts.append(f"Lizenz: {plain(meta.get('license') or NO_LICENCE)}")
    page = link(str(meta.get("url") or ""), allowed, LINK_LABEL)
    return CouncilFacts(" · ".join(parts), (), page)


def portal_hosts(services) -> tuple[str, ...]:
    return hosts(services.opendata.sources())


def statistics_markdown(found: Mapping, allowed: tuple[str, ...], *, with_source=True) -> str:
    """The rows used as a table, then the source line (dataset, publisher, licence, link) unless
    the answer's text already names it (the computed answer does; the chart repeats it below)."""
    table = found.get("table") or {}
    parts = []
    if table.get("rows"):
        cols = [_cell(c) for c in table["columns"]]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table["rows"]]
        if table.get("more"):
            lines.append(f"\n*… {table['more']} weitere Zeilen*")
        parts.append("\n".join(lines))
    if with_source:
        parts.append(source_line(found, allowed))
    else:  # the text names dataset and licence: only the way to the portal page is added
        links = (
            link(str(s.get("url") or ""), allowed, LINK_LABEL) for s in found.get("sources") or ()
        )
        parts.append("  \n".join(link for link in links if link))
    return "\n\n".join(p for p in parts if p)


def source_line(found: Mapping, allowed: tuple[str, ...]) -> str:
    lines = []
    for s in found.get("sources") or ():
        who = f", {plain(s['publisher'])}" if s.get("publisher") else ""
        licence = plain(s.get("licence") or NO_LICENCE)
        page = link(str(s.get("url") or ""), allowed, LINK_LABEL)
        lines.append(
            f"Quelle: {plain(s.get('title') or s.get('dataset_id'))}{who} · Lizenz: {licence}"
            + (f" · {page}" if page else "")
        )
    return "  \n".join(lines)


def chart_svg(series: Mapping, sources=()) -> bytes:
    """A line (periods) or bars (places) as a standalone SVG: the title above, each bar's value
    on it, and the source dataset with its licence underneath (issue 16: "under the chart")."""
    points = [(str(label), float(value)) for label, value in series["points"]]
    low = min(0.0, *(v for _, v in points))
    high = max(1.0, *(v for _, v in points))
    plot_w, plot_h = WIDTH - LEFT - 12, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(points)

    def y(v: float) -> float:
        return TOP + plot_h * (high - v) / (high - low)

    shapes = [
        f'<line x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - 12}" y2="{y(0):.1f}" stroke="#595959"/>',
        f'<text x="{LEFT - 6}" y="{y(high) + 4:.1f}" text-anchor="end">{format_number(high)}</text>',
        f'<text x="{LEFT - 6}" y="{y(low) + 4:.1f}" text-anchor="end">{format_number(low)}</text>',
    ]
    step = max(1, len(points) // 7)
    coords = []
    for i, (label, value) in enumerate(points):
        x = LEFT + i * slot + slot / 2
        coords.append(f"{x:.1f},{y(value):.1f}")
        shapes += _mark(series.get("kind"), x, slot, value, label, y)
        if i % step == 0 or i == len(points) - 1:
            shapes.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 22}" text-anchor="middle">{escape(label)}</text>'
            )
    if series.get("kind") != "bar":
        shapes.insert(
            0,
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="#005a9c" stroke-width="2"/>',
        )
    title = escape(_chart_title(series))
    desc = escape("; ".join(f"{label}: {format_number(v)}" for label, v in points))
    footer = [
        f'<text x="8" y="{HEIGHT + 4 + 15 * n}">{escape(line)}</text>'
        for n, line in enumerate(_source_lines(sources))
    ]
    height = HEIGHT + 15 * len(footer) + (8 if footer else 0)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11" '
        f'fill="#1b1b1b"><title>{title}</title><desc>{desc}</desc>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{title}</text>'
        f"{''.join(shapes)}{''.join(footer)}</svg>"
    )
    return svg.encode("utf-8")


def _mark(kind, x: float, slot: float, value: float, label: str, y) -> list[str]:
    """One bar (with its value written on top, readable without hovering) or one point."""
    tip = f"<title>{escape(label)}: {format_number(value)}</title>"
    if kind != "bar":
        return [f'<circle cx="{x:.1f}" cy="{y(value):.1f}" r="3" fill="#005a9c">{tip}</circle>']
    top, bottom = sorted((y(value), y(0)))
    return [
        (
            f'<rect x="{x - slot * 0.3:.1f}" y="{top:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{max(bottom - top, 1):.1f}" fill="#005a9c">{tip}</rect>'
        ),
        f'<text x="{x:.1f}" y="{top - 4:.1f}" text-anchor="middle">{format_number(value)}</text>',
    ]


def _chart_title(series: Mapping) -> str:
    """The series' title, with its unit unless the title already says it."""
    title = str(series.get("title") or CHART_NAME)
    unit = str(series.get("unit") or "")
    return f"{title} ({unit})" if unit and unit.casefold() not in title.casefold() else title


def _source_lines(sources) -> list[str]:
    """Dataset, publisher and licence, broken to fit the width (SVG text does not wrap)."""
    lines = []
    for s in sources or ():
        who = f", {plain(s['publisher'])}" if s.get("publisher") else ""
        licence = plain(s.get("licence") or NO_LICENCE)
        text = f"Quelle: {plain(s.get('title') or s.get('dataset_id'))}{who} – Lizenz: {licence}"
        lines += textwrap.wrap(text, 100) or [""]
    return lines


def chart_element(found: Mapping):
    """The chart as an inline image element of the answer (None without a series)."""
    import chainlit as cl

    series = found.get("series")
    if not series or len(series.get("points") or ()) < 2:
        return None
    # "large": Chainlit shows an inline image at most 600 px wide (the default, 300 px, shrinks
    # the 640 px chart's labels to about 5 px, unreadable).
    return cl.Image(
        name=CHART_NAME,
        content=chart_svg(series, found.get("sources") or ()),
        mime="image/svg+xml",
        display="inline",
        size="large",
    )


def _cell(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    text = " ".join(str("" if value is None else value).split())
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text).replace("|", "/")
