"""``annotate sample draw|show|decide``: sample plans and batch decisions from the command line.

Thin wrappers over :mod:`annotate.services.review.sampling` and
:mod:`annotate.services.review.decisions`;
every domain error is printed as a message with exit status 1, never a traceback.
"""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from annotate.cli.core import cli_actor, fail
from annotate.database import db
from annotate.models import Decision, SampleMethod
from annotate.services.errors import DomainError, NotFound


def _json(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=str)


@click.group("sample")
def sample_group() -> None:
    """Draw spot-check sample plans and decide batches.

    Art. 8 of the Interim Measures: verify the accuracy of annotations by sampling.
    """


@sample_group.command("draw")
@click.argument("project")
@click.argument("batch")
@click.option(
    "--method",
    type=click.Choice([m.value for m in SampleMethod]),
    default=None,
    help="How to sample; default: the project's (all for security projects).",
)
@click.option(
    "--rate",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="Share of the batch's annotations to sample (random_rate, stratified).",
)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=0),
    default=None,
    help="Number of annotations to sample (fixed_n, stratified).",
)
@click.option(
    "--aql",
    type=float,
    default=None,
    help="ISO 2859-1 acceptable quality limit in % (iso2859); default: the project's.",
)
@click.option(
    "--inspection-level",
    default=None,
    help="ISO 2859-1 inspection level (S-1 … S-4, I, II, III); default: the project's.",
)
@click.option(
    "--strata",
    default="annotator",
    show_default=True,
    help="Stratify by annotator, label or annotator,label (stratified).",
)
@click.option(
    "--min-per-stratum",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Minimum sample per stratum (stratified).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Seed of the draw; the same seed on the same batch draws the same sample. "
    "Default: a random seed, stored with the plan.",
)
@click.option(
    "--calibration",
    type=click.IntRange(min=0),
    default=None,
    help="Review-gold annotations to mix in for reviewer calibration "
    "(default: 10 % of the sample, at most 10).",
)
@click.option(
    "--by", "by", default=None, help="Username recorded as the plan's author (default: --as)."
)
@with_appcontext
def draw_command(
    project: str,
    batch: str,
    method: str | None,
    rate: float | None,
    n: int | None,
    aql: float | None,
    inspection_level: str | None,
    strata: str,
    min_per_stratum: int,
    seed: int | None,
    calibration: int | None,
    by: str | None,
) -> None:
    """Draw a seeded sample plan for BATCH (name or id) of PROJECT and print it as JSON.

    An unreviewed plan of the batch is replaced; after a rejection the plan is the next
    round.
    """
    from annotate.services.projects.projects import get_project
    from annotate.services.review.sampling import draw_plan, get_batch, plan_summary

    actor = cli_actor(by=by)
    try:
        batch_row = get_batch(db.session, get_project(db.session, project), batch)
        plan = draw_plan(
            db.session,
            batch_row,
            method=method,
            rate=rate,
            n=n,
            aql=aql,
            inspection_level=inspection_level,
            strata=[s.strip() for s in strata.split(",") if s.strip()],
            min_per_stratum=min_per_stratum,
            seed=seed,
            calibration=calibration,
            actor=actor,
        )
        summary = plan_summary(plan)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(_json(summary))


def _tally_json(tally) -> dict:
    acc = tally.accuracy
    return {
        "plan_id": tally.plan.id,
        "round": tally.plan.round,
        "sample_size": tally.plan.sample_size,
        "reviewed": tally.reviewed,
        "remaining": tally.remaining,
        "defects": tally.defects,
        "prohibited": tally.prohibited,
        "accept": tally.plan.accept_number,
        "reject": tally.plan.reject_number,
        "accuracy": acc.value,
        "ci_low": acc.ci_low,
        "ci_high": acc.ci_high,
        "plan_decision": tally.plan_decision.value if tally.plan_decision else None,
        "decision": tally.decision.decision.value if tally.decision else None,
    }


@sample_group.command("show")
@click.argument("project")
@click.argument("batch")
@with_appcontext
def show_command(project: str, batch: str) -> None:
    """Print the status of BATCH and the live tally of its current plan as JSON."""
    from annotate.services.projects.projects import get_project
    from annotate.services.review.decisions import tally_plan
    from annotate.services.review.sampling import current_plan, get_batch

    try:
        batch_row = get_batch(db.session, get_project(db.session, project), batch)
    except DomainError as error:
        fail(error)
    plan = current_plan(db.session, batch_row)
    click.echo(
        _json(
            {
                "batch": batch_row.name,
                "status": batch_row.status.value,
                "plan": _tally_json(tally_plan(db.session, plan)) if plan else None,
            }
        )
    )


@sample_group.command("decide")
@click.argument("project")
@click.argument("batch")
@click.option("--by", "by", default=None, help="Username of the person deciding (default: --as).")
@click.option(
    "--decision",
    type=click.Choice([d.value for d in Decision]),
    default=None,
    help="Override the plan's decision (needs --reason).",
)
@click.option("--reason", default="", help="Written reason for an override (audited).")
@with_appcontext
def decide_command(
    project: str, batch: str, by: str | None, decision: str | None, reason: str
) -> None:
    """Decide BATCH on its current plan (accept, reject → re-annotation, or void)."""
    from annotate.services.projects.projects import get_project
    from annotate.services.review.decisions import decide_batch, tally_plan
    from annotate.services.review.sampling import current_plan, get_batch

    actor = cli_actor(by=by)
    try:
        batch_row = get_batch(db.session, get_project(db.session, project), batch)
        plan = current_plan(db.session, batch_row)
        if actor is None:
            raise NotFound("Name the person deciding: --as USERNAME or --by USERNAME.")
        if plan is None:
            raise NotFound(f"Batch {batch_row.name} has no sample plan yet.")
        row = decide_batch(db.session, plan, actor, decision, reason)
        out = {
            **_tally_json(tally_plan(db.session, plan)),
            "status": batch_row.status.value,
            "override_reason": row.override_reason,
        }
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error)
    click.echo(_json(out))


commands = [sample_group]
