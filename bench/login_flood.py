"""Login flood against a served app: memory, a legitimate login and chat time to first token.

    .venv/bin/python bench/login_flood.py [--seconds 20] [--workers 40]

Starts `assistant serve` on a fresh data dir (one ingested document, the fake Ollama of
tests/), measures a legitimate login and the chat's time to first token (socket.io) as
a baseline, locks one loopback address (127.0.0.9) and floods `POST /login` from it with
`--workers` parallel failed logins for `--seconds`, measuring the same again during the
flood and the server's RSS throughout. Prints the figures and the ratios to the baseline
of this same run (issue 11: login <= 2 s, time to first token + <= 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "security")]

import psutil
from browser_util import add_user, app_env, cli, start_app
from fake_ollama import running_fake_ollama
from served import Chat, client, login, token

USER, PASSWORD = "bench", "Bench-Passwort-42"
ATTACKER = "127.0.0.9"
QUESTION = "Wer übernimmt die Kosten einer Fortbildung?"


def timed_login() -> float:
    start = time.perf_counter()
    response = login(URL, USER, PASSWORD)
    assert response.status_code == 200, response.status_code
    return time.perf_counter() - start


def first_token_s(chat: Chat) -> float:
    answer = chat.ask(QUESTION)
    ttft = answer.first_token_s()
    assert ttft is not None, "the model did not stream (search mode?)"
    return ttft


def measure(chat: Chat, rounds: int) -> tuple[list[float], list[float]]:
    logins, ttfts = [], []
    for _ in range(rounds):
        logins.append(timed_login())
        ttfts.append(first_token_s(chat))
    return logins, ttfts


def flood(stop: threading.Event, codes: list[int]) -> None:
    """One attacker's connection, kept alive: as fast as the server answers."""
    n = 0
    with client(ATTACKER) as c:
        while not stop.is_set():
            form = {"username": f"opfer{n % 7}", "password": "falsch-falsch"}
            codes.append(c.post(f"{URL}/login", data=form).status_code)
            n += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    global URL
    with tempfile.TemporaryDirectory() as tmp, running_fake_ollama() as fake:
        fake.first_token_delay, fake.token_delay = 0.3, 0.01
        env = app_env(Path(tmp) / "data", fake.url)
        add_user(env, USER, PASSWORD, "--group", "allgemein")
        cli(["ingest", str(ROOT / "knowledge" / "fortbildungsrichtlinie.txt")], env)
        server = start_app(env, Path(tmp) / "app.log")
        URL = server.url
        try:
            run(server, args)
        finally:
            server.process.terminate()
            server.process.wait(timeout=20)


def run(server, args) -> None:
    process = psutil.Process(server.process.pid)
    chat = Chat(URL, token(URL, USER, PASSWORD))
    first_token_s(chat)  # warm: the first answer loads the prompts
    base_login, base_ttft = measure(chat, args.rounds)
    rss_before = process.memory_info().rss
    for n in range(30):  # lock the attacker's address (per-address limit, any names)
        if login(URL, f"opfer{n}", "falsch-falsch", ATTACKER).status_code == 429:
            break
    stop, codes, peak = threading.Event(), [], [rss_before]
    workers = [threading.Thread(target=flood, args=(stop, codes)) for _ in range(args.workers)]
    for w in workers:
        w.start()
    sampler = threading.Thread(target=sample, args=(process, stop, peak))
    sampler.start()
    started = time.monotonic()
    time.sleep(min(3.0, args.seconds / 4))  # the flood is in full swing
    flood_login, flood_ttft = measure(chat, args.rounds)
    time.sleep(max(0.0, args.seconds - (time.monotonic() - started)))
    stop.set()
    for w in [*workers, sampler]:
        w.join()
    chat.close()
    elapsed = time.monotonic() - started
    report(
        args, base_login, base_ttft, flood_login, flood_ttft, rss_before, max(peak), codes, elapsed
    )


def sample(process, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak.append(process.memory_info().rss)
        time.sleep(0.2)


def report(args, base_login, base_ttft, flood_login, flood_ttft, rss_before, rss_peak, codes, s):
    med = statistics.median
    mib = 2**20
    print(f"flood: {args.workers} parallel failed logins from {ATTACKER} for {s:.0f} s")
    print(
        f"  requests: {len(codes)} ({len(codes) / s:.0f}/s), answers: "
        + ", ".join(f"{c}: {codes.count(c)}" for c in sorted(set(codes)))
    )
    print(
        f"server RSS: before {rss_before / mib:.0f} MiB, peak during flood {rss_peak / mib:.0f} MiB "
        f"(+{(rss_peak - rss_before) / mib:.0f} MiB)"
    )
    print(
        f"legitimate login: baseline {med(base_login):.3f} s, during flood "
        f"{med(flood_login):.3f} s (max {max(flood_login):.3f} s), ratio "
        f"{med(flood_login) / med(base_login):.2f}"
    )
    print(
        f"chat time to first token: baseline {med(base_ttft):.3f} s, during flood "
        f"{med(flood_ttft):.3f} s (max {max(flood_ttft):.3f} s), ratio "
        f"{med(flood_ttft) / med(base_ttft):.2f}, +{med(flood_ttft) - med(base_ttft):.3f} s"
    )


URL = ""

if __name__ == "__main__":
    main()
