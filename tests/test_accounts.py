"""Accounts: argon2 hashes, roles, groups, login that reveals nothing, rate limit, CLI."""

from __future__ import annotations

import statistics
import time

import pytest

from assistant.access.accounts import (
    LOGIN_FAILED,
    AccountError,
    AccountService,
    user_from_claims,
    user_from_headers,
)


@pytest.fixture
def accounts(services):
    return AccountService(services.engine, services.settings)


def test_password_is_stored_as_argon2_hash(accounts, services):
    accounts.add("anna", "richtig-geheim", ["mitarbeitende"], ["personal"])
    with services.engine.connect() as conn:
        stored = conn.exec_driver_sql("select password_hash from users").scalar()
    assert stored.startswith("$argon2") and "richtig-geheim" not in stored
    result = accounts.authenticate("anna", "richtig-geheim", "10.0.0.1")
    assert result.user and result.user.groups == ("personal",)


def test_wrong_password_and_unknown_user_look_the_same(accounts):
    accounts.add("anna", "richtig-geheim")
    wrong = accounts.authenticate("anna", "falsch-falsch")
    unknown = accounts.authenticate("niemand", "falsch-falsch")
    assert wrong.user is None and unknown.user is None
    assert wrong.message == unknown.message == LOGIN_FAILED

    def timed(name):
        t = time.perf_counter()
        accounts.authenticate(name, "falsch-falsch", client=None)
        return time.perf_counter() - t

    for _ in range(2):
        accounts.limits.succeeded("anna", None)
        accounts.limits.succeeded("niemand", None)
    a = statistics.median(timed("anna") for _ in range(3))
    accounts.limits.succeeded("anna", None)
    b = statistics.median(timed("niemand") for _ in range(3))
    assert 0.5 < a / b < 2.0  # both pay for one argon2 verification


def test_lock_per_user_and_address_survives_restart(accounts, services, settings):
    accounts.add("anna", "richtig-geheim")
    for _ in range(settings.login_max_failures - 1):
        assert accounts.authenticate("anna", "falsch-falsch", "10.0.0.1").message == LOGIN_FAILED
    starts = accounts.authenticate("anna", "falsch-falsch", "10.0.0.1")  # this one locks
    assert starts.locked and "gesperrt" in starts.message and " Uhr" in starts.message
    again = AccountService(services.engine, settings)  # a new process would see the same rows
    locked = again.authenticate("anna", "richtig-geheim", "10.0.0.1")
    assert locked.user is None and locked.locked and "Zu viele" in locked.message
    # nobody else can lock anna out: from another address she logs in
    assert again.authenticate("anna", "richtig-geheim", "10.0.0.2").user
    # an unknown name locks and reads the same: the lock tells nothing about accounts
    for _ in range(settings.login_max_failures):
        unknown = again.authenticate("niemand", "falsch-falsch", "10.0.0.1")
    assert unknown.locked and unknown.message.split("bis")[0] == locked.message.split("bis")[0]


def test_locks_grow_and_a_reset_lifts_them(accounts, services, settings):
    from datetime import UTC, datetime, timedelta

    from assistant.db import login_failures

    accounts.add("anna", "richtig-geheim")
    for _ in range(settings.login_max_failures):
        first = accounts.authenticate("anna", "falsch-falsch", "10.0.0.1")
    minutes = (first.until - datetime.now(UTC)) / timedelta(minutes=1)
    assert settings.login_lockout_minutes - 1 < minutes <= settings.login_lockout_minutes
    with services.engine.begin() as conn:  # the lock ran out: one more failure locks longer
        conn.execute(login_failures.update().values(at=datetime.now(UTC) - timedelta(hours=1)))
    assert accounts.limits.locked_until("anna", "10.0.0.1") is None
    second = accounts.authenticate("anna", "falsch-falsch", "10.0.0.1")
    minutes = (second.until - datetime.now(UTC)) / timedelta(minutes=1)
    assert second.locked and minutes > 2 * settings.login_lockout_minutes - 1
    accounts.set_password("anna", "neues-geheimnis")
    assert accounts.authenticate("anna", "neues-geheimnis", "10.0.0.1").user


def test_an_address_trying_many_names_is_locked(accounts, settings):
    accounts.add("anna", "richtig-geheim")
    for n in range(settings.login_max_failures_per_address):
        accounts.authenticate(f"name{n}", "falsch-falsch", "10.0.0.9")
    assert accounts.authenticate("anna", "richtig-geheim", "10.0.0.9").locked
    assert accounts.authenticate("anna", "richtig-geheim", "10.0.0.8").user


def test_roles_are_checked_and_passwords_must_be_long_enough(accounts):
    with pytest.raises(AccountError, match="Unbekannte Rolle"):
        accounts.add("anna", "richtig-geheim", ["chef"])
    with pytest.raises(AccountError, match="zu kurz"):
        accounts.add("anna", "kurz")
    accounts.add("anna", "richtig-geheim")
    assert accounts.set_roles("anna", ["wissensmanagement"]).roles == ("wissensmanagement",)
    assert accounts.set_groups("anna", ["/personal", "it"]).groups == ("personal", "it")
    new = accounts.reset_password("anna")
    assert accounts.authenticate("anna", new).user


def test_user_names_are_case_insensitive(accounts, services):
    from assistant.access.collections import CollectionService

    added = accounts.add("Anna.Berg", "richtig-geheim", ["mitarbeitende", "wissensmanagement"])
    assert added.name == "anna.berg"
    with pytest.raises(AccountError, match="gibt es schon"):
        accounts.add("ANNA.BERG", "anderes-geheim")
    assert accounts.authenticate("ANNA.Berg", "richtig-geheim").user.name == "anna.berg"
    for _ in range(services.settings.login_max_failures):  # one lock for all spellings
        accounts.authenticate("anna.berg", "falsch-falsch", "10.0.0.1")
    assert accounts.authenticate("Anna.Berg", "richtig-geheim", "10.0.0.1").locked
    collections = CollectionService(services.engine, services.settings)
    collections.add("personalamt", ["personal"], managers=["Anna.Berg"])
    assert collections.can_manage(accounts.get("anna.berg"), "personalamt")
    collections.revoke("personalamt", managers=["ANNA.BERG"])
    assert not collections.can_manage(accounts.get("anna.berg"), "personalamt")
    accounts.remove("Anna.BERG")
    assert accounts.get("anna.berg") is None


def test_header_and_oidc_users(settings):
    headers = {
        "X-Remote-User": "Carla",
        "X-Remote-Groups": "personal, allgemein",
        "X-Remote-Roles": "wissensmanagement,chef",
    }
    user = user_from_headers(headers, settings)
    assert user.name == "carla" and user.groups == ("personal", "allgemein")
    assert user.roles == ("wissensmanagement",)
    assert user_from_headers({}, settings) is None
    claims = {"roles": ["mitarbeitende", "offline_access"], "groups": ["/personal"]}
    oidc = user_from_claims("dora", claims, settings)
    assert oidc.roles == ("mitarbeitende",) and oidc.groups == ("personal",)


def test_users_cli_never_takes_a_password_argument(run_cli):
    added = run_cli(
        "users", "add", "anna", "-g", "personal", "--password-stdin", input="richtig-geheim\n"
    )
    assert added.exit_code == 0, added.output
    listed = run_cli("users", "list", "--json")
    assert '"anna"' in listed.output and "richtig-geheim" not in listed.output
    reset = run_cli("users", "reset-password", "anna")
    assert "nur jetzt" in reset.output
    assert run_cli("users", "set-roles", "anna", "it").exit_code == 0
    assert run_cli("users", "set-groups", "anna", "personal,allgemein").exit_code == 0
    assert run_cli("users", "remove", "anna").exit_code == 0
    gone = run_cli("users", "remove", "anna")
    assert gone.exit_code == 1 and "gibt es nicht" in gone.output


def test_demo_accounts_have_random_passwords_once(run_cli, tmp_path):
    first = run_cli("users", "demo", "--env-file", str(tmp_path / ".env"))
    assert first.exit_code == 0, first.output
    assert all(name in first.output for name in ("mitarbeiterin", "wissen", "it"))
    secret = (tmp_path / ".env").read_text()
    assert secret.startswith("CHAINLIT_AUTH_SECRET=") and len(secret) > 40
    second = run_cli("users", "demo", "--env-file", str(tmp_path / ".env"))
    assert "Passw" not in second.output and (tmp_path / ".env").read_text() == secret
    listed = run_cli("collections", "list", "--json").output
    assert '"managers": ["wissen"]' in listed


def test_oidc_roles_from_a_keycloak_id_token(settings):
    import base64
    import json

    from assistant.access.accounts import token_claims

    payload = {
        "realm_access": {"roles": ["wissensmanagement", "uma_authorization"]},
        "groups": ["/personal", "/allgemein"],
    }
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    claims = token_claims(f"e30.{body}.sig")
    keycloak = settings.model_copy(update={"oidc_roles_claim": "realm_access.roles"})
    user = user_from_claims("dora", claims, keycloak)
    assert user.roles == ("wissensmanagement",) and user.groups == ("personal", "allgemein")
    assert token_claims(None) == {} and token_claims("kaputt") == {}


def test_every_change_of_rights_ends_the_sessions(accounts):
    from dataclasses import replace

    accounts.add("anna", "richtig-geheim", ["it"])
    changes = [
        lambda: accounts.set_roles("anna", ["mitarbeitende"]),
        lambda: accounts.set_groups("anna", ["personal"]),
        lambda: accounts.set_password("anna", "neues-geheimnis"),
        lambda: accounts.end_sessions("anna"),  # logout
    ]
    for change in changes:
        session = accounts.with_session(accounts.get("anna"))
        assert accounts.current(session) is not None
        change()
        assert accounts.current(session) is None
    session = accounts.with_session(accounts.get("anna"))
    accounts.remove("anna")
    accounts.add("anna", "richtig-geheim", ["it"])  # a new account of the same name
    assert accounts.current(session) is None
    assert accounts.current(replace(session, session=None)).roles == ("it",)  # CLI --user


def test_a_manager_without_the_role_is_refused(run_cli):
    """`collections add … --manager paul` for an account without „wissensmanagement“ was
    accepted, though only the role makes a listed manager manage anything."""
    import json

    assert run_cli("users", "add", "paul", "--no-password").exit_code == 0
    refused = run_cli("collections", "add", "personalamt", "--group", "personal", "-m", "Paul")
    assert refused.exit_code == 1
    assert "„paul“ fehlt die Rolle „wissensmanagement“" in refused.output
    assert "assistant users set-roles paul mitarbeitende wissensmanagement" in refused.output
    listed = json.loads(run_cli("collections", "list", "--json").output)
    assert "personalamt" not in [c["name"] for c in listed]  # nothing half-done
    assert run_cli("collections", "grant", "allgemein", "-m", "paul").exit_code == 1

    assert (
        run_cli("users", "set-roles", "paul", "mitarbeitende", "wissensmanagement").exit_code == 0
    )
    added = run_cli("collections", "add", "personalamt", "--group", "personal", "-m", "paul")
    assert added.exit_code == 0 and "verwalten paul" in added.output
    # an account the users table does not know (header or OIDC login): roles come at login
    assert run_cli("collections", "grant", "personalamt", "-m", "kim.schulz").exit_code == 0
