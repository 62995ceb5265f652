"""The fake Ollama of tests/ in its own process, for bench/load.py.

    python bench/_load_fake.py PORT_FILE LOG_FILE --first-token 2.0 --tokens-per-s 30

A process of its own so that its streaming threads do not share a GIL with the load
generator. Writes its port to PORT_FILE once it listens. On SIGUSR1 it writes what it
streamed since the last signal to LOG_FILE (JSON list, one entry per chat: tokens sent,
condense or answer) and forgets it: the load test computes the model's own time from it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_ollama import FakeOllama, tokens_of
from fake_ollama_text import _CONDENSE


def chats(fake: FakeOllama) -> list[dict]:
    out = []
    for request in fake.requests_to("/api/chat"):
        messages = [m for m in request.body.get("messages") or [] if isinstance(m, dict)]
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        out.append(
            {
                "tokens": len(tokens_of(fake._answer(messages))),
                "condense": bool(_CONDENSE.search(prompt)),
                "stream": request.body.get("stream", True) is not False,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port_file", type=Path)
    parser.add_argument("log_file", type=Path)
    parser.add_argument("--first-token", type=float, default=2.0)
    parser.add_argument("--tokens-per-s", type=float, default=30.0)
    args = parser.parse_args()
    fake = FakeOllama(first_token_delay=args.first_token, token_delay=1 / args.tokens_per_s)
    lock = threading.Lock()

    def dump(*_: object) -> None:
        with lock:
            entries = chats(fake)
            fake.reset()
            tmp = args.log_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(entries), encoding="utf-8")
            tmp.replace(args.log_file)  # the reader sees the whole list or nothing

    stop = threading.Event()
    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        args.port_file.write_text(str(fake.port), encoding="utf-8")
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()
