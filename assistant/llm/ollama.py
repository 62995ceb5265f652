"""The Ollama seam (chat model and embeddings) through langchain-ollama.

`build_chat_model` and `build_ollama_embeddings` return LangChain's own base
types; `check_ollama` says (without raising) whether the server and models are
there; `classify_error` turns whatever the ollama/httpx client raised into one
`LLMError` with a German message and a hint — never a stack trace, never text
of the user's question; `stream_chat` (and `astream_chat`) yield text deltas
and convert errors mid-stream too.

Client behaviour this module relies on (langchain-ollama 1.1, ollama 0.6):
ChatOllama always streams, even for `invoke`; a refused connection then
surfaces as `httpx.ConnectError`, while non-streamed calls (embeddings) raise
the builtin `ConnectionError`; HTTP errors become `ollama.ResponseError` with
`status_code`, and an error reported inside a running stream has status -1.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import re
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from ollama import ResponseError

from assistant.config import Settings
from assistant.errors import LLMError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel, LanguageModelInput

SERVER = "Der Sprachmodell-Server (Ollama)"
_MISSING_MODEL = re.compile(r"""model ["'](?P<name>[^"']+)["'] not found""")
_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
# What the ollama/httpx clients raise; anything else is a bug and propagates.
CLIENT_ERRORS: tuple[type[BaseException], ...] = (
    httpx.HTTPError,
    httpx.InvalidURL,
    ResponseError,
    OSError,
    ValueError,
)


@dataclass
class OllamaStatus:
    """What `check_ollama` found. `problem` and `hint` are German, for people."""

    reachable: bool
    version: str | None = None
    models: list[str] = field(default_factory=list)
    model_present: bool = False
    embedding_model_present: bool = False
    problem: str | None = None
    hint: str | None = None


# --- factories -------------------------------------------------------------------


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model. Builds offline: nothing is contacted until the first request.

    The client's read timeout (`llm_first_token_timeout_s`) is only a backstop:
    the answering service bounds the first token and every gap between tokens
    itself (`timed_stream`, `atimed_stream`), within one budget per question.
    """
    if not settings.ollama_model.strip():
        raise LLMError(
            "Es ist kein Sprachmodell eingestellt (ASSISTANT_OLLAMA_MODEL ist leer).",
            code="not_configured",
            hint="Amtswissen läuft dann im Suchmodus und zeigt die gefundenen Textstellen.",
        )
    urls = settings.ollama_urls()
    if len(urls) > 1:  # several servers: each request goes to the node the pool picks
        from assistant.llm.pool import PooledChatModel, pool_for

        return PooledChatModel(pool=pool_for(settings), model=settings.ollama_model)
    return build_node_chat_model(settings, urls[0])


def build_node_chat_model(settings: Settings, base_url: str) -> BaseChatModel:
    """The chat model of one Ollama server."""
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=settings.ollama_model,
        base_url=base_url,
        temperature=settings.temperature,
        num_ctx=settings.num_ctx,
        keep_alive=settings.keep_alive,
        client_kwargs={"timeout": _client_timeout(settings)},
    )


def build_ollama_embeddings(settings: Settings) -> Embeddings:
    """Embeddings from the Ollama server (`embedding_backend=ollama`)."""
    from langchain_ollama import OllamaEmbeddings

    return OllamaEmbeddings(
        model=settings.ollama_embedding_model,
        # A pool embeds on its first server: vectors of one index must come from one model
        # build, and ingest is one writer anyway.
        base_url=settings.ollama_urls()[0],
        # OllamaEmbeddings only takes seconds here, not Ollama's "30m" strings.
        keep_alive=keep_alive_seconds(settings.keep_alive),
        client_kwargs={"timeout": _client_timeout(settings)},
    )


def _client_timeout(settings: Settings) -> httpx.Timeout:
    # A short connect timeout makes a missing server fail fast; the long read
    # timeout leaves room for loading the model into memory on the first call.
    return httpx.Timeout(settings.llm_first_token_timeout_s, connect=settings.connect_timeout_s)


def keep_alive_seconds(value: str) -> int | None:
    """Ollama keep-alive ("30m", "1h30m", "300", "-1") in seconds; None if unreadable."""
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if not text or _GO_DURATION.sub("", text):
        return None
    return round(sum(float(n) * _DURATION_SECONDS[u] for n, u in _GO_DURATION.findall(text)))


# --- reachability ------------------------------------------------------------------


def check_ollama(
    settings: Settings, *, timeout: float | None = None, base_url: str | None = None
) -> OllamaStatus:
    """Is Ollama there, which version, are the configured models installed? Never raises.

    Each of the two requests (`/api/version`, `/api/tags`) is bounded by
    `timeout` (default: `connect_timeout_s`). `base_url`: one server of a pool
    (default: the first configured one).
    """
    limit = settings.connect_timeout_s if timeout is None else timeout
    url = base_url or settings.ollama_urls()[0]
    version: str | None = None
    reached = False
    try:
        with httpx.Client(base_url=_with_scheme(url), timeout=limit) as client:
            version = _get_json(client, "/api/version").get("version")
            reached = True
            models = _model_names(_get_json(client, "/api/tags"))
    except CLIENT_ERRORS as exc:
        error = classify_error(exc, base_url=url)
        return OllamaStatus(
            reachable=reached, version=version, problem=error.message, hint=error.hint
        )
    return _judge_models(settings, version, models)


def _get_json(client: httpx.Client, path: str) -> dict[str, Any]:
    response = client.get(path)
    response.raise_for_status()
    data = response.json()
    return data if isinstance(data, dict) else {}  # not Ollama's shape: treat as empty


def _model_names(tags: dict[str, Any]) -> list[str]:
    return [str(m.get("model") or m.get("name")) for m in tags.get("models") or []]


def _judge_models(settings: Settings, version: str | None, models: list[str]) -> OllamaStatus:
    chat, embedding = settings.ollama_model.strip(), settings.ollama_embedding_model.strip()
    status = OllamaStatus(
        reachable=True,
        version=version,
        models=models,
        model_present=bool(chat) and has_model(models, chat),
        embedding_model_present=bool(embedding) and has_model(models, embedding),
    )
    missing = [chat] if chat and not status.model_present else []
    if settings.embedding_backend == "ollama" and embedding and not status.embedding_model_present:
        missing.append(embedding)
    if missing:
        names = " und ".join(f"„{m}“" for m in missing)
        verb = "ist" if len(missing) == 1 else "sind"
        status.problem = f"Das Modell {names} {verb} auf dem Ollama-Server nicht installiert."
        status.hint = "Auf dem Ollama-Server ausführen: " + " und ".join(
            f"`ollama pull {m}`" for m in missing
        )
    elif not chat:
        status.problem = "Es ist kein Sprachmodell eingestellt; Amtswissen läuft im Suchmodus."
        status.hint = "ASSISTANT_OLLAMA_MODEL setzen, z. B. llama3.1:8b."
    return status


def normalize_model_name(name: str) -> str:
    """Ollama's implicit tag: `llama3.1` is `llama3.1:latest`; names ignore case."""
    name = name.strip().casefold().removeprefix("registry.ollama.ai/library/")
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def has_model(installed: list[str], name: str) -> bool:
    wanted = normalize_model_name(name)
    return any(normalize_model_name(m) == wanted for m in installed)


def _with_scheme(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else f"http://{url}"


def _display_url(url: str) -> str:
    """The base URL without user:password, fit for messages."""
    return re.sub(r"//[^/@]*@", "//", _with_scheme(url))


# --- errors --------------------------------------------------------------------------


def classify_error(
    exc: BaseException, *, model: str | None = None, base_url: str | None = None
) -> LLMError:
    """One `LLMError` (code unreachable | model_missing | timeout | server) for a client error.

    `model` and `base_url` only sharpen the hint. The exception's own text is
    never copied into the message: it is English and may echo request data.
    """
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, ResponseError):
        return _from_status(exc.status_code, str(exc.error), model, base_url)
    if isinstance(exc, httpx.HTTPStatusError):
        return _from_status(exc.response.status_code, exc.response.text, model, base_url)
    if isinstance(exc, httpx.ConnectTimeout):
        return _unreachable(base_url)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return _timeout()
    if isinstance(exc, _INTERRUPTED):
        return _interrupted()
    if isinstance(exc, httpx.ConnectError | ConnectionError | httpx.UnsupportedProtocol):
        return _unreachable(base_url)
    if isinstance(exc, httpx.InvalidURL):
        return LLMError(
            f"Die Adresse von {SERVER} ist ungültig.", code="unreachable", hint=_check_url(base_url)
        )
    if isinstance(exc, ValueError):  # unreadable JSON, or an empty stream
        return LLMError(
            f"{SERVER} hat unerwartet geantwortet.", code="server", hint=_check_url(base_url)
        )
    return LLMError(
        "Das Sprachmodell konnte nicht antworten.",
        code="server",
        hint="Details stehen im Anwendungsprotokoll.",
    )


# A connection that was up and broke: the server stopped or crashed mid-answer.
_INTERRUPTED = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def _unreachable(base_url: str | None) -> LLMError:
    where = f" unter {_display_url(base_url)}" if base_url else ""
    return LLMError(
        f"{SERVER}{where} ist nicht erreichbar.",
        code="unreachable",
        hint="Ollama starten: `ollama serve` – oder die Adresse in "
        "ASSISTANT_OLLAMA_BASE_URL prüfen.",
    )


def _interrupted() -> LLMError:
    return LLMError(
        "Die Verbindung zum Sprachmodell-Server (Ollama) ist abgebrochen, "
        "bevor die Antwort vollständig war.",
        code="unreachable",
        hint="Prüfen, ob Ollama noch läuft (`ollama serve`), und die Frage erneut stellen.",
    )


def _timeout() -> LLMError:
    return LLMError(
        f"{SERVER} hat nicht rechtzeitig geantwortet.",
        code="timeout",
        hint="Das Modell wird vielleicht gerade geladen oder der Server ist ausgelastet; "
        "bitte gleich noch einmal versuchen. Dauerhaft: ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT_S "
        "erhöhen.",
    )


def _stalled() -> LLMError:
    return LLMError(
        "Das Sprachmodell ist mitten in der Antwort verstummt.",
        code="stalled",
        hint="Der Ollama-Server ist vielleicht überlastet oder hängt; bitte später erneut "
        "versuchen.",
    )


def _from_status(status: int, error: str, model: str | None, base_url: str | None) -> LLMError:
    found = _MISSING_MODEL.search(error)
    if status == 404 and (found or re.search(r"model.*not found", error, re.IGNORECASE)):
        return _model_missing(found.group("name") if found else model)
    if status == -1:  # reported inside a stream that had already begun
        return LLMError(
            f"{SERVER} hat die Antwort mit einem Fehler abgebrochen.",
            code="server",
            hint=_server_hint(error, base_url, status),
        )
    return LLMError(
        f"{SERVER} hat einen Fehler gemeldet (HTTP {status}).",
        code="server",
        hint=_server_hint(error, base_url, status),
    )


def _model_missing(model: str | None) -> LLMError:
    which = f"„{model}“" if model else "(aus ASSISTANT_OLLAMA_MODEL)"
    return LLMError(
        f"Das Sprachmodell {which} ist auf dem Ollama-Server nicht installiert.",
        code="model_missing",
        hint=f"Auf dem Ollama-Server ausführen: `ollama pull {model or '<Modellname>'}`",
    )


def _server_hint(error: str, base_url: str | None, status: int) -> str:
    # Known server conditions get a concrete step; the rest is in Ollama's log.
    text = error.casefold()
    if "memory" in text:
        return (
            "Der Arbeitsspeicher des Servers reicht für das Modell nicht; ein kleineres "
            "Modell einstellen (ASSISTANT_OLLAMA_MODEL)."
        )
    if status == 503 or "busy" in text or "maximum pending" in text:
        return "Der Server ist ausgelastet; bitte gleich noch einmal versuchen."
    if status == 404:
        return _check_url(base_url)
    return "Details stehen im Protokoll des Ollama-Servers."


def _check_url(base_url: str | None) -> str:
    where = f" (derzeit {_display_url(base_url)})" if base_url else ""
    return f"Antwortet unter ASSISTANT_OLLAMA_BASE_URL{where} wirklich Ollama? Adresse prüfen."


# --- streaming ---------------------------------------------------------------------


def stream_chat(model: BaseChatModel, messages: LanguageModelInput) -> Iterator[str]:
    """Text deltas of the answer, in order; client errors become `LLMError`, also mid-stream."""
    try:
        for chunk in model.stream(messages):
            if text := chunk.text:
                yield str(text)
    except CLIENT_ERRORS as exc:
        raise classify_error(exc, model=getattr(model, "model", None)) from exc


async def astream_chat(model: BaseChatModel, messages: LanguageModelInput) -> AsyncIterator[str]:
    """`stream_chat` for async callers (Chainlit handlers)."""
    try:
        async for chunk in model.astream(messages):
            if text := chunk.text:
                yield str(text)
    except CLIENT_ERRORS as exc:
        raise classify_error(exc, model=getattr(model, "model", None)) from exc


# --- timeouts of a flowing answer ---------------------------------------------------
# httpx knows one read timeout for every wait; a model needs two: a long one for the
# first token (loading, reading the prompt) and a short one between tokens. Both are
# kept here, around any stream of text chunks, and a stalled model is left behind at
# once instead of after the client's read timeout.

TIMEOUT_CODES = ("timeout", "stalled")


def timed_stream(chunks: Iterable[str], *, first: float, gap: float) -> Iterator[str]:
    """`chunks` with a deadline for the first chunk and for every gap after it.

    The chunks are read in a daemon thread, so a hung read cannot hold the caller;
    the thread ends when the client's read timeout (the backstop) fires.
    """
    box: queue.Queue[tuple[bool, Any]] = queue.Queue()
    done = threading.Event()

    def pump() -> None:
        try:
            for chunk in chunks:
                box.put((True, chunk))
                if done.is_set():
                    return
            box.put((False, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            box.put((False, exc))

    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(pump,), daemon=True, name="llm-stream").start()
    wait, started = first, False
    try:
        while True:
            try:
                more, value = box.get(timeout=max(wait, 0.001))
            except queue.Empty:
                raise (_stalled() if started else _timeout()) from None
            if not more:
                if value is None:
                    return
                raise value
            started = True
            yield value
            wait = gap
    finally:
        done.set()


async def atimed_stream(
    chunks: AsyncIterable[str], *, first: float, gap: float
) -> AsyncIterator[str]:
    """`timed_stream` on the event loop: a late chunk cancels the request (and closes
    the connection) instead of waiting for it."""
    iterator = aiter(chunks)
    wait, started = first, False
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(anext(iterator), max(wait, 0.001))
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise (_stalled() if started else _timeout()) from None
            started = True
            yield chunk
            wait = gap
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()
