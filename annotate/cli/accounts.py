"""Account and membership commands: ``annotate user deactivate|reactivate|reset-password|import``
and ``annotate member add|remove|list``. The same services as the web pages; all audited,
with the account named by ``--as`` / ``$ANNOTATE_ACTOR`` as the actor."""

from __future__ import annotations

import csv
import json
import sys

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail, user_group
from annotate.database import db
from annotate.models import ProjectRole, User
from annotate.services.errors import DomainError

ROLES = click.Choice([r.value for r in ProjectRole])


def _user(username: str) -> User:
    from annotate.services.accounts.memberships import find_user

    try:
        return find_user(db.session, username)
    except DomainError as error:
        fail(error)
        raise  # unreachable: fail exits


@user_group.command("deactivate")
@click.argument("username")
@with_appcontext
def user_deactivate_command(username: str) -> None:
    """Deactivate USERNAME: no login; sessions and API tokens stop working."""
    from annotate.services.accounts.users import deactivate_user

    actor = cli_actor()
    try:
        changed = deactivate_user(db.session, _user(username), actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"{username} deactivated." if changed else f"{username} was already inactive.")


@user_group.command("reactivate")
@click.argument("username")
@with_appcontext
def user_reactivate_command(username: str) -> None:
    """Let the deactivated USERNAME log in again."""
    from annotate.services.accounts.users import reactivate_user

    try:
        changed = reactivate_user(db.session, _user(username), actor=cli_actor())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"{username} reactivated." if changed else f"{username} was already active.")


@user_group.command("reset-password")
@click.argument("username")
@with_appcontext
def user_reset_password_command(username: str) -> None:
    """Give USERNAME a temporary password (printed once); they must choose a new one at
    the next login. Their sessions end now."""
    from annotate.services.accounts.users import reset_password

    try:
        password = reset_password(db.session, _user(username), actor=cli_actor())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Temporary password for {username}: {password}")


@user_group.command("import")
@click.argument("path", type=click.File("rb"))
@with_appcontext
def user_import_command(path) -> None:
    """Create the accounts of the CSV file PATH (header username,display_name,roles; roles as
    project:role pairs separated by ";"), all or none. Prints username,temporary_password
    as CSV on standard output."""
    from annotate.services.accounts.bulk import import_users_csv

    try:
        created = import_users_csv(db.session, path.read(), actor=cli_actor())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["username", "temporary_password"])
    for row in created:
        writer.writerow([row.user.username, row.password])
    click.echo(f"Imported {len(created)} users.", err=True)


@click.group("member")
def member_group() -> None:
    """Manage the members of a project and their roles."""


@member_group.command("add")
@click.argument("slug")
@click.argument("username")
@click.argument("role", type=ROLES)
@with_appcontext
def member_add_command(slug: str, username: str, role: str) -> None:
    """Give USERNAME the ROLE in project SLUG."""
    from annotate.services.accounts.memberships import grant_role
    from annotate.services.projects.projects import get_project

    try:
        project = get_project(db.session, slug)
        _membership, created = grant_role(
            db.session, _user(username), project, ProjectRole(role), actor=cli_actor()
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    if created:
        click.echo(f"{username} is now {role} in {slug}.")
    else:
        click.echo(f"{username} already had the role {role} in {slug}; nothing was changed.")


@member_group.command("remove")
@click.argument("slug")
@click.argument("username")
@click.option("--role", type=ROLES, help="Remove only this role (default: every role).")
@with_appcontext
def member_remove_command(slug: str, username: str, role: str | None) -> None:
    """Take ROLE (or every role) in project SLUG away from USERNAME."""
    from annotate.services.accounts.memberships import revoke_role
    from annotate.services.projects.projects import get_project

    try:
        project = get_project(db.session, slug)
        revoked = revoke_role(
            db.session,
            _user(username),
            project,
            ProjectRole(role) if role else None,
            actor=cli_actor(),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Removed {', '.join(r.value for r in revoked)} of {username} in {slug}.")


@member_group.command("list")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one member a line (username, tab, roles); json: a list of objects.",
)
@with_appcontext
def member_list_command(slug: str, fmt: str) -> None:
    """List the members of project SLUG and their roles."""
    from annotate.services.accounts.memberships import list_members
    from annotate.services.projects.projects import get_project

    try:
        members = list_members(db.session, get_project(db.session, slug))
    except DomainError as error:
        fail(error)
    rows = [
        {
            "username": m.user.username,
            "display_name": m.user.display_name,
            "active": m.user.active,
            "roles": [r.value for r in m.roles],
        }
        for m in members
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for member in members:
        flag = "" if member.user.active else " (inactive)"
        click.echo(f"{member.user.username}{flag}\t{','.join(r.value for r in member.roles)}")


commands = [member_group]
