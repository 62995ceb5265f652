"""Bar charts as inline SVG, drawn on the server: no script, no library, no CDN.

Each chart is a `<figure>` whose SVG has `role="img"`, a `<title>` and a
`<desc>` with the figures in words, and whose caption names the table with the
same numbers (the text alternative, WCAG 1.1.1). Bars have at least 3:1
contrast on white (WCAG 1.4.11); each series is also told apart by its legend
text, not by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

WIDTH, HEIGHT = 720, 200
LEFT, BOTTOM, TOP = 36, 28, 12


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: dict[date, int]


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def bar_chart(title: str, days: list[date], series: list[Series], summary: str) -> str:
    """Grouped bars per day; `summary` (German) is the chart in words."""
    top = max([v for s in series for v in s.values.values()] + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.8 / len(series), 1.0)
    shapes = [
        (
            f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" '
            'stroke="#595959"/>'
        ),
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    step = max(1, len(days) // 8)  # about eight date labels, whatever the period
    for i, day in enumerate(days):
        x0 = LEFT + i * slot + slot * 0.1
        for j, s in enumerate(series):
            value = s.values.get(day, 0)
            h = plot_h * value / top
            shapes.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{day:%d.%m.}: {value} '
                f"{escape(s.label)}</title></rect>"
            )
        if i % step == 0:
            shapes.append(
                f'<text x="{x0 + slot * 0.4:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                f"{day:%d.%m.}</text>"
            )
    legend = "".join(
        f'<span class="legend"><span class="swatch" style="background:{s.colour}"></span>'
        f"{escape(s.label)}</span>"
        for s in series
    )
    slug = "chart-" + "".join(c for c in title.casefold() if c.isalnum())[:30]
    return (
        f'<figure class="chart"><svg role="img" aria-labelledby="{slug}-t {slug}-d" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'font-size="11" fill="#1b1b1b">'
        f'<title id="{slug}-t">{escape(title)}</title><desc id="{slug}-d">{escape(summary)}</desc>'
        f"{''.join(shapes)}</svg><figcaption>{legend}<span>{escape(summary)}</span>"
        "</figcaption></figure>"
    )
