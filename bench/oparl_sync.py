"""Council sync (issue 15): throughput and memory of `assistant oparl sync`.

Every sync runs through the real CLI (`.venv/bin/assistant oparl sync URL --json`) as a
process of its own, in a fresh data dir, with `ASSISTANT_SYNC_RATE=0` (no politeness
pause: the figures are the connector's own cost, not the rate limit's):

* **Karlsruhe** — the real snapshot (`../shared/oparl/karlsruhe/serve.py`) in state `old`
  on a free port: a full sync (seconds, requests as the server logged them, objects,
  units and chunks per second); then `new` on the same port and an incremental sync.
  Named baseline: the full sync itself — the incremental run's requests divided by the
  full run's (target ≤ 0.25).
* **Generated** — the fixture server of `tests/oparl_fixture.py` (`running_oparl`) in a
  process of its own, with 2,000 and 10,000 papers: a full sync each (seconds, papers/s,
  requests). Memory: the sync process's RSS sampled every 0.5 s (psutil), and its peak
  as the kernel counted it (`wait4` → `ru_maxrss`). Named baselines in the same run: the
  2,000-paper sync (flat memory = peak at 10k ≈ peak at 2k, target < 1.3×) and the
  process's own floor (`assistant --version`, `assistant docs list`).

The load average is printed beside every figure because the machine (2 cores) is shared.

    .venv/bin/python bench/oparl_sync.py [--quick] [--papers 2000 10000] [--json out.json]
    .venv/bin/python bench/oparl_sync.py --profile 2000   # cProfile of one sync, top functions

`--quick`: 500 and 2,000 papers, no Karlsruhe.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT.parent / "shared" / "oparl" / "karlsruhe"
ASSISTANT = Path(sys.executable).with_name("assistant")
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> float:
    return os.getloadavg()[0]


def _rss(pid: int) -> int | None:
    """Resident set size in bytes (psutil if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss
        except psutil.Error:  # the process has just ended
            return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def run_measured(command: list[str], env: dict, cwd: Path) -> dict:
    """Run `command`; wall time, exit code, stdout, RSS every 0.5 s and the kernel's peak."""
    began, load_before = time.perf_counter(), load()
    with (cwd / "stderr.log").open("a") as err:  # the sync logs per-object problems there
        proc = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True
        )
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            rss = _rss(proc.pid)
            if rss:
                samples.append(rss)
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read()  # the child ends after closing stdout; then reap it ourselves
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    stop.set()
    sampler.join()
    return {
        "seconds": seconds,
        "exit_code": proc.returncode,
        "stdout": out,
        "rss_samples": len(samples),
        "rss_peak_sampled_mb": max(samples, default=0) / MB,
        "rss_peak_mb": usage.ru_maxrss * 1024 / MB,  # Linux: KiB
        "load_before": load_before,
        "load_after": load(),
    }


def environment(data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return env | {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_SYNC_RATE": "0",
        "ASSISTANT_OLLAMA_BASE_URL": f"http://127.0.0.1:{free_port()}",  # never asked
    }


def sync(data_dir: Path, *args: str) -> dict:
    """One `assistant oparl sync ... --json` in `data_dir`; its report and what it held."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [str(ASSISTANT), "oparl", "sync", *args, "--json"]
    result = run_measured(command, environment(data_dir), data_dir.parent)
    if result["exit_code"] != 0:
        raise SystemExit(f"sync failed ({result['exit_code']}): {result['stdout'][-2000:]}")
    result["report"] = json.loads(result.pop("stdout"))
    result |= held(data_dir, result["report"]["source"])
    return result


def held(data_dir: Path, source: str) -> dict:
    """Objects in the sync store, units and chunks in the index after a sync."""
    from assistant.config import Settings
    from assistant.services import Services

    services = Services(Settings(_env_file=None, data_dir=data_dir))
    try:
        objects = services.council.store.count(source)
        records = [r for r in services.manifest.list() if (r.meta or {}).get("kind") == "oparl"]
        return {
            "objects": sum(objects.values()),
            "objects_by_kind": objects,
            "papers": sum(1 for r in records if r.meta.get("type") == "Paper"),
            "units": len(records),
            "chunks": sum(r.chunks for r in records),
        }
    finally:
        services.close()


def floor(tmp: Path) -> dict:
    """The CLI process's own memory floor: `--version` and `docs list`."""
    data = tmp / "floor" / "data"
    data.mkdir(parents=True)
    out = {}
    for name, args in (("version", ["--version"]), ("docs list", ["docs", "list"])):
        r = run_measured([str(ASSISTANT), *args], environment(data), data.parent)
        out[name] = {k: r[k] for k in ("seconds", "rss_peak_mb", "exit_code")}
    return out


# --- servers ------------------------------------------------------------------------------


class Karlsruhe:
    """serve.py in a subprocess on a fixed port; its request log (stderr) in a file."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.proc = port, log, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/oparl/system"

    def start(self, state: str) -> None:
        import urllib.request

        self.log.write_text("")
        with self.log.open("a") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(SNAPSHOT / "serve.py"), "--root", str(SNAPSHOT / "data"),
                 "--port", str(self.port), "--snapshot", state],
                stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url, timeout=5).read()
                self.log.write_text("")  # count only the connector's requests
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"serve.py did not start: {self.log.read_text()[-500:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # by its PID
            self.proc.wait(10)
        self.proc = None

    def requests(self) -> int:
        return len(re.findall(r'"GET \S+ HTTP', self.log.read_text()))


class Generated:
    """The fixture server (`running_oparl`) in a process of its own (`--serve N`)."""

    def __init__(self, papers: int):
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(papers)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit("the fixture server did not start")

    def stop(self) -> None:
        self.proc.stdin.close()  # it serves until its stdin closes
        self.proc.wait(30)


def serve(papers: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from oparl_fixture import running_oparl

    with running_oparl(n_papers=papers) as oparl:
        print(oparl.url, flush=True)
        sys.stdin.read()


# --- parts --------------------------------------------------------------------------------


def karlsruhe(tmp: Path) -> dict:
    server = Karlsruhe(free_port(), tmp / "serve.log")
    data = tmp / "karlsruhe" / "data"
    try:
        server.start("old")
        full = sync(data, server.url, "--name", "karlsruhe")
        full["server_requests"] = server.requests()
        server.stop()
        server.start("new")
        inc = sync(data, "--name", "karlsruhe")
        inc["server_requests"] = server.requests()
    finally:
        server.stop()
    return {"full": full, "incremental": inc}


def generated(tmp: Path, papers: int) -> dict:
    server = Generated(papers)
    try:
        return sync(tmp / f"gen{papers}" / "data", server.url, "--name", f"gen{papers}")
    finally:
        server.stop()


def profile(papers: int, out: Path) -> None:
    """One sync of `papers` generated papers under cProfile; the top functions."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        server = Generated(papers)
        try:
            command = [sys.executable, "-m", "cProfile", "-o", str(out), str(ASSISTANT),
                       "oparl", "sync", server.url, "--name", "prof", "--json"]  # fmt: skip
            r = run_measured(command, environment(data), Path(tmp))
        finally:
            server.stop()
    print(f"profiled sync of {papers} papers: {r['seconds']:.1f} s (load {r['load_before']:.1f})")
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


# --- report -------------------------------------------------------------------------------


def _loads(r: dict) -> str:
    return f"load {r['load_before']:.1f}→{r['load_after']:.1f}"


def print_karlsruhe(k: dict) -> None:
    full, inc = k["full"], k["incremental"]
    s = full["seconds"]
    print(
        f"Karlsruhe full (old)    {s:7.1f} s  {full['server_requests']:5d} requests  "
        f"{full['objects'] / s:6.1f} objects/s  {full['units'] / s:5.1f} units/s  "
        f"{full['chunks'] / s:6.1f} chunks/s  ({full['objects']} objects, {full['units']} units, "
        f"{full['chunks']} chunks, problems {len(full['report']['problems'])}; peak RSS {full['rss_peak_mb']:.0f} MB; {_loads(full)})"
    )
    c = inc["report"]["counts"]
    print(
        f"Karlsruhe incr. (new)   {inc['seconds']:7.1f} s  {inc['server_requests']:5d} requests  "
        f"(new {c['new']}, changed {c['changed']}, deleted {c['deleted']}, "
        f"problems {len(inc['report']['problems'])}; "
        f"peak RSS {inc['rss_peak_mb']:.0f} MB; {_loads(inc)})"
    )
    ratio = inc["server_requests"] / full["server_requests"]
    verdict = "met" if ratio <= 0.25 else "NOT met"
    print(f"ratio incremental / full requests: {ratio:.3f} (target ≤ 0.25: {verdict})")
    print(
        f"ratio incremental / full seconds:  {inc['seconds'] / s:.3f}",
    )


def print_generated(runs: dict[int, dict], base: dict) -> None:
    for n, r in runs.items():
        s = r["seconds"]
        print(
            f"generated {n:>6} papers {s:7.1f} s  {r['report']['requests']:5d} requests  "
            f"{r['papers'] / s:6.1f} papers/s  {r['chunks'] / s:6.1f} chunks/s  "
            f"peak RSS {r['rss_peak_mb']:5.0f} MB (sampled {r['rss_peak_sampled_mb']:.0f}, "
            f"{r['rss_samples']} samples)  ({r['units']} units, {r['chunks']} chunks; {_loads(r)})"
        )
    for name, f in base.items():
        print(f"floor: assistant {name:<10} peak RSS {f['rss_peak_mb']:5.0f} MB")
    small, large = min(runs), max(runs)
    ratio = runs[large]["rss_peak_mb"] / runs[small]["rss_peak_mb"]
    verdict = "flat" if ratio < 1.3 else "NOT flat"
    print(
        f"ratio peak RSS {large} / {small} papers: {ratio:.2f} (target < 1.3: {verdict}); "
        f"papers ×{large / small:.0f}"
    )
    floor_mb = base["docs list"]["rss_peak_mb"]
    growth = (runs[large]["rss_peak_mb"] - floor_mb) / max(runs[small]["rss_peak_mb"] - floor_mb, 1)
    print(f"ratio above the docs-list floor ({floor_mb:.0f} MB), {large} / {small}: {growth:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 + 2000 papers, no Karlsruhe")
    parser.add_argument("--papers", type=int, nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument("--skip-karlsruhe", action="store_true")
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile one N-paper sync")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.profile:
        return profile(args.profile, Path(tempfile.gettempdir()) / "oparl_sync.prof")
    sizes = args.papers or ((500, 2000) if args.quick else (2000, 10000))
    with_karlsruhe = not (args.quick or args.skip_karlsruhe)
    if with_karlsruhe and not (SNAPSHOT / "serve.py").exists():
        raise SystemExit(f"no snapshot at {SNAPSHOT}")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{started}; load average at start: {load():.1f} (2 cores)", flush=True)
    results: dict = {"started": started, "load_start": load()}
    with tempfile.TemporaryDirectory(prefix="oparl-bench-") as name:
        tmp = Path(name)
        results["floor"] = floor(tmp)
        if with_karlsruhe:
            results["karlsruhe"] = karlsruhe(tmp)
            print_karlsruhe(results["karlsruhe"])
        runs = {}
        for n in sizes:
            runs[n] = generated(tmp, n)
            print(f"  ... {n} papers: {runs[n]['seconds']:.1f} s", flush=True)
        results["generated"] = runs
        print_generated(runs, results["floor"])
    results["load_end"] = load()
    print(f"load average at end: {results['load_end']:.1f}")
    line = summary(results)
    print(json.dumps(line))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def summary(results: dict) -> dict:
    """The headline figures as one JSON line."""
    out: dict = {"started": results["started"], "load_start": round(results["load_start"], 1)}
    if "karlsruhe" in results:
        full, inc = results["karlsruhe"]["full"], results["karlsruhe"]["incremental"]
        out["karlsruhe"] = {
            "full_s": round(full["seconds"], 1),
            "full_requests": full["server_requests"],
            "objects_per_s": round(full["objects"] / full["seconds"], 1),
            "units_per_s": round(full["units"] / full["seconds"], 1),
            "chunks_per_s": round(full["chunks"] / full["seconds"], 1),
            "incremental_s": round(inc["seconds"], 1),
            "incremental_requests": inc["server_requests"],
            "ratio_requests": round(inc["server_requests"] / full["server_requests"], 3),
        }
    runs = results["generated"]
    out["generated"] = {
        str(n): {
            "s": round(r["seconds"], 1),
            "requests": r["report"]["requests"],
            "papers_per_s": round(r["papers"] / r["seconds"], 1),
            "peak_rss_mb": round(r["rss_peak_mb"]),
        }
        for n, r in runs.items()
    }
    small, large = min(runs), max(runs)
    out["ratio_peak_rss"] = round(runs[large]["rss_peak_mb"] / runs[small]["rss_peak_mb"], 2)
    out["floor_rss_mb"] = {k: round(v["rss_peak_mb"]) for k, v in results["floor"].items()}
    out["load_end"] = round(results["load_end"], 1)
    return out


if __name__ == "__main__":
    main()
