"""The audit log: one redacted row per answer, for IT review.

`AuditLog.record_answer` and `AuditLog.record_feedback` are the only code that
writes audit rows, and they redact every text inside themselves: nothing else
can put a question or an answer into the store. If redaction fails, the text
is masked whole (``<REDACTED>``). Users appear only as a keyed hash
(HMAC-SHA256 with the pseudonym key), never by name.

    audit = open_audit_log(settings, engine, redactor)   # applies retention
    row_id = audit.record_answer(answer, user="mmuster", roles=["mitarbeitende"])
    audit.record_feedback(row_id, -1, "Quelle veraltet")
"""

from __future__ import annotations

import builtins
import csv
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TextIO

import sqlalchemy as sa

from assistant.db import audit_log
from assistant.errors import NotFoundError
from assistant.privacy.pseudonyms import load_pseudonym_key, pseudonym
from assistant.privacy.redact import redact_or_mask
from assistant.privacy.results import PlaceholderMap, Redaction

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.answering.answer import Answer
    from assistant.config import Settings
    from assistant.privacy import Redactor
    from assistant.privacy.redact import ConversationRedactor

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("question", "standalone_question", "answer", "feedback_comment")
EXPORT_FORMATS = ("csv", "jsonl")


# --- entries -------------------------------------------------------------------


@dataclass
class AuditEntry:
    """One audit row as read back; every text in it is redacted."""

    id: int
    created_at: datetime
    user_id: str
    roles: list[str]
    conversation_id: str | None
    question: str
    standalone_question: str
    answer: str
    citations: list[dict]
    model: str | None
    prompt_version: str | None
    mode: str
    refused: bool
    unverified: bool
    timings: dict[str, float] = field(default_factory=dict)
    pii_counts: dict[str, int] = field(default_factory=dict)
    redaction_failed: bool = False
    feedback: int | None = None
    feedback_comment: str | None = None
    feedback_at: datetime | None = None
    flags: list[str] = field(default_factory=list)  # e.g. instruction_like_sources

    def to_dict(self) -> dict:
        data = asdict(self)
        for key in ("created_at", "feedback_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite drops the zone; we always write UTC
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def entry_from_row(row) -> AuditEntry:
    data = dict(row._mapping)
    data["roles"] = [r for r in (data["roles"] or "").split(",") if r]
    data["created_at"] = _utc(data["created_at"])
    data["feedback_at"] = _utc(data["feedback_at"])
    data["refused"], data["unverified"] = bool(data["refused"]), bool(data["unverified"])
    data["redaction_failed"] = bool(data["redaction_failed"])
    data["flags"] = list(data.get("flags") or [])
    return AuditEntry(**data)


# --- what readers ask for -------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """Which rows a reader wants; every reader (CLI, IT page, document list) asks the
    audit log through one of these, never with SQL of its own."""

    since: datetime | None = None
    text: str = ""  # searched in the redacted texts
    user_id: str = ""  # a pseudonym (a prefix is enough)
    mode: str = ""  # "llm" | "search"
    refused: bool | None = None
    with_feedback: bool = False
    limit: int | None = None

    def where(self, stmt):
        c = audit_log.c
        if self.since is not None:
            stmt = stmt.where(c.created_at >= _aware(self.since))
        if self.text:
            stmt = stmt.where(
                sa.or_(*(c[n].icontains(self.text, autoescape=True) for n in TEXT_COLUMNS))
            )
        if self.user_id:
            stmt = stmt.where(c.user_id.startswith(self.user_id, autoescape=True))
        if self.mode:
            stmt = stmt.where(c.mode == self.mode)
        if self.refused is not None:
            stmt = stmt.where(c.refused == self.refused)
        if self.with_feedback:
            stmt = stmt.where(c.feedback.is_not(None))
        return stmt


def _aware(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


# What the figures read: no texts, so 100k rows take a fraction of the time (docs/privacy.md).
FIGURE_COLUMNS = (
    "created_at",
    "refused",
    "unverified",
    "redaction_failed",
    "feedback",
    "citations",
    "pii_counts",
    "mode",
)


# --- the store -------------------------------------------------------------------


class AuditLog:
    """Writes (redacted) and reads audit rows.

    `redactor` is a `Redactor` or a function returning one, so read-only uses
    (``assistant logs``) do not load the analyzer. With `conversations`, the texts of
    a conversation are redacted with its placeholder map, once for the chat history
    and the audit row together.
    """

    def __init__(
        self,
        engine: Engine,
        redactor: Redactor | Callable[[], Redactor],
        key: bytes,
        conversations: ConversationRedactor | None = None,
    ):
        self.engine = engine
        self._redactor = redactor
        self._key = key
        self.conversations = conversations

    def pseudonym(self, user: str) -> str:
        return pseudonym(user, self._key)

    # --- the two writers ------------------------------------------------------

    def record_answer(
        self,
        answer: Answer,
        *,
        user: str,
        roles: Sequence[str] = (),
        conversation_id: str | None = None,
        placeholders: PlaceholderMap | None = None,
    ) -> int:
        """Redact the answer's texts and write one row; returns its id."""
        started = time.perf_counter()
        # One map for the row's texts, so the same person is the same placeholder in each.
        numbered = placeholders if placeholders is not None else PlaceholderMap()
        sources = [hit.text for hit in answer.hits]
        self.remember_sources(conversation_id, sources)
        texts = self._redact_answer(
            answer, self._redacting(conversation_id, numbered, placeholders, sources)
        )
        row = _answer_row(answer, *texts)
        row.update(
            user_id=self.pseudonym(user),
            roles=_roles(roles),
            conversation_id=str(conversation_id)[:100] if conversation_id else None,
        )
        with self.engine.begin() as conn:
            row_id = conn.execute(audit_log.insert().values(**row)).inserted_primary_key[0]
        log.debug("audit row %s written in %.1f ms", row_id, (time.perf_counter() - started) * 1e3)
        return int(row_id)

    def remember_sources(self, conversation_id: str | None, texts: Sequence[str]) -> None:
        """The passages shown for an answer: values quoted from them stay readable in the
        stored answer (they are knowledge-base text, not the asker's data)."""
        if conversation_id and self.conversations is not None:
            self.conversations.remember_sources(str(conversation_id), texts)

    @staticmethod
    def _redact_answer(answer: Answer, redact: Callable[..., Redaction]) -> tuple:
        """Question, standalone question and answer, numbered with one placeholder map.
        The answer is the assistant's text: only what the person typed and structured
        identifiers not quoted from the sources are redacted in it."""
        question = redact(answer.question)
        standalone = question
        if answer.standalone_question != answer.question:
            standalone = redact(answer.standalone_question)
        return question, standalone, redact(answer.answer, quoted=True)

    def _redacting(
        self,
        conversation_id: str | None,
        placeholders: PlaceholderMap | None,
        given: PlaceholderMap | None = None,
        sources: Sequence[str] = (),
    ) -> Callable[..., Redaction]:
        """Through the conversation (its placeholders; what the chat history redacted
        already is reused) unless the caller `given` its own map; else with `placeholders`
        (None: unnumbered placeholders). The function takes `quoted=True` for the
        assistant's text."""
        if given is None and conversation_id and self.conversations is not None:
            conversations, cid = self.conversations, str(conversation_id)
            return lambda text, quoted=False: conversations.redact(
                text, cid, where="audit", quoted=quoted
            )
        return lambda text, quoted=False: redact_or_mask(
            self._redactor, text, placeholders, where="audit", quoted=quoted, sources=sources
        )

    def record_feedback(
        self,
        row_id: int,
        value: int | None,
        comment: str | None = None,
        placeholders: PlaceholderMap | None = None,
    ) -> None:
        """Store +1/-1/None and the redacted comment (with the placeholders of the row's
        conversation) on an answer's row."""
        if value not in (1, -1, None):
            raise ValueError("feedback value must be 1, -1 or None")
        with self.engine.connect() as conn:
            current = conn.execute(
                sa.select(
                    audit_log.c.pii_counts,
                    audit_log.c.redaction_failed,
                    audit_log.c.conversation_id,
                ).where(audit_log.c.id == row_id)
            ).first()
        if current is None:
            raise NotFoundError(f"Protokolleintrag {row_id} gibt es nicht.")
        redacted = None
        if comment and comment.strip():  # outside the write transaction: it takes a while
            redacted = self._redacting(current.conversation_id, placeholders, placeholders)(comment)
        values = {
            "feedback": value,
            "feedback_at": datetime.now(UTC),
            "feedback_comment": redacted.text if redacted else None,
        }
        if redacted:
            values["pii_counts"] = _sum_counts(current.pii_counts or {}, redacted.counts)
            values["redaction_failed"] = bool(current.redaction_failed) or redacted.failed
        with self.engine.begin() as conn:
            conn.execute(audit_log.update().where(audit_log.c.id == row_id).values(**values))

    # --- readers -------------------------------------------------------------------

    def list(
        self,
        *,
        count: int | None = 20,
        query: str | None = None,
        since: datetime | None = None,
        user: str | None = None,
    ) -> builtins.list[AuditEntry]:
        """Newest first; `query` searches the redacted texts, `user` is a raw user name."""
        stmt = AuditQuery(since=since, text=query or "").where(sa.select(audit_log))
        stmt = stmt.order_by(audit_log.c.id.desc())
        if user is not None:
            stmt = stmt.where(audit_log.c.user_id == self.pseudonym(user))
        if count:
            stmt = stmt.limit(count)
        with self.engine.connect() as conn:
            return [entry_from_row(row) for row in conn.execute(stmt)]

    def newest(self, query: AuditQuery) -> builtins.list[AuditEntry]:
        """The matching rows, newest first, at most `query.limit`."""
        stmt = query.where(sa.select(audit_log)).order_by(audit_log.c.id.desc())
        with self.engine.connect() as conn:
            return [entry_from_row(row) for row in conn.execute(stmt.limit(query.limit))]

    def matching(self, query: AuditQuery) -> Iterator[AuditEntry]:
        """All matching rows, oldest first, streamed."""
        with self.engine.connect() as conn:
            stmt = query.where(sa.select(audit_log)).order_by(audit_log.c.id)
            for row in conn.execution_options(yield_per=500).execute(stmt):
                yield entry_from_row(row)

    def figures(self, query: AuditQuery, zone: tzinfo = UTC) -> dict:
        """`figures_of` over the matching rows, reading only the columns it needs; days are
        days in `zone` (the IT page shows the city's local days)."""
        stmt = query.where(sa.select(*(audit_log.c[name] for name in FIGURE_COLUMNS)))
        with self.engine.connect() as conn:
            return figures_of(conn.execution_options(yield_per=2000).execute(stmt), zone)

    def feedback_by_document(self, since: datetime) -> dict[str, tuple[int, int]]:
        """doc id -> (thumbs up, thumbs down) of the answers that cited it since then."""
        counts: dict[str, builtins.list[int]] = {}
        stmt = AuditQuery(since=since, with_feedback=True).where(
            sa.select(audit_log.c.citations, audit_log.c.feedback)
        )
        with self.engine.connect() as conn:
            for citations, feedback in conn.execute(stmt):
                for doc_id in {c.get("doc_id") for c in citations or []}:
                    counts.setdefault(doc_id, [0, 0])[0 if feedback > 0 else 1] += 1
        return {doc_id: (up, down) for doc_id, (up, down) in counts.items()}

    def get(self, row_id: int) -> AuditEntry:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(audit_log).where(audit_log.c.id == row_id)).first()
        if row is None:
            raise NotFoundError(f"Protokolleintrag {row_id} gibt es nicht.")
        return entry_from_row(row)

    def entries(self, since: datetime | None = None) -> Iterator[AuditEntry]:
        """All entries, oldest first, streamed."""
        return self.matching(AuditQuery(since=since))

    def stats(self, since: datetime | None = None) -> dict:
        """Usage figures: answers per day, refusal and unverified rates, feedback, documents, PII."""
        return figures_of(self.entries(since))

    def export(self, out: TextIO, fmt: str = "jsonl", since: datetime | None = None) -> int:
        """Write all entries (oldest first) as CSV or JSON lines; returns the count."""
        if fmt not in EXPORT_FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        writer = None
        n = 0
        for n, entry in enumerate(self.entries(since), 1):
            data = entry.to_dict()
            if fmt == "jsonl":
                out.write(json.dumps(data, ensure_ascii=False) + "\n")
                continue
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(data), lineterminator="\n")
                writer.writeheader()
            writer.writerow({k: csv_value(v) for k, v in data.items()})
        return n

    def purge(self, older_than_days: int) -> int:
        """Delete rows older than this many days; returns how many went."""
        cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        with self.engine.begin() as conn:
            deleted = conn.execute(audit_log.delete().where(audit_log.c.created_at < cutoff))
        if deleted.rowcount:
            log.info("audit: purged %d rows older than %d days", deleted.rowcount, older_than_days)
        return int(deleted.rowcount)


def open_audit_log(
    settings: Settings,
    engine: Engine,
    redactor: Redactor | Callable[[], Redactor],
    conversations: ConversationRedactor | None = None,
) -> AuditLog:
    """The audit log of these settings, with retention applied (`retention_days`, 0 keeps all)."""
    audit = AuditLog(engine, redactor, load_pseudonym_key(settings), conversations)
    days = settings.retention_days or 0
    if days > 0:
        audit.purge(days)
    return audit


# --- helpers ---------------------------------------------------------------------


def _answer_row(
    answer: Answer, question: Redaction, standalone: Redaction, reply: Redaction
) -> dict:
    return {
        "created_at": datetime.now(UTC),
        "question": question.text,
        "standalone_question": standalone.text,
        "answer": reply.text,
        "citations": _citations(answer),
        "model": answer.model,
        "prompt_version": answer.prompt_version,
        "mode": answer.mode,
        "refused": bool(answer.refused),
        "unverified": bool(answer.unverified),
        "timings": {k: float(v) for k, v in (answer.timings or {}).items()},
        # What the person typed. Not the answer's: it only repeats values of this or an
        # earlier question (or quotes the sources), so a name was counted twice, and a
        # follow-up without any name counted the earlier question's (issue 13, item 16).
        "pii_counts": dict(question.counts),  # the standalone question repeats it too
        "redaction_failed": question.failed or standalone.failed or reply.failed,
        "flags": [str(f) for f in getattr(answer, "flags", None) or []],
    }


def _roles(roles: Sequence[str]) -> str:
    clean = (str(r).replace(",", " ").strip() for r in roles)
    return ",".join(r for r in clean if r)[:500]


def _citations(answer: Answer) -> list[dict]:
    hits = answer.hits or []
    out = []
    for c in answer.citations:
        hit = hits[c.n - 1] if 0 < c.n <= len(hits) else None
        score = round(hit.score, 6) if hit is not None and hit.doc_id == c.doc_id else None
        out.append({"n": c.n, "doc_id": c.doc_id, "version": c.version, "score": score})
    return out


def _sum_counts(*counts: dict[str, int]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    return dict(total)


def csv_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def figures_of(entries: Iterator[AuditEntry], zone: tzinfo = UTC) -> dict:
    """Usage figures of audit entries (or rows with the same attributes)."""
    flags: Counter[str] = Counter()
    per_day, feedback, documents, pii, modes = (Counter() for _ in range(5))
    feedback_per_day: dict[str, Counter[str]] = {}
    for e in entries:
        flags.update(
            answers=1,
            refused=int(e.refused),
            unverified=int(e.unverified),
            redaction_failed=int(e.redaction_failed),
        )
        day = _utc(e.created_at).astimezone(zone).date().isoformat()
        per_day[day] += 1
        kind = {1: "positive", -1: "negative"}.get(e.feedback, "none")
        feedback[kind] += 1
        feedback_per_day.setdefault(day, Counter())[kind] += 1
        documents.update({c["doc_id"] for c in e.citations or []})
        pii.update(e.pii_counts or {})
        modes[e.mode] += 1
    n = flags["answers"]
    return {
        "answers": n,
        "per_day": dict(sorted(per_day.items())),
        "refused": flags["refused"],
        "refusal_rate": round(flags["refused"] / n, 4) if n else 0.0,
        "unverified": flags["unverified"],
        "unverified_rate": round(flags["unverified"] / n, 4) if n else 0.0,
        "feedback": {k: feedback[k] for k in ("positive", "negative", "none")},
        "feedback_per_day": {
            d: {k: c[k] for k in ("positive", "negative")}
            for d, c in sorted(feedback_per_day.items())
        },
        "top_documents": [{"doc_id": d, "answers": k} for d, k in documents.most_common(10)],
        "pii_types": dict(pii.most_common()),
        "redaction_failed": flags["redaction_failed"],
        "modes": dict(modes),
    }
