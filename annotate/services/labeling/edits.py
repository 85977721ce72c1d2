"""Undo: an annotator changes their own submission, or takes a skipped item back.

An annotation may be edited by its annotator while the project's edit window
(``Project.edit_window_minutes`` after the submission) is open, it has not been drawn for
review, its batch still takes work and its item is not quarantined. The edit is a new
annotation that supersedes the old one (kept as history, ``superseded_by_id``), stamped with
the rulebook version the annotator works under now, and audited (``annotation.edit``).

"Must happen once": the old row leaves ``is_current`` by a conditional ``UPDATE … WHERE
is_current``, so of two concurrent edits of one annotation exactly one goes through (the
other waits on the row and then finds it superseded); there is never a second current
annotation. Locks are taken in the order every writer uses: the batch (shared, as a review
does; a draw or a decision holds it exclusively, so an annotation drawn for review is seen
as drawn), then the audit chain's head, then the rows.

A skipped item goes back to its annotator as a live lease (``assignment.reopen``) while its
batch takes work, the item is not quarantined and it still has a free place.
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
    SampledAnnotation,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.labeling.assignment import WORKABLE, slot_change, target_expr
from annotate.services.labeling.clauses import published_clauses
from annotate.services.labeling.fastpath import expire_loaded
from annotate.services.labeling.leases import with_item
from annotate.services.labeling.order import swap_choice
from annotate.services.labeling.recording import insert_annotation
from annotate.services.locks import lock_row
from annotate.services.projects.values import normalise_value
from annotate.services.training.gate import working_version

_ANNOTATIONS = Annotation.__table__


def edit_deadline(project: Project, annotation: Annotation) -> datetime:
    """When the edit window of ``annotation`` closes."""
    return annotation.submitted_at + timedelta(minutes=project.edit_window_minutes)


def edit_refusal(
    session: Session, annotation: Annotation, project: Project, now: datetime | None = None
) -> Any | None:
    """Why ``annotation`` may not be edited now (a message), or None if it may."""
    now = now or utcnow()
    if not annotation.is_current:
        return _l("This annotation was already replaced by a newer one.")
    if annotation.source == AnnotationSource.imported:
        return _l("Imported annotations cannot be edited here.")
    if project.edit_window_minutes <= 0:
        return _l("This project does not allow changing a submitted annotation.")
    if edit_deadline(project, annotation) <= now:
        return _l("The time to change this annotation is over.")
    item = annotation.item
    if item.quarantined:
        return _l("This item was flagged and quarantined.")
    if item.batch.status not in WORKABLE:
        return _l("Its batch is closed for changes (it is in review or decided).")
    drawn = session.scalar(
        sa.select(SampledAnnotation.id).where(SampledAnnotation.annotation_id == annotation.id)
    )
    if drawn is not None:
        return _l("It was drawn for review; it can no longer be changed.")
    return None


def last_submission(session: Session, user: User, project: Project) -> Annotation | None:
    """``user``'s most recent current annotation in ``project`` (what "undo last" reopens)."""
    return session.scalar(
        sa.select(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .where(
            Annotation.annotator_id == user.id,
            Annotation.is_current.is_(True),
            Item.project_id == project.id,
        )
        .order_by(Annotation.submitted_at.desc(), Annotation.id.desc())
        .limit(1)
    )


def own_annotation(
    session: Session, annotation_id: int, user: User, project: Project
) -> Annotation:
    """Annotation ``annotation_id`` of ``project``, if it is ``user``'s.

    :raises NotFound: no such annotation in this project.
    :raises PermissionDenied: it is someone else's.
    """
    annotation = session.get(Annotation, annotation_id)
    if annotation is None or annotation.item.project_id != project.id:
        raise NotFound(
            _l("No annotation %(id)s in %(project)s.", id=annotation_id, project=project.slug)
        )
    if annotation.annotator_id != user.id:
        raise PermissionDenied(_l("You may only change your own annotations."))
    return annotation


def edit_annotation(
    session: Session,
    annotation_id: int,
    user: User,
    project: Project,
    value: Any,
    *,
    clause_keys: list[str] | None = None,
    duration_ms: int | None = None,
    now: datetime | None = None,
) -> Annotation:
    """Replace ``user``'s annotation ``annotation_id`` by ``value``; return the new one.

    Flushes; the caller commits.

    :raises NotFound, PermissionDenied: as :func:`own_annotation`.
    :raises NotQualified: the gate refuses (suspended, rulebook to acknowledge …).
    :raises Conflict: the annotation may no longer be edited (:func:`edit_refusal`), or a
        concurrent edit replaced it first.
    :raises InvalidInput: the value or a cited clause is not valid; nothing is written.
    """
    now = now or utcnow()
    old = own_annotation(session, annotation_id, user, project)
    version = working_version(session, user, project)
    lock_row(session, old.item.batch, shared=True)
    lock_head(session)
    refusal = edit_refusal(session, old, project, now)
    if refusal is not None:
        raise Conflict(refusal)
    # the screen showed the responses in the order it did the first time (.order)
    value = swap_choice(value, old.swapped)
    normalised, problems = normalise_value(project, value, old.item.payload)
    keys = list(dict.fromkeys(k.strip() for k in clause_keys or [] if k and k.strip()))
    known = {clause.key for clause in published_clauses(session, version)} if keys else set()
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
    taken = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(_ANNOTATIONS)
            .where(_ANNOTATIONS.c.id == old.id, _ANNOTATIONS.c.is_current.is_(True))
            .values(is_current=False)
        ),
    ).rowcount
    if taken != 1:
        raise Conflict(
            _l("This annotation was already changed (in another tab?); nothing was saved.")
        )
    if duration_ms is None or not 0 < duration_ms <= 24 * 3600 * 1000:
        duration_ms = 0
    # The item's whole working time (pace figures read current annotations only).
    duration_ms += old.duration_ms or 0
    new = insert_annotation(
        session,
        user,
        project.id,
        {
            "item_id": old.item_id,
            "annotator_id": user.id,
            "assignment_id": old.assignment_id,
            "rulebook_version_id": version.id,
            "value": normalised,
            "clause_keys": keys,
            "source": old.source,
            "started_at": now - timedelta(milliseconds=duration_ms),
            "submitted_at": now,
            "duration_ms": duration_ms,
            "is_current": True,
            "superseded_by_id": None,
            # an edit starts from the answer, which was made with or without suggestions
            "with_suggestions": old.with_suggestions,
            "swapped": old.swapped,
        },
        reannotation=False,
        action="annotation.edit",
        details={"supersedes": old.id},
    )
    session.execute(
        sa.update(_ANNOTATIONS).where(_ANNOTATIONS.c.id == old.id).values(superseded_by_id=new.id)
    )
    expire_loaded(session, Annotation, lambda a: a.id == old.id, ["is_current", "superseded_by_id"])
    return new


def reopen_refusal(assignment: Assignment) -> Any | None:
    """Why the skipped ``assignment`` cannot be taken back now, or None."""
    if assignment.status != AssignmentStatus.skipped:
        return _l("This item is not skipped; nothing was changed.")
    if assignment.item.quarantined:
        return _l("This item was flagged and quarantined.")
    if assignment.item.batch.status not in WORKABLE:
        return _l("Its batch is closed; skipped items can no longer be taken back.")
    return None


def reopen_skipped(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    *,
    now: datetime | None = None,
) -> Assignment:
    """Give ``user`` the item they skipped (assignment ``assignment_id``) back as a live
    lease. Flushes; the caller commits.

    :raises NotFound, PermissionDenied: no such assignment here, or someone else's.
    :raises Conflict: not skipped, the item is quarantined or its batch closed, or others
        have taken every place on the item since.
    """
    now = now or utcnow()
    lock_head(session)  # the head before the item: see lock_head
    assignment = with_item(session, assignment_id)
    if assignment is None or assignment.item.project_id != project.id:
        raise NotFound(
            _l("No assignment %(id)s in %(project)s.", id=assignment_id, project=project.slug)
        )
    if assignment.annotator_id != user.id:
        raise PermissionDenied(_l("This item is not yours to take back."))
    refusal = reopen_refusal(assignment)
    if refusal is not None:
        raise Conflict(refusal)
    flipped = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Assignment)
            .where(Assignment.id == assignment.id, Assignment.status == AssignmentStatus.skipped)
            .values(
                status=AssignmentStatus.leased,
                leased_at=now,
                lease_expires_at=now + timedelta(minutes=project.lease_minutes),
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if flipped != 1:
        raise Conflict(_l("This item is not skipped; nothing was changed."))
    took = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Item)
            .where(
                Item.id == assignment.item_id,
                Item.quarantined.is_(False),
                Item.annotation_count < target_expr(project),
            )
            .values(slot_change(project, 1))
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if took != 1:
        raise Conflict(_l("Others have taken every place on this item since you skipped it."))
    record_event(
        session,
        "assignment.reopen",
        "assignment",
        assignment.id,
        actor=user,
        project_id=project.id,
        details={"item": assignment.item_id},
    )
    session.expire_all()
    return assignment
