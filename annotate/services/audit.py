"""The audit chain: append events whose sha256 covers the previous event's hash.

An event's hash is ``sha256(prev_hash + body)``, where ``body`` is the sha256 of the event's
canonical JSON (time, actor id, action, subject, project, details). The actor's username is
kept beside the event (``actor_name``) but outside the hashed payload, so erasing a person's
name later leaves the chain verifiable; details carry ids, not names. Events written before
this form (which hashed the username with everything else in one digest) still verify.

Erasing a person (:mod:`annotate.services.accounts.erasure`) renames them in ``actor_name``
freely. An event whose *hashed* fields name them (a username in ``details``, or the actor of
an event in the first form) is rewritten and *redacted*: the ``user.erase`` event, itself in
the chain, records the sha256 of each rewritten event (:func:`redacted_digest`). Verifying
such an event checks its link to its neighbours and that its present content is the one the
erasure recorded; its original hash stays in place, as the next event's ``prev_hash``.

Appending is one statement, so the labeling loop can record every submission: the hash is
computed by the database from the previous hash and the body digest computed here. On
PostgreSQL the statement updates the one ``audit_head`` row and inserts the event from what
that update returns; the row lock orders concurrent appends, so the chain cannot fork. On
SQLite, which serialises writers itself, it reads the newest event's hash inside the insert.
Checks of the chain (verify, the content of annotations and reviews, checkpoints) live in
:mod:`annotate.services.audit_checks`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import make_transient_to_detached

from annotate.database import Session, utcnow
from annotate.models import AuditEvent, AuditHead, User

GENESIS = "0" * 64
HEAD_ID = 1
_EVENTS: sa.Table = AuditEvent.__table__
_HEAD: sa.Table = AuditHead.__table__
#: The columns an append writes besides the two hashes (bound as ``ev_<column>``).
EVENT_COLUMNS = (
    "created_at",
    "actor_id",
    "actor_name",
    "action",
    "subject_type",
    "subject_id",
    "project_id",
    "details",
)


def _canonical(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, Enum):
        return value.value
    return value


def content_hash(fields: dict[str, Any]) -> str:
    """The sha256 of a row's content (a mapping of column to value), as its event records it:
    times as naive UTC ISO strings, enums as their values, JSON canonical."""
    return hashlib.sha256(_canonical({k: _plain(v) for k, v in fields.items()})).hexdigest()


def body_digest(
    *,
    created_at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: str,
    project_id: int | None,
    details: dict[str, Any],
) -> str:
    """The sha256 of one event's canonical JSON, without the link to the previous event."""
    return hashlib.sha256(
        _canonical(
            {
                "v": 2,
                "at": _plain(created_at),
                "actor": actor_id,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "project_id": project_id,
                "details": details,
            }
        )
    ).hexdigest()


def link_digest(prev_hash: str, body: str) -> str:
    """An event's hash: the sha256 of the previous hash followed by its body digest."""
    return hashlib.sha256((prev_hash + body).encode("ascii")).hexdigest()


def legacy_digest(
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
    """The first form of an event's hash (before ``audit1``): one digest over everything,
    the actor's username included."""
    return hashlib.sha256(
        _canonical(
            {
                "prev": prev_hash,
                "at": created_at.isoformat(timespec="microseconds"),
                "actor": actor_name,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "project_id": project_id,
                "details": details,
            }
        )
    ).hexdigest()


#: The ``user.erase`` event's details keys: ``{event id: redacted_digest}`` of the events it
#: rewrote, and ``{table: {row id: content_hash}}`` of the rows whose free text it emptied.
REDACTED_KEY, CONTENT_REDACTED_KEY = "redacted_events", "redacted_content"


def redacted_digest(
    *,
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    subject_type: str,
    subject_id: str,
    project_id: int | None,
    details: dict[str, Any],
) -> str:
    """The sha256 of an event as an erasure rewrote it (every stored field but the hash)."""
    return hashlib.sha256(
        _canonical(
            {
                "v": "redacted",
                "prev": prev_hash,
                "at": _plain(created_at),
                "actor": actor_id,
                "actor_name": actor_name,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "project_id": project_id,
                "details": details,
            }
        )
    ).hexdigest()


def _sql_link(dialect: str, prev: Any, body: Any) -> Any:
    joined = sa.type_coerce(prev, sa.String).concat(body)
    if dialect == "postgresql":
        return sa.func.encode(
            sa.func.sha256(sa.func.convert_to(joined, "UTF8")), "hex", type_=sa.String
        )
    # Registered on every SQLite connection by annotate.database.
    return sa.func.annotate_sha256(joined, type_=sa.String)


def _bound_event() -> list[Any]:
    return [sa.bindparam(f"ev_{c}", type_=_EVENTS.c[c].type) for c in EVENT_COLUMNS]


def append_insert(dialect: str) -> sa.Insert:
    """``INSERT`` one event chained to the head, returning ``id, prev_hash, hash``; binds
    ``ev_<column>`` for :data:`EVENT_COLUMNS` and ``ev_body`` (:func:`body_digest`). On
    PostgreSQL it inserts nothing when the head row is missing (:func:`seed_head`)."""
    columns = [*EVENT_COLUMNS, "prev_hash", "hash"]
    body = sa.bindparam("ev_body", type_=sa.String)
    if dialect == "postgresql":
        head = (
            sa.update(_HEAD)
            .where(_HEAD.c.id == HEAD_ID)
            .values(prev_hash=_HEAD.c.hash, hash=_sql_link(dialect, _HEAD.c.hash, body))
            .returning(_HEAD.c.prev_hash, _HEAD.c.hash)
            .cte("head")
        )
        source = sa.select(*_bound_event(), head.c.prev_hash, head.c.hash)
    else:
        last = sa.select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1).scalar_subquery()
        prev = sa.select(sa.func.coalesce(last, GENESIS).label("prev")).subquery("prev")
        source = sa.select(*_bound_event(), prev.c.prev, _sql_link(dialect, prev.c.prev, body))
    return (
        sa.insert(_EVENTS)
        .from_select(columns, source)
        .returning(_EVENTS.c.id, _EVENTS.c.prev_hash, _EVENTS.c.hash)
    )


@functools.cache
def append_statement(dialect: str) -> sa.Insert:
    """:func:`append_insert`, built once per dialect."""
    return append_insert(dialect)


def lock_head(session: Session) -> None:
    """Take the chain's head row first (PostgreSQL), before any item row.

    A submission's one statement locks the head and then checks its item's key; a service
    that locked an item (a skip, a flag) and then appended an event would take them in the
    other order, and two such transactions deadlock. Services that lock items and append an
    event call this first, so every writer takes the head before items. SQLite has one writer
    at a time: nothing to do.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    found = session.execute(
        sa.select(_HEAD.c.id).where(_HEAD.c.id == HEAD_ID).with_for_update()
    ).first()
    if found is None:  # no head row yet (a database built by create_all)
        seed_head(session)
        session.execute(sa.select(_HEAD.c.id).where(_HEAD.c.id == HEAD_ID).with_for_update())


def seed_head(session: Session) -> None:
    """Create the head row from the newest event (PostgreSQL; a database built with
    ``create_all`` has none until the first append)."""
    last = session.execute(
        sa.select(_EVENTS.c.prev_hash, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
    ).one_or_none()
    prev, head = (last.prev_hash, last.hash) if last else (GENESIS, GENESIS)
    session.execute(
        postgresql.insert(_HEAD)
        .values(id=HEAD_ID, prev_hash=prev, hash=head)
        .on_conflict_do_nothing()
    )


def event_params(
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    actor: User | None,
    project_id: int | None,
    details: dict[str, Any] | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The bind parameters of :func:`append_statement` for one event."""
    clean = json.loads(json.dumps(details or {}, default=str))
    values = {
        "created_at": now or utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_name": actor.username if actor else "system",
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "project_id": project_id,
        "details": clean,
    }
    params = {f"ev_{k}": v for k, v in values.items()}
    params["ev_body"] = body_digest(
        created_at=values["created_at"],
        actor_id=values["actor_id"],
        action=action,
        subject_type=subject_type,
        subject_id=values["subject_id"],
        project_id=project_id,
        details=clean,
    )
    return params


def loaded_event(session: Session, params: dict[str, Any], row: Any) -> AuditEvent:
    """Put the event an append wrote into ``session`` as loaded (nothing more is written)."""
    event = AuditEvent(
        id=row.id,
        prev_hash=row.prev_hash,
        hash=row.hash,
        **{c: params[f"ev_{c}"] for c in EVENT_COLUMNS},
    )
    make_transient_to_detached(event)
    session.add(event)
    return event


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
    """Append an audit event chained to the latest one. Flushes; the caller commits."""
    session.flush()
    dialect = session.get_bind().dialect.name
    params = event_params(
        action, subject_type, subject_id, actor=actor, project_id=project_id, details=details
    )
    statement = append_statement(dialect)
    row = session.execute(statement, params).one_or_none()
    if row is None:
        seed_head(session)
        row = session.execute(statement, params).one()
    return loaded_event(session, params, row)


#: The columns of each row whose content its event hashes (``verify --deep`` recomputes
#: them): everything but the bookkeeping a later step changes on purpose (an annotation's
#: ``is_current`` and ``superseded_by_id`` change when it is re-annotated).
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "annotations": (
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
    ),
    "reviews": (
        "sampled_annotation_id",
        "reviewer_id",
        "verdict",
        "corrected_value",
        "error_type",
        "clause_key",
        "comment",
        "created_at",
    ),
    "batch_decisions": (
        "plan_id",
        "batch_id",
        "reviewed",
        "defects",
        "plan_decision",
        "decision",
        "override_reason",
        "decided_by_id",
        "decided_at",
    ),
}


def content_ref(table: str, row: Any, *, by: str = "id") -> dict[str, Any]:
    """The ``content`` entry of an event's details for ``row`` of ``table`` (an ORM object
    or a mapping): where to find the row (``by`` = ``key``) and the sha256 of its content."""
    get = row.get if isinstance(row, dict) else functools.partial(getattr, row)
    return {
        "table": table,
        "by": by,
        "key": get(by),
        "sha256": content_hash({f: get(f) for f in CONTENT_FIELDS[table]}),
    }
