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
from annotate.metrics import draw_sample, single_sampling_plan
from annotate.metrics.iso2859 import AQLS, INSPECTION_LEVELS
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
    RulebookKind,
    SampledAnnotation,
    SampleMethod,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound
from annotate.services.locks import lock_row

STRATA = ("annotator", "label")
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
        raise NotFound(f"No batch {name_or_id!r} in project {project.slug}.")
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
            f"Batch {batch.name} is void (prohibited content was confirmed); it "
            "is never sampled or exported again."
        )
    if batch.status == BatchStatus.accepted:
        raise Conflict(f"Batch {batch.name} was already accepted.")
    waiting = outstanding_reannotations(session, batch)
    if waiting:
        raise Conflict(
            f"Batch {batch.name} still has {waiting} annotations out for "
            "re-annotation; sample it again when they are done."
        )
    plan = current_plan(session, batch)
    if plan is None or plan_decision_row(session, plan) is not None:
        return None
    if _has_reviews(session, plan):
        raise Conflict(
            f"Plan {plan.id} of batch {batch.name} already has reviews; finish it "
            "and decide the batch before drawing a new plan."
        )
    return plan


def _canonical(value: Any) -> Any:
    return sorted(map(str, value)) if isinstance(value, list) else value


def _strata(annotations: list[Annotation], keys: list[str]) -> list[str]:
    out = []
    for ann in annotations:
        parts = []
        if "annotator" in keys:
            parts.append(f"a{ann.annotator_id}")
        if "label" in keys:
            parts.append(f"l={_canonical(ann.value)}")
        out.append("|".join(parts))
    return out


def _resolve_method(project: Project, method: SampleMethod | str | None) -> SampleMethod:
    if method is None:
        return (
            SampleMethod.all
            if project.rulebook_kind == RulebookKind.security
            else project.default_sample_method
        )
    try:
        method = SampleMethod(method)
    except ValueError:
        raise InvalidInput(
            f"Unknown sampling method {method!r}; choose one of "
            + ", ".join(m.value for m in SampleMethod)
        ) from None
    if project.rulebook_kind == RulebookKind.security and method != SampleMethod.all:
        raise InvalidInput(
            f"{project.name} has security rules: TC260-003 requires every "
            "annotation to be reviewed, so the method must be 'all'."
        )
    return method


def _rule_numbers(n: int, min_accuracy: float) -> tuple[int, int]:
    accept = max(0, math.floor(n * (1 - min_accuracy) + 1e-9))
    return accept, accept + 1


def _choose(
    project: Project,
    method: SampleMethod,
    lot: list[Annotation],
    seed: int,
    *,
    rate: float | None,
    n: int | None,
    aql: float | None,
    inspection_level: str | None,
    strata: list[str],
    min_per_stratum: int,
) -> tuple[list[int], dict[str, Any], int, int, str | None]:
    """Return ``(annotation ids, parameters, Ac, Re, code letter)``."""
    ids = [a.id for a in lot]
    size = len(ids)
    params: dict[str, Any] = {}
    letter = None
    try:
        if method == SampleMethod.all:
            chosen, (ac, re) = list(ids), (0, 1)
            params["rule"] = "zero_defects"
        elif method == SampleMethod.iso2859:
            aql = project.aql if aql is None else aql
            level = inspection_level or project.inspection_level
            if level not in INSPECTION_LEVELS:
                raise ValueError(f"inspection level must be one of {', '.join(INSPECTION_LEVELS)}")
            if not any(abs(a - aql) <= 1e-9 * max(1.0, a) for a in AQLS):
                raise ValueError(
                    f"AQL {aql:g} is not a standard value; use one of "
                    + ", ".join(f"{a:g}" for a in AQLS)
                )
            params.update(aql=aql, inspection_level=level, rule="iso2859")
            if size < 2:
                chosen, (ac, re) = list(ids), (0, 1)
            else:
                plan = single_sampling_plan(size, aql, level)
                chosen = draw_sample(ids, size=plan.sample_size, seed=seed)
                ac, re, letter = plan.accept, plan.reject, plan.code_letter
                params.update(
                    plan_code_letter=plan.plan_code_letter, full_inspection=plan.full_inspection
                )
        else:
            if method == SampleMethod.fixed_n:
                if n is None:
                    raise ValueError("a fixed-n plan needs n (--n)")
                chosen = draw_sample(ids, size=n, seed=seed)
                params["n"] = n
            else:
                if n is None and rate is None:
                    rate = project.sample_rate
                if method == SampleMethod.stratified:
                    keys = strata or ["annotator"]
                    unknown = [k for k in keys if k not in STRATA]
                    if unknown:
                        raise ValueError(f"strata must be among {', '.join(STRATA)}")
                    chosen = draw_sample(
                        ids,
                        rate=rate,
                        size=n,
                        seed=seed,
                        strata=_strata(lot, keys),
                        min_per_stratum=min_per_stratum,
                    )
                    params.update(strata=keys, min_per_stratum=min_per_stratum)
                    if n is not None:
                        params["n"] = n
                else:
                    if rate is None:
                        raise ValueError("a random-rate plan needs a rate (--rate)")
                    chosen = draw_sample(ids, rate=rate, seed=seed)
                if rate is not None:
                    params["rate"] = rate
            ac, re = _rule_numbers(len(chosen), project.min_review_accuracy)
            params.update(
                rule="min_review_accuracy", min_review_accuracy=project.min_review_accuracy
            )
    except ValueError as exc:
        raise InvalidInput("The sample plan was not drawn.", [str(exc)]) from None
    return chosen, params, ac, re, letter


def expected_verdict(annotation: Annotation) -> Verdict | None:
    """The known verdict of an annotation of a gold item (None for ordinary items)."""
    gold = annotation.item.gold_answer
    if gold is None:
        return None
    same = _canonical(annotation.value) == _canonical(gold)
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
    method = _resolve_method(project, method)
    # Two draws at once would both replace the same plan; a draw during a decision would
    # reopen a decided batch. The batch row serialises them (see decide_batch).
    batch = lock_row(session, batch)
    replaced = _check_drawable(session, batch)
    lot = lot_annotations(session, batch)
    if not lot:
        raise InvalidInput(f"Batch {batch.name} has no annotations to sample yet.")
    if seed is None:
        seed = secrets.randbelow(2**31)
    chosen, params, ac, re, letter = _choose(
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
    for position, (annotation_id, is_gold) in enumerate(order):
        expected = None
        if is_gold:
            expected = expected_verdict(session.get_one(Annotation, annotation_id))
        elif annotation_id in by_id and by_id[annotation_id].item.gold_answer is not None:
            expected = expected_verdict(by_id[annotation_id])
        session.add(
            SampledAnnotation(
                plan_id=plan.id,
                annotation_id=annotation_id,
                position=position,
                is_calibration=is_gold,
                expected_verdict=expected,
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
