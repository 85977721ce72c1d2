"""Batch decisions: the live tally against the plan, accept / reject / void, re-annotation.

The plan decides: confirmed prohibited content voids the batch (TC260-003: "if illegal or
harmful content is found, the whole batch is void"); defects reaching Re reject it (even before
the sample is finished); a finished sample with at most Ac defects accepts it. Deciding
otherwise is an override and needs a written reason; both are audited.

A rejection sends work back to the original annotators: the annotations that failed review,
or every current annotation of the batch (``Project.reject_scope``), get a new lease of round
+1 for their annotator. The lease holds a slot on the item (``Item.annotation_count`` + 1, the
assignment engine's invariant: live leases plus current annotations), so the engine hands the
item to nobody else; when the annotator submits, the annotation service supersedes the old
annotation (``superseded_by_id``, ``is_current=False``) and gives its slot back. The batch is
``reannotating`` until it is sampled again (a new plan, the next round).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from annotate.database import Session, utcnow
from annotate.labels import label as label_of
from annotate.metrics import proportion
from annotate.metrics.results import Proportion
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchDecision,
    BatchStatus,
    Decision,
    Item,
    RejectScope,
    Review,
    SampledAnnotation,
    SamplePlan,
    User,
    Verdict,
)
from annotate.services.audit import content_ref, record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.labeling.assignment import slot_change
from annotate.services.locks import lock_row
from annotate.services.review.flags import open_prohibited_in_batch
from annotate.services.review.sampling import (
    already_decided,
    lot_annotations,
    plan_decision_row,
)

#: How long an annotator has to redo work sent back to them.
REANNOTATION_LEASE_DAYS = 14


@dataclass(frozen=True)
class Tally:
    """Where a plan stands: reviews so far against Ac/Re, and the accuracy estimate."""

    plan: SamplePlan
    reviewed: int
    defects: int
    prohibited: int
    remaining: int
    accuracy: Proportion
    plan_decision: Decision | None
    decision: BatchDecision | None

    @property
    def complete(self) -> bool:
        """True when every sampled annotation has a review."""
        return self.remaining == 0


def sample_verdicts(session: Session, plan: SamplePlan) -> dict[int, list[Verdict]]:
    """Sampled (non-calibration) annotation id → the verdicts it received."""
    out: dict[int, list[Verdict]] = {
        s.annotation_id: [] for s in plan.sampled if not s.is_calibration
    }
    rows = session.execute(
        sa.select(SampledAnnotation.annotation_id, Review.verdict)
        .join(Review, Review.sampled_annotation_id == SampledAnnotation.id)
        .where(SampledAnnotation.plan_id == plan.id, SampledAnnotation.is_calibration.is_(False))
    ).all()
    for annotation_id, verdict in rows:
        out[annotation_id].append(verdict)
    return out


def tally_plan(session: Session, plan: SamplePlan) -> Tally:
    """Count reviews and defects of ``plan`` and say what the plan decides (None: not yet).

    An annotation is defective when any reviewer found it incorrect or prohibited.
    """
    verdicts = sample_verdicts(session, plan)
    reviewed = [v for v in verdicts.values() if v]
    defects = sum(1 for v in reviewed if any(x != Verdict.correct for x in v))
    prohibited = sum(1 for v in reviewed if Verdict.prohibited in v)
    remaining = len(verdicts) - len(reviewed)
    decision: Decision | None = None
    if prohibited:
        decision = Decision.void
    elif plan.reject_number is not None and defects >= plan.reject_number:
        decision = Decision.reject
    elif remaining == 0 and (plan.accept_number is None or defects <= plan.accept_number):
        decision = Decision.accept
    return Tally(
        plan,
        len(reviewed),
        defects,
        prohibited,
        remaining,
        proportion(len(reviewed) - defects, len(reviewed)),
        decision,
        plan_decision_row(session, plan),
    )


def decide_batch(
    session: Session,
    plan: SamplePlan,
    actor: User,
    decision: Decision | str | None = None,
    reason: str = "",
    *,
    lease_days: int = REANNOTATION_LEASE_DAYS,
) -> BatchDecision:
    """Decide the batch of ``plan``: follow the plan, or override it with a written reason.

    Without ``decision`` the plan's decision is taken. Accept closes the batch; reject sends
    work back for re-annotation; void excludes the batch from every export for good. Flushes;
    the caller commits.

    :raises Conflict: the plan is not the batch's current one, was decided already, or the
        batch is void.
    :raises InvalidInput: unknown decision, or an override (including a decision before the
        plan is complete) without a reason.
    """
    from annotate.services.review.reviews import check_open_plan

    # One decision per plan: the batch row is locked (PostgreSQL FOR UPDATE, SQLite's write
    # lock) before the checks, so a concurrent decision, draw or review waits and then sees
    # this one; uq_batch_decisions_plan_id refuses a second row whatever happens.
    batch = lock_row(session, plan.batch)
    if plan_decision_row(session, plan) is not None:
        raise Conflict(already_decided(batch))
    check_open_plan(session, plan)
    tally = tally_plan(session, plan)
    if decision is None:
        if tally.plan_decision is None:
            raise InvalidInput(
                _l(
                    "The plan is not complete (%(n)s annotations still to review); to "
                    "decide now, choose a decision and give a reason.",
                    n=tally.remaining,
                )
            )
        decision = tally.plan_decision
    try:
        decision = Decision(decision)
    except ValueError:
        raise InvalidInput(
            _l(
                "Unknown decision %(decision)s; choose one of %(choices)s",
                decision=decision,
                choices=", ".join(d.value for d in Decision),
            )
        ) from None
    if (
        decision == Decision.accept
        and batch.review_all
        and open_prohibited_in_batch(session, batch)
    ):
        raise Conflict(
            _l(
                "Batch %(batch)s is under 100 %% review: a prohibited-content flag on one of "
                "its items awaits a reviewer; confirm or release it first.",
                batch=batch.name,
            )
        )
    reason = (reason or "").strip()
    override = decision != tally.plan_decision
    if override and not reason:
        raise InvalidInput(
            _l(
                "Deciding %(decision)s overrides the plan's decision (%(planned)s); write "
                "the reason for the override.",
                decision=label_of(decision),
                planned=label_of(tally.plan_decision) if tally.plan_decision else _l("none yet"),
            )
        )
    row = BatchDecision(
        plan_id=plan.id,
        batch_id=batch.id,
        reviewed=tally.reviewed,
        defects=tally.defects,
        plan_decision=tally.plan_decision,
        decision=decision,
        override_reason=reason if override else None,
        decided_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(already_decided(batch)) from None
    details = {
        "batch": batch.name,
        "plan_id": plan.id,
        "round": plan.round,
        "decision": decision.value,
        "plan_decision": tally.plan_decision.value if tally.plan_decision else None,
        "reviewed": tally.reviewed,
        "defects": tally.defects,
        "accept": plan.accept_number,
        "reject": plan.reject_number,
        "accuracy": tally.accuracy.value,
    }
    project_id = batch.project_id
    if override:
        record_event(
            session,
            "batch.override",
            "batch",
            batch.id,
            actor=actor,
            project_id=project_id,
            details={**details, "reason": reason},
        )
    if decision == Decision.accept:
        batch.status = BatchStatus.accepted
    elif decision == Decision.void:
        batch.status = BatchStatus.void
        record_event(
            session,
            "batch.void",
            "batch",
            batch.id,
            actor=actor,
            project_id=project_id,
            details={**details, "prohibited": tally.prohibited, "reason": reason},
        )
    else:
        details["sent_back"] = send_back(session, plan, actor, lease_days=lease_days)
        batch.status = BatchStatus.reannotating
    session.flush()
    record_event(
        session,
        "batch.decide",
        "batch",
        batch.id,
        actor=actor,
        project_id=project_id,
        details={**details, "content": content_ref("batch_decisions", row)},
    )
    return row


def failed_annotations(session: Session, plan: SamplePlan) -> list[Annotation]:
    """Current annotations of the sample that a reviewer found incorrect or prohibited."""
    failed = [
        a for a, v in sample_verdicts(session, plan).items() if any(x != Verdict.correct for x in v)
    ]
    return list(
        session.scalars(
            sa.select(Annotation)
            .where(Annotation.id.in_(failed), Annotation.is_current.is_(True))
            .order_by(Annotation.id)
        )
    )


def send_back(
    session: Session, plan: SamplePlan, actor: User, *, lease_days: int = REANNOTATION_LEASE_DAYS
) -> dict[str, int]:
    """Give each annotation to redo a round + 1 lease for its annotator; return counts.

    Which annotations follow ``Project.reject_scope``: the failed ones or the whole batch.
    """
    batch: Batch = plan.batch
    project = batch.project
    scope = project.reject_scope
    if scope == RejectScope.batch:
        annotations = lot_annotations(session, batch)
    else:
        annotations = failed_annotations(session, plan)
    now = utcnow()
    per_annotator: dict[str, int] = {}
    for annotation in annotations:
        last = (
            session.scalar(
                sa.select(sa.func.max(Assignment.round)).where(
                    Assignment.item_id == annotation.item_id,
                    Assignment.annotator_id == annotation.annotator_id,
                )
            )
            or 1
        )
        session.add(
            Assignment(
                item_id=annotation.item_id,
                annotator_id=annotation.annotator_id,
                round=last + 1,
                status=AssignmentStatus.leased,
                leased_at=now,
                lease_expires_at=now + timedelta(days=lease_days),
            )
        )
        session.execute(
            sa.update(Item)
            .where(Item.id == annotation.item_id)
            .values(slot_change(project, 1))
            .execution_options(synchronize_session=False)
        )
        name = annotation.annotator.username
        per_annotator[name] = per_annotator.get(name, 0) + 1
    session.flush()
    record_event(
        session,
        "batch.send_back",
        "batch",
        batch.id,
        actor=actor,
        project_id=batch.project_id,
        details={
            "plan_id": plan.id,
            "scope": scope.value,
            "annotation_ids": [a.id for a in annotations],
            "per_annotator": per_annotator,
        },
    )
    return per_annotator


def batch_history(session: Session, batch: Batch) -> list[tuple[SamplePlan, Tally]]:
    """Every plan of the batch with its tally, newest first."""
    plans = session.scalars(
        sa.select(SamplePlan).where(SamplePlan.batch_id == batch.id).order_by(SamplePlan.id.desc())
    )
    return [(plan, tally_plan(session, plan)) for plan in plans]
