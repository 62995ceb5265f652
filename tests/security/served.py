"""Probes against a served app: HTTP with httpx (from a chosen loopback address), the chat
over socket.io (python-socketio), as an attacker's script would send them."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import socketio

COOKIE = "access_token"


def client(source: str | None = None, **kw) -> httpx.Client:
    """An HTTP client whose connections come from `source` (any 127.x address on Linux)."""
    transport = httpx.HTTPTransport(local_address=source) if source else None
    return httpx.Client(transport=transport, timeout=60, **kw)


def login(url: str, name: str, password: str, source: str | None = None, **headers: str):
    with client(source) as c:
        return c.post(
            f"{url}/login", data={"username": name, "password": password}, headers=headers
        )


def token(url: str, name: str, password: str, source: str | None = None) -> str:
    response = login(url, name, password, source)
    assert response.status_code == 200, f"login {name}: {response.status_code} {response.text}"
    return response.cookies[COOKIE]


def get(url: str, path: str, tok: str, **kw) -> httpx.Response:
    with client(cookies={COOKIE: tok}) as c:
        return c.get(f"{url}{path}", follow_redirects=False, **kw)


def refresh(url: str, tok: str) -> httpx.Response:
    """Chainlit's token refresh: `POST /auth/jwt` with the token as bearer."""
    with client() as c:
        return c.post(f"{url}/auth/jwt", headers={"Authorization": f"Bearer {tok}"})


@dataclass
class Chat:
    """One chat session over socket.io, as the browser opens it."""

    url: str
    tok: str
    thread_id: str | None = None
    events: list[tuple[float, str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.changed = threading.Condition()
        self.sio.on("*", self._record)
        self.sio.connect(
            self.url,
            socketio_path="/ws/socket.io",
            headers={"Cookie": f"{COOKIE}={self.tok}"},
            auth={
                "sessionId": str(uuid.uuid4()),
                "clientType": "webapp",
                "threadId": self.thread_id,
                "userEnv": "{}",
                "chatProfile": None,
            },
            transports=["websocket"],
            wait_timeout=30,
        )
        self.sio.emit("connection_successful")
        with self.changed:  # ready when on_chat_start (or _resume) has run, as the page waits
            self.changed.wait_for(lambda: _run_ended(self.events, "on_chat_"), 60)

    def _record(self, event, data=None) -> None:
        with self.changed:
            self.events.append((time.monotonic(), event, data))
            self.changed.notify_all()

    def ask(self, question: str, timeout: float = 120) -> Answer:
        """Send a question; returns once the app has finished it."""
        start = len(self.events)
        sent = time.monotonic()
        message = {
            "id": str(uuid.uuid4()),
            "threadId": self.thread_id or "",
            "name": "User",
            "type": "user_message",
            "output": question,
            "createdAt": datetime.now(UTC).isoformat(),
        }
        self.sio.emit("client_message", {"message": message, "fileReferences": []})
        with self.changed:
            done = self.changed.wait_for(
                lambda: _run_ended(self.events[start:], "on_message"), timeout
            )
        assert done, f"no answer within {timeout} s"
        return Answer(sent, self.events[start:])

    def close(self) -> None:
        self.sio.disconnect()


def _run_ended(events, handler: str) -> bool:
    """Chainlit closes the run step of a handler (`on_message`, `on_chat_start`) when it
    has returned: the answer is complete."""
    return any(
        e == "update_message"
        and isinstance(d, dict)
        and d.get("type") == "run"
        and str(d.get("name", "")).startswith(handler)
        for _, e, d in events
    )


@dataclass
class Answer:
    sent: float
    events: list[tuple[float, str, object]]

    def messages(self) -> list[dict]:
        return [
            d
            for _, e, d in self.events
            if e in ("new_message", "update_message") and isinstance(d, dict)
        ]

    def reply(self) -> dict:
        replies = [m for m in self.messages() if m.get("type") == "assistant_message"]
        assert replies, [
            (e, d.get("type") if isinstance(d, dict) else d) for _, e, d in self.events
        ]
        return replies[-1]

    def first_token_s(self) -> float | None:
        times = [t for t, e, _ in self.events if e == "stream_token"]
        return times[0] - self.sent if times else None
