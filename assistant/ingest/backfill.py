"""Filling in what an ingest left out: vectors (after switching the dense ranking on) and
doc2query questions (after switching them on, or after a model failure).

A mixin of `pipeline.Ingestor`, kept apart so that the write path stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.models import Chunk


class Backfill:
    """`backfill_vectors` and `backfill_questions` for the `Ingestor`."""

    dense_texts: Mapping[str, Callable[[Chunk], str]]
    embeds_format: Callable[[str], bool]

    def backfill_vectors(
        self, on_document: Callable[[str, int], None] | None = None, renew: bool = False
    ) -> int:
        """Embed the visible version of every document that has no vectors yet (after
        ingesting without a dense weight); returns the number of vectors written.
        Vectors of versions that are no longer visible are deleted. `renew`: embed every
        visible document again (after changing what is embedded, e.g. a dataset's text);
        the new vectors replace the old ones under the same chunk ids."""
        visible = {(r.doc_id, r.version): r for r in self.manifest.list()}
        stored = self.vectors.versions()
        for doc_id, version in stored - set(visible):
            self.vectors.delete(doc_id, version)
        embedded = 0
        for (doc_id, version), record in sorted(visible.items()):
            if ((doc_id, version) in stored and not renew) or not self.embeds_format(record.format):
                continue
            chunks, vectors = self.embed(self.lexical.chunks_of(doc_id, version), record.format)
            self.vectors.add(chunks, vectors)
            embedded += len(chunks)
            if on_document:
                on_document(record.title or doc_id, len(chunks))
        return embedded

    def embed(self, chunks: list[Chunk], fmt: str) -> tuple[list[Chunk], list[list[float]]]:
        """The chunks of one document version that get a vector, with their vectors.

        One per chunk (`embed_text`), unless the document's source embeds one text per
        unit (`dense_texts`, by format: an open-data dataset): then only its first chunk
        carries a vector, of that text. Search finds the unit through it all the same,
        and versions are deleted by document, so removal and replacement are unchanged."""
        rule = self.dense_texts.get(fmt)
        if rule is not None and chunks:
            chunks = chunks[:1]
        texts = [rule(c) if rule else embed_text(c) for c in chunks]
        return chunks, self.embeddings.embed_documents(texts)

    def backfill_questions(
        self, on_document: Callable[[str, int, str | None], None] | None = None
    ) -> int:
        """Write doc2query questions for the visible version of every document whose
        chunks lack them (after switching ASSISTANT_DOC2QUERY_QUESTIONS on, or after a
        model failure); cached questions cost no model time. Returns how many chunks of
        the documents touched have questions now; each document's chunks are replaced in
        one commit."""
        if self.settings.doc2query_questions <= 0 or not getattr(
            self.lexical, "has_questions", False
        ):
            raise ConfigError(
                "Suchfragen können nicht nachgetragen werden: ASSISTANT_DOC2QUERY_QUESTIONS "
                "ist 0 oder der Stichwort-Suchindex stammt aus einer älteren Version.",
                hint="ASSISTANT_DOC2QUERY_QUESTIONS setzen (z. B. 3); bei einem alten Index "
                "das Verzeichnis lexical/ löschen und die Dokumente neu einlesen.",
            )
        written = 0
        for record in sorted(self.manifest.list(), key=lambda r: r.doc_id):
            chunks = self.lexical.chunks_of(record.doc_id, record.version)
            have = self.lexical.question_terms([c.chunk_id for c in chunks])
            if not chunks or len(have) == len(chunks):
                continue
            result = _file_result(path=record.source, status="unchanged")
            questions = self._questions(chunks, result)
            current = self.manifest.get(record.doc_id)
            if questions and current is not None and current.version == record.version:
                self.lexical.add(chunks, questions)  # same keys: replaces, one commit
                written += len(questions)
            if on_document:
                warning = result.warnings[0] if result.warnings else None
                on_document(record.title or record.doc_id, len(questions or {}), warning)
        return written


def _file_result(path: str, status: str):
    from assistant.ingest.pipeline import FileResult

    return FileResult(path=path, status=status)


def embed_text(chunk: Chunk) -> str:
    """What the embedding model sees: where the passage stands, then the passage."""
    head = " – ".join(p for p in (chunk.title, chunk.section) if p)
    return f"{head}\n{chunk.text}" if head else chunk.text
