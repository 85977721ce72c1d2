"""Supervision alerts of the period with the action that answered each — or listed as open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from annotate.database import Session
from annotate.models import Project, SupervisionAction, SupervisionEvent, User
from annotate.services.quality.dossier.period import METRICS, Period, number
from annotate.services.quality.dossier.tables import Table


@dataclass(frozen=True)
class AlertRow:
    """An alert and the first manager action on the same annotator after it (if any)."""

    id: int
    annotator: str
    metric: str | None
    value: float | None
    threshold: float | None
    n: int | None
    raised_at: datetime
    action: str | None
    action_by: str | None
    action_at: datetime | None
    action_reason: str | None
    resolved_at: datetime | None

    @property
    def action_taken(self) -> bool:
        """True once a manager acted on the annotator (or the alert was resolved)."""
        return self.action is not None or self.resolved_at is not None


def alerts_with_actions(session: Session, project: Project, period: Period) -> list[AlertRow]:
    """Alerts raised in the period, oldest first, each with its follow-up action."""
    stmt = sa.select(SupervisionEvent, User.username).join(
        User, User.id == SupervisionEvent.annotator_id
    )
    stmt = stmt.where(SupervisionEvent.project_id == project.id).order_by(SupervisionEvent.id)
    events = session.execute(stmt).all()
    actors = dict(
        session.execute(
            sa.select(User.id, User.username).where(
                User.id.in_({e.created_by_id for e, _ in events if e.created_by_id})
            )
        ).all()
    )
    rows = []
    for event, name in events:
        if event.action != SupervisionAction.alert or not period.contains(event.created_at):
            continue
        follow = next(
            (
                e
                for e, _ in events
                if e.annotator_id == event.annotator_id
                and e.action != SupervisionAction.alert
                and e.created_at >= event.created_at
            ),
            None,
        )
        rows.append(
            AlertRow(
                event.id,
                name,
                event.metric,
                event.value,
                event.threshold,
                event.n,
                event.created_at,
                follow.action.value if follow else None,
                actors.get(follow.created_by_id) if follow and follow.created_by_id else None,
                follow.created_at if follow else None,
                follow.reason if follow else None,
                event.resolved_at,
            )
        )
    return rows


def explain_automatic_alerts(table: Table) -> None:
    """Give the threshold's own alerts (no author) a reason in the dossier's language, from
    their metric, value, threshold and n (the stored reason is the system's English)."""
    for row in table.rows:
        action, metric, value, threshold, n, author = row[2], row[3], row[4], row[5], row[6], row[9]
        if action == SupervisionAction.alert and metric == "prohibited_flag":
            row[7] = _(
                "Prohibited content flagged: the item was quarantined until a reviewer "
                "answered (see the content flags)."
            )
            continue
        if action != SupervisionAction.alert or author is not None or value is None:
            continue
        row[7] = _(
            "%(metric)s %(value)s is below the threshold %(threshold)s (n = %(n)s)",
            metric=str(METRICS.get(metric or "", metric or "")),
            value=number(value),
            threshold=number(threshold),
            n=n,
        )
