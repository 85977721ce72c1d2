"""Reviews: the reviewer's queue, recording a verdict (with feedback), reviewer calibration.

Rules enforced here, not only in the pages: a reviewer must be a reviewer in the project (or
an admin); with ``Project.separate_roles`` (TC260-003) nobody who annotates in the project may
review in it; nobody ever reviews their own annotation; only the batch's current, undecided plan
takes verdicts. A double submit returns the first review and writes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from annotate.database import Session
from annotate.models import (
    Annotation,
    BatchStatus,
    Clause,
    Feedback,
    Membership,
    Project,
    ProjectRole,
    Review,
    SampledAnnotation,
    SamplePlan,
    TaskType,
    User,
    Verdict,
)
from annotate.services.audit import content_ref, record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.locks import lock_row
from annotate.services.messages import english, message
from annotate.services.projects.schema import active_error_type_keys
from annotate.services.projects.values import normalise_value
from annotate.services.review.questions import judge_answers
from annotate.services.review.sampling import already_decided, current_plan, plan_decision_row

logger = logging.getLogger(__name__)
#: Task types whose correction is a structured value the reviewer must give.
CORRECTABLE = {
    TaskType.single_label,
    TaskType.multi_label,
    TaskType.rating,
    TaskType.pairwise,
    TaskType.text,
}


def check_reviewer(session: Session, user: User, project: Project) -> None:
    """Refuse ``user`` as a reviewer in ``project``.

    :raises PermissionDenied: not a reviewer there (nor an admin), or an annotator in a
        project that separates the roles.
    """
    roles = set(
        session.scalars(
            sa.select(Membership.role).where(
                Membership.user_id == user.id, Membership.project_id == project.id
            )
        )
    )
    if ProjectRole.reviewer not in roles and not user.is_admin:
        raise PermissionDenied(_l("You are not a reviewer in %(project)s.", project=project.name))
    if project.separate_roles and ProjectRole.annotator in roles:
        raise PermissionDenied(
            _l(
                "%(project)s separates annotation from review (TC260-003): you annotate in "
                "this project, so you may not review in it.",
                project=project.name,
            )
        )


def check_open_plan(session: Session, plan: SamplePlan) -> None:
    """Refuse verdicts on a plan that was replaced or decided, or on a closed batch.

    :raises Conflict: with a message saying why.
    """
    if plan.batch.status == BatchStatus.void:
        raise Conflict(
            _l("Batch %(batch)s is void; it takes no more reviews.", batch=plan.batch.name)
        )
    if plan_decision_row(session, plan) is not None:
        raise Conflict(already_decided(plan.batch))
    latest = current_plan(session, plan.batch)
    if latest is None or latest.id != plan.id:
        raise Conflict(
            _l(
                "Plan %(plan)s was replaced by a newer plan for batch %(batch)s.",
                plan=plan.id,
                batch=plan.batch.name,
            )
        )


def get_sampled(session: Session, plan: SamplePlan, sampled_id: int) -> SampledAnnotation:
    """Return the sampled annotation ``sampled_id`` of ``plan``.

    :raises NotFound: it is not part of this plan.
    """
    sampled = session.get(SampledAnnotation, sampled_id)
    if sampled is None or sampled.plan_id != plan.id:
        raise NotFound(
            _l(
                "Annotation %(id)s is not in the sample of plan %(plan)s.",
                id=sampled_id,
                plan=plan.id,
            )
        )
    return sampled


def _pending_stmt(plan: SamplePlan, reviewer: User) -> sa.Select[Any]:
    reviewed_by_me = sa.select(Review.id).where(
        Review.sampled_annotation_id == SampledAnnotation.id, Review.reviewer_id == reviewer.id
    )
    reviewed = sa.select(Review.id).where(Review.sampled_annotation_id == SampledAnnotation.id)
    # Sampled annotations need one review; review-gold ones calibrate every reviewer.
    return (
        sa.select(SampledAnnotation)
        .join(Annotation)
        .where(
            SampledAnnotation.plan_id == plan.id,
            Annotation.annotator_id != reviewer.id,
            sa.or_(
                sa.and_(SampledAnnotation.is_calibration.is_(False), ~sa.exists(reviewed)),
                sa.and_(SampledAnnotation.is_calibration.is_(True), ~sa.exists(reviewed_by_me)),
            ),
        )
        .order_by(SampledAnnotation.position)
    )


def pending_for(session: Session, plan: SamplePlan, reviewer: User) -> list[SampledAnnotation]:
    """The plan's annotations still waiting for ``reviewer``, in review order."""
    return list(session.scalars(_pending_stmt(plan, reviewer)))


def next_for(session: Session, plan: SamplePlan, reviewer: User) -> SampledAnnotation | None:
    """The next annotation ``reviewer`` should judge, or None."""
    return session.scalar(_pending_stmt(plan, reviewer).limit(1))


def own_unreviewed(session: Session, plan: SamplePlan, reviewer: User) -> int:
    """Sampled annotations by ``reviewer`` still unreviewed (another reviewer must take them)."""
    return (
        session.scalar(
            sa.select(sa.func.count(SampledAnnotation.id))
            .join(Annotation)
            .where(
                SampledAnnotation.plan_id == plan.id,
                SampledAnnotation.is_calibration.is_(False),
                Annotation.annotator_id == reviewer.id,
                ~sa.exists(
                    sa.select(Review.id).where(Review.sampled_annotation_id == SampledAnnotation.id)
                ),
            )
        )
        or 0
    )


def _validate(
    project: Project,
    sampled: SampledAnnotation,
    verdict: Verdict,
    corrected_value: Any,
    error_type: str | None,
    clause_key: str | None,
    problems: list[Any],
) -> tuple[Any, str | None, str | None]:
    annotation = sampled.annotation
    error_type = (error_type or "").strip() or None
    clause_key = (clause_key or "").strip() or None
    version = annotation.rulebook_version
    keys = {c.key for c in version.clauses} if version is not None else set()
    if clause_key is not None and clause_key not in keys:
        problems.append(
            _l(
                "Clause %(clause)s is not in the rulebook version the annotation was made under.",
                clause=clause_key,
            )
        )
    if verdict == Verdict.incorrect:
        if project.task_type in CORRECTABLE:
            if corrected_value in (None, "", []):
                problems.append(_l("Give the correct value."))
            else:
                corrected_value, more = normalise_value(
                    project, corrected_value, annotation.item.payload, field="corrected_value"
                )
                problems += [
                    _l("The correct value is not valid: %(problem)s", problem=_without_field(p))
                    for p in more
                ]
                if not more and corrected_value == annotation.value:
                    problems.append(_l("The correct value is the same as the annotation."))
        if active_error_type_keys(project.error_types or []) and error_type is None:
            problems.append(_l("Choose the kind of error."))
        if keys and clause_key is None:
            problems.append(_l("Choose the clause that was broken."))
    else:
        corrected_value = None
    if error_type is not None:
        if verdict == Verdict.correct:
            error_type = None
        elif project.error_types and error_type not in active_error_type_keys(project.error_types):
            problems.append(_l("%(type)s is not an error type of this project.", type=error_type))
    if problems:
        raise InvalidInput(_l("The review was not saved."), problems)
    return corrected_value, error_type, clause_key


def _without_field(problem: str) -> LazyString:
    """A value problem (``corrected_value: …``) without the field name, shown in the reader's
    language (see :mod:`annotate.problem_text`)."""
    from annotate.problem_text import problem_text

    head, sep, rest = problem.partition(": ")
    return LazyString(problem_text, rest if sep and head.startswith("corrected_value") else problem)


def record_review(
    session: Session,
    sampled: SampledAnnotation,
    reviewer: User,
    verdict: Verdict | str,
    *,
    corrected_value: Any = None,
    error_type: str | None = None,
    clause_key: str | None = None,
    comment: str = "",
    answers: dict[str, Any] | None = None,
) -> tuple[Review, bool]:
    """Record ``reviewer``'s verdict on ``sampled``; return ``(review, created)``.

    A second submit by the same reviewer returns the first review and writes nothing. The
    annotator gets a :class:`Feedback` row (not for review-gold annotations, which calibrate
    the reviewer). In a form project ``answers`` maps each answer marked wrong to its
    correction and the verdict derives from them (:mod:`annotate.services.review.questions`).
    Flushes; the caller commits.

    :raises PermissionDenied: not a reviewer here, or the reviewer's own annotation.
    :raises Conflict: the plan was replaced or decided, or the batch is closed.
    :raises InvalidInput: unknown verdict, missing or invalid correction, error type, clause.
    """
    plan = sampled.plan
    project = plan.batch.project
    check_reviewer(session, reviewer, project)
    if sampled.annotation.annotator_id == reviewer.id:
        raise PermissionDenied(_l("You may not review your own annotation."))
    existing = session.scalar(
        sa.select(Review).where(
            Review.sampled_annotation_id == sampled.id, Review.reviewer_id == reviewer.id
        )
    )
    if existing is not None:
        return existing, False
    # A shared lock on the batch: reviews run side by side, but a decision or a redraw
    # (which lock it exclusively) waits for them, and a review after them sees them.
    lock_row(session, plan.batch, shared=True)
    check_open_plan(session, plan)
    try:
        verdict = Verdict(verdict)
    except ValueError:
        raise InvalidInput(
            _l("The review was not saved."),
            [_l("The verdict is one of: %(verdicts)s.", verdicts=", ".join(Verdict))],
        ) from None
    verdict, rows, corrected_value, problems = judge_answers(
        project, sampled, verdict, answers, corrected_value
    )
    corrected_value, error_type, clause_key = _validate(
        project, sampled, verdict, corrected_value, error_type, clause_key, problems
    )
    review = Review(
        sampled_annotation_id=sampled.id,
        reviewer_id=reviewer.id,
        verdict=verdict,
        corrected_value=corrected_value,
        error_type=error_type,
        clause_key=clause_key,
        comment=(comment or "").strip()[:4000],
        answers=rows,
    )
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        logger.info("Concurrent double submit of review on %s by %s", sampled, reviewer)
        existing = session.scalar(
            sa.select(Review).where(
                Review.sampled_annotation_id == sampled.id, Review.reviewer_id == reviewer.id
            )
        )
        if existing is None:
            raise
        return existing, False
    if not sampled.is_calibration:
        code, params = _message(review)
        session.add(
            Feedback(
                annotator_id=sampled.annotation.annotator_id,
                project_id=project.id,
                review_id=review.id,
                created_by_id=reviewer.id,
                message=english(code, params),
                code=code,
                params=params,
            )
        )
    session.flush()
    record_event(
        session,
        "review.record",
        "review",
        review.id,
        actor=reviewer,
        project_id=project.id,
        details={
            "plan_id": plan.id,
            "sampled_annotation_id": sampled.id,
            "annotation_id": sampled.annotation_id,
            "verdict": verdict.value,
            "error_type": error_type,
            "clause_key": clause_key,
            "questions": {row.question: row.verdict.value for row in rows} or None,
            "calibration": sampled.is_calibration,
            "content": content_ref("reviews", review),
        },
    )
    return review, True


def _message(review: Review) -> tuple[str, dict[str, Any]]:
    """The feedback message of ``review``: a code and its parameters."""
    params: dict[str, Any] = {"verdict": review.verdict.value}
    if review.comment:
        params["comment"] = review.comment
    if review.clause_key:
        return message("review.verdict_clause", clause=review.clause_key, **params)
    return message("review.verdict", **params)


def clause_titles(session: Session, version_id: int | None) -> dict[str, str]:
    """Clause key → title for one rulebook version."""
    if version_id is None:
        return {}
    return dict(
        session.execute(
            sa.select(Clause.key, Clause.title).where(Clause.version_id == version_id)
        ).all()
    )
