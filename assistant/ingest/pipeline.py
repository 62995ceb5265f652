"""Ingestion service: files in, one visible document version each, all or nothing.

Three stores cannot share one transaction, so the manifest decides:

1. parse, chunk and (only when the dense ranking is weighted in) embed the file
   (nothing written yet);
2. journal row (doc_id, new version) — "work in progress";
3. chunks of the new version into the lexical index and Chroma;
4. manifest row committed → the new version becomes visible, the old one not;
5. old version's chunks deleted; journal row removed.

`ingest_paths` writes several documents at once (one lexical commit for up to
`_BATCH_CHUNKS` chunks: a commit costs ~90 ms whatever its size), but each still
becomes visible by its own manifest commit in step 4, so a document is whole or
absent; when the shared write fails, each document is written alone again.

A crash anywhere leaves a journal row; `recover()` (run whenever an Ingestor
is built) deletes every version of that document except the manifest's.
Searchers only ever return chunks of the manifest's version, so a half-written
version is never seen, not even before recovery runs.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import IngestError, VectorsUnavailable
from assistant.ingest.backfill import Backfill
from assistant.ingest.docdate import document_date
from assistant.models import Chunk
from assistant.retrieval.manifest import DocumentRecord, Manifest

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.config import Settings
    from assistant.ingest.units import Unit
    from assistant.retrieval.lexical import LexicalIndex
    from assistant.retrieval.vectorstore import ChromaIndex

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one file (`message` is German and shown as is)."""

    path: str
    status: str  # added | updated | unchanged | failed
    doc_id: str | None = None
    title: str | None = None
    version: int | None = None
    chunks: int = 0
    code: str | None = None
    message: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for r in self.results:
            out[r.status] += 1
        return out

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "counts": self.counts(),
            "chunks": sum(r.chunks for r in self.results if r.status in ("added", "updated")),
            "seconds": round(self.seconds, 3),
            "files": [r.__dict__ for r in self.results],
        }


_BATCH_CHUNKS = 500  # chunks per shared lexical commit in ingest_paths


@dataclass
class _Prepared:
    """A parsed, chunked document ready to be written (nothing stored yet)."""

    record: DocumentRecord
    chunks: list[Chunk]
    vectors: tuple[list[Chunk], list[list[float]]] | None  # which chunks, their vectors
    old: DocumentRecord | None
    questions: dict[str, list[str]] | None


def doc_id_for(source_key: str, name: str) -> str:
    """Stable, readable id: slug of the file name plus a hash of where it came from."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "dokument"
    return f"{slug}-{hashlib.sha1(source_key.encode()).hexdigest()[:8]}"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and every non-hidden file below named folders, sorted."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if child.is_file() and not any(p.startswith(".") for p in rel):
                    yield child
        else:
            yield path


class Ingestor(Backfill):
    """Writes documents into manifest, lexical index and (with a dense weight) Chroma.

    `vectors` and `embeddings` are factories: the default ranking is lexical, and then
    ingestion neither loads the embedding model nor opens Chroma (issue 12: embedding
    every chunk with an unused model cost most of the ingest time). `backfill_vectors`
    embeds what was ingested without, once a dense weight is configured.
    `dense_texts`: sources that embed one text per unit instead of every chunk (`embed`).
    """

    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        lexical: LexicalIndex,
        vectors: Callable[[], ChromaIndex],
        embeddings: Callable[[], Embeddings],
        dense_texts: Mapping[str, Callable[[Chunk], str]] | None = None,
    ):
        self.settings = settings
        self.dense_texts = dict(dense_texts or {})  # format -> one text per unit (`embed`)
        self.manifest = manifest
        self.lexical = lexical
        self._vectors = vectors
        self._embeddings = embeddings
        self._question_writer = None  # doc2query (doc2query.py), built on first use
        self.recover()

    @property
    def embeds(self) -> bool:
        """Is anything embedded at ingest? Only where a dense ranking is weighted in."""
        return max(self.settings.dense_weights) > 0

    def embeds_format(self, fmt: str) -> bool:
        """Are documents of this format embedded (open-data datasets have their own weight)?"""
        return self.settings.dense_weight(fmt) > 0

    @property
    def vectors(self) -> ChromaIndex:
        return self._vectors()

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings()

    # --- public ----------------------------------------------------------------
    def ingest_paths(
        self,
        paths: Iterable[Path],
        collection: str | None = None,
        on_result: Callable[[FileResult], None] | None = None,
    ) -> IngestReport:
        """Ingest files and folders; documents are written in batches (see the module)."""
        start = time.perf_counter()
        report = IngestReport()
        batch: list[tuple[FileResult, _Prepared | None]] = []
        for path in iter_files(paths):
            batch.append(self._prepare_file(path, collection))
            if sum(len(p.chunks) for _, p in batch if p) >= _BATCH_CHUNKS:
                self._flush(batch, report, on_result)
        self._flush(batch, report, on_result)
        report.seconds = time.perf_counter() - start
        return report

    def ingest_units(
        self, units: Iterable[Unit], on_result: Callable[[FileResult], None] | None = None
    ) -> IngestReport:
        """Connector units (ingest/units.py): written like files, in batches, each whole
        or absent; one bad unit never stops the others."""
        from assistant.ingest.units import prepare_unit

        start = time.perf_counter()
        report = IngestReport()
        batch: list[tuple[FileResult, _Prepared | None]] = []
        for unit in units:
            result = FileResult(path=unit.source, status="failed", doc_id=unit.doc_id)
            prepared = self._guarded(result, lambda u=unit, r=result: prepare_unit(self, u, r))
            batch.append((result, prepared))
            if sum(len(p.chunks) for _, p in batch if p) >= _BATCH_CHUNKS:
                self._flush(batch, report, on_result)
        self._flush(batch, report, on_result)
        report.seconds = time.perf_counter() - start
        return report

    def ingest_file(
        self,
        path: Path,
        collection: str | None = None,
        *,
        source_key: str | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> FileResult:
        """Ingest one file; never raises for bad input (the result says what went wrong)."""
        start = time.perf_counter()
        result, prepared = self._prepare_file(
            path, collection, source_key=source_key, validity=(valid_from, valid_until)
        )
        if prepared is not None:
            self._guarded(result, lambda: self._write(prepared, result))
        result.seconds = time.perf_counter() - start
        return result

    def _prepare_file(
        self, path: Path, collection: str | None, *, source_key=None, validity=(None, None)
    ) -> tuple[FileResult, _Prepared | None]:
        """Parse and chunk one file; `_Prepared` when something is to be written."""
        start = time.perf_counter()
        result = FileResult(path=str(path), status="failed")
        prepared = self._guarded(
            result,
            lambda: self._prepare(
                path, collection or self.settings.default_collection, source_key, validity, result
            ),
        )
        result.seconds = time.perf_counter() - start
        return result, prepared

    def _guarded(self, result: FileResult, step: Callable[[], _Prepared | None]):
        """Run `step`; any failure ends up in `result` (one broken file never stops the rest)."""
        try:
            return step()
        except (IngestError, VectorsUnavailable) as exc:  # the Chroma server is away: not ours
            result.status, result.code, result.message = "failed", exc.code, str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken file must never stop the others
            # Type and place only: exception texts may quote document content.
            tb = exc.__traceback__
            while tb and tb.tb_next:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
            log.error("ingest failed: %s at %s", type(exc).__name__, where)
            result.status, result.code = "failed", "internal"
            result.message = (
                f"Interner Fehler beim Einlesen ({type(exc).__name__}). Die Datei wurde nicht "
                "übernommen; bitte IT informieren."
            )
        return None

    def _flush(self, batch, report: IngestReport, on_result) -> None:
        """Write the prepared documents of `batch`, then report every result in order."""
        ready = [(r, p) for r, p in batch if p is not None]
        start = time.perf_counter()
        if len(ready) == 1:
            self._guarded(ready[0][0], lambda: self._write(ready[0][1], ready[0][0]))
        elif ready:
            self._write_many(ready)
        share = (time.perf_counter() - start) / max(1, sum(len(p.chunks) for _, p in ready))
        for result, prepared in batch:
            if prepared is not None:
                result.seconds += share * len(prepared.chunks)
            report.results.append(result)
            if on_result:
                on_result(result)
        batch.clear()

    def remove(self, doc_id: str) -> bool:
        """Retire a document everywhere. Invisible at once, then deleted."""
        record = self.manifest.get(doc_id)
        if record is None:
            return False
        self.manifest.journal_begin(doc_id, record.version)
        self.manifest.remove(doc_id)
        self._delete_all_but(doc_id, keep=None, upto=record.version)
        self.manifest.journal_end(doc_id)
        return True

    def recover(self) -> int:
        """Finish or undo interrupted writes; returns the number of documents cleaned."""
        pending = self.manifest.journal()
        for doc_id, version in pending:
            current = self.manifest.get(doc_id)
            keep = current.version if current else None
            log.warning("recovering interrupted ingest of %s v%s", doc_id, version)
            self._delete_all_but(doc_id, keep=keep, upto=max(version, keep or 0))
            self.manifest.journal_end(doc_id)
        return len(pending)

    # --- steps -----------------------------------------------------------------
    def _prepare(
        self, path, collection, source_key, validity, result: FileResult
    ) -> _Prepared | None:
        from assistant.ingest.chunking import chunk_document
        from assistant.ingest.parse import parse_file

        if not path.exists():
            raise IngestError("Die Datei wurde nicht gefunden.", code="not_found")
        data = path.read_bytes() if path.stat().st_size <= self._max_bytes() else b""
        sha = hashlib.sha256(data).hexdigest()
        key = source_key or str(path.resolve())
        doc_id = result.doc_id = doc_id_for(key, path.stem)
        old = self.manifest.get(doc_id)
        if old and old.sha256 == sha and old.collection == collection and data:
            result.status, result.version, result.chunks = "unchanged", old.version, old.chunks
            result.title = old.title
            self._update_validity(old, validity, result)
            return None
        parsed = parse_file(path, max_bytes=self._max_bytes(), max_pages=self.settings.max_pages)
        result.title, result.warnings = parsed.title, list(parsed.warnings)
        drafts = chunk_document(
            parsed, size=self.settings.chunk_chars, overlap=self.settings.chunk_overlap
        )
        if not drafts:
            raise IngestError(
                "Die Datei enthält keinen lesbaren Text.",
                code="empty",
                hint="Bitte eine Fassung mit Text hochladen.",
            )
        version = (old.version + 1) if old else 1
        chunks = [
            Chunk(
                chunk_id=f"{doc_id}:v{version}:{d.ordinal}",
                doc_id=doc_id,
                version=version,
                collection=collection,
                source=str(path.resolve()),
                title=parsed.title,
                section=d.section,
                page=d.page,
                ordinal=d.ordinal,
                text=d.text,
            )
            for d in drafts
        ]
        questions = self._questions(chunks, result)
        fmt = path.suffix.lower().lstrip(".")
        vectors = self.embed(chunks, fmt) if self.embeds_format(fmt) else None
        record = DocumentRecord(
            doc_id=doc_id,
            collection=collection,
            source=str(path.resolve()),
            title=parsed.title,
            sha256=sha,
            version=version,
            chunks=len(chunks),
            pages=parsed.pages,
            bytes=len(data),
            format=fmt,
            ingested_at=datetime.now(UTC),
            valid_from=validity[0],
            valid_until=validity[1],
            doc_date=document_date(path, "\n".join(b.text for b in parsed.blocks)),
        )
        return _Prepared(record, chunks, vectors, old, questions)

    def _update_validity(self, old: DocumentRecord, validity, result: FileResult) -> None:
        """Same content, new dates given (e.g. the manager re-uploads with "gültig bis"):
        the dates change, the version does not. A date not given keeps its value."""
        valid_from = validity[0] if validity[0] is not None else old.valid_from
        valid_until = validity[1] if validity[1] is not None else old.valid_until
        if (valid_from, valid_until) == (old.valid_from, old.valid_until):
            return
        self.manifest.set_validity(old.doc_id, valid_from, valid_until)
        result.warnings.append(
            f"Inhalt unverändert; Gültigkeit geändert: {_span(valid_from, valid_until)}."
        )

    def _questions(self, chunks: list[Chunk], result: FileResult) -> dict[str, list[str]] | None:
        """doc2query questions of each chunk when switched on (cached by content; a model
        failure leaves chunks without them and adds a warning to `result`)."""
        if self.settings.doc2query_questions <= 0:
            return None
        if not getattr(self.lexical, "has_questions", False):
            result.warnings.append(
                "Suchfragen (ASSISTANT_DOC2QUERY_QUESTIONS) werden nicht gespeichert: der "
                "Stichwort-Suchindex stammt aus einer älteren Version. Zum Neuaufbau das "
                "Verzeichnis lexical/ löschen und die Dokumente neu einlesen."
            )
            return None
        if self._question_writer is None:
            from assistant.ingest.doc2query import QuestionWriter

            self._question_writer = QuestionWriter(self.settings)
        questions, warning = self._question_writer.questions_for(chunks)
        if warning:
            result.warnings.append(warning)
        return questions

    def _write(self, prepared: _Prepared, result: FileResult) -> None:
        """Steps 2–5 for one document."""
        record = prepared.record
        self.manifest.journal_begin(record.doc_id, record.version)
        try:
            self.lexical.add(prepared.chunks, prepared.questions)
        except Exception:
            self._undo(prepared)
            raise
        self._publish(prepared, result)

    def _write_many(self, ready: list[tuple[FileResult, _Prepared]]) -> None:
        """Steps 2–5 for several documents with one lexical commit; each document is
        published (manifest) on its own. If the shared commit fails, each is written alone."""
        for _, p in ready:
            self.manifest.journal_begin(p.record.doc_id, p.record.version)
        questions = {k: v for _, p in ready for k, v in (p.questions or {}).items()}
        try:
            self.lexical.add([c for _, p in ready for c in p.chunks], questions or None)
        except Exception as exc:  # noqa: BLE001 - retried document by document below
            log.warning("batched lexical write failed (%s); writing one by one", type(exc).__name__)
            for _, p in ready:
                self._undo(p)
            for result, p in ready:
                self._guarded(result, lambda p=p, result=result: self._write(p, result))
            return
        for result, p in ready:
            self._guarded(result, lambda p=p, result=result: self._publish(p, result))

    def _publish(self, prepared: _Prepared, result: FileResult) -> None:
        """Vectors (with a dense weight), then the manifest row that makes the version
        visible; then the old version's chunks go. The lexical chunks are written."""
        record, old = prepared.record, prepared.old
        try:
            if prepared.vectors is not None:
                self.vectors.add(*prepared.vectors)
            self.manifest.commit(record)
        except Exception:
            self._undo(prepared)
            raise
        if old:
            self._delete_all_but(record.doc_id, keep=record.version, upto=record.version)
        self.manifest.journal_end(record.doc_id)
        result.status = "updated" if old else "added"
        result.version, result.chunks = record.version, len(prepared.chunks)

    def _undo(self, prepared: _Prepared) -> None:
        """Remove whatever of the new version was written; the old one stays visible."""
        old, record = prepared.old, prepared.record
        self._delete_all_but(record.doc_id, keep=old.version if old else None, upto=record.version)
        self.manifest.journal_end(record.doc_id)

    def _delete_all_but(self, doc_id: str, keep: int | None, upto: int) -> None:
        # Vectors of a document may exist from a time with a dense weight: delete those
        # too, but open Chroma for it only where it exists.
        vectors = self.vectors if self.embeds or self._has_vector_store() else None
        if keep is None:
            self.lexical.delete(doc_id)
            if vectors is not None:
                vectors.delete(doc_id)
            return
        for version in range(1, upto + 1):
            if version != keep:
                self.lexical.delete(doc_id, version)
                if vectors is not None:
                    vectors.delete(doc_id, version)

    def _has_vector_store(self) -> bool:
        if self.settings.chroma_url:
            return True
        return (self.settings.data_dir / "chroma").exists()

    def _max_bytes(self) -> int:
        return int(self.settings.max_file_mb * 1024 * 1024)


def _span(valid_from: date | None, valid_until: date | None) -> str:
    start = valid_from.strftime("%d.%m.%Y") if valid_from else "offen"
    end = valid_until.strftime("%d.%m.%Y") if valid_until else "offen"
    return f"{start} bis {end}"
