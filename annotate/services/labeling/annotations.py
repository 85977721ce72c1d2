"""Annotations: submitting a value under a lease, superseding (flags: :mod:`.flags`).

A submit is accepted only for the caller's own live lease, once; the value is checked against
the task type and label schema, cited clause keys against the rulebook version the annotation
is stamped with.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    AnnotationSource,
    Assignment,
    AssignmentStatus,
    Item,
    Project,
    User,
)
from annotate.services.errors import InvalidInput
from annotate.services.labeling.assignment import slot_change
from annotate.services.labeling.attention import check_attention
from annotate.services.labeling.clauses import published_clauses
from annotate.services.labeling.fastpath import expire_loaded, set_loaded_if_present
from annotate.services.labeling.leases import LeaseError, read_lease_and_gate
from annotate.services.labeling.order import shown_swapped, swap_choice
from annotate.services.labeling.recording import insert_annotation
from annotate.services.projects.values import normalise_value

# Built once (a statement costs more to build in Python than the database takes to run it),
# on the tables: the objects they change are kept in step by hand below, and the ORM's
# bulk-update bookkeeping would cost more than the UPDATE itself.
_ASSIGNMENTS, _ANNOTATIONS = Assignment.__table__, Annotation.__table__
_SUBMITTED = (
    sa.update(_ASSIGNMENTS)
    .where(
        _ASSIGNMENTS.c.id == sa.bindparam("assignment_id"),
        _ASSIGNMENTS.c.status == AssignmentStatus.leased,
    )
    .values(status=AssignmentStatus.submitted)
)
_SUPERSEDE = (
    sa.update(_ANNOTATIONS)
    .where(
        _ANNOTATIONS.c.item_id == sa.bindparam("item"),
        _ANNOTATIONS.c.annotator_id == sa.bindparam("annotator"),
        _ANNOTATIONS.c.is_current.is_(True),
        _ANNOTATIONS.c.id != sa.bindparam("new_id"),
    )
    .values(is_current=False, superseded_by_id=sa.bindparam("new_id"))
)


def submit_annotation(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    value: Any,
    *,
    clause_keys: list[str] | None = None,
    duration_ms: int | None = None,
    source: AnnotationSource = AnnotationSource.web,
    shown: bool = False,
    now: datetime | None = None,
) -> Annotation:
    """Record ``user``'s value for the item of their live lease ``assignment_id``.

    The annotation is stamped with the rulebook version the gate returns now. A current
    annotation by the same annotator on the same item (a re-annotation) is superseded and kept
    as history. Flushes; the caller commits. ``shown``: ``value`` is in the order the labeling
    screen showed the lease's pairwise responses (mapped back and recorded, :mod:`.order`);
    otherwise in the item's own orientation, with no order recorded (the API).

    :raises NotFound, PermissionDenied, LeaseError: the lease is missing, someone else's,
        already used, expired, or its item was quarantined.
    :raises NotQualified: the gate refuses (e.g. suspended since the item was taken).
    :raises InvalidInput: the value or a cited clause key is not valid; nothing is written.
    """
    now = now or utcnow()
    lease, version = read_lease_and_gate(session, assignment_id, user, project, now=now)
    swapped = shown_swapped(project, lease.id) if shown else None
    normalised, problems = normalise_value(project, swap_choice(value, swapped), lease.payload)
    keys = list(dict.fromkeys(k.strip() for k in clause_keys or [] if k and k.strip()))
    if keys:
        known = {clause.key for clause in published_clauses(session, version)}
        problems += [
            _l(
                "clause_keys: %(key)s is not a clause of rulebook v%(version)s",
                key=repr(key),
                version=version.version,
            )
            for key in keys
            if key not in known
        ]
    if problems:
        raise InvalidInput(_l("The annotation was not saved."), problems)
    elapsed = int((now - lease.leased_at).total_seconds() * 1000)
    if duration_ms is None or not 0 < duration_ms <= max(elapsed, 0) + 5000:
        duration_ms = max(elapsed, 0)
    changed = cast(
        sa.CursorResult[Any], session.execute(_SUBMITTED, {"assignment_id": lease.id})
    ).rowcount
    if changed != 1:
        raise LeaseError(_l("This item was already submitted; nothing was changed."))
    set_loaded_if_present(session, Assignment, lease.id, "status", AssignmentStatus.submitted)
    annotation = insert_annotation(
        session,
        user,
        project.id,
        {
            "item_id": lease.item_id,
            "annotator_id": user.id,
            "assignment_id": lease.id,
            "rulebook_version_id": version.id,
            "value": normalised,
            "clause_keys": keys,
            "source": source,
            "started_at": now - timedelta(milliseconds=duration_ms),
            "submitted_at": now,
            "duration_ms": duration_ms,
            "is_current": True,
            "superseded_by_id": None,
            # suggestions bias people: say so on every annotation made while they are shown
            "with_suggestions": project.show_predictions,
            "swapped": swapped,
        },
        reannotation=bool(lease.reannotation),
    )
    superseded = (
        cast(
            sa.CursorResult[Any],
            session.execute(
                _SUPERSEDE, {"item": lease.item_id, "annotator": user.id, "new_id": annotation.id}
            ),
        ).rowcount
        if lease.reannotation
        else 0
    )
    if superseded:
        expire_loaded(
            session,
            Annotation,
            lambda old: (
                old.item_id == lease.item_id
                and old.annotator_id == user.id
                and old is not annotation
            ),
            ["is_current", "superseded_by_id"],
        )
        # The superseded annotation no longer holds a slot on the item.
        session.execute(
            sa.update(Item)
            .where(Item.id == lease.item_id, Item.annotation_count > 0)
            .values(slot_change(project, -superseded))
            .execution_options(synchronize_session=False)
        )
    if lease.attention:
        check_attention(session, project, user, now)
    return annotation
