"""A submission and its audit event, written together.

Every annotation is an audit event whose details carry the sha256 of the annotation's
content (``annotate audit verify --deep`` recomputes it), so a later direct edit of the row
is caught. The loop's statement budget has no room for an append of its own: on PostgreSQL
the annotation's ``INSERT``, the chain head's ``UPDATE`` and the event's ``INSERT`` are one
statement (data-modifying CTEs); SQLite has no such statements, so there the event is a
second ``INSERT`` (one statement more than on PostgreSQL).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from annotate.database import Session
from annotate.models import Annotation, User
from annotate.services.audit import (
    append_insert,
    append_statement,
    content_ref,
    event_params,
    loaded_event,
    seed_head,
)
from annotate.services.labeling.fastpath import add_inserted

_ANNOTATIONS: sa.Table = Annotation.__table__
_COLUMNS = (
    "item_id",
    "annotator_id",
    "assignment_id",
    "rulebook_version_id",
    "value",
    "clause_keys",
    "source",
    "started_at",
    "submitted_at",
    "duration_ms",
    "is_current",
    "superseded_by_id",
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
    return sa.select(
        new.c.id, event.c.id.label("event_id"), event.c.prev_hash, event.c.hash
    ).select_from(new.outerjoin(event, sa.true()))


def insert_annotation(
    session: Session, user: User, project_id: int, values: dict[str, Any], *, reannotation: bool
) -> Annotation:
    """Insert the annotation ``values`` (every column of ``_COLUMNS``) and its audit event;
    both are put into ``session`` as loaded. Nothing is flushed."""
    params = event_params(
        "annotation.reannotate" if reannotation else "annotation.submit",
        "item",
        values["item_id"],
        actor=user,
        project_id=project_id,
        details={
            "content": content_ref("annotations", values, by="assignment_id"),
            "version": values["rulebook_version_id"],
        },
        now=values["submitted_at"],
    )
    dialect = session.get_bind().dialect.name
    if dialect != "postgresql":
        annotation = add_inserted(session, Annotation, **values)
        loaded_event(session, params, session.execute(append_statement(dialect), params).one())
        return annotation
    row = session.execute(_together(), {**params, **{f"an_{c}": values[c] for c in _COLUMNS}}).one()
    annotation = Annotation(id=row.id, **values)
    make_transient_to_detached(annotation)
    session.add(annotation)
    if row.event_id is None:  # no head row yet (a database built by create_all)
        seed_head(session)
        loaded_event(session, params, session.execute(append_statement(dialect), params).one())
    else:
        written = SimpleNamespace(id=row.event_id, prev_hash=row.prev_hash, hash=row.hash)
        loaded_event(session, params, written)
    return annotation
