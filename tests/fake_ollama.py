"""A small real Ollama server for tests — the only fake, at the network edge.

It speaks the subset of the Ollama HTTP API that Amtswissen uses (`/api/chat`
streamed as NDJSON or not, `/api/embed`, `/api/tags`, `/api/show`,
`/api/version`, `/`), with Ollama's JSON shapes, status codes and error bodies,
so the real `ollama` client and `langchain_ollama` run unchanged against it.

    with running_fake_ollama(models=["llama3.1:8b"]) as fake:
        llm = ChatOllama(model="llama3.1:8b", base_url=fake.url)
        ...
        fake.last_body("/api/chat")["options"]

The answer is derived from the prompt (see `answer_for`), so tests can check
the whole path from retrieval to citations. pytest-free on purpose: fixtures
live in the test modules (and may be added to a conftest by its owner).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from fake_http import LoopbackFake
from fake_ollama_text import (  # noqa: F401 - re-exported: tests import them from here
    NO_CONTEXT_ANSWER,
    answer_for,
    embed_text,
    first_sentence,
    normalize_model,
    parse_context,
    tokens_of,
)

DEFAULT_MODELS = ("llama3.1:8b", "bge-m3:latest")
OLLAMA_VERSION = "0.12.6"

Answer = str | Callable[[list[dict]], str] | None


# --- the server ----------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class _ForcedError:
    status: int
    message: str
    times: int
    path: str | None


@dataclass(eq=False)
class FakeOllama(LoopbackFake):
    """A real HTTP server on a free loopback port that behaves like Ollama.

    Knobs (attributes, change them any time): `models` installed, `embedding_dim`,
    `delay` before any response, `first_token_delay` and `token_delay` for chat,
    `stall_after` (a streamed chat sends this many tokens, then nothing for
    `stall_s` or until stopped: a hung model runner, connection kept open),
    `answer` (a fixed text or `fn(messages) -> str`; None: derived from the
    prompt), `by_system` (marker -> answer as above: a chat whose system message
    contains the marker gets that answer instead – one server can then play the
    answering model, the query rewriter and the doc2query writer). Methods: `fail_next`,
    `fail_mid_stream`, `die_mid_stream`, `stop`, `start`, `restart` (same port), `reset`. Records: `requests`, `last_body(path)`.
    """

    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    embedding_dim: int = 64
    delay: float = 0.0
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    stall_after: int | None = None
    stall_s: float = 600.0
    answer: Answer = None
    by_system: dict[str, Answer] = field(default_factory=dict)
    version: str = OLLAMA_VERSION
    requests: list[RecordedRequest] = field(default_factory=list, init=False, repr=False)
    _errors: list[_ForcedError] = field(default_factory=list, init=False, repr=False)
    _mid_stream: tuple[str, int] | None = field(default=None, init=False, repr=False)
    _dies_after: int | None = field(default=None, init=False, repr=False)
    _connections: set[socket.socket] = field(default_factory=set, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def start(self) -> Self:
        """Listen (again) — on the same port after a stop."""
        if self._server:
            return self
        self._stopping = threading.Event()
        self._listen(_Server(("127.0.0.1", self.port), self))
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection, also one mid-stream."""
        if self._server:
            self._stopping.set()
        self._close(after_shutdown=self._cut_connections)

    def _cut_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone

    def restart(self) -> Self:
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(
        self,
        status: int = 500,
        message: str = "internal error",
        *,
        times: int = 1,
        path: str | None = None,
    ) -> None:
        """Answer the next `times` requests (to `path`, or any `/api/` path) with an error."""
        with self._lock:
            self._errors.append(_ForcedError(status, message, times, path))

    def fail_mid_stream(self, message: str = "an error was encountered", after: int = 1) -> None:
        """Next streamed chat: after `after` tokens, send `{"error": …}` (as Ollama does)."""
        self._mid_stream = (message, after)

    def die_mid_stream(self, after: int = 1) -> None:
        """Next streamed chat: after `after` tokens the whole server dies (stops listening,
        cuts every connection, this one without the stream's end) – a crashed node."""
        self._dies_after = after

    def reset(self) -> None:
        """Forget requests and pending errors (the knobs stay)."""
        with self._lock:
            self.requests.clear()
            self._errors.clear()
        self._mid_stream = self._dies_after = None

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def last_body(self, path: str) -> Any:
        """JSON body of the last request to `path` (AssertionError if there was none)."""
        found = self.requests_to(path)
        assert found, f"no request to {path}; got {[r.path for r in self.requests]}"
        return found[-1].body

    # --- used by the handler -------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def _take_error(self, path: str) -> _ForcedError | None:
        with self._lock:
            for error in self._errors:
                if error.path == path or (error.path is None and path.startswith("/api/")):
                    error.times -= 1
                    if error.times <= 0:
                        self._errors.remove(error)
                    return error
        return None

    def _take_mid_stream(self) -> tuple[str, int] | None:
        taken, self._mid_stream = self._mid_stream, None
        return taken

    def _installed(self, name: str) -> str | None:
        wanted = normalize_model(name)
        return next((m for m in self.models if normalize_model(m) == wanted), None)

    def _answer(self, messages: list[dict]) -> str:
        system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        chosen = next((a for key, a in self.by_system.items() if key in system), self.answer)
        if callable(chosen):
            return chosen(messages)
        return chosen if chosen is not None else answer_for(messages)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeOllama):
        self.fake = fake
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.fake._track(request, add=True)  # before its thread runs: stop() must see it
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.fake._track(request, add=False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a vanished client is expected
            traceback.print_exc()


class _Aborted(Exception):
    """The fake was stopped while this request waited."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, as Ollama
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet tests

    def do_GET(self) -> None:
        self.fake, self.stopping = self.server.fake, self.server.fake._stopping
        body = self._read_body()
        self.fake._record(RecordedRequest(self.command, self.path, body, dict(self.headers)))
        try:
            self._pause(self.fake.delay)
            self._route(body)
        except _Aborted:
            self.close_connection = True

    do_POST = do_HEAD = do_GET

    def _route(self, body: Any) -> None:
        if error := self.fake._take_error(self.path):
            return self._json(error.status, {"error": error.message})
        route = _ROUTES.get((self.command, self.path))
        if route is None:
            return self._text(404, "404 page not found")  # what Ollama's router says
        if self.command == "POST" and not isinstance(body, dict):
            return self._json(400, {"error": "missing request body"})
        route(self, body)

    def _read_body(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode(errors="replace")

    def _pause(self, seconds: float) -> None:
        if seconds > 0 and self.stopping.wait(seconds):
            raise _Aborted

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(payload).encode())

    def _text(self, status: int, text: str) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode())

    def _chunk(self, payload: dict) -> None:
        line = (json.dumps(payload) + "\n").encode()
        self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")

    def _known_model(self, body: dict) -> str | None:
        """The requested model if installed; else answers 400/404 as Ollama does."""
        name = body.get("model") or ""
        if not name:
            self._json(400, {"error": "model is required"})
        elif not self.fake._installed(name):
            self._json(404, {"error": f'model "{name}" not found, try pulling it first'})
        else:
            return name
        return None

    # --- endpoints -------------------------------------------------------------

    def show(self, body: dict) -> None:
        name = body.get("model") or body.get("name") or ""
        if not (installed := self.fake._installed(name) if name else None):
            return self._json(404, {"error": f"model '{name}' not found"})
        self._json(200, _show_entry(installed, self.fake.embedding_dim))

    def embed(self, body: dict) -> None:
        started = time.perf_counter_ns()
        if not (name := self._known_model(body)):
            return
        texts = body.get("input") or []
        texts = [texts] if isinstance(texts, str) else list(texts)
        dim = min(int(body.get("dimensions") or self.fake.embedding_dim), self.fake.embedding_dim)
        vectors = [embed_text(t, dim) for t in texts]  # unit length at any dimension
        count = sum(len(t.split()) for t in texts)
        self._json(
            200,
            {
                "model": name,
                "embeddings": vectors,
                **_durations(started),
                "prompt_eval_count": count,
            },
        )

    def chat(self, body: dict) -> None:
        started = time.perf_counter_ns()
        if not (name := self._known_model(body)):
            return
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        tokens = tokens_of(self.fake._answer(messages))
        self._pause(self.fake.first_token_delay)
        final = {
            "model": name,
            "created_at": _now(),
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": sum(len(str(m.get("content", "")).split()) for m in messages),
            "eval_count": len(tokens),
        }
        if body.get("stream", True) is False:  # Ollama streams unless told otherwise
            message = {"role": "assistant", "content": "".join(tokens)}
            return self._json(200, {**final, "message": message, **_durations(started)})
        self._stream(name, tokens)
        message = {"role": "assistant", "content": ""}
        self._chunk({**final, "message": message, **_durations(started)})
        self.wfile.write(b"0\r\n\r\n")

    def _stream(self, name: str, tokens: list[str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        mid_stream = self.fake._take_mid_stream()
        dies_after, self.fake._dies_after = self.fake._dies_after, None
        for index, token in enumerate(tokens):
            if dies_after is not None and index == dies_after:
                self.wfile.flush()
                self.fake.stop()  # cuts this connection too: the chunked body never ends
                raise _Aborted
            if mid_stream and index == mid_stream[1]:
                self._chunk({"error": mid_stream[0]})
                self.wfile.write(b"0\r\n\r\n")
                raise _Aborted
            if index and index == self.fake.stall_after:
                self._pause(self.fake.stall_s)  # silent, as a hung runner: no error, no end
            if index:
                self._pause(self.fake.token_delay)
            message = {"role": "assistant", "content": token}
            self._chunk({"model": name, "created_at": _now(), "message": message, "done": False})


_ROUTES: dict[tuple[str, str], Callable[[_Handler, Any], None]] = {
    ("GET", "/"): lambda h, _: h._text(200, "Ollama is running"),
    ("HEAD", "/"): lambda h, _: h._text(200, "Ollama is running"),
    ("GET", "/api/version"): lambda h, _: h._json(200, {"version": h.fake.version}),
    ("GET", "/api/tags"): lambda h, _: h._json(
        200, {"models": [_model_entry(m) for m in h.fake.models]}
    ),
    ("POST", "/api/show"): _Handler.show,
    ("POST", "/api/embed"): _Handler.embed,
    ("POST", "/api/chat"): _Handler.chat,
}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _durations(started_ns: int) -> dict[str, int]:
    total = max(time.perf_counter_ns() - started_ns, 1)
    return {"total_duration": total, "load_duration": total // 10, "eval_duration": total // 2}


def _is_embedding_model(name: str) -> bool:
    return any(part in name.lower() for part in ("bge", "embed", "minilm", "e5-"))


def _model_entry(name: str) -> dict:
    full = normalize_model(name)
    family = "bert" if _is_embedding_model(full) else "llama"
    return {
        "name": full,
        "model": full,
        "modified_at": "2025-01-15T10:00:00.000000000+01:00",
        "size": 4_920_753_328,
        "digest": hashlib.sha256(full.encode()).hexdigest(),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": family,
            "families": [family],
            "parameter_size": "8.0B",
            "quantization_level": "Q4_K_M",
        },
    }


def _show_entry(name: str, embedding_dim: int) -> dict:
    entry = _model_entry(name)
    family = entry["details"]["family"]
    embedding = _is_embedding_model(name)
    return {
        "license": "",
        "modelfile": f"FROM {name}\n",
        "parameters": "",
        "template": "",
        "details": entry["details"],
        "modified_at": entry["modified_at"],
        "model_info": {
            "general.architecture": family,
            f"{family}.context_length": 8192 if embedding else 131072,
            f"{family}.embedding_length": embedding_dim,
        },
        "capabilities": ["embedding"] if embedding else ["completion", "tools"],
    }


@contextmanager
def running_fake_ollama(**knobs: Any) -> Iterator[FakeOllama]:
    """A started `FakeOllama` (knobs as in its constructor), stopped afterwards."""
    with FakeOllama(**knobs) as fake:
        yield fake
