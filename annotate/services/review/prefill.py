"""The review screen's pre-filled error type and clause: the most likely choice, so that an
"incorrect" verdict takes three keys (X, the correct label's digit, Enter).

* Clause: the first clause the annotator cited that the annotation's rulebook version has;
  else the clause this project's reviewers have named most often for "incorrect" verdicts
  (among the version's clauses); else none (the reviewer picks one).
* Error type: the project's most common error type in "incorrect" verdicts; else the first
  error type of the project's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Batch,
    Review,
    SampledAnnotation,
    SamplePlan,
    Verdict,
)
from annotate.services.projects.schema import active_error_type_keys


@dataclass(frozen=True)
class ReviewDefaults:
    """What the "incorrect" panel starts with (None: nothing pre-filled)."""

    error_type: str | None
    clause_key: str | None


def _most_common(session: Session, project_id: int, column: Any) -> list[str]:
    """Values of ``column`` in the project's "incorrect" reviews, most frequent first."""
    rows = session.execute(
        sa.select(column, sa.func.count().label("n"))
        .select_from(Review)
        .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
        .join(SamplePlan, SamplePlan.id == SampledAnnotation.plan_id)
        .join(Batch, Batch.id == SamplePlan.batch_id)
        .where(
            Batch.project_id == project_id, Review.verdict == Verdict.incorrect, column.is_not(None)
        )
        .group_by(column)
        .order_by(sa.desc("n"), column)
    ).all()
    return [str(row[0]) for row in rows]


def review_defaults(session: Session, sampled: SampledAnnotation) -> ReviewDefaults:
    """The most likely error type and clause for an "incorrect" verdict on ``sampled``."""
    annotation = sampled.annotation
    project = sampled.plan.batch.project
    version = annotation.rulebook_version
    keys = [c.key for c in version.clauses] if version is not None else []
    clause = next((k for k in annotation.clause_keys or [] if k in keys), None)
    if clause is None and keys:
        clause = next(
            (k for k in _most_common(session, project.id, Review.clause_key) if k in keys), None
        )
    types = active_error_type_keys(project.error_types or [])
    error_type = next(
        (e for e in _most_common(session, project.id, Review.error_type) if e in types),
        types[0] if types else None,
    )
    return ReviewDefaults(error_type, clause)
