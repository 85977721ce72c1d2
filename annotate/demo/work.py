"""One submitted piece of demo work: the annotator's finished lease and its annotation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from annotate.database import Session
from annotate.models import Annotation, AnnotationSource, Assignment, AssignmentStatus


def add_submitted(
    session: Session,
    item_id: int,
    annotator_id: int,
    version_id: int | None,
    value: Any,
    submitted: datetime,
    duration_ms: int,
) -> None:
    """A submitted assignment of ``item_id`` and its web annotation, ``duration_ms`` long and
    submitted at ``submitted`` (the assignment is flushed for its id)."""
    started = submitted - timedelta(milliseconds=duration_ms)
    assignment = Assignment(
        item_id=item_id,
        annotator_id=annotator_id,
        status=AssignmentStatus.submitted,
        leased_at=started,
        lease_expires_at=submitted + timedelta(minutes=30),
    )
    session.add(assignment)
    session.flush()
    session.add(
        Annotation(
            item_id=item_id,
            annotator_id=annotator_id,
            assignment_id=assignment.id,
            rulebook_version_id=version_id,
            value=value,
            source=AnnotationSource.web,
            started_at=started,
            submitted_at=submitted,
            duration_ms=duration_ms,
        )
    )
