"""Quality commands: ``export metrics``, ``supervise`` (dossier: annotate.cli.dossier)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.cli.progress import progress_bar
from annotate.database import db
from annotate.services.errors import DomainError

_bootstrap = click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Bootstrap resamples for the coefficients' intervals (0 = no intervals).",
)
_seed = click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the bootstrap (the same seed gives the same intervals).",
)


def _project(slug: str):
    from annotate.services.projects.projects import get_project

    try:
        return get_project(db.session, slug)
    except DomainError as error:
        fail(error)


@click.command("metrics")
@click.argument("project")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@_bootstrap
@_seed
@with_appcontext
def export_metrics_command(project: str, output: Path | None, bootstrap: int, seed: int) -> None:
    """Write PROJECT's quality-metrics CSV (the public long format; see the README)."""
    from annotate.services.quality.metrics_csv import metrics_csv, record_metrics_export
    from annotate.services.quality.report import ReportOptions, compute_report

    target = _project(project)
    with progress_bar("Computing the report") as step:
        report = compute_report(
            db.session, target, ReportOptions(bootstrap=bootstrap, seed=seed), step
        )
    text = metrics_csv(report)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        click.echo(f"Wrote {len(report.figures)} figures to {output}.", err=True)
    record_metrics_export(db.session, report, text, actor=cli_actor(required=False), via="cli")
    db.session.commit()


@click.command("supervise")
@click.argument("project")
@with_appcontext
def supervise_command(project: str) -> None:
    """Compare PROJECT's annotators with its thresholds and record an alert per breach."""
    from annotate.services.quality.report import ReportOptions, compute_report
    from annotate.services.quality.supervision import find_breaches, raise_alerts

    actor = cli_actor()
    target = _project(project)
    with progress_bar("Computing the report") as step:
        report = compute_report(db.session, target, ReportOptions(bootstrap=0), step)
    breaches = find_breaches(report)
    created = raise_alerts(db.session, report, actor=actor)
    db.session.commit()
    for b in breaches:
        click.echo(f"{b.username}: {b.description} {b.value:.3f} < {b.threshold:.3f} (n = {b.n})")
    click.echo(f"{len(breaches)} breach(es); {len(created)} new alert(s) recorded.")


commands = [supervise_command]
#: Subcommands of ``annotate export``.
export_commands = [export_metrics_command]
