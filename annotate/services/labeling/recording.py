"""The annotator's answers and their audit events: a submission, a skip.

Every annotation is an audit event whose details carry the sha256 of the annotation's
content (``annotate audit verify --deep`` recomputes it), so a later direct edit of the row
is caught. The loop's statement budget has no room for an append of its own: on PostgreSQL
the annotation's ``INSERT``, the chain head's ``UPDATE`` and the event's ``INSERT`` are one
statement (data-modifying CTEs); SQLite has no such statements, so there the event is a
second ``INSERT`` (one statement more than on PostgreSQL).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import make_transient_to_detached

from annotate.database import Session
from annotate.models import Annotation, Assignment, AssignmentStatus, Project, User
from annotate.services.audit import (
    CONTENT_FIELDS,
    append_insert,
    append_statement,
    content_ref,
    event_params,
    lock_head,
    record_event,
    seed_head,
)
from annotate.services.errors import InvalidInput
from annotate.services.labeling.assignment import release_slot
from annotate.services.labeling.fastpath import add_inserted
from annotate.services.labeling.leases import LeaseError, get_lease

_ANNOTATIONS: sa.Table = Annotation.__table__
#: What the insert writes: the columns the event hashes, plus the bookkeeping it leaves out.
_COLUMNS = (
    *CONTENT_FIELDS["annotations"],
    "is_current",
    "superseded_by_id",
    "with_suggestions",
    "swapped",
)


@functools.cache
def _together() -> sa.Select[Any]:
    new = (
        sa.insert(_ANNOTATIONS)
        .values({c: sa.bindparam(f"an_{c}", type_=_ANNOTATIONS.c[c].type) for c in _COLUMNS})
        .returning(_ANNOTATIONS.c.id)
        .cte("new_annotation")
    )
    event = append_insert("postgresql").cte("new_event")
    return sa.select(new.c.id, event.c.id.label("event_id")).select_from(
        new.outerjoin(event, sa.true())
    )


def insert_annotation(
    session: Session,
    user: User,
    project_id: int,
    values: dict[str, Any],
    *,
    reannotation: bool,
    action: str | None = None,
    details: dict[str, Any] | None = None,
) -> Annotation:
    """Insert the annotation ``values`` (every column of ``_COLUMNS``) and its audit event
    (``action``, default a submission or re-annotation, with ``details`` added); the
    annotation is put into ``session`` as loaded. Nothing is flushed."""
    params = event_params(
        action or ("annotation.reannotate" if reannotation else "annotation.submit"),
        "item",
        values["item_id"],
        actor=user,
        project_id=project_id,
        details={
            "content": content_ref("annotations", values, by="assignment_id"),
            "version": values["rulebook_version_id"],
            **({"with_suggestions": True} if values["with_suggestions"] else {}),
            **(details or {}),
        },
        now=values["submitted_at"],
    )
    dialect = session.get_bind().dialect.name
    # The event is written, not put into the session: nothing in the loop reads it back, and
    # an ORM object per submission costs more Python than its statement.
    if dialect != "postgresql":
        annotation = add_inserted(session, Annotation, **values)
        session.execute(append_statement(dialect), params)
        return annotation
    row = session.execute(_together(), {**params, **{f"an_{c}": values[c] for c in _COLUMNS}}).one()
    annotation = Annotation(id=row.id, **values)
    make_transient_to_detached(annotation)
    session.add(annotation)
    if row.event_id is None:  # no head row yet (a database built by create_all)
        seed_head(session)
        session.execute(append_statement(dialect), params).one()
    return annotation


def skip_item(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    reason: str,
    *,
    now: datetime | None = None,
) -> Assignment:
    """Give the item back with a reason; the annotator will not get it again. An audit
    event records the skip (the reason stays with the assignment).

    :raises InvalidInput: no reason given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why you skip this item."), ["reason: required"])
    lock_head(session)  # the head before the item: see lock_head
    assignment = get_lease(session, assignment_id, user, project, now=now)
    if not release_slot(
        session, project, assignment.id, assignment.item_id, AssignmentStatus.skipped, reason[:2000]
    ):
        raise LeaseError(_l("This item is no longer leased to you; nothing was changed."))
    record_event(
        session,
        "assignment.skip",
        "assignment",
        assignment.id,
        actor=user,
        project_id=project.id,
        details={"item": assignment.item_id},
    )
    session.expire_all()
    return assignment
