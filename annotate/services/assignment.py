"""The assignment engine: who gets which item next, under leases that expire.

Invariants (hold on SQLite and PostgreSQL, under concurrency):

* ``Item.annotation_count`` counts the *slots taken* on an item: live leases plus current
  annotations. A slot is taken only by a conditional ``UPDATE … WHERE annotation_count <
  target`` that succeeds, so no item ever gets more than its target (k, or 1 outside the
  overlap share); expiring or skipping a lease gives the slot back, again conditionally (the
  assignment's status flips from ``leased`` exactly once).
* Nobody is assigned the same item twice (any earlier assignment, whatever its status, bars it;
  the unique constraint on item × annotator × round backs this up).
* Void batches, batches no longer open and quarantined items are never handed out.
* The qualification gate is enforced here, not only in the pages.

On PostgreSQL candidate items are read ``FOR UPDATE SKIP LOCKED`` so concurrent annotators take
different items instead of queueing on the same row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from annotate.database import utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Item,
    Membership,
    Project,
    ProjectRole,
    RulebookVersion,
    User,
)
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.qualification import check_can_annotate

#: Batches whose items may be handed out.
WORKABLE = (BatchStatus.open, BatchStatus.reannotating)
#: Resolution of the overlap share (per mille buckets).
BUCKETS = 1000
#: Multiplier of the per-item bucket hash; coprime with BUCKETS, so every run of 1,000
#: consecutive ids fills each bucket exactly once and the share is exact.
_MULTIPLIER = 2654435761
CANDIDATES = 8


class LeaseError(Conflict):
    """The lease is not (or no longer) the caller's to use."""


@dataclass(frozen=True)
class Claim:
    """A lease handed to an annotator, with the rulebook version to work under."""

    assignment: Assignment
    version: RulebookVersion
    resumed: bool


def overlap_bucket(item_id: int) -> int:
    """The item's deterministic bucket in ``[0, 1000)`` for the overlap decision."""
    return (item_id * _MULTIPLIER) % BUCKETS


def item_target(project: Project, item: Item) -> int:
    """How many annotators ``item`` should get: k for overlap and gold items, else 1."""
    if item.gold_answer is not None or overlap_bucket(item.id) < round(
            project.overlap_share * BUCKETS):
        return project.redundancy_k
    return 1


def target_expr(project: Project) -> sa.ColumnElement[int]:
    """SQL form of :func:`item_target` (same arithmetic, evaluated by the database)."""
    threshold = round(project.overlap_share * BUCKETS)
    bucket = (Item.id * sa.literal(_MULTIPLIER, sa.BigInteger)) % BUCKETS
    return sa.case((sa.or_(Item.gold_answer.is_not(None), bucket < threshold),
                    project.redundancy_k), else_=1)


def _wants_gold(project: Project, served: int, user: User) -> bool:
    """True if the annotator's next item should be a gold item.

    Exact in the long run: the ``n``-th item is gold when ``floor(n × rate)`` steps up; a
    per-user offset keeps annotators from seeing gold at the same positions.
    """
    rate = max(0.0, min(1.0, project.gold_rate))
    offset = int(hashlib.sha256(f"{project.id}:{user.id}".encode()).hexdigest()[:6], 16) % 97
    n = served + offset
    return int((n + 1) * rate) > int(n * rate)


def live_lease(session: Session, user: User, project: Project,
               now: datetime | None = None) -> Assignment | None:
    """The user's unexpired lease in ``project``, if any."""
    now = now or utcnow()
    return session.scalar(
        sa.select(Assignment).join(Item, Item.id == Assignment.item_id)
        .where(Assignment.annotator_id == user.id, Item.project_id == project.id,
               Assignment.status == AssignmentStatus.leased,
               Assignment.lease_expires_at > now, Item.quarantined.is_(False))
        .order_by(Assignment.id).limit(1))


def release_slot(session: Session, assignment_id: int, item_id: int,
                 status: AssignmentStatus, reason: str | None = None) -> bool:
    """Move a leased assignment to ``status`` and give its slot back, exactly once.

    Returns False (and changes nothing) if the assignment was no longer leased.
    """
    values: dict[str, object] = {"status": status}
    if reason is not None:
        values["skip_reason"] = reason
    changed = session.execute(
        sa.update(Assignment).where(Assignment.id == assignment_id,
                                    Assignment.status == AssignmentStatus.leased)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return False
    session.execute(sa.update(Item).where(Item.id == item_id, Item.annotation_count > 0)
                    .values(annotation_count=Item.annotation_count - 1)
                    .execution_options(synchronize_session=False))
    return True


def expire_leases(session: Session, project: Project, now: datetime | None = None) -> int:
    """Expire the project's overdue leases so their items return to the queue."""
    now = now or utcnow()
    overdue = sa.select(Assignment.id, Assignment.item_id).join(
        Item, Item.id == Assignment.item_id).where(
        Item.project_id == project.id, Assignment.status == AssignmentStatus.leased,
        Assignment.lease_expires_at <= now)
    if session.get_bind().dialect.name == "postgresql":
        overdue = overdue.with_for_update(skip_locked=True, of=Assignment)
    expired = 0
    for assignment_id, item_id in session.execute(overdue.limit(500)).all():
        expired += release_slot(session, assignment_id, item_id, AssignmentStatus.expired)
    if expired:
        session.expire_all()
    return expired


def _candidates(session: Session, project: Project, user: User, gold: bool) -> list[int]:
    taken = sa.select(Assignment.id).where(Assignment.item_id == Item.id,
                                           Assignment.annotator_id == user.id)
    done = sa.select(Annotation.id).where(Annotation.item_id == Item.id,
                                          Annotation.annotator_id == user.id)
    stmt = (sa.select(Item.id).join(Batch, Batch.id == Item.batch_id)
            .where(Item.project_id == project.id, Item.quarantined.is_(False),
                   Batch.status.in_(WORKABLE), Item.annotation_count < target_expr(project),
                   (Item.gold_answer.is_not(None) if gold else Item.gold_answer.is_(None)),
                   ~sa.exists(taken), ~sa.exists(done))
            .order_by(Item.id))
    if session.get_bind().dialect.name == "postgresql":
        # The locked row cannot change under us, so one candidate is enough.
        return list(session.scalars(stmt.limit(1).with_for_update(skip_locked=True, of=Item)))
    stmt = stmt.limit(CANDIDATES)
    return list(session.scalars(stmt))


def _take_slot(session: Session, project: Project, item_id: int) -> bool:
    return session.execute(
        sa.update(Item).where(Item.id == item_id, Item.quarantined.is_(False),
                              Item.annotation_count < target_expr(project))
        .values(annotation_count=Item.annotation_count + 1)
        .execution_options(synchronize_session=False)).rowcount == 1


def claim_next(session: Session, user: User, project: Project, *,
               now: datetime | None = None) -> Claim | None:
    """Give ``user`` their next item in ``project`` (or their unexpired lease back).

    Returns None when there is nothing left for this annotator. Flushes; the caller commits
    promptly (the slot is held from here).

    :raises NotQualified: the gate refuses; its ``step`` says what to do next.
    """
    version = check_can_annotate(session, user, project)
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # One claim at a time per annotator: two tabs must not take two items at once.
        session.execute(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.project_id == project.id,
            Membership.role == ProjectRole.annotator).with_for_update())
    current = live_lease(session, user, project, now)
    if current is not None:
        return Claim(current, version, resumed=True)
    expire_leases(session, project, now)
    served = session.scalar(sa.select(sa.func.count(Assignment.id)).join(
        Item, Item.id == Assignment.item_id).where(
        Assignment.annotator_id == user.id, Item.project_id == project.id)) or 0
    first = _wants_gold(project, served, user)
    for gold in (first, not first):
        for item_id in _candidates(session, project, user, gold):
            if not _take_slot(session, project, item_id):
                continue
            assignment = Assignment(item_id=item_id, annotator_id=user.id,
                                    status=AssignmentStatus.leased, leased_at=now,
                                    lease_expires_at=now + timedelta(minutes=project.lease_minutes))
            session.add(assignment)
            session.flush()
            return Claim(assignment, version, resumed=False)
    return None


def get_lease(session: Session, assignment_id: int, user: User, project: Project, *,
              now: datetime | None = None) -> Assignment:
    """Return the caller's live lease ``assignment_id`` in ``project``.

    :raises NotFound: no such assignment in this project.
    :raises PermissionDenied: it is someone else's.
    :raises LeaseError: it was already submitted, skipped, or it expired.
    """
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.item.project_id != project.id:
        raise NotFound(f"No assignment {assignment_id} in {project.slug}.")
    if assignment.annotator_id != user.id:
        raise PermissionDenied("This item is not leased to you.")
    if assignment.status != AssignmentStatus.leased:
        raise LeaseError(f"This item was already {assignment.status.value}; "
                         "nothing was changed.")
    if assignment.lease_expires_at <= (now or utcnow()):
        raise LeaseError("Your lease on this item expired; it went back to the queue. "
                         "Take the next item.")
    if assignment.item.quarantined:
        raise LeaseError("This item was flagged and quarantined; take the next item.")
    return assignment


def skip_item(session: Session, assignment_id: int, user: User, project: Project,
              reason: str, *, now: datetime | None = None) -> Assignment:
    """Give the item back with a reason; the annotator will not get it again.

    :raises InvalidInput: no reason given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why you skip this item.", ["reason: required"])
    assignment = get_lease(session, assignment_id, user, project, now=now)
    if not release_slot(session, assignment.id, assignment.item_id, AssignmentStatus.skipped,
                        reason[:2000]):
        raise LeaseError("This item is no longer leased to you; nothing was changed.")
    session.expire_all()
    return assignment
