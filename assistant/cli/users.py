"""`assistant users …`: accounts for the password login.

Passwords never go on the command line: they are asked for (hidden) or read
from stdin with `--password-stdin`; `reset-password` and `demo` print a random
one once.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli import Context, cli, echo_json, friendly_errors, output, pass_ctx


def account_service(ctx: Context):
    return ctx.services.accounts


def _split(values) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort (Wiederholung)")


@cli.group()
def users() -> None:
    """Benutzerkonten: anlegen, auflisten, Rollen, Gruppen, Passwörter."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    "-r",
    "roles",
    multiple=True,
    help="Rolle(n): mitarbeitende, wissensmanagement, it, admin (Standard: mitarbeitende).",
)
@click.option("--group", "-g", "groups", multiple=True, help="Gruppe(n), z. B. personal.")
@click.option("--password-stdin", is_flag=True, help="Passwort aus der ersten Zeile von stdin.")
@click.option("--no-password", is_flag=True, help="Ohne Passwort (nur Proxy- oder OIDC-Login).")
@pass_ctx
@friendly_errors
def users_add(ctx: Context, name, roles, groups, password_stdin, no_password) -> None:
    """Ein Konto anlegen; das Passwort wird abgefragt."""
    password = None if no_password else _read_password(password_stdin)
    user = account_service(ctx).add(name, password, _split(roles), _split(groups))
    click.echo(
        f"angelegt: {user.name} (Rollen: {', '.join(user.roles)}; "
        f"Gruppen: {', '.join(user.groups) or '–'})"
    )


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Als JSON.")
@pass_ctx
@friendly_errors
def users_list(ctx: Context, as_json: bool) -> None:
    """Alle Konten mit Rollen und Gruppen (nie Passwörter)."""
    found = account_service(ctx).list()
    if as_json:
        echo_json([{"name": u.name, **u.to_metadata()} for u in found])
        return
    rows = [(u.name, ", ".join(u.roles), ", ".join(u.groups) or "–") for u in found]
    output.table(("Benutzer", "Rollen", "Gruppen"), rows)


@users.command("remove")
@click.argument("name")
@pass_ctx
@friendly_errors
def users_remove(ctx: Context, name: str) -> None:
    """Ein Konto löschen."""
    account_service(ctx).remove(name)
    click.echo(f"gelöscht: {name}")


@users.command("logout")
@click.argument("name")
@pass_ctx
@friendly_errors
def users_logout(ctx: Context, name: str) -> None:
    """Alle Anmeldungen einer Person sofort beenden – auch ohne Konto hier (Keycloak, Proxy)."""
    from assistant.access.accounts import user_key

    account_service(ctx).end_sessions(name)
    click.echo(f"Alle Anmeldungen von {user_key(name)} beendet.")


@users.command("set-roles")
@click.argument("name")
@click.argument("roles", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def users_set_roles(ctx: Context, name: str, roles) -> None:
    """Rollen eines Kontos ersetzen (z. B. `set-roles anna mitarbeitende wissensmanagement`)."""
    user = account_service(ctx).set_roles(name, _split(roles))
    click.echo(f"{user.name}: Rollen {', '.join(user.roles)}")


@users.command("set-groups")
@click.argument("name")
@click.argument("groups", nargs=-1)
@pass_ctx
@friendly_errors
def users_set_groups(ctx: Context, name: str, groups) -> None:
    """Gruppen eines Kontos ersetzen (ohne Gruppen: alle entfernen)."""
    user = account_service(ctx).set_groups(name, _split(groups))
    click.echo(f"{user.name}: Gruppen {', '.join(user.groups) or '–'}")


@users.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Neues Passwort aus stdin statt Zufall.")
@pass_ctx
@friendly_errors
def users_reset_password(ctx: Context, name: str, password_stdin: bool) -> None:
    """Ein neues Zufallspasswort setzen und einmalig anzeigen."""
    service = account_service(ctx)
    if password_stdin:
        service.set_password(name, _read_password(True))
        click.echo(f"Passwort für {name} gesetzt.")
        return
    click.echo(
        f"Neues Passwort für {name} (wird nur jetzt angezeigt): {service.reset_password(name)}"
    )


@users.command("demo")
@click.option(
    "--env-file",
    type=click.Path(path_type=Path),
    default=Path(".env"),
    help="Hier wird CHAINLIT_AUTH_SECRET ergänzt, falls es fehlt.",
)
@pass_ctx
@friendly_errors
def users_demo(ctx: Context, env_file: Path) -> None:
    """Erststart: Demo-Konten mit Zufallspasswörtern (nur wenn es noch keine Konten gibt)."""
    from assistant.web.launcher import ensure_auth_secret

    if ensure_auth_secret(env_file):
        click.echo(f"CHAINLIT_AUTH_SECRET (zufällig) in {env_file} eingetragen.")
    service = account_service(ctx)
    if service.list():
        return
    demo = [
        ("mitarbeiterin", ["mitarbeitende"], ["allgemein"]),
        ("wissen", ["mitarbeitende", "wissensmanagement"], ["allgemein"]),
        ("it", ["it"], []),
    ]
    lines = []
    for name, roles, groups in demo:
        service.add(name, "x" * 8, roles, groups)
        lines.append(f"  {name:14} {service.reset_password(name):20} ({', '.join(roles)})")
    ctx.services.collections.grant(ctx.settings.default_collection, managers=["wissen"])
    click.echo("Demo-Konten angelegt – Passwörter werden nur jetzt angezeigt, bitte notieren:")
    click.echo("\n".join(lines))
    click.echo("Passwort vergessen? `assistant users reset-password NAME`")
