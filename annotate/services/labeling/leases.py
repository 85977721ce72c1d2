"""Reading a lease: is assignment N the caller's live lease in this project?

:func:`get_lease` loads the assignment with its item (skip, flag);
:func:`read_lease_and_gate` is the submit's light read: the lease's times and its item's data
with the qualification gate, in one statement, without loading ORM objects.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Item,
    ItemFlag,
    Project,
    User,
)
from annotate.services.errors import Conflict, NotFound, PermissionDenied
from annotate.services.training.gate import (
    WorkingVersion,
    admit,
    gate_facts,
    gate_params,
    gate_statement,
)

#: The states a lease can end in, as the annotator reads them.
_STATUS_WORDS = {
    AssignmentStatus.submitted: _l("submitted"),
    AssignmentStatus.skipped: _l("skipped"),
    AssignmentStatus.expired: _l("expired"),
}


class LeaseError(Conflict):
    """The lease is not (or no longer) the caller's to use."""


@dataclass(frozen=True)
class Lease:
    """A live lease as the submit needs it (read without loading the ORM objects)."""

    id: int
    leased_at: datetime
    item_id: int
    payload: dict
    #: The annotator already has a current annotation of the item (a re-annotation round).
    reannotation: bool
    #: The item is an attention check (its answer is scored after the submit).
    attention: bool = False


_WITH_ITEM = (
    sa.select(Assignment)
    .join(Assignment.item)
    .options(contains_eager(Assignment.item))
    .where(Assignment.id == sa.bindparam("assignment_id"))
)


def with_item(session: Session, assignment_id: int) -> Assignment | None:
    """The assignment with its item loaded, in one statement."""
    return session.scalar(_WITH_ITEM, {"assignment_id": assignment_id})


def own_flag(assignment_id: Any) -> sa.Exists:
    """The lease flagged its item itself: a quarantine by its own prohibited-content flag
    leaves the lease to its annotator to finish (label or skip)."""
    return sa.exists().where(ItemFlag.assignment_id == assignment_id)


_LEASE = (
    sa.select(
        Assignment.annotator_id,
        Assignment.status,
        Assignment.leased_at,
        Assignment.lease_expires_at,
        Item.id.label("item_id"),
        Item.project_id.label("item_project_id"),
        Item.quarantined,
        Item.payload,
        Item.attention_answer.is_not(None).label("attention"),
        sa.exists()
        .where(
            Annotation.item_id == Item.id,
            Annotation.annotator_id == Assignment.annotator_id,
            Annotation.is_current.is_(True),
        )
        .label("reannotation"),
        own_flag(Assignment.id).label("own_flag"),
    )
    .join(Item, Item.id == Assignment.item_id)
    .where(Assignment.id == sa.bindparam("assignment_id"))
)


@functools.cache
def _lease_gate_statement() -> sa.Select:
    """:data:`_LEASE` with the caller's gate (its columns all NULL if they are not an
    annotator of the project): one statement for the submit."""
    lease, gate = _LEASE.subquery("lease"), gate_statement(lock=False).subquery("gate")
    return sa.select(*lease.c, *gate.c).select_from(lease.outerjoin(gate, sa.true()))


def read_lease_and_gate(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    *,
    now: datetime | None = None,
) -> tuple[Lease, WorkingVersion]:
    """:func:`get_lease` in one light statement (the lease's times and its item's data, not
    the ORM objects) with the qualification gate's verdict.

    :raises NotFound, PermissionDenied, LeaseError: as :func:`get_lease`.
    :raises NotQualified: the gate refuses (e.g. suspended since the item was taken).
    """
    now = now or utcnow()
    row = session.execute(
        _lease_gate_statement(),
        {"assignment_id": assignment_id, **gate_params(user.id, project.id, now)},
    ).first()
    if row is None or row.item_project_id != project.id:
        raise _no_assignment(assignment_id, project)
    _check_lease(
        user,
        row.annotator_id,
        row.status,
        row.lease_expires_at,
        row.quarantined and not row.own_flag,
        now,
    )
    lease = Lease(
        assignment_id,
        row.leased_at,
        row.item_id,
        row.payload,
        bool(row.reannotation),
        bool(row.attention),
    )
    return lease, admit(session, gate_facts(row), project)


def _no_assignment(assignment_id: int, project: Project) -> NotFound:
    """The refusal for an assignment that is not in ``project``."""
    return NotFound(
        _l("No assignment %(id)s in %(project)s.", id=assignment_id, project=project.slug)
    )


def _check_lease(
    user: User,
    annotator_id: int,
    status: AssignmentStatus,
    expires_at: datetime,
    quarantined: bool,
    now: datetime | None,
) -> None:
    """Refuse unless the lease is ``user``'s, still leased, unexpired and its item usable.

    :raises PermissionDenied, LeaseError: as :func:`get_lease`.
    """
    if annotator_id != user.id:
        raise PermissionDenied(_l("This item is not leased to you."))
    if status != AssignmentStatus.leased:
        raise LeaseError(
            _l(
                "This item was already %(status)s; nothing was changed.",
                status=_STATUS_WORDS.get(status, status.value),
            )
        )
    if expires_at <= (now or utcnow()):
        raise LeaseError(
            _l("Your lease on this item expired; it went back to the queue. Take the next item.")
        )
    if quarantined:
        raise LeaseError(_l("This item was flagged and quarantined; take the next item."))


def get_lease(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    *,
    now: datetime | None = None,
) -> Assignment:
    """Return the caller's live lease ``assignment_id`` in ``project``.

    :raises NotFound: no such assignment in this project.
    :raises PermissionDenied: it is someone else's.
    :raises LeaseError: it was already submitted, skipped, or it expired.
    """
    assignment = with_item(session, assignment_id)
    if assignment is None or assignment.item.project_id != project.id:
        raise _no_assignment(assignment_id, project)
    _check_lease(
        user,
        assignment.annotator_id,
        assignment.status,
        assignment.lease_expires_at,
        assignment.item.quarantined and not session.scalar(sa.select(own_flag(assignment.id))),
        now,
    )
    return assignment
