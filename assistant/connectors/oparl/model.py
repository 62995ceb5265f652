"""Reading OParl objects as real servers send them (OParl 1.0/1.1, every vendor's quirks).

Each helper here is tolerant by design: a quirk is read the way the vendor meant it,
and what cannot be read becomes "absent" rather than an exception. The quirks come
from real systems (../shared/oparl/karlsruhe/README.md): CC e-gov's `+01::00`
offsets, `auxiliaryFile` as one object instead of a list, `"N/A"` placeholders,
`created: ""`, embedded or linked sub-objects, `deleted` on tombstones.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_TYPE = re.compile(r"/([A-Za-z]+)$")
_BROKEN_OFFSET = re.compile(r"([+-]\d{2}):+(\d{2})$")
_PLACEHOLDERS = {"", "N/A", "n/a", "NA", "-", "null", "None"}


def kind_of(obj: dict) -> str | None:
    """ "Paper" for https://schema.oparl.org/1.1/Paper (1.0 types too); None if untyped."""
    match = _TYPE.search(str(obj.get("type") or ""))
    return match.group(1) if match else None


def text(value) -> str:
    """A string field, with vendors' placeholders ("N/A", "") read as absent (empty)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return "" if value in _PLACEHOLDERS else value


def as_list(value) -> list:
    """A list field that a vendor may send as a single object, a string or null."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    return [value]


def ref_id(value) -> str:
    """The id of a referenced object, whether embedded (dict) or linked (URL string)."""
    if isinstance(value, dict):
        return text(value.get("id"))
    return text(value)


def timestamp(value) -> datetime | None:
    """An OParl date-time, tolerating `+01::00` (CC e-gov) and a missing offset."""
    raw = text(value)
    if not raw:
        return None
    raw = _BROKEN_OFFSET.sub(r"\1:\2", raw.replace("Z", "+00:00"))
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def day(value) -> date | None:
    """A date field (`date`, `start`): date-only or date-time, vendors' quirks included."""
    raw = text(value)
    if not raw:
        return None
    stamp = timestamp(raw)
    if stamp is not None:
        return stamp.date()
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def german_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def is_deleted(obj: dict) -> bool:
    return obj.get("deleted") is True
