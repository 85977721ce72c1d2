"""``annotate dossier PROJECT -o DIR`` and ``annotate dossier verify DIR`` (the signing key:
``annotate keys generate``, :mod:`annotate.cli.keys`)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.cli.progress import progress_bar
from annotate.database import db
from annotate.services.errors import DomainError


class _DefaultToBuild(click.Group):
    """``annotate dossier PROJECT …`` builds; ``annotate dossier verify DIR`` verifies."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["build", *args]
        return super().parse_args(ctx, args)


@click.group("dossier", cls=_DefaultToBuild)
def dossier_group() -> None:
    """Build a project's compliance dossier (``dossier PROJECT -o DIR``) or verify one."""


def _actor(username: str | None):
    """Who generates it: this command's ``--as``, else the global ``--as`` or
    ``ANNOTATE_ACTOR`` (optional: building a dossier changes no data)."""
    return cli_actor(required=False, by=username)


@dossier_group.command("build")
@click.argument("project")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write index.html, the CSVs, SHA256SUMS and its signature into.",
)
@click.option("--from", "start", metavar="DATE", help="First day (project's time zone).")
@click.option("--to", "end", metavar="DATE", help="Last day, inclusive (default: now).")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the dossier.",
)
@click.option("--as", "username", metavar="USERNAME", help="Who generates it (ANNOTATE_ACTOR).")
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Bootstrap resamples for the coefficients' intervals (0 = no intervals).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@with_appcontext
def dossier_build_command(
    project: str,
    output: Path,
    start: str | None,
    end: str | None,
    lang: str,
    username: str | None,
    bootstrap: int,
    seed: int,
) -> None:
    """Write PROJECT's compliance dossier into a directory (signed with ANNOTATE_SIGNING_KEY)."""
    from annotate.services.projects.projects import get_project
    from annotate.services.quality.dossier import DossierRequest, build_dossier
    from annotate.services.quality.report import ReportOptions

    try:
        target = get_project(db.session, project)
        request = DossierRequest(start, end, lang, ReportOptions(bootstrap=bootstrap, seed=seed))
        with progress_bar("Building the dossier") as step:
            files = build_dossier(
                db.session, target, output, request, actor=_actor(username), progress=step
            )
    except DomainError as error:
        fail(error)
    db.session.commit()
    signed = (output / "SHA256SUMS.sig").exists()
    click.echo(f"Wrote {len(files)} files to {output}; open {output / 'index.html'}.")
    if not signed:
        click.echo("Not signed: set ANNOTATE_SIGNING_KEY (annotate keys generate).", err=True)


@dossier_group.command("verify")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--public-key", help="Check the signature against this key (base64).")
def dossier_verify_command(directory: Path, public_key: str | None) -> None:
    """Check every file of a dossier against SHA256SUMS and its Ed25519 signature."""
    from annotate.services.quality.dossier.signing import verify_bundle

    result = verify_bundle(directory, public_key)
    for problem in result.problems:
        click.echo(f"FAIL {problem}", err=True)
    if not result.ok:
        raise SystemExit(1)
    source = "given" if public_key else "the bundle's SIGNING_KEY.pub"
    click.echo(f"OK: {result.checked} files match; signature valid ({source}: {result.signed_by}).")


commands = [dossier_group]
