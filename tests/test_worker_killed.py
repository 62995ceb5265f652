"""A worker killed mid-answer (issue 17, item 5): two app processes behind HAProxy
(deploy/haproxy.cfg), one PostgreSQL, one Chroma server, a real browser.

A person pinned to app1 has one finished exchange and asks a second question whose
(fake) answer streams slowly; mid-stream app1 gets SIGKILL. The page reconnects through
HAProxy to app2, which does not know the session: the conversation comes back from the
chat history in PostgreSQL, a German notice says that the last answer was cut off, and
the next question is answered by app2 with sources. The cut-off answer left no audit row
and no stored answer (it was never completed). A hung app1 (SIGSTOP) is cut off by
HAProxy once it is marked down, so its page goes on at app2 as quickly (measured 18 s;
41 s without `on-marked-down shutdown-sessions`, socket.io's ping timeout).

Skipped locally without PostgreSQL (TEST_POSTGRES_URL), a Chroma server
(TEST_CHROMA_URL), haproxy or Chromium; CI has all of them (.ci/run).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import urllib.request

import pytest
from browser_util import ASSISTANT_MESSAGES, USER_MESSAGES, add_user, ask, ingest, wait_until_done
from cluster_util import (
    SERVED_BY,
    Cluster,
    cluster_env,
    pinned,
    running_cluster,
    spawn,
    stop,
    wait_healthy,
)
from conftest import KNOWLEDGE

PERSON = ("kurt-kill", "Kurt-Passwort-77")
DOCUMENTS = ["dienstreiserichtlinie.pdf", "fortbildungsrichtlinie.txt"]
FIRST = "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"
CUT = "Wer genehmigt eine Dienstreise?"
NOTICE = (
    "Die Verbindung zum Server wurde unterbrochen; die letzte Antwort ist unvollständig. "
    "Bitte stellen Sie die Frage erneut."
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, ollama_server):
    tmp = tmp_path_factory.mktemp("killed")
    url, env = cluster_env(tmp, ollama_server, "killed")
    ingest([KNOWLEDGE / name for name in DOCUMENTS], env, tmp / "ingest.log")
    add_user(env, *PERSON, "--group", "allgemein")
    with running_cluster(tmp, env, url) as cluster:
        yield cluster


def test_answer_cut_off_by_a_killed_worker_goes_on_at_the_other_one(cluster, ollama_server):
    served: list[tuple[str, str | None]] = []  # (url, X-Served-By) of every response
    with pinned(cluster, "app1", PERSON, "person") as page:
        page.on("response", lambda r: record(served, r))
        first = answered(page, FIRST)
        assert "Tagegeld" in first and "Quellen" in first, first
        page.wait_for_url("**/thread/*")  # the page's socket now resumes this thread
        thread_id = page.url.rsplit("/", 1)[1]
        partial, since_kill, _ = cut_off_by(signal.SIGKILL, page, cluster, ollama_server, served)
        assert partial and "Quellen" not in partial, partial  # it was mid-stream

        # The page reconnected through HAProxy to app2, which resumed the thread.
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert cookies["SERVERID"] == "app2", cookies
        after = served[since_kill:]
        assert any("/ws/socket.io/" in url for url, _ in after), after
        assert {by for _, by in after} == {"app2"}, after
        # The earlier exchange is shown as before; the cut-off answer gave way to the notice.
        assert page.locator(USER_MESSAGES).all_inner_texts() == [FIRST, CUT]
        shown = redrawn(page)
        assert len(shown) == 2 and shown[0] == first and shown[1] == NOTICE, shown

        again = answered(page, CUT)  # asking again: app2 answers, with sources
        assert "Quellen" in again and "[1]" in again and "Dienstreise" in again, again
        assert {by for _, by in served[since_kill:]} == {"app2"}, served[since_kill:]
        assert page.locator(USER_MESSAGES).all_inner_texts() == [FIRST, CUT, CUT]

    # Stored: the finished answers and the notice, never the cut-off text; audit rows only
    # for the finished answers (the cut-off one never reached `complete`).
    replies = cluster.rows(
        'SELECT "threadId", output, metadata FROM chat_steps'
        " WHERE type = 'assistant_message' ORDER BY \"createdAt\""
    )
    assert len(replies) == 3 and replies[1].output == NOTICE, replies
    assert {r.threadId for r in replies} == {thread_id}, replies
    assert "interrupted" in replies[1].metadata
    audit = cluster.rows("SELECT question, conversation_id FROM audit_log ORDER BY id")
    assert [tuple(r) for r in audit] == [(FIRST, thread_id), (CUT, thread_id)], audit
    # The surviving worker took it all without an error; no question text in any log.
    app2_log = (cluster.tmp / "app2.log").read_text(errors="replace")
    assert " - ERROR - " not in app2_log, app2_log[-3000:]
    for name in ("app1", "app2"):
        log = (cluster.tmp / f"{name}.log").read_text(errors="replace")
        assert CUT not in log and FIRST not in log


def redrawn(page, timeout_ms: int = 20_000) -> list[str]:
    """The assistant messages once the page has redrawn the resumed thread. The notice is
    sent during `on_chat_resume`, and Chainlit redraws the page from the stored steps only
    after that handler: for a moment the page shows the cut-off text and the notice both.
    Wait (bounded) until the notice is the last message and the cut-off text is gone."""
    with contextlib.suppress(Exception):
        page.wait_for_function(
            """([sel, notice]) => {
                const shown = [...document.querySelectorAll(sel)].map(e => e.innerText.trim());
                return shown.length === 2 && shown[1] === notice;
            }""",
            arg=[ASSISTANT_MESSAGES, NOTICE],
            timeout=timeout_ms,
        )
    return page.locator(ASSISTANT_MESSAGES).all_inner_texts()


def record(served: list, response) -> None:
    """Who answered: static files come from the browser's cache too, with the headers of
    the server that first sent them, so only the app's own answers count."""
    if "/assets/" not in response.url and "/public/" not in response.url:
        served.append((response.url, response.headers.get(SERVED_BY.lower())))


def answered(page, question: str) -> str:
    """Ask, wait for the whole answer, return its text."""
    before = page.locator(ASSISTANT_MESSAGES).count()
    ask(page, question)
    reply = page.locator(ASSISTANT_MESSAGES).nth(before)
    reply.wait_for(timeout=60_000)
    wait_until_done(page, timeout=120_000)
    return reply.inner_text()


def cut_off_by(sig: int, page, cluster: Cluster, ollama_server, served: list):
    """Ask CUT with a slowly streamed answer, send `sig` to app1 once the page shows part
    of it, wait for the notice. Returns the part shown, the number of responses `served`
    before the signal and the seconds from the signal to the notice."""
    ollama_server.token_delay = 0.5  # about 20 s for the whole answer
    try:
        before = page.locator(ASSISTANT_MESSAGES).count()
        ask(page, CUT)
        page.wait_for_function(
            "([sel, n]) => (document.querySelectorAll(sel)[n]?.innerText || '').length > 20",
            arg=[ASSISTANT_MESSAGES, before],
            timeout=60_000,
        )
        partial = page.locator(ASSISTANT_MESSAGES).nth(before).inner_text()
        since = len(served)
        os.killpg(cluster.procs["app1"].pid, sig)
        began = time.monotonic()
        page.locator(ASSISTANT_MESSAGES, has_text=NOTICE).wait_for(timeout=90_000)
        return partial, since, time.monotonic() - began
    finally:
        ollama_server.token_delay = 0.0


def restart_app1(cluster: Cluster) -> None:
    """app1 (again) on its port; returns once HAProxy sends it its browsers again (two
    good health checks)."""
    stop(cluster.procs["app1"], signal.SIGKILL)  # when this test runs alone
    port = cluster.ports["app1"]
    cmd = [sys.executable, "-m", "assistant", "serve", "--port", str(port)]
    log = cluster.tmp / "app1-again.log"
    cluster.procs["app1"] = spawn(cmd, cluster.env, log)
    wait_healthy(f"http://127.0.0.1:{port}", cluster.procs["app1"], log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{cluster.url}/health", headers={"Cookie": "SERVERID=app1"}
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=5) as answer:
            if answer.headers.get(SERVED_BY) == "app1":
                return
        time.sleep(1)
    raise AssertionError("HAProxy did not take app1 back within 60 s")


def test_a_hung_worker_is_cut_off_by_haproxy_within_seconds(cluster, ollama_server):
    """SIGSTOP: app1 stays alive and keeps its sockets open, answering nothing. Once two
    health checks failed (10 s) HAProxy marks it down and, with `on-marked-down
    shutdown-sessions` (deploy/haproxy.cfg), closes its websockets: the page goes on at
    app2 as after a crash. Without that line the page waits for socket.io's ping timeout
    (25 s + 20 s) before it even tries."""
    restart_app1(cluster)
    served: list[tuple[str, str | None]] = []
    try:
        with pinned(cluster, "app1", PERSON, "hung") as page:
            page.on("response", lambda r: record(served, r))
            first = answered(page, FIRST)
            page.wait_for_url("**/thread/*")
            _, since, seconds = cut_off_by(signal.SIGSTOP, page, cluster, ollama_server, served)
            assert seconds < 35, f"the notice came {seconds:.0f} s after app1 hung"
            assert {by for _, by in served[since:]} == {"app2"}, served[since:]
            assert page.locator(USER_MESSAGES).all_inner_texts() == [FIRST, CUT]
            shown = redrawn(page)
            assert shown == [first, NOTICE], shown
    finally:
        os.killpg(cluster.procs["app1"].pid, signal.SIGKILL)  # a stopped process takes no TERM
