"""The CLI speaks German all the way: Click's own usage, headings and errors included.

(In-process the program is called `cli`; installed it is `assistant`.)"""

from __future__ import annotations

import pytest


def test_help_is_german(run_cli):
    out = run_cli("--help").output
    assert "[OPTIONEN] BEFEHL [ARGUMENTE]..." in out and out.startswith("Aufruf: "), out
    assert "Optionen:" in out and "Befehle:" in out and "Diese Hilfe anzeigen" in out, out
    for english in ("Usage:", "Options:", "Commands:", "Show this message", "Settings come"):
        assert english not in out, english
    assert "users add [OPTIONEN] NAME" in run_cli("users", "add", "-h").output


@pytest.mark.parametrize(
    ("args", "german"),
    [
        (["users", "add"], "Fehler: Es fehlt das Argument 'NAME'."),
        (["frobnicate"], "Fehler: Den Befehl 'frobnicate' gibt es nicht."),
        (["ask", "--nope", "x"], "Fehler: Die Option '--nope' gibt es nicht."),
        (["search", "-k", "abc", "x"], "'abc' ist keine gültige Zahl (integer)."),
        (["eval", "/gibt/es/nicht.jsonl"], "Datei '/gibt/es/nicht.jsonl' gibt es nicht."),
        (["ingest", "--valid-until", "2020-13-01", "x"], "passt zu keinem der Formate"),
        (["ask", "eins", "zwei"], "Überzähliges Argument (zwei)"),
        (["search", "-k"], "Die Option '-k' braucht einen Wert."),
    ],
)
def test_usage_errors_are_german(run_cli, args, german):
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    assert german in result.output, result.output
    assert "Usage:" not in result.output and "Try '" not in result.output, result.output
