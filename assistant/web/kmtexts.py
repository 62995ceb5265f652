"""The knowledge managers' texts in the chat: upload progress and report, the `/dokumente`
reply. German, Markdown; the document list itself is a page of its own (docpage.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.web import docdates
from assistant.web.ui import _plain

if TYPE_CHECKING:
    from assistant.ingest.pipeline import FileResult
    from assistant.retrieval.manifest import DocumentRecord

UPLOAD_PICK = "In welche Sammlung sollen die Dateien?"
UPLOAD_PICK_TIMEOUT = "Keine Sammlung gewählt – es wurde nichts hochgeladen."
NOTHING_MANAGED = "Sie verwalten keine Sammlung; es gibt hier keine Dokumente zu zeigen."
RETIRE_CONFIRM = (
    "„{title}“ (Version {version}) wirklich zurückziehen? Es wird danach nicht mehr gefunden."
)
DOCS_PAGE = "/dokumente"
_STATUS = {
    "added": "neu aufgenommen",
    "updated": "ersetzt (neue Version)",
    "unchanged": "unverändert (gleicher Inhalt schon vorhanden)",
    "failed": "NICHT übernommen",
}


def upload_progress(collection: str, done: int, total: int, current: str | None) -> str:
    head = f"**Hochladen in „{_plain(collection)}“** – {done} von {total} Dateien fertig"
    return f"{head}\n\nWird eingelesen: {_plain(current)} …" if current else head


def upload_report(
    collection: str, results: list[FileResult], records: Mapping[str, DocumentRecord]
) -> str:
    """Per file: status, version, chunks, the document's date and validity, warnings, or the
    German error; last, how many are findable now and when the others will be (issue 13,
    item 13: a document valid from next year is not "jetzt durchsuchbar")."""
    lines = [f"**Bericht: Hochladen in „{_plain(collection)}“**", ""]
    later: list[str] = []
    for r in results:
        record = records.get(r.doc_id or "")
        line = f"- **{_plain(Path(r.path).name)}**: {_STATUS.get(r.status, r.status)}"
        if not r.failed:
            line += f" – Version {r.version}, {r.chunks} Abschnitte"
        if not r.failed and record:
            line += " · " + " · ".join(
                p for p in (docdates.stand(record), docdates.validity(record)) if p
            )
        lines.append(line)
        if r.failed and r.message:
            lines.append(f"  - {r.message}")
        if not r.failed and record and (note := docdates.findable(record)):
            lines.append(f"  - Hinweis: {note}.")
            later.append(note)
        lines.extend(f"  - Hinweis: {w}" for w in r.warnings)
    lines += ["", _summary(results, later)]
    return "\n".join(lines)


def _summary(results: list[FileResult], later: list[str]) -> str:
    total = len(results)
    taken = sum(1 for r in results if not r.failed)
    now = taken - len(later)
    parts = [f"{now} von {total} Dateien sind jetzt durchsuchbar."]
    if later:
        parts.append(
            f"{len(later)} übernommen, aber jetzt noch nicht durchsuchbar (siehe Hinweis)."
        )
    if failed := total - taken:
        parts.append(f"{failed} nicht übernommen.")
    return " ".join(parts)


def documents_reply(count: int, waiting: Iterable[str]) -> str:
    """The chat's answer to `/dokumente`: how many, which are not yet valid, and the page."""
    if not count:
        return "In Ihren Sammlungen gibt es noch keine Dokumente. Dateien einfach anhängen."
    parts = [
        (
            f"**Ihre Dokumente:** {count} in Ihren Sammlungen. Version, Stand, Gültigkeit, "
            f"Rückmeldungen und Zurückziehen: [Dokumente verwalten]({DOCS_PAGE})"
        )
    ]
    if waiting := list(waiting):
        parts.append("\n".join(f"- {_plain(w)}" for w in waiting))
    parts.append(
        "Zum Ersetzen die geänderte Datei mit gleichem Namen erneut anhängen; "
        "„gültig ab TT.MM.JJJJ“ / „gültig bis TT.MM.JJJJ“ im Text setzt Gültigkeitsdaten."
    )
    return "\n\n".join(parts)
