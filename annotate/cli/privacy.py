"""Personal-data rights from the command line: ``annotate user export|erase USERNAME``.

The same services as the users page; both audited, with ``--as`` / ``$ANNOTATE_ACTOR`` as
the actor. Erasure asks for the username to be typed again (or ``--confirm USERNAME``).
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail, user_group
from annotate.database import db
from annotate.models import User
from annotate.services.errors import DomainError


def _user(username: str) -> User:
    from annotate.services.accounts.memberships import find_user

    try:
        return find_user(db.session, username)
    except DomainError as error:
        fail(error)
        raise  # unreachable: fail exits


@user_group.command("export")
@click.argument("username")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="The ZIP to write (default: personal-data-USERNAME.zip).",
)
@with_appcontext
def user_export_command(username: str, output: str | None) -> None:
    """Write everything held about USERNAME to a ZIP (JSON and CSV)."""
    from annotate.services.accounts.personal_data import export_user

    actor = cli_actor()
    user = _user(username)
    path = output or f"personal-data-{username}.zip"
    with open(path, "wb") as out:
        counts = export_user(db.session, user, out, actor=actor)
    db.session.commit()
    click.echo(f"Wrote {path}: {sum(counts.values())} rows in {len(counts)} sections.")


@user_group.command("erase")
@click.argument("username")
@click.option(
    "--confirm",
    "confirm",
    metavar="USERNAME",
    help="The username again, instead of typing it at the prompt.",
)
@with_appcontext
def user_erase_command(username: str, confirm: str | None) -> None:
    """Erase USERNAME's personal data: a pseudonym replaces the name, the login and tokens
    stop working, and the quality records stay under the pseudonym."""
    from annotate.services.accounts.erasure import check_erasable, erase_user

    actor = cli_actor()
    user = _user(username)
    try:
        check_erasable(db.session, user, actor=actor)
        if confirm is None:
            confirm = click.prompt(f"Type {username} to erase this person's data")
        result = erase_user(db.session, user, confirm=confirm, actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(f"{username} erased: now {result.pseudonym}.")


commands: list[click.Command] = []
