"""Helpers for the browser tests: the real app as a subprocess, Debian's Chromium, recording.

Playwright never downloads a browser here: it drives the system Chromium
(`CHROMIUM_PATH`, default /usr/bin/chromium) with a fresh profile and with
every background service of Chromium switched off, so the only traffic is the
page's own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every `securitypolicyviolation` of the page, collected before any script of the app runs.
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The account `open_chat` logs in with; `start_app` creates it (a test password, not a default).
TEST_USER = ("testperson", "Test-Passwort-123")


def app_env(data_dir: Path, ollama_url: str, **extra: str) -> dict[str, str]:
    """The environment of the app and CLI processes: no developer settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        {
            "ASSISTANT_DATA_DIR": str(data_dir),
            "ASSISTANT_OLLAMA_BASE_URL": ollama_url,
            "ASSISTANT_OLLAMA_MODEL": "llama3.1:8b",
            "CHAINLIT_AUTH_SECRET": "test-secret-" + "x" * 40,
            **extra,
        }
    )
    return env


def cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """The real CLI in its own process; returns stdout, raises with its output on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"assistant {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def add_user(env: dict[str, str], name: str, password: str, *options: str) -> None:
    """An account (`assistant users add`) unless it exists; the password goes through stdin."""
    if f'"{name}"' not in cli(["users", "list", "--json"], env):
        cli(["users", "add", name, "--password-stdin", *options], env, stdin=password + "\n")


def ingest(paths: list[Path], env: dict[str, str], log: Path) -> None:
    """The real CLI in its own process, as an administrator would run it."""
    cmd = [sys.executable, "-m", "assistant", "ingest", *map(str, paths), "--json"]
    with log.open("w") as out:
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300, check=False
        )
    if done.returncode:
        raise RuntimeError(f"ingest failed ({done.returncode}), see {log}:\n{_tail(log)}")


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    log: Path

    def stop(self, *, allow_errors: bool = False) -> None:
        """Stop the app; fail when it logged an error that no test asserted on (the person
        saw "ein Fehler ist aufgetreten", which a passing test must not hide), unless the
        test logs errors on purpose or reports them itself (`allow_errors`)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if allow_errors:
            return
        errors = [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if " - ERROR - " in line
        ]
        assert not errors, "the app logged errors:\n" + "\n".join(errors)


def start_app(env: dict[str, str], log: Path, timeout: float = 120) -> AppServer:
    """`assistant serve` on a free port; returns once /health answers (services warmed up)."""
    add_user(env, *TEST_USER, "--group", "allgemein")
    port = free_port()
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    out = log.open("w")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited with {process.returncode}, see {log}:\n{_tail(log)}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{server.url}/health", timeout=2) as response,
        ):
            if response.status == 200:
                return server
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"app not ready after {timeout} s, see {log}:\n{_tail(log)}")


@dataclass
class Recording:
    """Everything the browser fetched or complained about."""

    urls: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign(self, origin: str) -> list[str]:
        """URLs (http, https, ws, wss) that went anywhere but `origin`."""
        own = urlsplit(origin).netloc
        return [
            u
            for u in self.urls
            if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != own
        ]


def launch(playwright, profile: Path, recording: Recording):
    """Debian's Chromium with a fresh profile; every request and console error is recorded."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        locale="de-DE",
        color_scheme="light",
        viewport={"width": 1400, "height": 900},
    )
    context.add_init_script(RECORD_CSP)
    context.on("request", lambda request: recording.urls.append(request.url))
    context.on("page", lambda page: watch(page, recording))
    for page in context.pages:
        watch(page, recording)
    return context


@contextlib.contextmanager
def browser_page(profile: Path, recording: Recording | None = None) -> Iterator:
    """One page of a fresh Chromium (see `launch`), 30 s default timeout; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = launch(playwright, profile, recording or Recording())
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()


def watch(page, recording: Recording) -> None:
    page.on("websocket", lambda ws: recording.urls.append(ws.url))
    page.on("console", lambda m: m.type == "error" and recording.console_errors.append(m.text))
    page.on("pageerror", lambda exc: recording.console_errors.append(f"pageerror: {exc}"))


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


@contextlib.contextmanager
def screenshot_on_failure(page, path: Path) -> Iterator[None]:
    """Save a screenshot when the block fails and name it in the failure."""
    try:
        yield
    except Exception as exc:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(path), full_page=True)
        raise AssertionError(f"{exc}\n(screenshot: {path})") from exc


# --- the chat ----------------------------------------------------------------------------

ASSISTANT_MESSAGES = ".ai-message .message-content"
USER_MESSAGES = "[data-step-type='user_message']"


def open_chat(page, url: str, user: tuple[str, str] = TEST_USER):
    """Log in as `user` (the login form's own request sets the cookie), load the chat and
    wait until it can take a question; returns the page's HTTP response."""
    name, password = user
    answer = page.request.post(f"{url}/login", form={"username": name, "password": password})
    if not answer.ok:
        raise AssertionError(f"login as {name} failed: {answer.status} {answer.text()}")
    response = page.goto(url)
    page.wait_for_selector("#chat-input", timeout=30_000)
    page.wait_for_selector("[id^='starter-']", timeout=30_000)  # the session is connected
    return response


def login(page, name: str, password: str) -> None:
    """Fill Chainlit's login form and send it (the caller waits for what should follow)."""
    page.locator("#email, input[name='email']").first.fill(name)
    page.locator("#password, input[name='password']").first.fill(password)
    page.locator("button[type='submit']").first.click()


def logout(page, url: str) -> None:
    """End the session (the auth cookie) and show the login form again."""
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.wait_for_selector("#password, input[name='password']", timeout=30_000)


def ask(page, question: str) -> None:
    """Type a question and send it; returns once the chat shows it."""
    before = page.locator(USER_MESSAGES).count()
    page.fill("#chat-input", question)
    page.click("#chat-submit")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n",
        arg=[USER_MESSAGES, before],
        timeout=10_000,
    )


def wait_until_done(page, timeout: float = 30_000) -> None:
    """The app has finished the current message (Chainlit shows a stop button meanwhile)."""
    page.wait_for_selector("#stop-button", state="detached", timeout=timeout)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
