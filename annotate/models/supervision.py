"""Supervision and guidance: events raised by thresholds or managers, and feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from annotate.database import Model, intpk, timestamp
from annotate.models.enums import SupervisionAction


class SupervisionEvent(Model):
    """A threshold crossed or a manager's action on an annotator, with the metric snapshot."""

    __tablename__ = "supervision_events"

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[SupervisionAction]
    metric: Mapped[str | None] = mapped_column(sa.String(64))
    value: Mapped[float | None]
    threshold: Mapped[float | None]
    n: Mapped[int | None]
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: The reason as a message code (``annotate.services.messages``) and its parameters,
    #: rendered in the reader's language; None for a reason typed by a person.
    code: Mapped[str | None] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: None when raised automatically by a threshold.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[timestamp]
    resolved_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<SupervisionEvent {self.action} annotator={self.annotator_id}>"


class Feedback(Model):
    """A message shown to an annotator: a review verdict or a supervisor's guidance."""

    __tablename__ = "feedback"

    id: Mapped[intpk]
    annotator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reviews.id"))
    supervision_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supervision_events.id"))
    #: The message in English, kept as the fallback for rows without a code.
    message: Mapped[str] = mapped_column(sa.Text)
    #: The message as a code (``annotate.services.messages``) and its parameters.
    code: Mapped[str | None] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[timestamp]
    read_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Feedback annotator={self.annotator_id}>"
