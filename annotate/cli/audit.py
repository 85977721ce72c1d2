"""``annotate audit verify|checkpoint``: walk the audit chain, anchor its head elsewhere."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from annotate.database import db


@click.group("audit")
def audit_group() -> None:
    """Check the append-only audit trail."""


@audit_group.command("verify")
@click.option(
    "--deep",
    is_flag=True,
    help="Also recompute the content hash of every annotation, review and batch decision "
    "an event vouches for (a direct edit of such a row fails).",
)
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file written by `annotate audit checkpoint`: fail when the chain no longer "
    "reaches the event it names (newest events deleted).",
)
@with_appcontext
def verify_command(deep: bool, checkpoint_file: Path | None) -> None:
    """Recompute every event's sha256 and link; exit 1 at the first broken event."""
    from annotate.services.audit_checks import verify_chain, verify_checkpoint, verify_content

    failed = False
    check = verify_chain(db.session)
    if check.broken_at is not None:
        click.echo(
            f"BROKEN at audit event {check.broken_at}: {check.problem} "
            f"({check.checked} events before it verify).",
            err=True,
        )
        failed = True
    if checkpoint_file is not None:
        try:
            saved = json.loads(checkpoint_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            click.echo(f"Error: cannot read {checkpoint_file}: {error}", err=True)
            sys.exit(1)
        problem = verify_checkpoint(db.session, saved)
        if problem is not None:
            click.echo(f"CHECKPOINT NOT REACHED: {problem}.", err=True)
            failed = True
        else:
            click.echo(f"Checkpoint reached: event {saved.get('id')} {saved['hash']}.")
    if deep:
        checked, problems = verify_content(db.session)
        for p in problems[:50]:
            click.echo(
                f"CONTENT {p.problem.upper()}: {p.table} {p.key} (audit event {p.event_id}).",
                err=True,
            )
        if len(problems) > 50:
            click.echo(f"… and {len(problems) - 50} more.", err=True)
        failed = failed or bool(problems)
        click.echo(f"Content: {checked} rows checked, {len(problems)} do not match.")
    if failed:
        sys.exit(1)
    click.echo(f"OK: {check.checked} events; head {check.head}")


@audit_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Print the chain's head (event id, hash, time, number of events) as JSON, to keep
    somewhere the database's administrators cannot change; `annotate audit verify
    --checkpoint FILE` later fails if the chain no longer reaches it."""
    from annotate.services.audit_checks import checkpoint

    click.echo(json.dumps(checkpoint(db.session), indent=2))


commands = [audit_group]
