"""Reviewer calibration: each reviewer's agreement with the known verdicts of review-gold
annotations (missed defects and false alarms counted apart)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from annotate.database import Session
from annotate.metrics import proportion
from annotate.metrics.results import Proportion
from annotate.models import Batch, Project, Review, SampledAnnotation, SamplePlan, User, Verdict


@dataclass(frozen=True)
class CalibrationRow:
    """One reviewer's agreement with the known verdicts of review-gold annotations."""

    reviewer: User
    agreement: Proportion
    missed_defects: int
    false_alarms: int


def calibration_report(session: Session, project: Project) -> list[CalibrationRow]:
    """Each reviewer's accuracy on annotations whose verdict was known in advance.

    A known-incorrect annotation judged correct is a *missed defect*; a known-correct one
    judged incorrect (or prohibited) a *false alarm*.
    """
    rows = session.execute(
        sa.select(Review.reviewer_id, Review.verdict, SampledAnnotation.expected_verdict)
        .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
        .join(SamplePlan, SamplePlan.id == SampledAnnotation.plan_id)
        .join(Batch, Batch.id == SamplePlan.batch_id)
        .where(Batch.project_id == project.id, SampledAnnotation.expected_verdict.is_not(None))
    ).all()
    tallies: dict[int, list[int]] = {}
    for reviewer_id, verdict, expected in rows:
        hit = (verdict == Verdict.correct) == (expected == Verdict.correct)
        t = tallies.setdefault(reviewer_id, [0, 0, 0, 0])
        t[0] += hit
        t[1] += 1
        t[2] += expected != Verdict.correct and verdict == Verdict.correct
        t[3] += expected == Verdict.correct and verdict != Verdict.correct
    users = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(tallies)))}
    return sorted(
        (CalibrationRow(users[r], proportion(t[0], t[1]), t[2], t[3]) for r, t in tallies.items()),
        key=lambda row: row.reviewer.username,
    )
