"""The append-only audit trail: each event's sha256 chains the previous one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from annotate.database import Model, intpk, str64, timestamp


class AuditEvent(Model):
    """A state change: who did what to which subject. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    created_at: Mapped[timestamp]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The actor's username at the time (kept so the record reads without the users table).
    actor_name: Mapped[str] = mapped_column(sa.String(64), default="system")
    action: Mapped[str64] = mapped_column(index=True)
    subject_type: Mapped[str64]
    subject_id: Mapped[str] = mapped_column(sa.String(64), default="")
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str64]
    hash: Mapped[str64] = mapped_column(unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.subject_type}:{self.subject_id}>"


class AuditHead(Model):
    """The chain's head, one row (``id`` 1): the newest event's hash and its predecessor's.

    Appending an event updates this row and inserts the event in one statement; on
    PostgreSQL the row lock orders concurrent appends (the second waits, then chains to the
    first's hash), so the chain cannot fork. Deleting the newest events leaves the head
    pointing at a hash no event has, which ``annotate audit verify`` reports.
    """

    __tablename__ = "audit_head"

    id: Mapped[intpk]
    prev_hash: Mapped[str64]
    hash: Mapped[str64]
