"""A served app of its own for a probe module that needs other settings than the shared
one in conftest.py (small limits, short timeouts): documents of the probe's own, the
fake Ollama of the session, accounts, `assistant serve` as a subprocess."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from browser_util import ROOT, add_user, app_env, ingest, start_app

PASSWORD = "Probe-Passwort-01"


def serve(tmp: Path, ollama_url: str, documents: dict[str, str], users=(), **settings: str):
    """`documents` (file name -> Markdown text) ingested, `users` (group allgemein) added;
    `settings` are ASSISTANT_* variables without the prefix, e.g. MAX_QUESTION_CHARS="500"."""
    env = app_env(
        tmp / "data", ollama_url, **{f"ASSISTANT_{k.upper()}": v for k, v in settings.items()}
    )
    folder = tmp / "docs"
    folder.mkdir()
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    ingest(sorted(folder.iterdir()), env, tmp / "ingest.log")
    for user in users:  # "name" (group allgemein) or ("name", *options of `users add`)
        name, *options = (user,) if isinstance(user, str) else user
        add_user(env, name, PASSWORD, *(options or ["--group", "allgemein"]))
    server = start_app(env, tmp / "app.log")
    server.env, server.data_dir = env, tmp / "data"
    return server


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """The real CLI in its own process; stdout and stderr apart, any exit code."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def stored(data_dir: Path, sql: str) -> list[tuple]:
    """Rows of the app's SQLite store (read-only)."""
    uri = f"file:{data_dir / 'amtswissen.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        return conn.execute(sql).fetchall()


def audit_rows(data_dir: Path) -> list[dict]:
    rows = stored(data_dir, "SELECT id, mode, flags, answer FROM audit_log ORDER BY id")
    return [
        {"id": i, "mode": m, "flags": json.loads(f) if f else [], "answer": a}
        for i, m, f, a in rows
    ]


def send(chat, question: str, timeout: float = 60):
    """`Chat.ask` for a message that may be refused before `on_message` runs: done at the
    end of the task Chainlit (or the refusal) frames the reply with."""
    from served import Answer

    start, sent = len(chat.events), time.monotonic()
    message = {
        "id": str(uuid.uuid4()),
        "threadId": chat.thread_id or "",
        "name": "User",
        "type": "user_message",
        "output": question,
        "createdAt": datetime.now(UTC).isoformat(),
    }
    chat.sio.emit("client_message", {"message": message, "fileReferences": []})
    with chat.changed:
        done = chat.changed.wait_for(lambda: _task_done(chat.events[start:]), timeout)
    assert done, f"no reply within {timeout} s (connected: {chat.sio.connected})"
    return Answer(sent, chat.events[start:])


def _task_done(events) -> bool:
    """A task started and ended (a late `task_end` of the chat's start does not count)."""
    names = [e for _, e, _ in events]
    return "task_start" in names and "task_end" in names[names.index("task_start") :]
