"""Releases (issue 14, item 5): one version number, a German changelog, migrations on start.

`assistant --version` says the version of pyproject.toml, CHANGELOG.md names it as
its newest release, and `assistant serve` on a database of an older release brings
it to the newest schema before it answers (docs/de/update.md relies on that).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request

import sqlalchemy as sa
from browser_util import ROOT, app_env, free_port
from conftest import make_settings

from assistant import db
from assistant.config import Settings


def test_version_is_pyprojects_and_the_changelogs_newest_release(run_cli):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    out = run_cli("--version")
    assert out.exit_code == 0 and out.output.strip().endswith(f"Version {version}"), out.output
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(
        r"^## \[(\d+\.\d+\.\d+)\] – (\d{4}-\d{2}-\d{2})$", changelog, re.MULTILINE
    )
    assert released and released[0][0] == version, released
    assert "Beim Update beachten" in changelog and "Sicherung" in changelog  # German, for admins


def test_serve_migrates_an_older_database_before_it_answers(tmp_path):
    settings = make_settings(tmp_path)
    settings.ensure_data_dir()
    engine = sa.create_engine(settings.resolved_database_url())
    older = db.MIGRATIONS[:3]  # the schema of an early release
    with engine.begin() as conn:
        db._migrations_table.create(conn)
        for number, name, fn in older:
            fn(conn)
            conn.execute(db._migrations_table.insert().values(id=number, name=name))
    engine.dispose()

    env = app_env(settings.data_dir, "http://127.0.0.1:9")
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError((tmp_path / "serve.log").read_text())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    engine = sa.create_engine(settings.resolved_database_url())
    with engine.connect() as conn:
        applied = [row.name for row in conn.execute(sa.select(db._migrations_table))]
    engine.dispose()
    assert applied == [name for _, name, _ in db.MIGRATIONS]
    assert len(applied) > len(older)


def test_an_older_release_refuses_a_database_a_newer_one_migrated(run_cli):
    """Going back without restoring the backup (docs/de/update.md) is refused in German:
    the older code would run on tables it does not know."""
    assert run_cli("docs", "list").exit_code == 0  # today's schema
    engine = sa.create_engine(Settings(_env_file=None).resolved_database_url())
    with engine.begin() as conn:
        future = len(db.MIGRATIONS) + 1
        conn.execute(db._migrations_table.insert().values(id=future, name="m999_future"))
    engine.dispose()
    out = run_cli("docs", "list")
    assert out.exit_code == 1, out.output
    assert "neueren Version" in out.output and "Sicherung" in out.output, out.output
    assert "Traceback" not in out.output
