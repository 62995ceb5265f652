"""The CLI in a pipe: plain text from every command, progress lines from `ingest`.

Piped or redirected (cron, `tee`, `| grep`), no command may print colour codes,
markup tags such as `[dim]…[/dim]`, box-drawing tables or sentences broken at 80
columns. On a terminal `ingest` shows a progress bar with files, chunks and the
current file.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys

import click

from assistant.cli import cli

MARKUP = re.compile(r"\[/?(?:bold|dim|red|green|yellow|italic|b|i|u)\b[^\]]*\]")
ANSI = "\x1b["
BOX = set("┏┓┗┛┃━│─┡┩└┘┌┐╭╮╰╯")
TITLE = "Hundesteuer [entwurf] und Leinenpflicht"  # lower-case brackets look like markup
DOC = (
    f"# {TITLE}\n\n## § 1 Steuersatz\n\nDie Hundesteuer beträgt 120 Euro im Jahr für den "
    "ersten Hund. Für jeden weiteren Hund sind 180 Euro zu zahlen.\n\n## § 2 Leinenpflicht\n\n"
    "In Grünanlagen sind Hunde an der Leine zu führen.\n"
)


def _plain(label: str, text: str) -> None:
    assert ANSI not in text, f"{label}: colour codes\n{text}"
    assert not MARKUP.search(text), f"{label}: markup printed literally\n{text}"
    assert not BOX & set(text), f"{label}: box-drawing table in a pipe\n{text}"


def _commands(group: click.Group, prefix=()) -> set[tuple[str, ...]]:
    out = set()
    for name, command in group.commands.items():
        path = (*prefix, name)
        out |= _commands(command, path) if isinstance(command, click.Group) else {path}
    return out


def _run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """The installed CLI as a separate process with pipes: a real non-terminal."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=input,
        capture_output=True,
        check=False,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "COLUMNS")},
        timeout=300,
    )


def _source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "hundesteuer.md").write_text(DOC, encoding="utf-8")
    (src / "leer.txt").write_text("", encoding="utf-8")  # fails: no text
    return src


def test_ingest_prints_plain_progress_lines_in_a_pipe(tmp_path, cli_env):
    src = _source(tmp_path)
    (src / "zweites.md").write_text(DOC.replace("Hundesteuer", "Katzensteuer"), encoding="utf-8")
    result = _run("ingest", str(src))
    assert result.returncode == 1  # leer.txt cannot be read
    lines = result.stderr.splitlines()
    _plain("ingest", result.stderr)
    assert lines[0] == "Einlesen: 3 Dateien", lines
    progress = [line for line in lines if re.match(r"\[\d/3\] ", line)]
    assert len(progress) == 3, lines
    assert any(
        re.fullmatch(r"\[\d/3\] neu, \d+ Abschnitte?: .*hundesteuer\.md", line) for line in progress
    ), progress
    assert any(re.fullmatch(r"\[\d/3\] FEHLER: .*leer\.txt", line) for line in progress), progress
    # The summary: whole sentences, each on one line (not broken at 80 columns).
    summary = [line for line in lines if line.startswith("3 Dateien in ")]
    assert len(summary) == 1 and re.fullmatch(
        r"3 Dateien in \d+,\d s: 2 neu, 1 fehlerhaft\.", summary[0]
    ), lines
    assert re.fullmatch(r"\d+ Abschnitte geschrieben\.", lines[-1]), lines


def test_ingest_shows_a_progress_bar_on_a_terminal(tmp_path, cli_env):
    src = _source(tmp_path)
    (src / "leer.txt").unlink()
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(src)],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=60) == 0
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    assert re.search(r"Einlesen .*1/1 Dateien · \d+ Abschnitte ·.*hundesteuer\.md", text), text
    assert "1 Datei in " in text and "Abschnitte geschrieben." in text


def _connector_commands(run_cli, monkeypatch) -> dict:
    """The council and open-data commands against our fixture servers."""
    from ckan_fixture import CSV, CkanFixture, package, running_ckan
    from oparl_fixture import running_oparl

    monkeypatch.setenv("ASSISTANT_SYNC_RATE", "0")
    outputs = {}
    with running_oparl(n_papers=6) as council, running_ckan(CkanFixture([package(1)])) as portal:
        csv_url = portal.add_file("kita.csv", CSV)
        portal.packages["pkg-0001"]["resources"].append(
            {"id": "pkg-0001-csv", "name": "Kita-Plätze", "format": "CSV", "url": csv_url}
        )
        for args in (
            ("oparl", "sync", council.url, "--name", "rat"),
            ("oparl", "list"),
            ("oparl", "remove", "rat"),
            ("opendata", "sync", portal.url, "--name", "portal"),
            ("opendata", "list"),
            ("opendata", "table", "pkg-0001"),
            ("opendata", "compare", "Einwohner"),  # no key figures configured: a German error
            ("opendata", "check"),  # nothing configured: nothing to check
            ("opendata", "remove", "portal"),
        ):
            result = run_cli(*args)
            assert result.exit_code in (0, 1), (args, result.output)
            outputs[args] = result
            _plain(" ".join(args), result.output)
    assert outputs[("oparl", "sync", council.url, "--name", "rat")].exit_code == 0
    assert "1.204" in outputs[("opendata", "table", "pkg-0001")].output
    return outputs


def test_every_command_prints_plain_text_in_a_pipe(tmp_path, run_cli, monkeypatch):
    """In-process (one start-up for all commands); Click's runner is no terminal either."""
    src = _source(tmp_path)
    questions = tmp_path / "fragen.jsonl"
    rows = [
        {"id": "q1", "question": "Wie hoch ist die Hundesteuer?", "source": "hundesteuer.md"},
        {"id": "q2", "question": "Wann gilt die Leinenpflicht?", "source": "katzen.md"},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    calls: list[tuple[tuple[str, ...], str | None]] = [
        (("users", "add", "anna", "-g", "allgemein", "--password-stdin"), "geheim-genug-1234\n"),
        (("users", "list"), None),
        (("users", "set-roles", "anna", "wissen"), None),
        (("users", "set-groups", "anna", "allgemein,personal"), None),
        (("users", "reset-password", "anna"), None),
        (("users", "logout", "anna"), None),
        (("users", "demo", "--env-file", str(tmp_path / ".env")), None),
        (("collections", "add", "personal", "-g", "personal"), None),
        (("collections", "grant", "personal", "-m", "anna"), None),
        (("collections", "revoke", "personal", "-m", "anna"), None),
        (("collections", "list"), None),
        (("ingest", str(src)), None),
        (("docs", "list"), None),
        (("search", "Hundesteuer"), None),
        (("ask", "Wie hoch ist die Hundesteuer?"), None),
        (("eval", str(questions)), None),
        (("redact",), "Frau Erika Mustermann, Tel. 0171 2345678\n"),
        (("logs", "list"), None),
        (("logs", "stats"), None),
        (("logs", "export"), None),
        (("logs", "purge", "--older-than", "90d"), None),
        (("doctor",), None),
        (("reindex", "--vectors"), None),
        (("worker", "--drain"), None),
        # refused in German (no PostgreSQL needed); the copy itself: test_db_copy.py
        (("migrate", "--to-postgres", "sqlite:///anderswo.db"), None),
        (("users", "remove", "anna"), None),
    ]
    outputs = {}
    for args, stdin in calls:
        result = run_cli(*args, input=stdin)
        assert result.exit_code in (0, 1), (args, result.output)
        outputs[args] = result
        _plain(" ".join(args), result.output)
    outputs.update(_connector_commands(run_cli, monkeypatch))
    doc_id = json.loads(run_cli("docs", "list", "--json").stdout)[0]["doc_id"]
    entry = json.loads(run_cli("logs", "list", "--json").stdout)[0]["id"]
    for args in (
        ("docs", "show", doc_id),
        ("logs", "show", str(entry)),
        ("docs", "remove", doc_id),
    ):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        outputs[args] = result
        _plain(" ".join(args), result.output)
    exercised = {
        args[: 2 if args[0] in ("users", "collections", "docs", "logs", "oparl", "opendata") else 1]
        for args in outputs
    }
    # `serve` replaces itself with the Chainlit server: its log is tested where it is served.
    assert _commands(cli) - exercised == {("serve",)}

    # Data keeps its brackets, and a table row is one tab-separated line.
    listed = outputs[("docs", "list")].stdout.splitlines()
    assert listed[0].split("\t")[:3] == ["doc_id", "Sammlung", "Titel"]
    assert any(line.split("\t")[2] == TITLE for line in listed[1:]), listed
    assert f"[1] {TITLE}" in outputs[("search", "Hundesteuer")].stdout
    asked = outputs[("ask", "Wie hoch ist die Hundesteuer?")].stdout
    assert re.search(rf"\[1\] {re.escape(TITLE)} – .*hundesteuer\.md", asked), asked
    assert "ok\tpython\t" in outputs[("doctor",)].stdout
