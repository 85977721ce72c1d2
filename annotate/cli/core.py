"""Setup commands: ``init``, ``user create``, ``project create``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from annotate.database import db
from annotate.models import RulebookKind, TaskType
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


@click.group("project")
def project_group() -> None:
    """Manage projects."""


@project_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Human-readable project name.")
@click.option(
    "--task-type",
    required=True,
    type=click.Choice([t.value for t in TaskType]),
    help="What annotators produce for each item.",
)
@click.option("--labels", help="Comma-separated label keys, e.g. positive,negative,neutral.")
@click.option("--scale", help="Rating scale as MIN-MAX, e.g. 1-5 (rating projects).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in RulebookKind]),
    default="functional",
    show_default=True,
    help="Kind of rulebook: security projects review every annotation.",
)
@with_appcontext
def project_create_command(
    slug: str, name: str, task_type: str, labels: str | None, scale: str | None, kind: str
) -> None:
    """Create the project SLUG."""
    from annotate.services.projects.projects import create_project

    try:
        project = create_project(
            db.session,
            slug,
            name,
            task_type,
            labels=labels.split(",") if labels else None,
            scale=scale,
            rulebook_kind=RulebookKind(kind),
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"Created project {project.slug} ({project.task_type.value}).")


@click.group("export")
def export_group() -> None:
    """Export data and evidence (dataset, metrics, training transcript)."""


commands = [init_command, user_group, project_group, export_group]
