"""Knowledge management in the browser: upload, list and retire documents.

The service the chat's upload and `/dokumente` view call. It checks the role
and the collection, applies the per-person upload rate limit, keeps every
uploaded file under `data/uploads/<collection>/<hash>/<name>` (content-
addressed, so a version's file is never overwritten), and runs the ingestor
one file at a time behind a lock. The chat calls it from a worker thread, so
other people's chats go on while a large file is read.

Re-uploading a file under the same name into the same collection replaces the
previous version (or does nothing when the content is the same); the ingestor
makes either step all-or-nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from assistant.db import upload_events
from assistant.errors import AssistantError, NotFoundError
from assistant.ingest.pipeline import FileResult
from assistant.jobs import FAILED, Job

if TYPE_CHECKING:
    from assistant.access.accounts import User
    from assistant.access.collections import CollectionService
    from assistant.retrieval.manifest import DocumentRecord
    from assistant.services import Services

UPLOAD_JOB = "upload"
MANAGER_ROLES = ("wissensmanagement", "admin")
NO_UPLOAD = (
    "Hochladen dürfen nur Personen aus dem Wissensmanagement. Wenn ein Dokument fehlt oder "
    "veraltet ist, wenden Sie sich bitte an das Wissensmanagement Ihres Bereichs."
)
# One writer of the indexes at a time per process: uploads, retiring and the app's council
# sync (web/councilsync.py) all take it.
ingest_lock = threading.Lock()


class UploadRefused(AssistantError):
    """The person may not upload or change this collection."""

    code = "forbidden"


@dataclass
class ManagedDocument:
    record: DocumentRecord
    feedback_up: int = 0
    feedback_down: int = 0


@dataclass
class UploadReport:
    collection: str
    results: list[FileResult] = field(default_factory=list)


@dataclass
class UploadTicket:
    """An upload handed to the worker: a slot per file (a refusal, or None until the job
    has its result) and the job's id (None when every file was refused at once)."""

    collection: str
    names: list[str]
    slots: list[FileResult | None]
    job_id: int | None = None


def upload_payload(collection: str, staged: list[str], valid_from, valid_until) -> dict:
    """Paths of the staged copies and the options: nothing personal goes into the queue."""
    return {
        "collection": collection,
        "files": staged,
        "valid_from": valid_from.isoformat() if valid_from else None,
        "valid_until": valid_until.isoformat() if valid_until else None,
    }


class UploadService:
    def __init__(self, services: Services, collections: CollectionService):
        self.services = services
        self.settings = services.settings
        self.collections = collections

    # --- who may do what ---------------------------------------------------------
    def may_upload(self, user: User) -> bool:
        return any(user.has_role(r) for r in MANAGER_ROLES) and bool(self.targets(user))

    def targets(self, user: User) -> list[str]:
        """The collections `user` may upload into."""
        return self.collections.managed_by(user)

    def check(self, user: User, collection: str) -> None:
        if not any(user.has_role(r) for r in MANAGER_ROLES):
            raise UploadRefused(NO_UPLOAD)
        if not self.collections.can_manage(user, collection):
            raise UploadRefused(
                f"Sie verwalten die Sammlung „{collection}“ nicht; Änderungen dort sind nicht "
                "möglich.",
                hint="Zuständig ist das Wissensmanagement dieser Sammlung.",
            )

    # --- upload ------------------------------------------------------------------
    def upload(
        self,
        user: User,
        collection: str,
        files: list[tuple[str, Path]],
        *,
        valid_from: date | None = None,
        valid_until: date | None = None,
        on_result: Callable[[FileResult], None] | None = None,
    ) -> UploadReport:
        """Ingest `files` ((original name, path) pairs) into `collection`; one result each."""
        self._check_upload(user, collection, valid_from, valid_until)
        report = UploadReport(collection)
        for (name, path), result in zip(files, self._admit(user, files), strict=True):
            if result is None:  # admitted
                staged = self._stage(collection, name, path)
                result = self._ingest_staged(collection, staged, valid_from, valid_until)
                result.path = name
            report.results.append(result)
            if on_result:
                on_result(result)
        return report

    def _check_upload(self, user: User, collection: str, valid_from, valid_until) -> None:
        self.check(user, collection)
        if valid_from and valid_until and valid_until < valid_from:
            raise UploadRefused("„Gültig bis“ liegt vor „gültig ab“. Bitte die Daten prüfen.")

    def _admit(self, user: User, files: list[tuple[str, Path]]) -> list[FileResult | None]:
        """Per file: None when it may be ingested (and counted), else the refusal."""
        budget = self.settings.upload_max_files_per_hour - self._recent_uploads(user)
        out: list[FileResult | None] = []
        for name, _ in files:
            if budget <= 0:
                out.append(self._rate_limited(name))
                continue
            budget -= 1
            self._count_upload(user)
            out.append(None)
        return out

    def _rate_limited(self, name: str) -> FileResult:
        return FileResult(
            path=name,
            status="failed",
            code="rate_limit",
            message=(
                f"„{name}“ wurde nicht übernommen: Es sind höchstens "
                f"{self.settings.upload_max_files_per_hour} Dateien pro Stunde möglich. "
                "Bitte später erneut hochladen."
            ),
        )

    def _stage(self, collection: str, name: str, path: Path) -> Path:
        """The file's own copy under data/uploads (content-addressed)."""
        staged = self._uploads() / collection / _sha256(path)[:16] / _safe_name(name)
        staged.parent.mkdir(parents=True, exist_ok=True)
        if not staged.exists():
            shutil.copyfile(path, staged)
        return staged

    def _ingest_staged(self, collection, staged: Path, valid_from, valid_until) -> FileResult:
        safe = staged.name
        with ingest_lock:
            old = self.services.manifest.get(self._doc_id(collection, safe))
            result = self.services.ingestor.ingest_file(
                staged,
                collection,
                source_key=f"upload:{collection}:{safe}",
                valid_from=valid_from,
                valid_until=valid_until,
            )
        current = self.services.manifest.get(result.doc_id) if result.doc_id else None
        if old and current and old.source != current.source:
            self._discard(Path(old.source))
        if not current or Path(current.source) != staged.resolve():
            self._discard(staged)
        return result

    # --- upload as a background job (ASSISTANT_JOBS=queue) --------------------------
    def submit(
        self,
        user: User,
        collection: str,
        files: list[tuple[str, Path]],
        *,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> UploadTicket:
        """Check, count and stage the files, enqueue one job for the worker; returns at
        once. The files' own copies are made here: the chat's temporary files go away."""
        self._check_upload(user, collection, valid_from, valid_until)
        slots = self._admit(user, files)
        staged = [
            str(self._stage(collection, name, path))
            for (name, path), refused in zip(files, slots, strict=True)
            if refused is None
        ]
        ticket = UploadTicket(collection, [name for name, _ in files], slots)
        if staged:
            ticket.job_id = self.services.jobs.enqueue(
                UPLOAD_JOB, upload_payload(collection, staged, valid_from, valid_until)
            )
        return ticket

    def progress(self, ticket: UploadTicket) -> tuple[Job | None, list[FileResult | None]]:
        """The job as it stands, and a result per file (None: not done yet), in the
        order of the upload, under the names the person gave."""
        job = self.services.jobs.get(ticket.job_id) if ticket.job_id else None
        done = iter((job.result or {}).get("files", []) if job else [])
        out: list[FileResult | None] = []
        for name, slot in zip(ticket.names, ticket.slots, strict=True):
            if slot is None and (data := next(done, None)) is not None:
                slot = dataclasses.replace(FileResult(**data), path=name)
            elif slot is None and job is not None and job.state == FAILED:
                slot = FileResult(name, "failed", code="job_failed", message=job.error)
            out.append(slot)
        return job, out

    def run_job(self, job: Job, report: Callable[[dict, dict], None]) -> dict:
        """The worker's side: ingest the staged files after those an earlier try did."""
        p = job.payload
        results = list((job.result or {}).get("files", []))
        validity = [p[k] and date.fromisoformat(p[k]) for k in ("valid_from", "valid_until")]
        for path in p["files"][len(results) :]:
            result = self._ingest_staged(p["collection"], Path(path), *validity)
            results.append(dataclasses.asdict(result))
            report({"done": len(results), "total": len(p["files"])}, {"files": results})
        return {"files": results}

    # --- the knowledge manager's view ----------------------------------------------
    def documents(self, user: User, days: int = 30) -> list[ManagedDocument]:
        """Documents of the collections `user` manages, with recent feedback counts."""
        managed = set(self.targets(user))
        docs = {
            r.doc_id: ManagedDocument(r)
            for r in self.services.manifest.list()
            if r.collection in managed
        }
        since = datetime.now(UTC) - timedelta(days=days)
        for doc_id, (up, down) in self.services.audit.feedback_by_document(since).items():
            if doc_id in docs:
                docs[doc_id].feedback_up, docs[doc_id].feedback_down = up, down
        return list(docs.values())

    def retire(self, user: User, doc_id: str) -> DocumentRecord:
        """Remove a document everywhere (all-or-nothing, see Ingestor.remove)."""
        record = self.services.manifest.get(doc_id)
        if record is None:
            raise NotFoundError("Dieses Dokument gibt es nicht (mehr).")
        self.check(user, record.collection)
        with ingest_lock:
            self.services.ingestor.remove(doc_id)
        self._discard(Path(record.source))
        return record

    # --- helpers -------------------------------------------------------------------
    def _uploads(self) -> Path:
        return self.settings.ensure_data_dir() / "uploads"

    def _doc_id(self, collection: str, safe: str) -> str:
        from assistant.ingest.pipeline import doc_id_for

        return doc_id_for(f"upload:{collection}:{safe}", Path(safe).stem)

    def _discard(self, path: Path) -> None:
        """Delete an uploaded file's folder (never anything outside data/uploads)."""
        root = self._uploads().resolve()
        folder = path.resolve().parent
        if root in folder.parents and folder.parent.parent == root:
            shutil.rmtree(folder, ignore_errors=True)

    def _recent_uploads(self, user: User) -> int:
        since = datetime.now(UTC) - timedelta(hours=1)
        query = sa.select(sa.func.count()).where(
            upload_events.c.username == user.name, upload_events.c.at >= since
        )
        with self.services.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def _count_upload(self, user: User) -> None:
        with self.services.engine.begin() as conn:
            conn.execute(upload_events.insert().values(username=user.name, at=datetime.now(UTC)))


def _safe_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    clean = re.sub(r"[^\w.\- äöüÄÖÜß]+", "_", base).strip(" .") or "dokument"
    return clean[:150]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})"


def parse_validity(text: str) -> tuple[date | None, date | None]:
    """„gültig ab 01.01.2027“ / „gültig bis 31.12.2027“ in the upload message, both optional."""
    found: list[date | None] = []
    for word in ("ab", "bis"):
        match = re.search(rf"g(?:ü|ue)ltig\s+{word}\s+{_DATE}", text, re.IGNORECASE)
        try:
            found.append(date(int(match[3]), int(match[2]), int(match[1])) if match else None)
        except ValueError:
            raise UploadRefused(
                f"Das Datum „{match[0]}“ gibt es nicht.", hint="Bitte als TT.MM.JJJJ angeben."
            ) from None
    return found[0], found[1]
