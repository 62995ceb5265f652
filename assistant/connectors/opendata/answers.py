"""What a statistics answer says without a model (questions.py finds the figures): the number
with its unit, how it was computed, and the source datasets with publisher and licence."""

from __future__ import annotations

from assistant.connectors.opendata import figures as F


def sources(hit, figs: list[dict]) -> list[dict]:
    """The dataset of the hit first, then every other dataset a figure came from."""
    meta = hit.meta or {}
    first = {
        "dataset_id": meta.get("dataset_id"),
        "portal": meta.get("portal"),
        "title": getattr(hit, "title", "") or "",
        "publisher": meta.get("publisher"),
        "licence": meta.get("license"),
        "url": meta.get("url"),
    }
    out = [first]
    for fig in figs:
        if fig.get("dataset_id") and all(s["dataset_id"] != fig["dataset_id"] for s in out):
            out.append(
                {
                    "dataset_id": fig["dataset_id"],
                    "portal": fig.get("portal"),
                    "title": fig.get("title") or "",
                    "publisher": meta.get("publisher"),
                    "licence": fig.get("licence"),
                    "url": None,
                }
            )
    return out


def number_with_unit(fig: dict, *, sign: bool = False) -> str:
    text = F.format_number(fig["value"], sign=sign)
    return f"{text} {fig['unit']}" if fig.get("unit") else text


def answer_text(found: dict) -> str:
    """The German answer: the number, how it was computed, where it comes from."""
    if found["kind"] == "note":  # no figure, and why
        lines = [found["note"]]
    elif found["kind"] == "comparison" and found["figures"][0].get("relative"):
        main = found["figures"][0]
        change = found["figures"][1]
        percent = F.format_number(main["value"], sign=True)
        lines = [
            f"Veränderung: {percent} % (Differenz: {number_with_unit(change, sign=True)})",
            f"Berechnung: {change['how']}.",
        ]
        lines += [f"– {F._label(f)}: {f['how']}" for f in found["figures"][2:]]
    elif found["kind"] == "comparison" and found["figures"][0].get("chosen"):
        main, diff = found["figures"][:2]
        word = "Mehr" if main["chosen"] == "max" else "Weniger"
        lines = [
            f"{word}: {F._label(main)} mit {number_with_unit(main)}",
            f"Differenz: {number_with_unit(diff, sign=True)}",
            f"Berechnung: {diff['how']}.",
        ]
        lines += [f"– {F._label(f)}: {f['how']}" for f in found["figures"][2:]]
    elif found["kind"] == "comparison":
        main = found["figures"][0]
        lines = [f"Differenz: {number_with_unit(main, sign=True)}"]
        if main.get("percent") is not None:
            lines[0] += f" ({F.format_number(main['percent'], sign=True)} %)"
        lines.append(f"Berechnung: {main['how']}.")
        lines += [f"– {F._label(f)}: {f['how']}" for f in found["figures"][1:]]
    else:
        main = found["figures"][0]
        place = main.get("place") or "gesamt"
        stand = f", {main['period']}" if main.get("period") else ""
        lines = [
            f"{main['column']} ({place}{stand}): {number_with_unit(main)}",
            f"Berechnung: {main['how']}.",
        ]
    source = found["sources"][0]
    licence = source.get("licence") or "keine Lizenz angegeben"
    who = f", {source['publisher']}" if source.get("publisher") else ""
    lines.append(f"Quelle: {source['title']}{who} – Lizenz: {licence} [1]")
    return "\n".join(lines)


def range_note(table, bands: list[str]) -> str:
    """Why a range has no figure: the table's bands do not add up to it."""
    return (
        f"Die Tabelle „{table.provenance.title}“ teilt die Werte in die Gruppen "
        f"{_and(bands)}; der gefragte Bereich lässt sich daraus nicht genau zusammensetzen. "
        "Eine Zahl dafür wäre geschätzt und wird deshalb nicht genannt."
    )


def chart_title(plan, fig: dict) -> str:
    place = fig.get("place") or fig.get("area") or "gesamt"
    return f"{fig.get('column') or plan.columns[0]} – {place}"


def compared_title(plan, fig: dict, labels: list[str], kind: str) -> str:
    """Bars name everything they compare: "Wahlberechtigte – Porz und Chorweiler" (places),
    or the place the compared columns are read for."""
    if kind == "named":
        return f"{fig.get('place') or fig.get('area') or 'gesamt'}: " + _and(labels)
    return f"{fig.get('column') or plan.columns[0]} – {_and(labels)}"


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " und " + labels[-1]
