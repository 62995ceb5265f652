"""One chat session of bench/load.py, as Chainlit's page opens it, over asyncio.

Login: `POST /login` (the cookie jar keeps `access_token` and the proxy's sticky cookie).
Chat: socket.io at `/ws/socket.io` with the page's auth payload (`sessionId`,
`clientType`, `threadId`, …), `connection_successful`, then `client_message` events; an
answer is complete when Chainlit closes the run step of `on_message`. Upload: the file
to `POST /project/file?session_id=…`, then a `client_message` naming it in
`fileReferences` (what the page does when a file is attached).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import socketio

ROOT = Path(__file__).resolve().parent.parent
# The chat streams this notice when the model is slow to start (web/app.py); it is not the
# model's first token. Read from the source: importing web.ui would import Chainlit here.
NOTICE = re.search(
    r'^MODEL_PREPARING = "(.*)"$', (ROOT / "assistant/web/ui.py").read_text(), re.MULTILINE
)[1]


@dataclass
class Turn:
    """One question (or upload) of a session, times on the generator's monotonic clock."""

    index: int
    sent: float
    first: float | None = None
    end: float | None = None
    error: str | None = None
    reply: str = ""


@dataclass
class Session:
    url: str
    name: str
    password: str
    login_s: float | None = None
    error: str | None = None
    turns: list[Turn] = field(default_factory=list)
    events: list[tuple[float, str, object]] = field(default_factory=list)

    async def login(self) -> None:
        # unsafe: the jar keeps cookies of an IP-address host (127.0.0.1)
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=120),
        )
        started = time.monotonic()
        form = {"username": self.name, "password": self.password}
        async with self.http.post(f"{self.url}/login", data=form) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"login {response.status}")
        self.login_s = time.monotonic() - started

    async def connect(self) -> None:
        self.changed = asyncio.Event()
        self.session_id = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("*", self._record)
        cookies = "; ".join(f"{c.key}={c.value}" for c in self.http.cookie_jar)
        await self.sio.connect(
            self.url,
            socketio_path="/ws/socket.io",
            headers={"Cookie": cookies},
            auth={
                "sessionId": self.session_id,
                "clientType": "webapp",
                "threadId": None,
                "userEnv": "{}",
                "chatProfile": None,
            },
            transports=["websocket"],
            wait_timeout=60,
        )
        await self.sio.emit("connection_successful")
        await self._until(0, "on_chat_", 120)  # the page waits for on_chat_start, too

    async def _record(self, event: str, data: object = None) -> None:
        self.events.append((time.monotonic(), event, data))
        self.changed.set()

    async def _until(self, start: int, handler: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not _run_ended(self.events[start:], handler):
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return False
        return True

    async def ask(self, index: int, question: str, timeout: float = 300) -> Turn:
        return await self._send(index, question, [], timeout)

    async def upload(self, index: int, name: str, data: bytes, timeout: float = 300) -> Turn:
        form = aiohttp.FormData()
        form.add_field("file", data, filename=name, content_type="text/plain")
        params = {"session_id": self.session_id}
        async with self.http.post(f"{self.url}/project/file", params=params, data=form) as r:
            body = await r.json(content_type=None)
            if r.status != 200:
                turn = Turn(index, time.monotonic(), error=f"upload {r.status}: {body}")
                self.turns.append(turn)
                return turn
        turn = await self._send(index, "", [{"id": body["id"]}], timeout)
        if turn.error is None and "neu aufgenommen" not in turn.reply:
            turn.error = f"upload report: {turn.reply[:200]!r}"
        return turn

    async def _send(self, index: int, text: str, files: list[dict], timeout: float) -> Turn:
        start = len(self.events)
        turn = Turn(index, time.monotonic())
        self.turns.append(turn)
        message = {
            "id": str(uuid.uuid4()),
            "threadId": "",
            "name": "User",
            "type": "user_message",
            "output": text,
            "createdAt": datetime.now(UTC).isoformat(),
        }
        await self.sio.emit("client_message", {"message": message, "fileReferences": files})
        if not await self._until(start, "on_message", timeout):
            turn.error = f"no end within {timeout:.0f} s"
            return turn
        events = self.events[start:]
        turn.end = next(t for t, e, d in events if _is_run_end(e, d, "on_message"))
        turn.first = next(
            (t for t, e, d in events if e == "stream_token" and _token(d) != NOTICE), None
        )
        replies = [
            d
            for _, e, d in events
            if e in ("new_message", "update_message")
            and isinstance(d, dict)
            and d.get("type") == "assistant_message"
        ]
        turn.reply = str(replies[-1].get("output", "")) if replies else ""
        return turn

    async def close(self) -> None:
        if getattr(self, "sio", None) is not None and self.sio.connected:
            await self.sio.disconnect()
        if getattr(self, "http", None) is not None:
            await self.http.close()


def _token(data: object) -> str | None:
    return data.get("token") if isinstance(data, dict) else None


def _is_run_end(event: str, data: object, handler: str) -> bool:
    """Chainlit closes the run step of a handler when it has returned."""
    return (
        event == "update_message"
        and isinstance(data, dict)
        and data.get("type") == "run"
        and str(data.get("name", "")).startswith(handler)
    )


def _run_ended(events, handler: str) -> bool:
    return any(_is_run_end(e, d, handler) for _, e, d in events)
