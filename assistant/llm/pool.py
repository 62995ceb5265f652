"""Several Ollama servers as one pool (`ASSISTANT_OLLAMA_BASE_URLS`).

    pool = pool_for(settings)
    with pool.lease() as node:          # least busy healthy node, in-flight counted
        pool.chat_model(node).stream(...)

`build_chat_model` returns a `PooledChatModel` when more than one URL is set: a
LangChain chat model that streams each request from the node the pool picks and
marks a node down when it fails (connection refused, HTTP 5xx, stream cut). The
answering use case (`Assistant.stream`) retries a question once when
`may_retry` says another node is left — that one place, not each channel.

Health is known from `/api/tags` (short timeout, cached `HEALTH_TTL_S`); a node
marked down is only asked again after a back-off that doubles per failure. A
pool of one (the single `ASSISTANT_OLLAMA_BASE_URL`) is never health-checked
and never retried: it behaves exactly as the plain client did.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import (
    agenerate_from_stream,
    generate_from_stream,
)

from assistant.errors import LLMError
from assistant.llm.ollama import CLIENT_ERRORS, classify_error, has_model

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGenerationChunk, ChatResult

    from assistant.config import Settings
    from assistant.llm.ollama import OllamaStatus

HEALTH_TTL_S = 5.0  # a node's health is trusted this long before /api/tags is asked again
BACKOFF_S = 5.0  # first wait before a failed node is asked again; doubles per failure
BACKOFF_MAX_S = 60.0
CHECK_TIMEOUT_S = 1.0  # upper bound of one health check (also bounded by connect_timeout_s)
# What says that the node, not the question, is at fault: worth another node.
NODE_FAILURES = ("unreachable", "server", "model_missing")


@dataclass
class Node:
    """One Ollama server of the pool and what is known about it."""

    url: str
    in_flight: int = 0
    up: bool | None = None  # None: not checked yet
    models: list[str] = field(default_factory=list)
    checked_at: float = float("-inf")
    down_until: float = 0.0
    failures: int = 0  # in a row; sets the back-off
    answered: int = 0
    failed: int = 0


@dataclass(frozen=True)
class NodeState:
    """A node as shown to people (doctor, IT page)."""

    url: str
    up: bool | None
    in_flight: int
    models: tuple[str, ...]
    has_model: bool
    answered: int
    failed: int
    retry_in_s: float


class OllamaPool:
    def __init__(self, settings: Settings, clock=time.monotonic):
        self.settings = settings
        self.nodes = [Node(url) for url in settings.ollama_urls()]
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0  # round robin among equally busy nodes
        self._models: dict[str, BaseChatModel] = {}

    # --- routing ---------------------------------------------------------------

    @contextlib.contextmanager
    def lease(self) -> Iterator[Node]:
        """The least busy healthy node, counted as busy until the block ends."""
        self.refresh()
        node = self._take()
        try:
            yield node
        finally:
            with self._lock:
                node.in_flight -= 1

    @contextlib.asynccontextmanager
    async def alease(self) -> AsyncIterator[Node]:
        """`lease` for the event loop: health checks run in a thread."""
        await asyncio.to_thread(self.refresh)
        node = self._take()
        try:
            yield node
        finally:
            with self._lock:
                node.in_flight -= 1

    def pick(self) -> Node:
        """The node the next request would go to (without counting it)."""
        self.refresh()
        with self._lock:
            return self._choose(advance=False)

    def _take(self) -> Node:
        with self._lock:
            node = self._choose()
            node.in_flight += 1
            return node

    def _choose(self, *, advance: bool = True) -> Node:
        if len(self.nodes) == 1:
            return self.nodes[0]
        usable = [n for n in self._rotated() if self._usable(n)]
        if not usable and any(n.up for n in self.nodes):
            raise LLMError(
                f"Das Sprachmodell „{self.settings.ollama_model}“ ist auf keinem der "
                "erreichbaren Ollama-Server installiert.",
                code="model_missing",
                hint=f"Auf den Ollama-Servern ausführen: `ollama pull {self.settings.ollama_model}`",
            )
        if not usable:
            raise LLMError(
                "Keiner der Sprachmodell-Server (Ollama) ist erreichbar.",
                code="unreachable",
                hint="`assistant doctor` zeigt jeden Server; Ollama dort starten oder "
                "ASSISTANT_OLLAMA_BASE_URLS prüfen.",
            )
        node = min(usable, key=lambda n: n.in_flight)  # first of the rotation on ties
        if advance:
            self._next = (self.nodes.index(node) + 1) % len(self.nodes)
        return node

    def _rotated(self) -> list[Node]:
        return self.nodes[self._next :] + self.nodes[: self._next]

    def _usable(self, node: Node) -> bool:
        """Not known to be down, and with the chat model when its models are known (a node
        being checked by another question counts as usable: a failure is retried)."""
        model = self.settings.ollama_model
        if node.up is False:
            return False
        return node.up is None or not model or has_model(node.models, model)

    # --- health ----------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> None:
        """Ask the nodes whose health is stale (or every node: `force`)."""
        if len(self.nodes) == 1 and not force:
            return
        with self._lock:  # claim the stale nodes: concurrent questions do not ask twice
            now = self._clock()
            due = [n for n in self.nodes if force or self._stale(n, now)]
            for node in due:
                node.checked_at = now
                if node.up is False:
                    node.down_until = now + CHECK_TIMEOUT_S
        for node in due:
            self._check(node)

    def _stale(self, node: Node, now: float) -> bool:
        if node.up is False:
            return now >= node.down_until
        return now - node.checked_at >= HEALTH_TTL_S

    def _check(self, node: Node) -> None:
        limit = min(CHECK_TIMEOUT_S, self.settings.connect_timeout_s)
        try:
            response = httpx.get(f"{_with_scheme(node.url)}/api/tags", timeout=limit)
            response.raise_for_status()
            tags = response.json()
            models = [str(m.get("model") or m.get("name")) for m in tags.get("models") or []]
        except (*CLIENT_ERRORS, AttributeError):
            self.mark_down(node)
            return
        with self._lock:
            node.up, node.models, node.failures = True, models, 0
            node.checked_at = self._clock()

    def mark_down(self, node: Node) -> None:
        """A failed node waits out a back-off before it is asked again."""
        with self._lock:
            node.failures += 1
            node.up = False
            node.checked_at = self._clock()
            wait = min(BACKOFF_S * 2 ** (node.failures - 1), BACKOFF_MAX_S)
            node.down_until = node.checked_at + wait

    def has_spare(self) -> bool:
        """Is a node left that is not known to be down (for one retry)?"""
        with self._lock:
            return len(self.nodes) > 1 and any(n.up is not False for n in self.nodes)

    def count(self, node: Node, *, ok: bool) -> None:
        with self._lock:
            if ok:
                node.answered += 1
            else:
                node.failed += 1

    def states(self) -> list[NodeState]:
        model = self.settings.ollama_model
        now = self._clock()
        with self._lock:
            return [
                NodeState(
                    url=_display(n.url),
                    up=n.up,
                    in_flight=n.in_flight,
                    models=tuple(n.models),
                    has_model=bool(model) and has_model(n.models, model),
                    answered=n.answered,
                    failed=n.failed,
                    retry_in_s=max(n.down_until - now, 0.0) if n.up is False else 0.0,
                )
                for n in self.nodes
            ]

    # --- models ----------------------------------------------------------------

    def chat_model(self, node: Node) -> BaseChatModel:
        """One ChatOllama per node, built on first use."""
        with self._lock:
            model = self._models.get(node.url)
        if model is None:
            from assistant.llm.ollama import build_node_chat_model

            model = build_node_chat_model(self.settings, node.url)
            with self._lock:
                model = self._models.setdefault(node.url, model)
        return model


class PooledChatModel(BaseChatModel):
    """A chat model over the pool: each request streams from the node picked for it."""

    pool: Any  # OllamaPool (Any: pydantic needs no schema for it)
    model: str

    @property
    def _llm_type(self) -> str:
        return "ollama-pool"

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self.pool.lease() as node:
            inner = self.pool.chat_model(node)
            try:
                for chunk in inner._stream(messages, stop=stop, **kwargs):
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except CLIENT_ERRORS as exc:
                self._failed(node, exc)
                raise
            self.pool.count(node, ok=True)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        async with self.pool.alease() as node:
            inner = self.pool.chat_model(node)
            try:
                async for chunk in inner._astream(messages, stop=stop, **kwargs):
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            except CLIENT_ERRORS as exc:
                self._failed(node, exc)
                raise
            self.pool.count(node, ok=True)

    def _failed(self, node: Node, exc: BaseException) -> None:
        self.pool.count(node, ok=False)
        if classify_error(exc).code in NODE_FAILURES:
            self.pool.mark_down(node)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))


def may_retry(model: object, error: LLMError) -> bool:
    """Should a question that failed with `error` be asked once more (on another node)?"""
    return (
        isinstance(model, PooledChatModel)
        and error.code in NODE_FAILURES
        and model.pool.has_spare()
    )


# --- one pool per process --------------------------------------------------------

_POOLS: dict[tuple, OllamaPool] = {}
_POOLS_LOCK = threading.Lock()


def pool_for(settings: Settings) -> OllamaPool:
    """The process's pool for these settings: routing state is shared by every user."""
    key = (
        tuple(settings.ollama_urls()),
        settings.ollama_model,
        settings.temperature,
        settings.num_ctx,
        settings.keep_alive,
        settings.connect_timeout_s,
        settings.llm_first_token_timeout_s,
    )
    with _POOLS_LOCK:
        return _POOLS.setdefault(key, OllamaPool(settings))


def check_nodes(settings: Settings) -> list[tuple[str, OllamaStatus]]:
    """`check_ollama` for every server of the pool (doctor): URL shown, status."""
    from assistant.llm.ollama import check_ollama

    return [(_display(url), check_ollama(settings, base_url=url)) for url in settings.ollama_urls()]


def _with_scheme(url: str) -> str:
    url = url.strip().rstrip("/")
    return url if "://" in url else f"http://{url}"


def _display(url: str) -> str:
    from assistant.llm.ollama import _display_url

    return _display_url(url)


def describe(states: Sequence[NodeState]) -> str:
    """One German line: how many nodes are up."""
    up = sum(1 for s in states if s.up)
    return f"{up} von {len(states)} Ollama-Servern erreichbar"
