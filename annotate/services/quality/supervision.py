"""Supervision (Art. 8 (4)): thresholds raise alerts; managers retrain, suspend, reinstate.

Every action is a :class:`SupervisionEvent`, an audit event and a :class:`Feedback` row the
annotator sees. Thresholds live on the project (``min_gold_accuracy``, ``min_review_accuracy``,
``min_peer_agreement``) and apply only once ``min_n_before_judging`` observations exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Feedback,
    Membership,
    Project,
    ProjectRole,
    Qualification,
    SupervisionAction,
    SupervisionEvent,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound
from annotate.services.messages import english, message
from annotate.services.quality.report import ProjectReport

#: metric → (project threshold attribute, description)
CHECKS = {
    "gold_accuracy": ("min_gold_accuracy", "gold accuracy"),
    "review_accuracy": ("min_review_accuracy", "review accuracy"),
    "cohen_kappa": ("min_peer_agreement", "agreement with peers (mean Cohen's kappa)"),
}


@dataclass(frozen=True)
class Breach:
    """An annotator's figure below the project's threshold."""

    username: str
    user_id: int
    metric: str
    value: float
    threshold: float
    n: int
    description: str


def find_breaches(report: ProjectReport) -> list[Breach]:
    """Annotators whose figures are below the thresholds, with enough observations."""
    project = report.project
    ids = {name: uid for uid, name in report.data.users.items()}
    out = []
    for name in report.scope_ids("annotator"):
        for metric, (attr, description) in CHECKS.items():
            figure = report.get("annotator", name, metric)
            threshold = getattr(project, attr)
            if figure is None or figure.value is None or threshold is None:
                continue
            n = figure.n_annotations if metric != "cohen_kappa" else figure.n_items
            if n < project.min_n_before_judging or figure.value >= threshold:
                continue
            out.append(Breach(name, ids[name], metric, figure.value, threshold, n, description))
    return out


def raise_alerts(
    session: Session, report: ProjectReport, *, actor: User | None = None
) -> list[SupervisionEvent]:
    """Record an alert for every new breach (one open alert per annotator and metric);
    ``actor`` is who ran the check (None: the system)."""
    created = []
    for breach in find_breaches(report):
        open_alert = session.scalar(
            sa.select(SupervisionEvent.id).where(
                SupervisionEvent.project_id == report.project.id,
                SupervisionEvent.annotator_id == breach.user_id,
                SupervisionEvent.metric == breach.metric,
                SupervisionEvent.action == SupervisionAction.alert,
                SupervisionEvent.resolved_at.is_(None),
            )
        )
        if open_alert is not None:
            continue
        code, params = message(
            "supervision.alert",
            metric=breach.metric,
            value=breach.value,
            threshold=breach.threshold,
            n=breach.n,
        )
        event = SupervisionEvent(
            project_id=report.project.id,
            annotator_id=breach.user_id,
            action=SupervisionAction.alert,
            metric=breach.metric,
            value=breach.value,
            threshold=breach.threshold,
            n=breach.n,
            snapshot={
                "computed_at": report.computed_at.isoformat(),
                "value": breach.value,
                "threshold": breach.threshold,
                "n": breach.n,
            },
            reason=english(code, params, metric=breach.description),
            code=code,
            params=params,
            created_by_id=actor.id if actor else None,
        )
        session.add(event)
        session.flush()
        record_event(
            session,
            "supervision.alert",
            "user",
            breach.user_id,
            actor=actor,
            project_id=report.project.id,
            details={
                "metric": breach.metric,
                "value": breach.value,
                "threshold": breach.threshold,
                "n": breach.n,
            },
        )
        created.append(event)
    return created


def open_alerts(session: Session, project: Project) -> list[SupervisionEvent]:
    """Unresolved alerts of ``project``, newest first."""
    return list(
        session.scalars(
            sa.select(SupervisionEvent)
            .where(
                SupervisionEvent.project_id == project.id,
                SupervisionEvent.action == SupervisionAction.alert,
                SupervisionEvent.resolved_at.is_(None),
            )
            .order_by(SupervisionEvent.id.desc())
        )
    )


def history(
    session: Session, project: Project, annotator: User | None = None
) -> list[SupervisionEvent]:
    """Every supervision event of ``project`` (optionally one annotator's), newest first."""
    stmt = sa.select(SupervisionEvent).where(SupervisionEvent.project_id == project.id)
    if annotator is not None:
        stmt = stmt.where(SupervisionEvent.annotator_id == annotator.id)
    return list(session.scalars(stmt.order_by(SupervisionEvent.id.desc())))


def annotator_membership(session: Session, project: Project, user: User) -> Membership:
    """The annotator membership of ``user`` in ``project``.

    :raises NotFound: the user is not an annotator there.
    """
    membership = session.scalar(
        sa.select(Membership).where(
            Membership.project_id == project.id,
            Membership.user_id == user.id,
            Membership.role == ProjectRole.annotator,
        )
    )
    if membership is None:
        raise NotFound(
            _l(
                "%(user)s is not an annotator in %(project)s.",
                user=user.username,
                project=project.name,
            )
        )
    return membership


def take_action(
    session: Session,
    project: Project,
    annotator: User,
    action: SupervisionAction,
    reason: str,
    *,
    actor: User,
) -> SupervisionEvent:
    """Retrain, suspend or reinstate ``annotator``; resolves open alerts. Flushes.

    Retrain revokes the annotator's active qualifications until the training is passed again.

    :raises InvalidInput: no reason, or an alert requested by hand.
    :raises Conflict: suspending a suspended or reinstating an active annotator.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason: the annotator will see it."))
    if action == SupervisionAction.alert:
        raise InvalidInput(_l("Alerts are raised by the thresholds, not by hand."))
    lock_head(session)  # the head before the membership, as an attention block takes them
    membership = annotator_membership(session, project, annotator)
    now = utcnow()
    details: dict[str, object] = {"reason": reason}
    if action == SupervisionAction.retrain:
        revoked = list(
            session.scalars(
                sa.select(Qualification).where(
                    Qualification.user_id == annotator.id,
                    Qualification.project_id == project.id,
                    Qualification.revoked_at.is_(None),
                )
            )
        )
        for q in revoked:
            q.revoked_at, q.revoked_reason, q.revoked_by_id = now, reason, actor.id
        details["revoked_qualifications"] = [q.id for q in revoked]
    elif action == SupervisionAction.suspend:
        if membership.suspended_at is not None:
            raise Conflict(_l("%(user)s is already suspended.", user=annotator.username))
        membership.suspended_at, membership.suspended_reason = now, reason
    elif action == SupervisionAction.reinstate:
        if membership.suspended_at is None:
            raise Conflict(_l("%(user)s is not suspended.", user=annotator.username))
        membership.suspended_at, membership.suspended_reason = None, None
    event = SupervisionEvent(
        project_id=project.id,
        annotator_id=annotator.id,
        action=action,
        reason=reason,
        created_by_id=actor.id,
        snapshot=details,
    )
    session.add(event)
    for alert in session.scalars(
        sa.select(SupervisionEvent).where(
            SupervisionEvent.project_id == project.id,
            SupervisionEvent.annotator_id == annotator.id,
            SupervisionEvent.action == SupervisionAction.alert,
            SupervisionEvent.resolved_at.is_(None),
        )
    ):
        alert.resolved_at = now
    session.flush()
    code, params = message(f"supervision.{action.value}", project=project.name, reason=reason)
    session.add(
        Feedback(
            annotator_id=annotator.id,
            project_id=project.id,
            supervision_event_id=event.id,
            created_by_id=actor.id,
            message=english(code, params),
            code=code,
            params=params,
        )
    )
    record_event(
        session,
        f"supervision.{action.value}",
        "user",
        annotator.id,
        actor=actor,
        project_id=project.id,
        details=details,
    )
    session.flush()
    return event
