"""Work: assignments (leases on items) and annotations stamped with their rulebook version."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, timestamp
from annotate.models.enums import AnnotationSource, AssignmentStatus

if TYPE_CHECKING:
    from annotate.models.items import Item
    from annotate.models.rulebooks import RulebookVersion
    from annotate.models.users import User


class Assignment(Model):
    """An annotator's lease on an item; ``round`` grows with each re-annotation."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "annotator_id", "round"),
        sa.Index("ix_assignments_annotator_id_status", "annotator_id", "status"),
        # Finding overdue leases (every claim) must not scan all assignments.
        sa.Index("ix_assignments_status_lease_expires_at", "status", "lease_expires_at"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[AssignmentStatus] = mapped_column(default=AssignmentStatus.leased)
    leased_at: Mapped[timestamp]
    lease_expires_at: Mapped[datetime]
    skip_reason: Mapped[str | None] = mapped_column(sa.Text)

    item: Mapped[Item] = relationship()
    annotator: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Assignment item={self.item_id} annotator={self.annotator_id} {self.status}>"


class Annotation(Model):
    """One annotator's value for one item under one rulebook version.

    A re-annotation supersedes the old row (``superseded_by_id``), which is kept as history;
    ``is_current`` marks the rows that count.
    """

    __tablename__ = "annotations"
    __table_args__ = (
        sa.Index("ix_annotations_item_id_is_current", "item_id", "is_current"),
        # Has this annotator annotated this item? (the claim asks it of each candidate item;
        # through the annotator's index alone it reads their whole history every time).
        sa.Index("ix_annotations_item_id_annotator_id", "item_id", "annotator_id"),
        # An annotator's work, by submission time (the labeling screen counts today's).
        sa.Index("ix_annotations_annotator_id_submitted_at", "annotator_id", "submitted_at"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"))
    #: Indexed by ``ix_annotations_annotator_id_submitted_at``, which leads with it.
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    rulebook_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rulebook_versions.id"), index=True
    )
    #: Typed by the project's task type (a label key, a list of keys, a number, spans …).
    value: Mapped[Any] = mapped_column(sa.JSON)
    clause_keys: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[AnnotationSource] = mapped_column(default=AnnotationSource.web)
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[timestamp]
    duration_ms: Mapped[int | None]
    is_current: Mapped[bool] = mapped_column(default=True)
    #: Provenance of an annotation imported from another tool (``source`` is ``imported``):
    #: the tool and file it came from, and when it was imported. Its ``rulebook_version_id``
    #: is the version the importer named, or None ("no rulebook version", counted apart).
    imported_from: Mapped[str | None] = mapped_column(sa.String(500))
    imported_at: Mapped[datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("annotations.id"))
    #: Made while the project showed model predictions as suggestions (they bias people).
    with_suggestions: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Pairwise items: whether the labeling screen showed ``response_b`` first (the value is
    #: stored in the item's own orientation); None when no order was recorded (the API,
    #: imports, other task types). See annotate.services.labeling.order.
    swapped: Mapped[bool | None]

    item: Mapped[Item] = relationship()
    annotator: Mapped[User] = relationship()
    rulebook_version: Mapped[RulebookVersion | None] = relationship()

    def __repr__(self) -> str:
        return f"<Annotation item={self.item_id} annotator={self.annotator_id}>"
