"""How far a project is from its first quality figures, for the dashboard's empty state.

A project shows figures once annotations exist; before that its dashboard says which step is
next (publish a rulebook, import items, add annotators, let them qualify, label) with the
counts that prove it, instead of empty charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Membership,
    Project,
    ProjectRole,
    Qualification,
)
from annotate.services.rulebooks.versions import current_version


@dataclass(frozen=True)
class Readiness:
    """Counts behind the next step of a project that has no figures yet."""

    published_version: str | None
    items: int
    open_items: int
    annotators: int
    qualified: int
    annotations: int

    @property
    def next_step(self) -> str:
        """``rulebook``, ``items``, ``annotators``, ``training``, ``labeling`` or ``overlap``
        (annotations exist but no figure can be computed yet)."""
        if self.published_version is None:
            return "rulebook"
        if self.items == 0:
            return "items"
        if self.annotators == 0:
            return "annotators"
        if self.qualified == 0:
            return "training"
        if self.annotations == 0:
            return "labeling"
        return "overlap"


def project_readiness(session: Session, project: Project, now: datetime | None = None) -> Readiness:
    """Count what the project has: items (in batches that are not void and not quarantined),
    open items, active annotators, annotators qualified now, and current annotations."""
    now = now or utcnow()
    usable = (
        sa.select(sa.func.count(Item.id))
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
        )
    )
    open_items = usable.where(Batch.status.in_([BatchStatus.open, BatchStatus.reannotating]))
    annotators = sa.select(sa.func.count(Membership.id)).where(
        Membership.project_id == project.id,
        Membership.role == ProjectRole.annotator,
        Membership.suspended_at.is_(None),
    )
    qualified = sa.select(sa.func.count(sa.distinct(Qualification.user_id))).where(
        Qualification.project_id == project.id,
        Qualification.revoked_at.is_(None),
        Qualification.expires_at > now,
    )
    annotations = (
        sa.select(sa.func.count(Annotation.id))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == project.id, Annotation.is_current.is_(True))
    )
    row = session.execute(
        sa.select(
            usable.scalar_subquery(),
            open_items.scalar_subquery(),
            annotators.scalar_subquery(),
            qualified.scalar_subquery(),
            annotations.scalar_subquery(),
        )
    ).one()
    version = current_version(session, project)
    return Readiness(version.version if version else None, *(int(n or 0) for n in row))
