"""How a document's dates read in the chat, the upload report and `/dokumente`.

"Stand" is the date the document states for itself (`DocumentRecord.doc_date`,
ingest/docdate.py); a document that states none shows the day it was read in as
"aufgenommen am …" – never as "Stand" (issue 13, item 14). Validity ("gültig ab",
"gültig bis") is what the knowledge manager set; a document before its first
valid day is kept but not found, which the report and the list say.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from assistant.retrieval.manifest import DocumentRecord

BERLIN = ZoneInfo("Europe/Berlin")


def stand(record: DocumentRecord) -> str:
    """`Stand 01.03.2025` from the document, else `aufgenommen am 06.12.2026`."""
    if record.doc_date:
        return f"Stand {record.doc_date:%d.%m.%Y}"
    return f"aufgenommen am {record.ingested_at.astimezone(BERLIN):%d.%m.%Y}"


def validity(record: DocumentRecord) -> str:
    """`gültig ab 01.01.2027 bis 31.12.2027`, or "" when no dates are set."""
    parts = []
    if record.valid_from:
        parts.append(f"ab {record.valid_from:%d.%m.%Y}")
    if record.valid_until:
        parts.append(f"bis {record.valid_until:%d.%m.%Y}")
    return "gültig " + " ".join(parts) if parts else ""


def findable(record: DocumentRecord, day: date | None = None) -> str:
    """ "" while search finds the document; else when it will be (or that it no longer is)."""
    day = day or date.today()  # the day search uses (retrieval/search.py)
    if record.valid_from and day < record.valid_from:
        return f"noch nicht gültig – wird erst ab {record.valid_from:%d.%m.%Y} gefunden"
    if record.valid_until and day > record.valid_until:
        return f"abgelaufen am {record.valid_until:%d.%m.%Y} – wird nicht mehr gefunden"
    return ""


def edition(version: int, record: DocumentRecord | None) -> str:
    """`Version 2, Stand 01.03.2025` – the line under a source in the chat."""
    if record is None:
        return f"Version {version}"
    return ", ".join(p for p in (f"Version {version}", stand(record), validity(record)) if p)
