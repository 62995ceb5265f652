"""The German admin guide (docs/de/) is run, not just read (issue 14, item 3).

Every fenced block has a kind, and each kind is checked:

* ```bash – run, in the guide's order, as one shell script (`set -euo pipefail`) in a
  temp dir that mirrors the guide's paths (/opt/amtswissen is a real clone of this
  checkout with its .venv, /var/lib, /etc/amtswissen, /var/backups, /srv), with the
  real CLI. What the `bash root` blocks before it would have done (service user,
  directories, clone, install) is done by the test instead; Ollama is unreachable.
  Afterwards: the searches found what the guide says, the restore brought the data
  back, the site dir loads, the .env holds only real settings, and no tracked file of
  the clone changed (so a later `git pull` applies).
* ```bash root – needs root, systemd, nginx, a package index or a database admin: not
  run; `bash -n` and every command must be a known program.
* ```env – every variable is a setting of assistant/config.py or one Chainlit reads.
* ```ini – the systemd unit runs `assistant serve` as the service user on loopback.
* ```nginx – balanced, TLS, websocket, X-Forwarded-* replaced (never appended).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from browser_util import ROOT

from assistant.config import Settings

GUIDE = ROOT / "docs" / "de"
FENCE = re.compile(r"^ *```(\w+)([^\n]*)\n(.*?)^ *```\s*$", re.MULTILINE | re.DOTALL)
KINDS = {"bash", "bash root", "env", "ini", "nginx"}
# The guide's paths and where the test keeps them.
PATHS = ("/opt/amtswissen", "/var/lib", "/etc/amtswissen", "/var/backups/amtswissen", "/srv")
# Programs of `bash root` blocks that a test machine need not have.
ADMIN_TOOLS = {
    "apt-get",
    "useradd",
    "install",
    "sudo",
    "cd",
    "systemctl",
    "journalctl",
    "curl",
    "nginx",
    "ln",
    "ollama",
    "git",
    "python3",
    "createuser",
    "createdb",
    "pg_dump",
    "pg_restore",
    ".tools/bin/pip",
    ".tools/bin/uv",
}
CHAINLIT_ENV = {
    "CHAINLIT_AUTH_SECRET",
    "CHAINLIT_URL",
    "OAUTH_GENERIC_CLIENT_ID",
    "OAUTH_GENERIC_CLIENT_SECRET",
    "OAUTH_GENERIC_AUTH_URL",
    "OAUTH_GENERIC_TOKEN_URL",
    "OAUTH_GENERIC_USER_INFO_URL",
    "OAUTH_GENERIC_SCOPES",
    "OAUTH_GENERIC_USER_IDENTIFIER",
    "OAUTH_GENERIC_NAME",
}


def pages() -> list[Path]:
    """README first, then the pages in the order its table lists them."""
    index = GUIDE / "README.md"
    names = re.findall(r"^\| \d+ \| \[[^\]]+\]\(([\w.-]+\.md)\)", index.read_text(), re.MULTILINE)
    assert len(names) >= 8, names
    return [index] + [GUIDE / n for n in names]


def blocks(kind: str | None = None) -> list[tuple[Path, str, str]]:
    found = []
    for page in pages():
        for lang, rest, body in FENCE.findall(page.read_text(encoding="utf-8")):
            found.append((page, f"{lang}{rest}".strip(), textwrap.dedent(body)))
    return [b for b in found if kind is None or b[1] == kind]


def test_every_page_is_listed_and_every_block_has_a_checked_kind():
    assert {p.name for p in pages()} == {p.name for p in GUIDE.glob("*.md")}
    unknown = [(p.name, k) for p, k, _ in blocks() if k not in KINDS]
    assert not unknown, unknown


def test_links_in_the_docs_lead_somewhere():
    """Relative links of README and docs/ (German and English) name existing files."""
    broken = []
    for page in [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").rglob("*.md")]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, broken


# --- blocks that are not run -------------------------------------------------------------


def _commands(body: str):
    """The first word of each command line (heredoc bodies and continuations skipped)."""
    for words in _command_words(body):
        yield words[0]


def _command_words(body: str):
    """The words of each command (after `sudo -u USER`), heredoc bodies skipped."""
    heredoc = None
    for line in body.splitlines():
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for part in re.split(r"&&|\|\||;|\|", line):
            words = part.split()
            while words and words[0] == "sudo":  # sudo -u USER command …
                words = words[3:] if words[1:2] == ["-u"] else words[1:]
                words = [w for w in words if w not in ("-s", "-i")]  # a shell as that user
            if words:
                yield words
        if found := re.search(r"<<-?'?(\w+)'?", line):
            heredoc = found.group(1)


def test_root_blocks_are_valid_shell_with_known_programs():
    for page, _, body in blocks("bash root"):
        check = subprocess.run(
            ["bash", "-n"], input=body, text=True, capture_output=True, check=False
        )
        assert check.returncode == 0, (page.name, body, check.stderr)
        unknown = {c for c in _commands(body) if c not in ADMIN_TOOLS and not shutil.which(c)}
        assert not unknown, (page.name, unknown)


def test_long_options_in_root_blocks_exist_where_the_program_is_installed():
    """`pg_dump --format=custom`, `useradd --home-dir` …: a mistyped option would only show
    on the city's server; checked against the program's own --help where it is here."""
    checked = 0
    for page, _, body in blocks("bash root"):
        for words in _command_words(body):
            here = ROOT / words[0]  # .tools/bin/uv: the checkout's own, if `make` made it
            program = str(here) if words[0].startswith(".tools/") and here.exists() else None
            program = program or shutil.which(words[0])
            options = {w.split("=")[0] for w in words[1:] if w.startswith("--")}
            if not program or not options:
                continue
            helps = [[program, "--help"]]
            if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
                helps.append([program, words[1], "--help"])  # `uv sync`: its own options
            shown = "".join(_help(cmd) for cmd in helps)
            missing = {o for o in options if o not in shown}
            assert not missing, (page.name, words, missing)
            checked += 1
    assert checked  # at least git, python3 and the PostgreSQL tools here


def _help(cmd: list[str]) -> str:
    env = {**os.environ, "PAGER": "cat", "MANPAGER": "cat", "GIT_PAGER": "cat"}
    shown = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False, env=env)
    return shown.stdout + shown.stderr


def _env_keys(text: str) -> list[str]:
    keys = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert re.match(r"^[A-Z][A-Z0-9_]*=\S", line), line
            keys.append(line.split("=", 1)[0])
    return keys


def _unknown_settings(keys) -> list[str]:
    fields = {f"ASSISTANT_{name.upper()}" for name in Settings.model_fields}
    return [k for k in keys if k not in fields and k not in CHAINLIT_ENV]


def test_env_blocks_name_only_real_settings():
    envs = blocks("env")
    assert envs
    for page, _, body in envs:
        assert not _unknown_settings(_env_keys(body)), page.name


def test_the_systemd_unit_serves_on_loopback_as_the_service_user():
    (unit,) = [body for _, _, body in blocks("ini")]
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(unit)
    service = parser["Service"]
    assert service["User"] == "amtswissen" and service["WorkingDirectory"] == "/opt/amtswissen"
    assert service["ExecStart"].startswith("/opt/amtswissen/.venv/bin/assistant serve ")
    assert "--host 127.0.0.1" in service["ExecStart"]
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == ["/var/lib/amtswissen"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_the_nginx_server_block_terminates_tls_and_replaces_forwarded_headers():
    (config,) = [body for _, _, body in blocks("nginx")]
    code = "\n".join(line.split("#")[0].rstrip() for line in config.splitlines())
    assert code.count("{") == code.count("}")
    for line in filter(None, (line.strip() for line in code.splitlines())):
        assert line.endswith((";", "{", "}")), line
    for needed in (
        "listen 443 ssl;",
        "ssl_certificate ",
        "ssl_certificate_key ",
        "proxy_pass http://127.0.0.1:8000;",
        "proxy_set_header Upgrade $http_upgrade;",
        'proxy_set_header Connection "upgrade";',
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "return 301 https://",
    ):
        assert needed in code, needed
    assert "$proxy_add_x_forwarded_for" not in code


# --- the blocks that are run --------------------------------------------------------------


def _mapped(text: str, tmp: Path) -> str:
    pattern = r"(?<![\w/.])(" + "|".join(map(re.escape, PATHS)) + r")(?=[/\s\"'\]]|$)"
    return re.sub(pattern, lambda m: f"{tmp}{m.group(1)}", text, flags=re.MULTILINE)


def _prepare(tmp: Path) -> None:
    """What the guide's root blocks do before the service user's first command."""
    for path in (
        "var/lib/amtswissen",
        "etc/amtswissen",
        "etc/amtswissen/site",
        "var/backups/amtswissen",
        "srv",
    ):
        (tmp / path).mkdir(parents=True, mode=0o700)
    (tmp / "opt").mkdir()
    # The project's repository as the city pulls from it: a branch `main` at this commit,
    # the city's clone one commit behind, so the guide's `git pull` is a real update.
    origin, clone = tmp / "origin.git", tmp / "opt" / "amtswissen"
    head = _git(ROOT, "rev-parse", "HEAD")
    subprocess.run(["git", "clone", "--quiet", "--bare", str(ROOT), str(origin)], check=True)
    _git(origin, "update-ref", "refs/heads/main", head)
    _git(origin, "symbolic-ref", "HEAD", "refs/heads/main")
    subprocess.run(["git", "clone", "--quiet", str(origin), str(clone)], check=True)
    if (
        subprocess.run(
            ["git", "-C", str(clone), "rev-parse", "-q", "--verify", "HEAD~1"],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    ):
        _git(clone, "reset", "--quiet", "--hard", "HEAD~1")
    (clone / ".venv").symlink_to(ROOT / ".venv")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def guide_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guide")
    _prepare(tmp)
    script = ["set -euo pipefail", "set -x", f"cd {tmp}"]
    for page, _, body in blocks("bash"):
        script += [f": '### {page.name}'", _mapped(body, tmp)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHAINLIT_"))}
    env |= {"HOME": str(tmp), "ASSISTANT_OLLAMA_BASE_URL": "http://127.0.0.1:9", "LANG": "C.UTF-8"}
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    (tmp / "guide.log").write_text(done.stdout)
    assert done.returncode == 0, done.stdout[-6000:]
    return tmp, done.stdout


def _after(output: str, command: str) -> str:
    """What `command` printed (set -x marks each command with a leading '+ ')."""
    part = output.split(f"+ {command}\n", 1)[1]
    return re.split(r"^\+ ", part, maxsplit=1, flags=re.MULTILINE)[0]


def test_the_guide_runs_and_the_restricted_collection_holds(guide_run):
    _, output = guide_run
    fact = "1.200 Euro"
    assert fact in _after(output, "assistant search Fortbildungsbudget --user paul")
    assert fact in _after(output, "assistant search Fortbildungsbudget --user kim")
    assert fact not in _after(output, "assistant search Fortbildungsbudget --user anna")
    assert "Neues Passwort für kim" in output  # the one-time password the guide hands out


def test_the_restore_brought_the_data_back(guide_run):
    tmp, output = guide_run
    restored = output.rsplit("+ assistant docs list\n", 1)[1]
    assert "fortbildung" in restored.lower()
    assert "kim" in _after(output.rsplit("+ mv ", 1)[1], "assistant users list")
    assert (tmp / "var" / "lib" / "amtswissen.vor-wiederherstellung").is_dir()


def test_the_written_env_and_site_dir_are_what_the_app_reads(guide_run):
    from assistant.web.site import load_site

    tmp, _ = guide_run
    program = tmp / "opt" / "amtswissen"
    env_text = (program / ".env").read_text()
    assert not _unknown_settings(_env_keys(env_text))
    assert oct((program / ".env").stat().st_mode & 0o777) == "0o600"
    settings = Settings(_env_file=program / ".env")
    assert settings.data_dir == tmp / "var" / "lib" / "amtswissen"
    assert settings.cookie_secure and settings.trusted_proxies == ["127.0.0.1"]
    site = load_site(settings)
    assert site.name == "Kleinwalde-Auskunft" and len(site.starters) == 2
    assert (settings.site_dir / "logo_dark.svg").read_text().count("#66bb6a") == 1


def test_the_update_pulled_and_the_rollback_went_back(guide_run):
    tmp, output = guide_run
    before = (tmp / "var" / "backups" / "amtswissen" / "version-vor-update.txt").read_text()
    assert "Fast-forward" in output or "Already up to date" in output
    assert _git(tmp / "opt" / "amtswissen", "rev-parse", "HEAD") == before.strip()  # rolled back


def test_nothing_tracked_changed_so_git_pull_applies(guide_run):
    tmp, _ = guide_run
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=tmp / "opt" / "amtswissen",
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""


def test_the_units_command_serves_the_branded_instance(guide_run):
    """What systemd would start (the unit's ExecStart in its WorkingDirectory, with the
    guide's .env) answers /health and greets with the city's login title."""
    import json
    import signal
    import time
    import urllib.request

    from browser_util import free_port

    tmp, _ = guide_run
    (unit,) = [body for _, _, body in blocks("ini")]
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string(unit)
    port = free_port()
    command = _mapped(parser["Service"]["ExecStart"], tmp).replace("8000", str(port)).split()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHAINLIT_"))}
    env["ASSISTANT_OLLAMA_BASE_URL"] = "http://127.0.0.1:9"
    workdir = _mapped(parser["Service"]["WorkingDirectory"], tmp)
    with (tmp / "serve.log").open("w") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (tmp / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp / "serve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        with urllib.request.urlopen(f"{url}/project/translations?language=de-DE") as response:
            texts = json.load(response)["translation"]
        assert texts["auth"]["login"]["title"] == "Anmeldung zur Kleinwalde-Auskunft"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
