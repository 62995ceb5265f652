"""CLI start-up: wall time of everyday commands from a cold process, against `--help`.

    python bench/cli_startup.py                      # this interpreter's venv, 5 runs each
    python bench/cli_startup.py --python /opt/amtswissen/.venv/bin/python --runs 9
    python bench/cli_startup.py --data /tmp/kb       # reuse a data dir (else one is built)

Every run is a new process (`python -m assistant …`), so each pays Python's start,
the imports and the database open, as a person at the terminal does. Printed per
command: median and best wall time, median CPU time (user + system: less
sensitive to other load on the host), the ratio of the median to `assistant --help`
(the floor: Python, Click and the command table), and which heavy libraries the
command imported (Presidio, spaCy, unstructured, Chroma, LangChain, ONNX Runtime,
Chainlit). Also printed: the load average (the targets hold on a quiet host) and
whether the venv has bytecode (`make install` compiles it; without it every start
compiles the imported modules again where the venv is read-only or
PYTHONDONTWRITEBYTECODE is set).

Targets (issue 13): list commands under 1 s, a search under 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "presidio_analyzer",
    "spacy",
    "unstructured",
    "chromadb",
    "langchain_core",
    "onnxruntime",
    "chainlit",
)
COMMANDS = [
    ("--help",),
    ("docs", "list"),
    ("users", "list"),
    ("collections", "list"),
    ("logs", "list", "-n", "5"),
    ("search", "Tagegeld Dienstreise"),
]
# Runs the CLI as `python -m assistant` does, then names the heavy modules it imported.
PROBE = (
    "import atexit, sys\n"
    "heavy = {heavy!r}\n"
    "atexit.register(lambda: print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules),"
    " file=sys.stderr))\n"
    "sys.argv = ['assistant', *sys.argv[1:]]\n"
    "from assistant.cli import main\n"
    "main()\n"
)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(python: str, args: tuple[str, ...], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and the heavy modules of one fresh process."""
    cpu = _child_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    seconds = time.perf_counter() - start
    cpu = _child_cpu() - cpu
    if done.returncode:
        raise SystemExit(f"assistant {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    heavy = [line[6:] for line in done.stderr.splitlines() if line.startswith("HEAVY:")]
    return seconds, cpu, heavy[-1] if heavy else "?"


def has_bytecode(python: str) -> bool:
    """Whether the venv's site-packages hold compiled modules (sqlalchemy as the sample)."""
    code = "import sqlalchemy, importlib.util as u; print(u.cache_from_source(sqlalchemy.__file__))"
    cached = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return Path(cached.stdout.strip()).exists()


def build_data(python: str, env: dict[str, str]) -> None:
    print("Baue das Datenverzeichnis: assistant ingest knowledge/ …", flush=True)
    subprocess.run(
        [python, "-m", "assistant", "ingest", str(ROOT / "knowledge"), "--json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the venv's interpreter")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, help="data dir with documents (else built)")
    opts = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    data = opts.data or Path(tempfile.mkdtemp(prefix="cli-startup-")) / "data"
    env["ASSISTANT_DATA_DIR"] = str(data)
    env["ASSISTANT_OLLAMA_BASE_URL"] = "http://127.0.0.1:9"  # nothing runs there
    if opts.data is None:
        build_data(opts.python, env)

    print(f"Interpreter: {opts.python}")
    print(f"Bytecode im venv: {'ja' if has_bytecode(opts.python) else 'nein'}")
    print(f"PYTHONDONTWRITEBYTECODE: {env.get('PYTHONDONTWRITEBYTECODE', '-')}")
    print(f"Last (1/5/15 min) vorher: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'Befehl':<28}{'Median':>8}{'Bester':>8}{'CPU':>8}{'x --help':>10}  schwere Module")
    floor = None
    for args in COMMANDS:
        run(opts.python, args, env)  # warm the page cache: "cold" means a new process
        times, cpus, heavy = [], [], ""
        for _ in range(opts.runs):
            seconds, cpu, heavy = run(opts.python, args, env)
            times.append(seconds)
            cpus.append(cpu)
        median, cpu = statistics.median(times), statistics.median(cpus)
        floor = floor or median
        label = " ".join(args)[:27]
        ratio = median / floor
        print(
            f"{label:<28}{median:>7.2f}s{min(times):>7.2f}s{cpu:>7.2f}s{ratio:>10.2f}  {heavy or '-'}"
        )
    print(f"Last (1/5/15 min) nachher: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
