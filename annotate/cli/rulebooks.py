"""Rulebook and training commands: ``rulebook import|publish|diff|list``,
``training expire`` and ``export training``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.database import db
from annotate.services.errors import DomainError


@click.group("rulebook")
def rulebook_group() -> None:
    """Import, publish and compare rulebook versions."""


@rulebook_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--project",
    "slug",
    help="Target project (required for rulebooks; the legal-awareness module needs none).",
)
@with_appcontext
def rulebook_import_command(path: Path, slug: str | None) -> None:
    """Import PATH (a vX.Y.Z.md file, or a directory: every vX.Y.Z.md inside, all or
    nothing) as draft versions, each with the quiz next to it."""
    from annotate.services.projects.projects import get_project
    from annotate.services.training.publishing import import_path

    actor = cli_actor()
    try:
        project = get_project(db.session, slug) if slug else None
        result = import_path(db.session, path, project, actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    for version in result.versions:
        click.echo(
            f"Imported {version.rulebook.key} {version.version} as a draft "
            f"({len(version.clauses)} clauses, sha256 {version.sha256[:12]}…; "
            f"{_languages(version.language, version.translations)})."
        )
    for module in result.legal_modules:
        click.echo(
            f"Installed training module {module.key} {module.version} "
            f"({len(module.questions)} questions; "
            f"{_languages(module.language, module.translations)})."
        )


def _languages(primary: str, translations: dict | None) -> str:
    """``zh, translated into en`` for the import report."""
    others = sorted(k for k in translations or {} if k != primary)
    return primary + (f", translated into {', '.join(others)}" if others else "")


@rulebook_group.command("publish")
@click.argument("project")
@click.argument("version")
@with_appcontext
def rulebook_publish_command(project: str, version: str) -> None:
    """Publish draft VERSION of PROJECT's rulebook (it is immutable from then on)."""
    from annotate.services.projects.projects import get_project
    from annotate.services.rulebooks.versions import find_version
    from annotate.services.training.publishing import publish_with_training

    actor = cli_actor()
    try:
        found = find_version(db.session, get_project(db.session, project), version)
        publish_with_training(db.session, found, actor=actor)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    then = (
        "annotators must pass its quiz again"
        if found.requires_retraining
        else "annotators must acknowledge the change"
    )
    click.echo(f"Published {found.rulebook.key} {found.version} (sha256 {found.sha256}); {then}.")


@rulebook_group.command("diff")
@click.argument("project")
@click.argument("v1")
@click.argument("v2")
@with_appcontext
def rulebook_diff_command(project: str, v1: str, v2: str) -> None:
    """Show the clause-by-clause difference between versions V1 and V2 of PROJECT."""
    from annotate.services.projects.projects import get_project
    from annotate.services.rulebooks.diff import diff_versions, render_text
    from annotate.services.rulebooks.versions import find_version

    try:
        found = get_project(db.session, project)
        old, new = find_version(db.session, found, v1), find_version(db.session, found, v2)
    except DomainError as error:
        fail(error)
    click.echo(render_text(diff_versions(old, new)))


@rulebook_group.command("list")
@click.argument("project")
@with_appcontext
def rulebook_list_command(project: str) -> None:
    """List PROJECT's rulebook versions, newest first."""
    from annotate.services.projects.projects import get_project
    from annotate.services.rulebooks.versions import list_versions

    try:
        versions = list_versions(db.session, get_project(db.session, project))
    except DomainError as error:
        fail(error)
    for v in versions:
        click.echo(f"{v.rulebook.key}\t{v.version}\t{v.status.value}\t{v.sha256}")


@click.group("training")
def training_group() -> None:
    """Training and qualification housekeeping."""


@training_group.command("expire")
@with_appcontext
def training_expire_command() -> None:
    """Record an audit event for every qualification or legal pass that has lapsed
    (run daily from cron)."""
    from annotate.services.training.qualification import record_expiries

    count = record_expiries(db.session)
    db.session.commit()
    click.echo(f"Recorded {count} expiries.")


@click.command("training")
@click.argument("project")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the CSV here instead of standard output.",
)
@with_appcontext
def export_training_command(project: str, output: Path | None) -> None:
    """Export PROJECT's training transcript as CSV: every attempt, score, pass, expiry,
    acknowledgement and revocation with its reason, per annotator."""
    from annotate.services.projects.projects import get_project
    from annotate.services.training.transcript import transcript_rows, write_csv

    try:
        found = get_project(db.session, project)
    except DomainError as error:
        fail(error)
    rows = transcript_rows(db.session, found)
    if output is None:
        write_csv(found, rows, sys.stdout)
        return
    tmp = output.with_name(output.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as out:
            count = write_csv(found, rows, out)
        tmp.replace(output)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {output}: {error.strerror or error}")
    click.echo(f"Wrote {count} transcript rows to {output}.", err=True)


commands = [rulebook_group, training_group]
#: Subcommands of ``annotate export``.
export_commands = [export_training_command]
