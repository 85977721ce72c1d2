"""Setup commands: ``init``, ``user create`` (``project`` is in :mod:`annotate.cli.projects`);
who runs a command.

Every command that changes data records who ran it: the global option ``--as USERNAME``
(``annotate --as alice import …``) or the ``ANNOTATE_ACTOR`` environment variable names an
active account. Without one the command is refused, except on the demo's database and for
the first account of an empty one (there is nobody to name yet).
"""

from __future__ import annotations

import os
import sys

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from annotate.cli.actor import ACTOR_ENV, ACTOR_KEY
from annotate.database import db
from annotate.models import AuditEvent, User
from annotate.services.errors import DomainError


def fail(error: DomainError | str) -> None:
    """Print ``error`` to stderr and exit 1 (a clean CLI error, never a traceback)."""
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


def _is_demo_database() -> bool:
    from annotate.demo.guard import DEMO_MARKER

    first = db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id).limit(1))
    return first == DEMO_MARKER


def cli_actor(*, required: bool = True, by: str | None = None) -> User | None:
    """The account the running command acts as: ``by`` (a command's own ``--by``), else
    ``--as``, else ``$ANNOTATE_ACTOR``. Exits with a message when the name is no active
    account, or when ``required`` and none is given outside the demo's database."""
    ctx = click.get_current_context()
    name = by or ctx.meta.get(ACTOR_KEY) or os.environ.get(ACTOR_ENV, "").strip()
    if name:
        user = db.session.scalar(sa.select(User).where(User.username == name))
        if user is None or not user.active:
            fail(f"--as {name}: there is no active account {name!r}.")
        return user
    if required and not _is_demo_database():
        fail(
            "this command changes data, and every change records who made it: name "
            f"yourself with --as USERNAME (annotate --as USERNAME {ctx.info_name} …) "
            f"or set {ACTOR_ENV}=USERNAME."
        )
    return None


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

    first = db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    actor = cli_actor(required=not first)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            db.session,
            username,
            password,
            display_name=display_name,
            is_admin=admin,
            actor=actor,
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
