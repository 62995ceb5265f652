"""Settings, `.env.example` and the CLI's help stay in step with the code."""

from __future__ import annotations

import click
from conftest import ROOT

from assistant.cli import cli
from assistant.config import Settings, render_env_example


def test_env_example_is_generated_from_settings():
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == render_env_example(), (
        "regenerate with `make env-example`"
    )


def test_every_setting_is_documented():
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, name


def test_settings_read_env_prefix(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "x"))
    monkeypatch.setenv("ASSISTANT_WEIGHT_DENSE", "0")
    settings = Settings(_env_file=None)
    assert settings.data_dir == tmp_path / "x" and settings.weight_dense == 0.0
    assert settings.resolved_database_url().startswith("sqlite:///")


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_command_has_help(run_cli):
    seen = []
    for path, command in _commands(cli):
        assert command.help and command.help.strip(), f"no help for {' '.join(path)}"
        result = run_cli(*path, "--help")
        assert result.exit_code == 0 and result.output.startswith("Aufruf: ")
        seen.append(" ".join(path))
    for contract in (
        "ingest",
        "docs list",
        "docs show",
        "docs remove",
        "search",
        "doctor",
        "serve",
    ):
        assert contract in seen
