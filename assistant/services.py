"""Wiring: build each service once from the settings, lazily.

The CLI and the Chainlit app both hold one `Services`, built in their entry
point; every service is built here and nowhere else, and nothing here does work
of its own. Heavy parts (the ONNX model, Chroma, Presidio) load on first use, so
quick commands such as `assistant docs list` stay quick.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import TYPE_CHECKING

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from sqlalchemy.engine import Engine

    from assistant.access.accounts import AccountService
    from assistant.access.collections import CollectionService
    from assistant.answering.answer import AnswerService
    from assistant.answering.ask import Assistant
    from assistant.answering.health import ModelHealthLog
    from assistant.answering.limits import MessageRate
    from assistant.answering.prompts import PromptSet
    from assistant.config import Settings
    from assistant.connectors.engine import SyncStore
    from assistant.connectors.oparl import CouncilService
    from assistant.connectors.opendata.service import OpendataService
    from assistant.ingest.pipeline import Ingestor
    from assistant.ingest.upload import UploadService
    from assistant.jobs import Job, JobQueue
    from assistant.jobs.worker import Handler
    from assistant.privacy import Redactor
    from assistant.privacy.audit import AuditLog
    from assistant.privacy.redact import ConversationRedactor
    from assistant.retrieval.lexical import LexicalIndex
    from assistant.retrieval.manifest import Manifest
    from assistant.retrieval.search import SearchService
    from assistant.retrieval.vectorstore import ChromaIndex


class Services:
    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        from assistant.db import SchemaAheadError, build_engine

        try:
            return build_engine(self.settings)
        except SchemaAheadError as exc:
            raise ConfigError(
                "Die Datenbank wurde schon von einer neueren Version von Amtswissen umgebaut "
                f"(Schema {exc.found}, diese Version kennt {exc.known}); mit ihr kann diese "
                "ältere Version nicht arbeiten.",
                code="schema_ahead",
                hint="Zurück zu einer älteren Version nur mit der Sicherung von vor dem Update "
                "(docs/de/update.md) – oder wieder die neuere Version einspielen.",
            ) from None

    @cached_property
    def manifest(self) -> Manifest:
        from assistant.retrieval.manifest import Manifest

        return Manifest(self.engine)

    @cached_property
    def lexical(self) -> LexicalIndex:
        from assistant.retrieval.lexical import open_lexical_index

        return open_lexical_index(self.settings.ensure_data_dir() / "lexical")

    @cached_property
    def embeddings(self) -> Embeddings:
        from assistant.retrieval.embeddings import build_embeddings

        return build_embeddings(self.settings)

    @cached_property
    def vectors(self) -> ChromaIndex:
        from assistant.retrieval.embeddings import embedding_model_id
        from assistant.retrieval.vectorstore import build_vector_index

        return build_vector_index(self.settings, embedding_model_id(self.settings))

    @cached_property
    def ingestor(self) -> Ingestor:
        from assistant.config import OPENDATA_FORMAT
        from assistant.connectors.opendata.units import dense_text
        from assistant.ingest.pipeline import Ingestor

        chars = self.settings.opendata_dense_chars
        return Ingestor(
            self.settings,
            self.manifest,
            self.lexical,
            vectors=lambda: self.vectors,
            embeddings=lambda: self.embeddings,
            # one vector per dataset, of its facts' first characters (docs/opendata.md)
            dense_texts={OPENDATA_FORMAT: partial(dense_text, chars=chars)},
        )

    @cached_property
    def search(self) -> SearchService:
        from assistant.connectors.opendata.units import dense_query
        from assistant.retrieval.search import SearchService

        return SearchService(
            self.settings,
            self.manifest,
            self.lexical,
            vectors=lambda: self.vectors,
            embeddings=lambda: self.embeddings,
            dense_query=dense_query,  # the datasets' vectors hold no catalogue words
        )

    @cached_property
    def prompts(self) -> PromptSet:
        from assistant.answering.prompts import load_prompts

        return load_prompts()

    @cached_property
    def answers(self) -> AnswerService:
        from assistant.answering.answer import AnswerService
        from assistant.retrieval.relevance import RelevanceGate

        model = None
        if self.settings.ollama_model:
            from assistant.llm.ollama import build_chat_model

            model = build_chat_model(self.settings)
        gate = RelevanceGate(self.settings.min_term_coverage, self.settings.min_dense_similarity)
        return AnswerService(
            self.settings, self.search, self.prompts, model, gate, figures=self.opendata_figures
        )

    @cached_property
    def opendata_figures(self):
        """Statistics questions answered from the open-data tables (a callable: question,
        hits → figures or None); answering gets it injected, it does not import connectors."""
        from assistant.connectors.opendata.questions import StatisticsQuestions

        return StatisticsQuestions(lambda: self.opendata.tables, self.settings.opendata_figures)

    @cached_property
    def redactor(self) -> Redactor:
        from assistant.privacy import build_redactor

        s = self.settings
        return build_redactor(
            score_threshold=s.redaction_score_threshold,
            allow_list=tuple(s.redaction_allow_list),
        )

    @cached_property
    def conversations(self) -> ConversationRedactor:
        """Redaction per conversation, shared by the chat history and the audit log."""
        from assistant.privacy.redact import ConversationRedactor

        return ConversationRedactor(lambda: self.redactor)

    @cached_property
    def audit(self) -> AuditLog:
        """The audit log; opening it applies retention (`retention_days`)."""
        from assistant.privacy.audit import open_audit_log

        # The redactor loads on the first write, so `assistant logs` stays quick.
        return open_audit_log(self.settings, self.engine, lambda: self.redactor, self.conversations)

    @cached_property
    def accounts(self) -> AccountService:
        from assistant.access.accounts import AccountService

        return AccountService(self.engine, self.settings)

    @cached_property
    def collections(self) -> CollectionService:
        from assistant.access.collections import CollectionService

        return CollectionService(self.engine, self.settings)

    @cached_property
    def uploads(self) -> UploadService:
        from assistant.ingest.upload import UploadService

        return UploadService(self, self.collections)

    @cached_property
    def jobs(self) -> JobQueue:
        """Background jobs in the relational store (`ASSISTANT_JOBS=queue`)."""
        from assistant.jobs import JobQueue

        return JobQueue(self.engine, self.settings.job_stale_seconds)

    @cached_property
    def sync_store(self) -> SyncStore:
        """The connectors' sync state (sources, runs, checkpoints, fetched objects)."""
        from assistant.connectors.engine import SyncStore

        return SyncStore(self.engine)

    @cached_property
    def council(self) -> CouncilService:
        """Council information (OParl) endpoints and their syncs."""
        from assistant.connectors.oparl import CouncilService

        return CouncilService(
            self.settings, self.sync_store, lambda: self.ingestor, lambda: self.collections
        )

    @cached_property
    def opendata(self) -> OpendataService:
        """Open-data portals (CKAN), their syncs and the statistics tables they hold."""
        from assistant.connectors.opendata.service import OpendataService

        return OpendataService(
            self.settings,
            self.sync_store,
            lambda: self.ingestor,
            lambda: self.collections,
            redactor=lambda: self.redactor,
        )

    @cached_property
    def assistant(self) -> Assistant:
        """The ask use case every channel goes through."""
        from assistant.answering.ask import Assistant

        return Assistant(
            self.answers, self.accounts, self.collections, self.audit, self.model_health
        )

    @cached_property
    def model_health(self) -> ModelHealthLog:
        """Whether the chat model lately timed out (doctor, IT page)."""
        from assistant.answering.health import ModelHealthLog

        return ModelHealthLog(self.engine)

    @cached_property
    def message_rate(self) -> MessageRate:
        """Chat messages per person and minute (in memory, this process)."""
        from assistant.answering.limits import MessageRate

        return MessageRate(self.settings)

    def close(self) -> None:
        if "lexical" in self.__dict__:
            self.lexical.close()


# Job kinds → the service that runs them, for `assistant worker` (jobs/worker.py): wiring,
# so the worker beside the queue imports no service.
def _upload(services: Services, job: Job, report) -> dict:
    return services.uploads.run_job(job, report)


def _ingest(services: Services, job: Job, report) -> dict:
    from assistant.ingest import jobs

    return jobs.run(services.ingestor, job, report)


def _council_sync(services: Services, job: Job, report) -> dict:
    from assistant.connectors import jobs

    return jobs.run(services.council, job, report)


def _opendata_sync(services: Services, job: Job, report) -> dict:
    from assistant.connectors import jobs

    return jobs.run(services.opendata, job, report)


def _noop(services: Services, job: Job, report) -> dict:
    """Does nothing: bench/jobs.py measures the queue itself with it."""
    return {"ok": True}


# kind → (handler, writes the indexes)
JOB_HANDLERS: dict[str, tuple[Handler, bool]] = {
    "upload": (_upload, True),
    "ingest": (_ingest, True),
    "oparl_sync": (_council_sync, True),
    "opendata_sync": (_opendata_sync, True),
    "noop": (_noop, False),
}
