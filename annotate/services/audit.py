"""The audit chain: append events whose sha256 covers the previous event's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import AuditEvent, User

GENESIS = "0" * 64


def event_digest(
    *,
    prev_hash: str,
    created_at: datetime,
    actor_name: str,
    action: str,
    subject_type: str,
    subject_id: str,
    project_id: int | None,
    details: dict[str, Any],
) -> str:
    """Return the sha256 of one event's canonical JSON form (including ``prev_hash``)."""
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": created_at.isoformat(timespec="microseconds"),
            "actor": actor_name,
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "project_id": project_id,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_event(
    session: Session,
    action: str,
    subject_type: str,
    subject_id: object = "",
    *,
    actor: User | None = None,
    project_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event chained to the latest one. Flushes; the caller commits.

    On PostgreSQL the chain head is read under a transaction-level advisory lock so two
    concurrent writers cannot fork the chain; SQLite serialises writers itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(8675309)"))
    prev = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    details = json.loads(json.dumps(details or {}, default=str))
    event = AuditEvent(
        created_at=utcnow(),
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system",
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        project_id=project_id,
        details=details,
        prev_hash=prev or GENESIS,
        hash="",
    )
    event.hash = event_digest(
        prev_hash=event.prev_hash,
        created_at=event.created_at,
        actor_name=event.actor_name,
        action=action,
        subject_type=subject_type,
        subject_id=event.subject_id,
        project_id=project_id,
        details=details,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    """Result of walking the chain: ``broken_at`` is the first bad event id, or None."""

    checked: int
    head: str
    broken_at: int | None
    problem: str | None


def iter_events(session: Session, batch_size: int = 5000) -> Iterator[AuditEvent]:
    """Yield every audit event in id order, in pages."""
    last = 0
    while True:
        page = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.id > last)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        ).all()
        if not page:
            return
        yield from page
        last = page[-1].id


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every hash and link; report the first event that does not match."""
    prev = GENESIS
    count = 0
    for event in iter_events(session):
        if event.prev_hash != prev:
            return ChainCheck(count, prev, event.id, "prev_hash does not match the previous event")
        digest = event_digest(
            prev_hash=event.prev_hash,
            created_at=event.created_at,
            actor_name=event.actor_name,
            action=event.action,
            subject_type=event.subject_type,
            subject_id=event.subject_id,
            project_id=event.project_id,
            details=event.details,
        )
        if digest != event.hash:
            return ChainCheck(count, prev, event.id, "content does not match its hash")
        prev = event.hash
        count += 1
    return ChainCheck(count, prev, None, None)
