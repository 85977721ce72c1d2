"""Sample plans: a seeded spot-check of one batch's annotations (Art. 8 sampling verification).

The *lot* is the batch's current annotations on items that are not quarantined. A plan is
drawn by one of five methods — a random rate, a fixed n, a stratified sample (by annotator
and/or label, proportional with a minimum per stratum), an ISO 2859-1 single sampling plan
(n, Ac, Re from :mod:`annotate.metrics`) or all of them — with a seed that is stored with the
plan: the same seed on the same lot draws the same sample. Review-gold annotations (annotations
of gold items, whose verdict is known from the gold answer) are mixed into the review order to
calibrate reviewers; they never count towards the batch decision.

Acceptance numbers: ISO plans carry the standard's Ac/Re; a 100 % inspection accepts only
with zero defects (every nonconforming annotation was found and must be reworked); the other
methods accept when at most ``⌊n × (1 − min_review_accuracy)⌋`` annotations are defective.
A security project (TC260-003) always reviews every annotation.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchDecision,
    BatchStatus,
    Decision,
    Item,
    Project,
    Review,
    SampledAnnotation,
    SampleMethod,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound
from annotate.services.locks import lock_row
from annotate.services.projects.questions import is_form
from annotate.services.review.questions import (
    draw_questions,
    expected_form_verdict,
    question_rates,
)
from annotate.services.review.selection import canonical, choose_sample, resolve_method

#: Review-gold annotations mixed in by default: this share of the sample, at most MAX.
CALIBRATION_SHARE = 0.1
MAX_CALIBRATION = 10


def get_batch(session: Session, project: Project, name_or_id: str | int) -> Batch:
    """Return the batch of ``project`` named ``name_or_id`` (or with that id).

    :raises NotFound: there is none.
    """
    stmt = sa.select(Batch).where(Batch.project_id == project.id)
    batch = session.scalar(stmt.where(Batch.name == str(name_or_id)))
    if batch is None and str(name_or_id).isdigit():
        batch = session.scalar(stmt.where(Batch.id == int(name_or_id)))
    if batch is None:
        raise NotFound(
            _l("No batch %(batch)s in project %(project)s.", batch=name_or_id, project=project.slug)
        )
    return batch


def lot_annotations(session: Session, batch: Batch) -> list[Annotation]:
    """The lot: current annotations of the batch's items that are not quarantined."""
    return list(
        session.scalars(
            sa.select(Annotation)
            .join(Item, Item.id == Annotation.item_id)
            .where(
                Item.batch_id == batch.id,
                Item.quarantined.is_(False),
                Annotation.is_current.is_(True),
            )
            .order_by(Annotation.id)
        )
    )


def current_plan(session: Session, batch: Batch) -> SamplePlan | None:
    """The batch's newest plan (a redraw replaces an unreviewed plan; older ones are history)."""
    return session.scalar(
        sa.select(SamplePlan)
        .where(SamplePlan.batch_id == batch.id)
        .order_by(SamplePlan.id.desc())
        .limit(1)
    )


def plan_decision_row(session: Session, plan: SamplePlan) -> BatchDecision | None:
    """The decision taken on ``plan``, if any."""
    return session.scalar(sa.select(BatchDecision).where(BatchDecision.plan_id == plan.id))


def already_decided(batch: Batch) -> Any:
    """The refusal of a second decision (or a review) on a decided plan."""
    return _l(
        "Batch %(batch)s was already decided on this plan; nothing was changed. "
        "Reload the batch to see the decision.",
        batch=batch.name,
    )


def outstanding_reannotations(session: Session, batch: Batch) -> int:
    """Re-annotation leases (round > 1) in the batch that are still open and unexpired."""
    return (
        session.scalar(
            sa.select(sa.func.count(Assignment.id))
            .join(Item, Item.id == Assignment.item_id)
            .where(
                Item.batch_id == batch.id,
                Assignment.round > 1,
                Assignment.status == AssignmentStatus.leased,
                Assignment.lease_expires_at > utcnow(),
            )
        )
        or 0
    )


def _has_reviews(session: Session, plan: SamplePlan) -> bool:
    return (
        session.execute(
            sa.select(sa.func.count(Review.id))
            .join(SampledAnnotation)
            .where(SampledAnnotation.plan_id == plan.id)
        ).scalar_one()
        > 0
    )


def _next_round(session: Session, batch: Batch) -> int:
    rejected = (
        session.scalar(
            sa.select(sa.func.count(BatchDecision.id)).where(
                BatchDecision.batch_id == batch.id, BatchDecision.decision == Decision.reject
            )
        )
        or 0
    )
    return rejected + 1


def _check_drawable(session: Session, batch: Batch) -> SamplePlan | None:
    """Refuse a draw the batch's state forbids; return the plan a draw would replace."""
    if batch.status == BatchStatus.void:
        raise Conflict(
            _l(
                "Batch %(batch)s is void (prohibited content was confirmed); it "
                "is never sampled or exported again.",
                batch=batch.name,
            )
        )
    if batch.status == BatchStatus.accepted:
        raise Conflict(_l("Batch %(batch)s was already accepted.", batch=batch.name))
    waiting = outstanding_reannotations(session, batch)
    if waiting:
        raise Conflict(
            _l(
                "Batch %(batch)s still has %(n)s annotations out for "
                "re-annotation; sample it again when they are done.",
                batch=batch.name,
                n=waiting,
            )
        )
    plan = current_plan(session, batch)
    if plan is None or plan_decision_row(session, plan) is not None:
        return None
    if _has_reviews(session, plan):
        raise Conflict(
            _l(
                "Plan %(plan)s of batch %(batch)s already has reviews; finish it "
                "and decide the batch before drawing a new plan.",
                plan=plan.id,
                batch=batch.name,
            )
        )
    return plan


def expected_verdict(
    annotation: Annotation, project: Project, questions: list[str] | None = None
) -> Verdict | None:
    """The known verdict of an annotation of a gold item (None for ordinary items); in a
    form project, on the ``questions`` judged in it (see ``review.questions``)."""
    gold = annotation.item.gold_answer
    if gold is None:
        return None
    if is_form(project):
        return expected_form_verdict(project, annotation, questions)
    same = canonical(annotation.value) == canonical(gold)
    return Verdict.correct if same else Verdict.incorrect


def _calibration_pool(session: Session, project: Project, exclude: set[int]) -> list[int]:
    return [
        a
        for a in session.scalars(
            sa.select(Annotation.id)
            .join(Item, Item.id == Annotation.item_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(
                Item.project_id == project.id,
                Item.gold_answer.is_not(None),
                Item.quarantined.is_(False),
                Batch.status != BatchStatus.void,
                Annotation.is_current.is_(True),
            )
            .order_by(Annotation.id)
        )
        if a not in exclude
    ]


def draw_plan(
    session: Session,
    batch: Batch,
    *,
    method: SampleMethod | str | None = None,
    rate: float | None = None,
    n: int | None = None,
    aql: float | None = None,
    inspection_level: str | None = None,
    strata: list[str] | None = None,
    min_per_stratum: int = 1,
    seed: int | None = None,
    calibration: int | None = None,
    actor: User | None = None,
) -> SamplePlan:
    """Draw a seeded sample plan for ``batch`` and put the batch in review.

    Without ``method`` the project's default applies (``all`` for security projects). An
    unreviewed, undecided plan is replaced by the new one (same round); after a rejection the
    new plan is the next round. Flushes; the caller commits.

    :raises InvalidInput: bad parameters, or the batch has no annotations to sample.
    :raises Conflict: the batch is void or accepted, re-annotation is still under way, or
        the current plan already has reviews.
    """
    project = batch.project
    if batch.review_all and method is None:  # a prohibited-content flag: 100 % review
        method = SampleMethod.all
    method = resolve_method(project, method)
    if batch.review_all and method != SampleMethod.all:
        raise InvalidInput(
            _l(
                "Batch %(batch)s is under 100 %% review (prohibited content was flagged): "
                "the method must be 'all'.",
                batch=batch.name,
            )
        )
    # Two draws at once would both replace the same plan; a draw during a decision would
    # reopen a decided batch. The batch row serialises them (see decide_batch).
    batch = lock_row(session, batch)
    replaced = _check_drawable(session, batch)
    lot = lot_annotations(session, batch)
    if not lot:
        raise InvalidInput(
            _l("Batch %(batch)s has no annotations to sample yet.", batch=batch.name)
        )
    if seed is None:
        seed = secrets.randbelow(2**31)
    chosen, params, ac, re, letter = choose_sample(
        project,
        method,
        lot,
        seed,
        rate=rate,
        n=n,
        aql=aql,
        inspection_level=inspection_level,
        strata=list(strata or []),
        min_per_stratum=min_per_stratum,
    )
    lot_ids = [a.id for a in lot]
    params["lot_sha256"] = hashlib.sha256(",".join(map(str, lot_ids)).encode()).hexdigest()
    if calibration is None:
        calibration = min(MAX_CALIBRATION, math.ceil(len(chosen) * CALIBRATION_SHARE))
    if calibration < 0:
        raise InvalidInput("The sample plan was not drawn.", ["calibration must be ≥ 0"])
    pool = _calibration_pool(session, project, set(chosen))
    rng = random.Random(seed)
    gold_ids = sorted(rng.sample(pool, min(calibration, len(pool))))
    params["calibration"] = len(gold_ids)
    plan = SamplePlan(
        batch_id=batch.id,
        method=method,
        parameters=params,
        seed=seed,
        round=replaced.round if replaced else _next_round(session, batch),
        lot_size=len(lot),
        sample_size=len(chosen),
        accept_number=ac,
        reject_number=re,
        code_letter=letter,
        created_by_id=actor.id if actor else None,
    )
    session.add(plan)
    session.flush()
    order = [(a, False) for a in chosen] + [(a, True) for a in gold_ids]
    rng.shuffle(order)
    by_id = {a.id: a for a in lot}
    pick = random.Random(f"questions-{seed}")  # the questions judged, per sampled annotation
    rates = question_rates(project)
    for position, (annotation_id, is_gold) in enumerate(order):
        expected = None
        questions = draw_questions(rates, pick)
        if is_gold:
            expected = expected_verdict(
                session.get_one(Annotation, annotation_id), project, questions
            )
        elif annotation_id in by_id and by_id[annotation_id].item.gold_answer is not None:
            expected = expected_verdict(by_id[annotation_id], project, questions)
        session.add(
            SampledAnnotation(
                plan_id=plan.id,
                annotation_id=annotation_id,
                position=position,
                is_calibration=is_gold,
                expected_verdict=expected,
                questions=questions,
            )
        )
    batch.status = BatchStatus.in_review
    session.flush()
    record_event(
        session,
        "sample.draw",
        "sample_plan",
        plan.id,
        actor=actor,
        project_id=project.id,
        details={
            **plan_summary(plan, chosen),
            "batch": batch.name,
            "replaces": replaced.id if replaced else None,
            "calibration_ids": gold_ids,
        },
    )
    return plan


def plan_summary(plan: SamplePlan, annotation_ids: list[int] | None = None) -> dict[str, Any]:
    """The plan as plain data (what ``annotate sample draw`` prints)."""
    if annotation_ids is None:
        annotation_ids = sorted(s.annotation_id for s in plan.sampled if not s.is_calibration)
    return {
        "plan_id": plan.id,
        "method": plan.method.value,
        "seed": plan.seed,
        "round": plan.round,
        "lot_size": plan.lot_size,
        "sample_size": plan.sample_size,
        "accept": plan.accept_number,
        "reject": plan.reject_number,
        "code_letter": plan.code_letter,
        "parameters": dict(plan.parameters),
        "annotation_ids": sorted(annotation_ids),
    }
