"""One annotator's quality in one project: figures, weekly trend, training, feedback.

Shown to managers (``/reports/<project>/annotators/<id>``) and to the annotator themself
(``/annotate/quality``); both pages render the same :class:`AnnotatorQuality`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import proportion
from annotate.models import Feedback, Membership, ProjectRole, SupervisionEvent, User
from annotate.services.quality.figure_builder import week_label
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.sql import AggregateData, annotator_weeks
from annotate.services.quality.supervision import find_breaches, history
from annotate.services.training.gate import GateStatus, gate_status

METRICS = ("gold_accuracy", "review_accuracy", "cohen_kappa", "percent_agreement",
           "items_per_hour")


@dataclass(frozen=True)
class WeekRow:
    """The annotator's week: annotations, gold accuracy and agreement with peers."""

    week: str
    n_annotations: int
    gold_accuracy: float | None
    n_gold: int
    peer_agreement: float | None
    n_peer: int


@dataclass
class AnnotatorQuality:
    """Everything the annotator page shows."""

    user: User
    figures: dict[str, Figure | None]
    weeks: list[WeekRow]
    gate: GateStatus
    feedback: list[Feedback]
    events: list[SupervisionEvent]
    breaches: list[Any]
    suspended: bool
    suspended_reason: str | None
    n_annotations: int


def annotator_quality(session: Session, report: ProjectReport[AggregateData], user: User
                      ) -> AnnotatorQuality:
    """Assemble ``user``'s page from an already computed project report."""
    figures = {m: report.get("annotator", user.username, m) for m in METRICS}
    weeks = [WeekRow(week_label(week), n, proportion(hits, gold_n).value,
                     gold_n, agree / total if total else None, total)
             for week, n, gold_n, hits, total, agree
             in annotator_weeks(session, report.data, user.id)]
    n_annotations = sum(w.n_annotations for w in weeks)
    membership = session.scalar(sa.select(Membership).where(
        Membership.project_id == report.project.id, Membership.user_id == user.id,
        Membership.role == ProjectRole.annotator))
    feedback = list(session.scalars(sa.select(Feedback).where(
        Feedback.annotator_id == user.id, Feedback.project_id == report.project.id)
        .order_by(Feedback.id.desc()).limit(100)))
    return AnnotatorQuality(
        user=user, figures=figures, weeks=weeks,
        gate=gate_status(session, user, report.project), feedback=feedback,
        events=history(session, report.project, user),
        breaches=[b for b in find_breaches(report) if b.user_id == user.id],
        suspended=bool(membership and membership.suspended_at),
        suspended_reason=membership.suspended_reason if membership else None,
        n_annotations=n_annotations)
