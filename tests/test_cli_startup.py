"""Quick commands stay quick: they build only the services they need.

A command that reads a table must not load Presidio, spaCy, unstructured, Chroma,
LangChain, ONNX Runtime or Chainlit (each costs seconds at start-up); a lexical
search needs the tantivy index only. Checked by the modules a fresh CLI process
has imported when it exits. The timings themselves: bench/cli_startup.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = (
    "presidio_analyzer",
    "spacy",
    "unstructured",
    "chromadb",
    "langchain_core",
    "onnxruntime",
    "chainlit",
)
PROBE = (
    "import atexit, sys\n"
    "heavy = sys.argv[1].split(',')\n"
    "atexit.register(lambda: print('LOADED:' + ','.join(m for m in heavy if m in sys.modules),"
    " file=sys.stderr))\n"
    "sys.argv = ['assistant', *sys.argv[2:]]\n"
    "from assistant.cli import main\n"
    "main()\n"
)


def _loaded(*args: str, stdin: str | None = None) -> set[str]:
    """The heavy libraries a fresh `assistant ARGS…` process had imported at its exit."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(HEAVY), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED:")][-1]
    return {m for m in line[len("LOADED:") :].split(",") if m}


def test_the_probe_sees_heavy_imports(cli_env):
    """Else the tests below would pass for nothing: `redact` needs Presidio and spaCy."""
    assert {"presidio_analyzer", "spacy"} <= _loaded("redact", stdin="Frau Erika Mustermann\n")


@pytest.mark.parametrize(
    "args",
    [
        ("docs", "list"),
        ("users", "list"),
        ("collections", "list"),
        ("logs", "list"),
        ("search", "Tagegeld Dienstreise"),
    ],
)
def test_quick_commands_load_no_heavy_library(cli_env, args):
    assert _loaded(*args) == set()
