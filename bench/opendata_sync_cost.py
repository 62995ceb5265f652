"""What one e5 vector per dataset costs at sync (issue 16): the five replayed portals of
../shared/opendata synced twice in one run, into two fresh data dirs, through the real CLI.

    .venv/bin/python bench/opendata_sync_cost.py [--portals berlin,koeln,bonn,moers,govdata]

Baseline 'lexical': `ASSISTANT_OPENDATA_WEIGHT_DENSE=0` (nothing embedded); then the default
(e5, one vector per dataset). Prints wall seconds per portal and in all, and the ratio.
The runs alternate portal by portal so that a change in the host's load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "opendata"
CLI = str(ROOT / ".venv" / "bin" / "assistant")
PORTALS = ("berlin", "koeln", "bonn", "moers", "govdata")
RUNS = {"lexical": {"ASSISTANT_OPENDATA_WEIGHT_DENSE": "0"}, "default (e5)": {}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(portal: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(SHARED / "serve.py"), "--root", str(SHARED / "data"),
         "--port", str(port), "--portal", portal],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def sync(url: str, portal: str, data_dir: Path, extra: dict) -> tuple[float, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_SYNC_RATE="0", **extra)
    began = time.perf_counter()
    done = subprocess.run([CLI, "opendata", "sync", url, "--name", portal, "--json"],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"sync {portal} failed: {done.stderr[-1000:]}")
    return seconds, json.loads(done.stdout)["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", default=",".join(PORTALS))
    portals = parser.parse_args().portals.split(",")
    totals = dict.fromkeys(RUNS, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        for portal in portals:
            server, url = serve(portal)
            try:
                row = []
                for name, extra in RUNS.items():
                    seconds, counts = sync(url, portal, Path(tmp) / name.split()[0], extra)
                    totals[name] += seconds
                    row.append(f"{name} {seconds:6.1f} s")
                print(f"{portal:8} {counts['new']:5d} datasets: " + " | ".join(row), flush=True)
            finally:
                server.terminate()
    base, new = totals["lexical"], totals["default (e5)"]
    print(f"total: lexical {base:.1f} s, default (e5) {new:.1f} s, ratio {new / base:.2f}×")
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
