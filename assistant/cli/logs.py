"""`assistant logs`: IT review of the (redacted) audit log, shaped like `llm logs`."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, timedelta

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx

PII_LABELS = {
    "PERSON": "Name",
    "ADDRESS": "Anschrift",
    "POSTCODE": "Postleitzahl",
    "PHONE": "Telefon",
    "EMAIL": "E-Mail",
    "IBAN": "IBAN",
    "BIC": "BIC",
    "CREDIT_CARD": "Kreditkarte",
    "TAX_ID": "Steuer-ID/Steuernummer",
    "TAX_NUMBER": "Steuernummer",  # audit rows written before session 13
    "VAT_ID": "USt-IdNr.",
    "SOCIAL_SECURITY": "Rentenversicherungsnr.",
    "HEALTH_INSURANCE": "Krankenversichertennr.",
    "ID_CARD": "Ausweis-/Passnr.",
    "DRIVING_LICENCE": "Führerscheinnr.",
    "LICENCE_PLATE": "Kfz-Kennzeichen",
    "MEDICAL_ID": "Arztnummer",
    "IP_ADDRESS": "IP-Adresse",
    "DATE_OF_BIRTH": "Geburtsdatum",
    "CASE_NUMBER": "Aktenzeichen",
}
MODES = {"llm": "KI", "search": "Suche"}
FEEDBACK = {1: "positiv", -1: "negativ", None: ""}
_DURATION = re.compile(r"^\s*(\d+)\s*([hdw]?)\s*$", re.IGNORECASE)
_HOURS = {"h": 1, "d": 24, "w": 24 * 7, "": 24}


# --- arguments -------------------------------------------------------------------


def _duration_hours(text: str) -> int | None:
    match = _DURATION.match(text or "")
    return int(match.group(1)) * _HOURS[match.group(2).lower()] if match else None


def _parse_since(_ctx, _param, value: str | None) -> datetime | None:
    """`7d`, `12h`, `2w` back from now, or an ISO date/time (UTC unless a zone is given)."""
    if not value:
        return None
    hours = _duration_hours(value)
    if hours is not None:
        return datetime.now(UTC) - timedelta(hours=hours)
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            "Bitte ein Datum (2026-05-01) oder eine Dauer wie 7d, 12h oder 2w angeben."
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def _parse_days(_ctx, _param, value: str) -> int:
    match = _DURATION.match(value or "")
    unit = match.group(2).lower() if match else "h"
    if unit == "h" or int(match.group(1)) < 1:
        raise click.BadParameter(
            "Bitte eine Dauer in Tagen oder Wochen angeben, z. B. 90d oder 12w."
        )
    return int(match.group(1)) * (7 if unit == "w" else 1)


class _DefaultToList(click.Group):
    """`assistant logs` alone (or with list options) means `assistant logs list`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["list", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_DefaultToList)
def logs() -> None:
    """Protokoll der Antworten prüfen (geschwärzt, pseudonym); ohne Unterbefehl wie `list`."""


# --- list and show -----------------------------------------------------------------


@logs.command(name="list")
@click.option(
    "-n",
    "--count",
    type=int,
    default=20,
    show_default=True,
    help="Anzahl der neuesten Einträge (0: alle).",
)
@click.option("-q", "--query", help="Nur Einträge, deren geschwärzte Texte dies enthalten.")
@click.option(
    "--since",
    callback=_parse_since,
    help="Nur Einträge seit einem Datum (2026-05-01) oder einer Dauer (7d, 12h, 2w).",
)
@click.option("--user", help="Nur Einträge dieser Person (Benutzername, wird pseudonymisiert).")
@click.option("--json", "as_json", is_flag=True, help="Einträge als JSON.")
@pass_ctx
@friendly_errors
def list_(ctx: Context, count: int, query, since, user, as_json: bool) -> None:
    """Die neuesten Einträge, neueste zuerst."""
    entries = ctx.services.audit.list(count=count, query=query, since=since, user=user)
    if as_json:
        echo_json([e.to_dict() for e in entries])
        return
    if not entries:
        click.echo("Keine Protokolleinträge gefunden.")
        return
    for e in entries:
        click.echo(_list_block(e))


def _list_block(e) -> str:
    """One entry in a few lines (readable at any terminal width, like `llm logs`)."""
    head = [
        f"Nr. {e.id}",
        f"{e.created_at:%Y-%m-%d %H:%M} UTC",
        f"Nutzer {e.user_id[:10]}",
        MODES.get(e.mode, e.mode),
        _status(e),
        _feedback(e.feedback),
    ]
    lines = [" · ".join(p for p in head if p), f"  Frage: {_short(e.question)}"]
    if e.citations:
        lines.append(f"  Quellen: {_sources(e)}")
    return "\n".join(lines) + "\n"


@logs.command()
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Eintrag als JSON.")
@pass_ctx
@friendly_errors
def show(ctx: Context, entry_id: int, as_json: bool) -> None:
    """Einen Eintrag vollständig zeigen (alle Texte geschwärzt)."""
    entry = ctx.services.audit.get(entry_id)
    if as_json:
        echo_json(entry.to_dict())
        return
    for label, value in _show_lines(entry):
        click.echo(value if not label else f"{label}: {value}" if value else f"{label}:")


def _show_lines(e) -> list[tuple[str, str]]:
    model = f" ({e.model}, Prompt {e.prompt_version})" if e.model else ""
    lines = [
        ("Eintrag", f"{e.id} vom {e.created_at:%Y-%m-%d %H:%M:%S} UTC"),
        ("Nutzer (Pseudonym)", e.user_id),
        ("Rollen", ", ".join(e.roles) or "–"),
        ("Gespräch", e.conversation_id or "–"),
        ("Modus", MODES.get(e.mode, e.mode) + model),
        ("Status", _status(e) or "–"),
        ("Frage", e.question),
    ]
    if e.standalone_question != e.question:
        lines.append(("Eigenständige Frage", e.standalone_question))
    lines += [("Antwort", ""), ("", e.answer)]
    lines += [("Quellen", _sources(e, scores=True) or "–")]
    lines += [("Zeiten (ms)", ", ".join(f"{k} {v:.0f}" for k, v in e.timings.items()) or "–")]
    lines += [("Personenbezogene Daten", _pii(e.pii_counts) or "keine gefunden")]
    feedback = FEEDBACK.get(e.feedback) or "keine"
    if e.feedback_comment:
        feedback += f" – {e.feedback_comment}"
    return [*lines, ("Bewertung", feedback)]


# --- figures -------------------------------------------------------------------------


@logs.command()
@click.option(
    "--since",
    callback=_parse_since,
    help="Nur seit einem Datum (2026-05-01) oder einer Dauer (7d, 12h, 2w).",
)
@click.option("--json", "as_json", is_flag=True, help="Kennzahlen als JSON.")
@pass_ctx
@friendly_errors
def stats(ctx: Context, since, as_json: bool) -> None:
    """Kennzahlen: Antworten pro Tag, Ablehnungen, unbelegte Antworten, Bewertungen, Quellen."""
    figures = ctx.services.audit.stats(since)
    if as_json:
        echo_json(figures)
        return
    for line in _summary(figures):
        click.echo(line)
    for title, header, rows in _tables(figures):
        click.echo(f"\n{title}:" + ("" if rows else " keine"))
        if rows:
            output.table(header, rows)


def _summary(f: dict) -> list[str]:
    fb = f["feedback"]
    return [
        f"Antworten: {f['answers']}",
        f"Abgelehnt (nichts gefunden): {f['refused']} ({_percent(f['refusal_rate'])})",
        f"Nicht durch Quellen belegt: {f['unverified']} ({_percent(f['unverified_rate'])})",
        f"Bewertungen: {fb['positive']} positiv, {fb['negative']} negativ, {fb['none']} ohne",
        f"Schwärzung fehlgeschlagen (Text ganz maskiert): {f['redaction_failed']}",
    ]


def _tables(f: dict) -> list[tuple[str, tuple[str, str], list[tuple[str, str]]]]:
    return [
        (
            "Antworten pro Tag",
            ("Datum (UTC)", "Antworten"),
            [(day, str(n)) for day, n in f["per_day"].items()],
        ),
        (
            "Meistzitierte Dokumente",
            ("Dokument", "Antworten"),
            [(d["doc_id"], str(d["answers"])) for d in f["top_documents"]],
        ),
        (
            "Gefundene personenbezogene Daten",
            ("Art", "Anzahl"),
            [(PII_LABELS.get(t, t), str(n)) for t, n in f["pii_types"].items()],
        ),
    ]


# --- export and purge -----------------------------------------------------------------


@logs.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default="jsonl",
    show_default=True,
    help="Ausgabeformat.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Zieldatei (ohne: Standardausgabe).",
)
@click.option(
    "--since",
    callback=_parse_since,
    help="Nur seit einem Datum (2026-05-01) oder einer Dauer (7d, 12h, 2w).",
)
@pass_ctx
@friendly_errors
def export(ctx: Context, fmt: str, output: str | None, since) -> None:
    """Alle Einträge (geschwärzt) als CSV oder JSON Lines ausgeben, älteste zuerst."""
    if output is None:
        ctx.services.audit.export(sys.stdout, fmt, since)
        return
    with open(output, "w", encoding="utf-8", newline="") as out:
        n = ctx.services.audit.export(out, fmt, since)
    click.echo(f"{n} Einträge exportiert nach {output}.", err=True)


@logs.command()
@click.option(
    "--older-than",
    "days",
    required=True,
    callback=_parse_days,
    help="Einträge und Chatverläufe löschen, die älter sind als diese Dauer, z. B. 90d oder 12w.",
)
@click.option("--json", "as_json", is_flag=True, help="Ergebnis als JSON.")
@pass_ctx
@friendly_errors
def purge(ctx: Context, days: int, as_json: bool) -> None:
    """Alte Einträge und Chatverläufe endgültig löschen (geschieht auch automatisch beim
    Start, siehe ASSISTANT_RETENTION_DAYS und ASSISTANT_CHAT_RETENTION_DAYS)."""
    from assistant.privacy.retention import purge_services_chat_history

    deleted = ctx.services.audit.purge(days)
    threads = purge_services_chat_history(ctx.services, days)
    if as_json:
        echo_json({"deleted": deleted, "chat_threads_deleted": threads, "older_than_days": days})
        return
    before = (datetime.now(UTC) - timedelta(days=days)).date()
    click.echo(
        f"{_entries(deleted)} gelöscht (älter als {days} Tage, also vor dem "
        f"{_german_date(before)})."
    )
    click.echo(f"{_threads(threads)} gelöscht (seit mehr als {days} Tagen ohne Nachricht).")


# --- rendering helpers --------------------------------------------------------------


def _short(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _sources(e, scores: bool = False) -> str:
    def one(c: dict) -> str:
        extra = f", Score {c['score']:.4f}" if scores and c.get("score") is not None else ""
        return f"[{c['n']}] {c['doc_id']} (v{c['version']}{extra})" if scores else c["doc_id"]

    return ", ".join(dict.fromkeys(one(c) for c in e.citations))  # each document once


def _feedback(value: int | None) -> str:
    return f"Bewertung {FEEDBACK[value]}" if value in (1, -1) else ""


def _status(e) -> str:
    flags = [
        ("abgelehnt", e.refused),
        ("nicht belegt", e.unverified),
        ("Schwärzung fehlgeschlagen", e.redaction_failed),
    ]
    return ", ".join(label for label, on in flags if on)


def _pii(counts: dict[str, int]) -> str:
    return ", ".join(f"{PII_LABELS.get(t, t)} {n}" for t, n in sorted(counts.items()))


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f} %".replace(".", ",")


def _entries(n: int) -> str:
    return "1 Protokolleintrag" if n == 1 else f"{n} Protokolleinträge"


def _threads(n: int) -> str:
    return "1 Chatverlauf" if n == 1 else f"{n} Chatverläufe"


def _german_date(day: date) -> str:
    return f"{day:%d.%m.%Y}"
