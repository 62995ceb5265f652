"""Items 2 and 3 of issue 11: forwarded headers count only from the configured proxy; a
login flood against a lock costs no hashing and no memory; a lock holds one (name,
address) pair, says so in German and until when, and the IT page shows it without names
or full addresses. Each probe comes from its own loopback address."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from secapp import MAX_FAILURES_PER_ADDRESS, TRUSTED_PROXY, password, served_app
from served import client, get, login, token

app = served_app  # the fixture: this module's served app (secapp.py)

ROOT = Path(__file__).resolve().parents[2]
MAX_FAILURES = 5  # the default login_max_failures


def _fail(app, name: str, source: str, times: int, **headers: str):
    return [login(app.url, name, "falsch-falsch", source, **headers) for _ in range(times)]


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app):
    """The probe: failures with a new X-Forwarded-For each time, then a valid login."""
    source = "127.0.0.11"
    for n in range(MAX_FAILURES_PER_ADDRESS + 1):
        response = login(
            app.url,
            f"versuch{n}",
            "falsch-falsch",
            source,
            **{"X-Forwarded-For": f"198.51.100.{n}"},
        )
    assert response.status_code == 429  # all from one address: 127.0.0.11
    fresh = {"X-Forwarded-For": "198.51.100.200"}
    assert login(app.url, "anna", password("anna"), source, **fresh).status_code == 429


def test_forwarded_for_from_the_trusted_proxy_names_the_client(app):
    for response in _fail(
        app, "bernd", TRUSTED_PROXY, MAX_FAILURES, **{"X-Forwarded-For": "10.9.9.9"}
    ):
        pass
    assert response.status_code == 429
    other_desk = {"X-Forwarded-For": "10.9.8.7"}
    assert (
        login(app.url, "bernd", password("bernd"), TRUSTED_PROXY, **other_desk).status_code == 200
    )


def test_documented_proxy_config_overwrites_forwarded_headers():
    for doc in ("docs/operations.md", "README.md"):
        blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / doc).read_text(), re.DOTALL)
        proxied = [b for b in blocks if "proxy_pass" in b]
        assert proxied, doc
        for block in proxied:
            assert "proxy_set_header X-Forwarded-For $remote_addr;" in block, doc
            assert "$proxy_add_x_forwarded_for" not in block, doc
            assert "proxy_set_header X-Forwarded-Proto $scheme;" in block, doc


def test_lock_is_per_name_and_address_and_says_until_when_in_german(app):
    responses = _fail(app, "anna", "127.0.0.12", MAX_FAILURES)
    assert [r.status_code for r in responses] == [401] * (MAX_FAILURES - 1) + [429]
    locked = login(app.url, "anna", password("anna"), "127.0.0.12")
    assert locked.status_code == 429
    key = locked.json()["detail"]
    assert key == "locked_15" and 14 * 60 <= int(locked.headers["retry-after"]) <= 15 * 60
    with client() as c:
        texts = c.get(f"{app.url}/project/translations", params={"language": "de-DE"}).json()
    text = texts["translation"]["auth"]["login"]["errors"][key]
    assert "gesperrt" in text and "15 Minuten" in text
    # the same for a name without account: a lock tells nothing about accounts
    unknown = _fail(app, "niemand-da", "127.0.0.13", MAX_FAILURES)[-1]
    assert unknown.status_code == 429 and unknown.json()["detail"] == key
    # nobody can lock anna out from elsewhere
    assert login(app.url, "anna", password("anna"), "127.0.0.14").status_code == 200


def test_a_flood_against_a_lock_does_no_hashing(app):
    source = "127.0.0.15"
    for n in range(MAX_FAILURES_PER_ADDRESS):  # the address is locked, for every name
        login(app.url, f"spray{n}", "falsch-falsch", source)
    server = psutil.Process(app.process.pid)
    before = server.memory_info().rss
    with ThreadPoolExecutor(40) as pool:
        codes = list(
            pool.map(
                lambda n: login(app.url, f"u{n % 3}", "x" * 12, source).status_code, range(160)
            )
        )
    grown = (server.memory_info().rss - before) / 2**20
    assert set(codes) == {429}
    assert grown < 150, f"RSS grew by {grown:.0f} MiB"  # one argon2 check alone takes 64 MiB
    assert login(app.url, "anna", password("anna"), "127.0.0.16").status_code == 200


def test_it_page_shows_locks_without_names_or_addresses(app):
    _fail(app, "clara", "127.0.0.17", MAX_FAILURES)
    _fail(app, "clara", TRUSTED_PROXY, MAX_FAILURES, **{"X-Forwarded-For": "10.7.7.7"})
    page = get(app.url, "/it", token(app.url, "itu3", password("itu3"))).text
    section = page.split("<h2>Gesperrte Anmeldungen</h2>")[1].split("<h2>")[0]
    assert "127.0.0.x" in section and "<td>" in section
    assert "clara" not in section and "127.0.0.17" not in section and "10.7.7.7" not in section
    assert "10.7.7.x" in section  # the lock behind the proxy: by the client's address
