"""`assistant redact [--json]`: stdin → stdout, exactly one output line per input line."""

from __future__ import annotations

import json

import pytest
from test_audit import PII, PII_QUESTION, assert_no_raw

from assistant.privacy import MASK

MIXED = (
    f"{PII_QUESTION}\n"
    "\n"
    f"IBAN {PII['IBAN']}\r\n"  # Windows line end
    "   \n"
    "Wie lange gilt die Frist nach § 17 BMG?\n"
    f"Rückruf an {PII['PERSON']}\rTel. {PII['PHONE']}\n"  # a lone CR ends no line
    "Zeilentrenner\u2028bleibt eine Zeile\n"
    f"letzte Zeile ohne Zeilenende, {PII['EMAIL']}"
)


def n_lines(text: str) -> int:
    """Lines as `wc -l` plus an unterminated last line."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def output_lines(stdout: str) -> list[str]:
    assert stdout == "" or stdout.endswith("\n")
    return stdout.split("\n")[:-1]


@pytest.mark.parametrize(
    "text",
    [MIXED, "", "\n", "\n\n\n", "nur eine Zeile", "a\r\n\r\n"],
    ids=["mixed", "empty", "one-empty", "three-empty", "no-newline", "crlf"],
)
def test_one_output_line_per_input_line(run_cli, text):
    result = run_cli("redact", input=text)
    assert result.exit_code == 0, result.output
    assert len(output_lines(result.stdout)) == n_lines(text)


def test_plain_output_is_redacted_and_keeps_clean_lines(run_cli):
    lines = output_lines(run_cli("redact", input=MIXED).stdout)
    assert_no_raw(result_text := "\n".join(lines))
    assert lines[0].startswith("Frau <PERSON>") and "<IBAN>" in lines[0]
    assert lines[1] == "" and lines[2] == "IBAN <IBAN>" and lines[3] == "   "
    assert lines[4] == "Wie lange gilt die Frist nach § 17 BMG?"
    assert lines[5].startswith("Rückruf an <PERSON>") and "<PHONE>" in lines[5]
    assert lines[7].endswith("<EMAIL>")
    assert MASK not in result_text


def test_json_adds_entities_with_offsets_into_the_input_line(run_cli):
    result = run_cli("redact", "--json", input=MIXED)
    records = [json.loads(line) for line in output_lines(result.stdout)]
    assert len(records) == n_lines(MIXED)
    first = records[0]
    assert {e["type"] for e in first["entities"]} >= set(PII)
    for e in first["entities"]:
        assert PII_QUESTION[e["start"] : e["end"]] in PII.values() or e["type"] == "PERSON"
        assert 0 < e["score"] <= 1
    assert records[1] == {"text": "", "entities": []}
    assert_no_raw(json.dumps([r["text"] for r in records], ensure_ascii=False))


def test_too_long_or_broken_input_is_masked_not_dropped(run_cli):
    long_line = "Erika Mustermann " * 7000  # beyond the redactor's size limit
    result = run_cli("redact", input=f"{long_line}\nok\n".encode() + b"kaputt \xff\xfe\n")
    lines = output_lines(result.stdout)
    assert lines[0] == MASK and lines[1] == "ok" and lines[2].startswith("kaputt")
    assert len(lines) == 3
