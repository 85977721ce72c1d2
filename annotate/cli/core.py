"""Setup commands: ``init``, ``user create`` (``project`` is in :mod:`annotate.cli.projects`)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from annotate.database import db
from annotate.services.errors import DomainError


def fail(error: DomainError | str) -> None:
    """Print ``error`` to stderr and exit 1 (a clean CLI error, never a traceback)."""
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database, or upgrade it to the newest schema."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the user a system administrator.")
@click.option("--display-name", default="", help="Name shown in the interface.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@with_appcontext
def user_create_command(
    username: str, admin: bool, display_name: str, password_stdin: bool
) -> None:
    """Create the account USERNAME (the password is prompted for)."""
    from annotate.services.accounts.users import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            db.session, username, password, display_name=display_name, is_admin=admin
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Created user {user.username}{' (admin)' if admin else ''}.")


@click.group("export")
def export_group() -> None:
    """Export data and evidence (dataset, metrics, training transcript)."""


commands = [init_command, user_group, export_group]
