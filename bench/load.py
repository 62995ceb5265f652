"""Load test: N concurrent chat sessions against 1 and 2 app workers behind HAProxy.

    .venv/bin/python bench/load.py [--sessions 10,50] [--workers 1,2]
        [--first-token 2.0] [--tokens-per-s 30] [--database-url postgresql+psycopg://…]

Setup (all on this host): PostgreSQL database of `--database-url` (its schema is emptied
first), one data dir shared by every process, the sample knowledge base ingested through
the CLI, accounts created with `assistant users add`, `ASSISTANT_JOBS=queue` with one
`assistant worker`, the fake Ollama of tests/ in its own process streaming with
`--first-token` seconds to the first token and `--tokens-per-s` per stream, and for each
worker count `assistant serve` processes behind HAProxy (cookie-sticky, websocket).

Each session logs in over HTTP, opens the chat over socket.io as the page does, asks the
same 3 questions one after the other (the first alone, two follow-ups that are condensed),
waiting for each streamed answer to end; every tenth session is a knowledge manager's,
which then uploads one small text file through the chat. Logins come first (at most
`--login-parallel` at once, as a morning's arrivals), then every session connects, then
all ask at once: N sessions chat concurrently.

The model's own time per question (first-token delays and streaming of the condense and
answer calls) is computed from what the fake streamed to one warm-up session; overhead =
measured time - that. Ratios: 2 workers against 1 worker at the same N, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]

from _load_client import Session
from _load_infra import Cluster, Fake, Sampler, count_errors, pg_scalar, reset_database
from browser_util import app_env, cli

DATABASE_URL = "postgresql+psycopg://amtswissen:amtswissen@127.0.0.1:5432/amtswissen_load"
QUESTIONS = (
    "Wie hoch ist das Tagegeld für einen vollen Kalendertag bei einer Dienstreise?",
    "Und wie viel gibt es bei einer eintägigen Dienstreise von mehr als 8 Stunden?",
    "Wer übernimmt die Kosten einer Fortbildung?",
)
PASSWORD = "Last-Passwort-2026"
HISTORY_FAILED = "chat history: SQL failed"
UPLOAD_TEXT = (
    "Hausmitteilung Lasttest {tag}\n\n§ 1 Stellplätze\n\nDie Stellplätze im Innenhof "
    "werden ab sofort nach Kennziffer {tag} vergeben. Anträge gehen an die Hausverwaltung.\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="10,50", help="comma-separated N")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--first-token", type=float, default=2.0)
    parser.add_argument("--tokens-per-s", type=float, default=30.0)
    parser.add_argument("--managers-every", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=50, help="staff accounts (shared)")
    parser.add_argument("--login-parallel", type=int, default=8)
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sessions.split(",")]
    workers = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with Fake(tmp, args.first_token, args.tokens_per_s) as fake:
            env = setup(tmp, fake, args, max(sizes))
            env |= pool_sizes(args.database_url, max(workers))
            job_worker = Cluster.job_worker(env, tmp / "job-worker.log")
            try:
                results = [
                    row
                    for w in workers
                    for row in run_configuration(tmp, env, fake, w, sizes, args)
                ]
            finally:
                job_worker.terminate()
                job_worker.wait(timeout=60)
    report(results, args)


def setup(tmp: Path, fake: Fake, args, max_n: int) -> dict[str, str]:
    reset_database(args.database_url)
    env = app_env(
        tmp / "data",
        fake.url,
        ASSISTANT_DATABASE_URL=args.database_url,
        ASSISTANT_JOBS="queue",
        # several sessions share one staff account (tabs of one person) at N > --accounts
        ASSISTANT_CHAT_MESSAGES_PER_MINUTE="100",
    )
    t = time.monotonic()
    cli(["ingest", str(ROOT / "knowledge")], {**env, "ASSISTANT_JOBS": "inline"})
    staff, managers = accounts(args, max_n)
    with ThreadPoolExecutor(4) as pool:  # CLI processes: start-up and argon2 dominate
        jobs = [(name, ["--group", "allgemein"]) for name in staff]
        jobs += [
            (name, ["--role", "wissensmanagement", "--group", "allgemein"]) for name in managers
        ]
        list(pool.map(lambda job: add(env, *job), jobs))
    grant = ["collections", "grant", "allgemein"]
    cli([*grant, *[o for m in managers for o in ("--manager", m)]], env)
    print(
        f"setup: knowledge/ ingested, {len(staff)} staff and {len(managers)} manager accounts "
        f"in {time.monotonic() - t:.0f} s",
        flush=True,
    )
    return env


def pool_sizes(url: str, workers: int) -> dict[str, str]:
    """Pools sized as docs/operations.md says: all app processes (two pools each), the job
    worker (one) and a few CLI connections under the server's limit; the same sizes for
    every configuration of the run, so that runs compare."""
    limit = pg_scalar(url, "SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
    reserved = pg_scalar(
        url, "SELECT setting::int FROM pg_settings WHERE name = 'superuser_reserved_connections'"
    )
    per_pool = min(15, (limit - reserved - 5) // (2 * workers + 1))
    size = max(1, per_pool // 3)
    sizes = {"ASSISTANT_DATABASE_POOL_SIZE": str(size)}
    sizes["ASSISTANT_DATABASE_POOL_OVERFLOW"] = str(max(0, per_pool - size))
    print(f"pools: size {size} + overflow {per_pool - size} (max_connections {limit})", flush=True)
    return sizes


def accounts(args, max_n: int) -> tuple[list[str], list[str]]:
    staff = [f"last{k:03d}" for k in range(min(args.accounts, max_n))]
    managers = [f"lastwm{k:02d}" for k in range(max(1, min(20, max_n // args.managers_every)))]
    return staff, managers


def add(env: dict[str, str], name: str, options: list[str]) -> None:
    cli(["users", "add", name, "--password-stdin", *options], env, stdin=PASSWORD + "\n")


def account_for(i: int, args, max_n: int) -> tuple[str, bool]:
    staff, managers = accounts(args, max_n)
    if i % args.managers_every == 0:
        return managers[(i // args.managers_every) % len(managers)], True
    return staff[i % len(staff)], False


def run_configuration(tmp: Path, env, fake: Fake, workers: int, sizes: list[int], args) -> list:
    with Cluster(tmp, env, workers) as cluster:
        fake.dump()  # forget the start-up's calls
        warm = asyncio.run(one_session(cluster.url, "last000"))
        warm_chats = fake.dump()
        for _ in range(workers - 1):  # round robin: each worker answers once before the load
            asyncio.run(one_session(cluster.url, "last000"))
            fake.dump()
        model = model_times(warm_chats, args)
        known = {(c["condense"], c["tokens"]) for c in warm_chats}
        if any(t.first is None or t.error for t in warm.turns):
            raise SystemExit(f"warm-up failed: {[(t.error, t.reply[:80]) for t in warm.turns]}")
        print(
            f"{workers} worker(s) up; model's own time per question (first token / end): "
            + ", ".join(f"{a:.2f}/{b:.2f} s" for a, b in model),
            flush=True,
        )
        rows = []
        for n in sizes:
            rows.append(run_once(cluster, fake, workers, n, model, args))
            # the model's own time per question holds only if the fake streamed what it did
            # for the warm-up (an upload could change the passages found)
            rows[-1]["model_deviations"] = sum(
                (c["condense"], c["tokens"]) not in known for c in rows[-1].pop("chats")
            )
            print(summary_line(rows[-1]), flush=True)
        return rows


async def one_session(url: str, name: str) -> Session:
    session = Session(url, name, PASSWORD)
    await session.login()
    await session.connect()
    for q, question in enumerate(QUESTIONS):
        await session.ask(q, question)
    await session.close()
    return session


def model_times(chats: list[dict], args) -> list[tuple[float, float]]:
    """Per question: the model's own seconds to the answer's first token and to its end."""
    first, step = args.first_token, 1 / args.tokens_per_s
    out, before = [], 0.0
    for chat in chats:
        own = first + (chat["tokens"] - 1) * step
        if chat["condense"]:
            before += own
            continue
        out.append((before + first, before + own))
        before = 0.0
    assert len(out) == len(QUESTIONS), f"expected {len(QUESTIONS)} answers, fake saw {chats}"
    return out


def run_once(cluster: Cluster, fake: Fake, workers: int, n: int, model, args) -> dict:
    audit_before = pg_scalar(args.database_url, "SELECT count(*) FROM audit_log")
    errors_before = count_errors(cluster.logs), count_errors(cluster.logs, HISTORY_FAILED)
    others = {"load generator": os.getpid(), "fake model": fake.process.pid}
    others |= {"job worker": Cluster.job_worker_pid, "HAProxy": cluster.haproxy.pid}
    with Sampler(cluster.pids, args.database_url, others) as sampler:
        sessions, wall = asyncio.run(load(cluster.url, n, args))
        load_avg = os.getloadavg()
    audit = pg_scalar(args.database_url, "SELECT count(*) FROM audit_log") - audit_before
    chats = fake.dump()
    return figures(
        workers, n, sessions, wall, model, sampler, load_avg, audit, chats, cluster, errors_before
    )


async def load(url: str, n: int, args) -> tuple[list[Session], float]:
    max_n = max(int(s) for s in args.sessions.split(","))
    roles = [account_for(i, args, max_n) for i in range(n)]
    sessions = [Session(url, name, PASSWORD) for name, _ in roles]
    gate = asyncio.Semaphore(args.login_parallel)

    async def step(session: Session, coro_fn, what: str) -> None:
        if session.error is None:
            try:
                await coro_fn()
            except Exception as exc:  # noqa: BLE001 - counted and reported as an error
                session.error = f"{what}: {type(exc).__name__}: {exc}"

    async def login(session: Session) -> None:
        async with gate:
            await step(session, session.login, "login")

    async def chat(i: int, session: Session) -> None:
        await asyncio.sleep(random.uniform(0, 1))  # not all in the same millisecond
        for q, question in enumerate(QUESTIONS):
            if session.error is None:
                await step(session, lambda q=q, question=question: session.ask(q, question), "ask")
        if roles[i][1] and session.error is None:
            tag = f"{n}-{i}-{time.time_ns()}"  # a new document each time, never a new version
            data = UPLOAD_TEXT.format(tag=tag).encode()
            await step(session, lambda: session.upload(-1, f"mitteilung-{tag}.txt", data), "upload")

    await asyncio.gather(*(login(s) for s in sessions))
    await asyncio.gather(*(step(s, s.connect, "connect") for s in sessions))
    started = time.monotonic()
    await asyncio.gather(*(chat(i, s) for i, s in enumerate(sessions)))
    wall = time.monotonic() - started
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return sessions, wall


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(workers, n, sessions, wall, model, sampler, load_avg, audit, chats, cluster, e0):
    questions = [t for s in sessions for t in s.turns if t.index >= 0]
    uploads = [t for s in sessions for t in s.turns if t.index < 0]
    answered = [t for t in questions if t.end is not None and t.first is not None]
    ended = [t for t in questions if t.end is not None]
    ttft = [t.first - t.sent for t in answered]
    end = [t.end - t.sent for t in answered]
    errors = {
        "login/connect": sum(1 for s in sessions if s.error and not s.turns),
        "question": sum(1 for t in questions if t.error or t.first is None),
        "upload": sum(1 for t in uploads if t.error),
        "app ERROR lines": count_errors(cluster.logs) - e0[0],
        "chat-history writes failed": count_errors(cluster.logs, HISTORY_FAILED) - e0[1],
    }
    samples = [s.error or t.error for s in sessions for t in s.turns if s.error or t.error]
    samples += [f"no streamed answer: {t.reply[:160]!r}" for t in ended if t.first is None]
    samples += [s.error for s in sessions if s.error and not s.turns]
    return {
        "workers": workers,
        "n": n,
        "errors": errors,
        "error_samples": samples[:3],
        "login_p95": pct([s.login_s for s in sessions if s.login_s is not None], 0.95),
        "ttft": (pct(ttft, 0.5), pct(ttft, 0.95)),
        "end": (pct(end, 0.5), pct(end, 0.95)),
        "ovh_ttft": _overhead(answered, model, first=True),
        "ovh_end": _overhead(answered, model, first=False),
        "throughput": len(answered) / wall,
        "answers": len(answered),
        "questions": len(questions),
        "uploads": (len(uploads), pct([t.end - t.sent for t in uploads if t.end], 0.5)),
        "audit": audit,
        "audit_expected": len(ended),
        "rss_mib": [round(r / 2**20) for r in sampler.rss_peak],
        "job_worker_rss_mib": round(sampler.job_worker_peak / 2**20),
        "pg_connections": sampler.pg_peak,
        "load": load_avg,
        "cpu_s": sampler.cpu_s,
        "host_busy": sampler.host_busy,
        "model_calls": len(chats),
        "chats": chats,
        "wall": wall,
    }


def _overhead(turns, model, *, first: bool) -> tuple[float, float]:
    values = [
        (t.first if first else t.end) - t.sent - model[t.index][0 if first else 1] for t in turns
    ]
    return pct(values, 0.5), pct(values, 0.95)


def summary_line(r: dict) -> str:
    errors = sum(r["errors"].values())
    return (
        f"  {r['workers']} worker(s), N={r['n']}: {r['answers']}/{r['questions']} answers in "
        f"{r['wall']:.0f} s, errors {errors} {r['errors']} {r['error_samples']}, first token "
        f"p50/p95 {r['ttft'][0]:.2f}/{r['ttft'][1]:.2f} s, end {r['end'][0]:.2f}/"
        f"{r['end'][1]:.2f} s, audit rows {r['audit']} (answers ended {r['audit_expected']}), "
        f"load {r['load'][0]:.1f}, host CPU busy {r['host_busy']:.0%}, CPU s of "
        + ", ".join(f"{k} {v:.1f}" for k, v in r["cpu_s"].items())
        + f", model calls {r['model_calls']} (unlike the warm-up: "
        f"{r['model_deviations']})"
    )


def report(rows: list[dict], args) -> None:
    print(
        f"\nfake model: {args.first_token} s to the first token, {args.tokens_per_s:.0f} tokens/s "
        "per stream; load generator, fake model, PostgreSQL, HAProxy, the app workers, the job "
        "worker (and other agents' jobs) share 2 cores\n"
    )
    print(
        "| workers | N | errors | login p95 s | first token p50/p95 s | end p50/p95 s | "
        "overhead first token p50/p95 s | overhead end p50/p95 s | answers/s | ratio to 1 "
        "worker (answers/s, end p95) | RSS per worker MiB (peak) | PG conns (peak) | "
        "audit rows = answers | uploads (p50 s) | load avg 1/5 min |"
    )
    print("|" + "---|" * 15)
    base = {r["n"]: r for r in rows if r["workers"] == 1}
    for r in rows:
        b = base.get(r["n"])
        ratio = (
            f"{r['throughput'] / b['throughput']:.2f}, {r['end'][1] / b['end'][1]:.2f}"
            if b
            else "–"
        )
        print(
            f"| {r['workers']} | {r['n']} | {sum(r['errors'].values())} | {r['login_p95']:.2f} | "
            f"{r['ttft'][0]:.2f} / {r['ttft'][1]:.2f} | {r['end'][0]:.2f} / {r['end'][1]:.2f} | "
            f"{r['ovh_ttft'][0]:.2f} / {r['ovh_ttft'][1]:.2f} | "
            f"{r['ovh_end'][0]:.2f} / {r['ovh_end'][1]:.2f} | {r['throughput']:.2f} | {ratio} | "
            f"{' + '.join(map(str, r['rss_mib']))} (job worker {r['job_worker_rss_mib']}) | "
            f"{r['pg_connections']} | {r['audit']} = {r['audit_expected']}: "
            f"{'yes' if r['audit'] == r['audit_expected'] else 'NO'} | "
            f"{r['uploads'][0]} ({r['uploads'][1]:.1f}) | {r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )


if __name__ == "__main__":
    main()
