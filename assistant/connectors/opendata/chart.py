"""A bar chart of a key-figure comparison as a standalone SVG file (no script, no CDN).

Horizontal bars, one per city, labelled with the value and its date, so the chart reads
without colour; `<title>`/`<desc>` carry the figures in words; the sources and licences and
the comparability notes stand under the bars.
"""

from __future__ import annotations

import textwrap
from html import escape

from assistant.connectors.opendata.figures import format_number

WIDTH, BAR_H, GAP, LEFT, TOP = 720, 26, 10, 140, 44
BAR_COLOUR = "#1f5f99"  # 7:1 contrast on white


def comparison_svg(result: dict) -> str:
    rows = [r for r in result["rows"] if r.get("value") is not None]
    top = max([abs(r["value"]) for r in rows] + [1])
    plot_w = WIDTH - LEFT - 260  # room for "3.517.424 Personen (31.12.2013)" after the bar
    shapes, words = [], []
    for n, r in enumerate(rows):
        y = TOP + n * (BAR_H + GAP)
        w = max(abs(r["value"]) / top * plot_w, 1.0)
        label = format_number(r["value"]) + (f" {r['unit']}" if r.get("unit") else "")
        label += f" ({r.get('as_of') or 'Stand unbekannt'})"
        words.append(f"{r['portal']}: {label}")
        shapes += [
            (
                f'<text x="{LEFT - 8}" y="{y + BAR_H * 0.7:.0f}" text-anchor="end">'
                f"{escape(r['portal'])}</text>"
            ),
            f'<rect x="{LEFT}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{BAR_COLOUR}"/>',
            f'<text x="{LEFT + w + 6:.1f}" y="{y + BAR_H * 0.7:.0f}">{escape(label)}</text>',
        ]
    y = TOP + len(rows) * (BAR_H + GAP) + 14
    footer = [
        "Quelle: " + escape(r["title"]) + " – Lizenz: " + escape(r.get("licence") or "keine Angabe")
        for r in rows
    ] + [escape(n) for n in result["notes"]]
    # SVG text does not wrap: long notes are broken into lines that fit the width.
    footer = [part for line in footer for part in textwrap.wrap(line, 112) or [""]]
    for n, line in enumerate(footer):
        shapes.append(f'<text x="8" y="{y + n * 16}" font-size="11">{line}</text>')
    height = y + len(footer) * 16 + 8
    title = f"Kennzahl {result['figure']} im Vergleich"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="13">'
        f"<title>{escape(title)}</title><desc>{escape('; '.join(words))}</desc>"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        f'<text x="8" y="22" font-size="15" font-weight="bold">{escape(title)}</text>'
        + "".join(shapes)
        + "</svg>\n"
    )
