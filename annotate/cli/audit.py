"""``annotate audit verify``: walk the audit chain and name the first broken link."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from annotate.database import db


@click.group("audit")
def audit_group() -> None:
    """Check the append-only audit trail."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Recompute every event's sha256 and link; exit 1 at the first broken event."""
    from annotate.services.audit import verify_chain

    check = verify_chain(db.session)
    if check.broken_at is not None:
        click.echo(
            f"BROKEN at audit event {check.broken_at}: {check.problem} "
            f"({check.checked} events before it verify).",
            err=True,
        )
        sys.exit(1)
    click.echo(f"OK: {check.checked} events; head {check.head}")


commands = [audit_group]
