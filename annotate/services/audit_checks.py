"""Checking the audit chain: links and hashes, the rows events vouch for, checkpoints.

* :func:`verify_chain` recomputes every event's hash and link and, on PostgreSQL, compares
  the newest event with the recorded head (deleting the newest events leaves the head
  pointing at a hash no event has). It reads ``details`` as text, so an event edited into
  invalid JSON is reported, not raised.
* :func:`verify_content` (``annotate audit verify --deep``) recomputes the content hash of
  every annotation, review and batch decision an event vouches for: a direct edit of such a
  row is caught.
* :func:`checkpoint` is the head (id, hash, time) to keep elsewhere;
  :func:`verify_checkpoint` fails when the chain no longer reaches it (truncation).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import AuditEvent, AuditHead
from annotate.services.audit import (
    CONTENT_FIELDS,
    CONTENT_REDACTED_KEY,
    GENESIS,
    HEAD_ID,
    REDACTED_KEY,
    body_digest,
    content_hash,
    legacy_digest,
    link_digest,
    redacted_digest,
)

_E = AuditEvent.__table__.c


@dataclass(frozen=True)
class ChainCheck:
    """Result of walking the chain: ``broken_at`` is the first bad event id, or None."""

    checked: int
    head: str
    broken_at: int | None
    problem: str | None
    head_id: int | None = None
    head_at: datetime | None = None


@dataclass(frozen=True)
class RawEvent:
    """An event as stored, ``details`` as text (it may no longer be valid JSON)."""

    id: int
    created_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    subject_type: str
    subject_id: str
    project_id: int | None
    details_text: str | None
    prev_hash: str
    hash: str

    def details(self) -> dict[str, Any] | None:
        """The details, or None when the stored text is not a JSON object."""
        try:
            value = json.loads(self.details_text or "{}")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


_COLUMNS = (
    _E.id,
    _E.created_at,
    _E.actor_id,
    _E.actor_name,
    _E.action,
    _E.subject_type,
    _E.subject_id,
    _E.project_id,
    sa.cast(_E.details, sa.Text).label("details_text"),
    _E.prev_hash,
    _E.hash,
)


def iter_raw_events(session: Session, batch_size: int = 5000) -> Iterator[RawEvent]:
    """Yield every audit event in id order, in pages, ``details`` unparsed."""
    last = 0
    while True:
        page = session.execute(
            sa.select(*_COLUMNS).where(_E.id > last).order_by(_E.id).limit(batch_size)
        ).all()
        if not page:
            return
        for row in page:
            yield RawEvent(**row._mapping)
        last = page[-1].id


def event_hashes(event: RawEvent, details: dict[str, Any]) -> set[str]:
    """The hashes ``event`` may carry: its current form and the first one."""
    fields: dict[str, Any] = {
        "created_at": event.created_at,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "project_id": event.project_id,
        "details": details,
    }
    current = link_digest(event.prev_hash, body_digest(actor_id=event.actor_id, **fields))
    return {
        current,
        legacy_digest(prev_hash=event.prev_hash, actor_name=event.actor_name, **fields),
    }


def redactions(session: Session) -> tuple[dict[int, str], dict[tuple[str, Any], str]]:
    """What erasures rewrote, as their ``user.erase`` events record it: the digest of each
    redacted event (by id) and the content hash of each emptied row (by table and id); a
    later erasure's entry replaces an earlier one."""
    events: dict[int, str] = {}
    rows: dict[tuple[str, Any], str] = {}
    for text in session.scalars(
        sa.select(sa.cast(_E.details, sa.Text)).where(_E.action == "user.erase").order_by(_E.id)
    ):
        try:
            details = json.loads(text or "{}")
        except ValueError:  # the walk reports it when it reaches the event
            continue
        if not isinstance(details, dict):
            continue
        for key, digest in (details.get(REDACTED_KEY) or {}).items():
            if str(key).isdigit():
                events[int(key)] = str(digest)
        for table, found in (details.get(CONTENT_REDACTED_KEY) or {}).items():
            for key, digest in (found or {}).items():
                rows[(str(table), str(key))] = str(digest)
    return events, rows


def is_redacted_as_recorded(event: RawEvent, details: dict[str, Any], digest: str) -> bool:
    """True if ``event`` is exactly as the erasure that rewrote it recorded."""
    return digest == redacted_digest(
        prev_hash=event.prev_hash,
        created_at=event.created_at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        project_id=event.project_id,
        details=details,
    )


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every hash and link; report the first event that does not match. An event
    an erasure rewrote is checked against the digest the erasure recorded."""
    prev, count, last = GENESIS, 0, None
    redacted, _rows = redactions(session)
    for event in iter_raw_events(session):
        if event.prev_hash != prev:
            problem = _l("prev_hash does not match the previous event (events deleted?)")
            return ChainCheck(count, prev, event.id, str(problem))
        details = event.details()
        if details is None:
            return ChainCheck(count, prev, event.id, str(_l("details are not valid JSON")))
        if event.id in redacted:
            if not is_redacted_as_recorded(event, details, redacted[event.id]):
                problem = _l("content does not match what its erasure recorded")
                return ChainCheck(count, prev, event.id, str(problem))
        elif event.hash not in event_hashes(event, details):
            return ChainCheck(count, prev, event.id, str(_l("content does not match its hash")))
        prev, count, last = event.hash, count + 1, event
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and head.hash != prev:
        problem = _l(
            "the recorded head %(head)s is no event's hash: the newest events were deleted",
            head=head.hash[:16],
        )
        return ChainCheck(count, prev, last.id if last else 0, str(problem))
    return ChainCheck(
        count, prev, None, None, last.id if last else None, last.created_at if last else None
    )


def chain_status(session: Session) -> ChainCheck:
    """:func:`verify_chain` for a document (the dossier): never raises on a damaged row."""
    try:
        return verify_chain(session)
    except (ValueError, TypeError, KeyError) as error:  # a column edited beyond reading
        return ChainCheck(0, GENESIS, 0, f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class ContentProblem:
    """A row an event vouches for that no longer matches (or no longer exists)."""

    event_id: int
    table: str
    key: Any
    problem: str


def _row_hashes(session: Session, table: str, by: str, keys: list[Any]) -> dict[Any, set[str]]:
    model_table = AuditEvent.metadata.tables[table]
    columns = [model_table.c[c] for c in CONTENT_FIELDS[table]]
    found: dict[Any, set[str]] = {}
    for row in session.execute(
        sa.select(model_table.c[by], *columns).where(model_table.c[by].in_(keys))
    ):
        fields = {c: row._mapping[model_table.c[c]] for c in CONTENT_FIELDS[table]}
        found.setdefault(row[0], set()).add(content_hash(fields))
    return found


def verify_content(session: Session, page_size: int = 2000) -> tuple[int, list[ContentProblem]]:
    """Recompute the content hash of every row an event vouches for; return how many rows
    were checked and the problems (a changed or missing row), in event order."""
    problems: list[ContentProblem] = []
    checked = 0
    page: list[tuple[int, dict[str, Any]]] = []
    _events, emptied = redactions(session)

    def flush() -> None:
        nonlocal checked
        wanted: dict[tuple[str, str], list[Any]] = {}
        for _, ref in page:
            wanted.setdefault((ref["table"], ref["by"]), []).append(ref["key"])
        found = {
            (table, by): _row_hashes(session, table, by, keys)
            for (table, by), keys in wanted.items()
        }
        for event_id, ref in page:
            hashes = found[(ref["table"], ref["by"])].get(ref["key"])
            checked += 1
            if hashes is None:
                problems.append(ContentProblem(event_id, ref["table"], ref["key"], "missing"))
            elif ref["sha256"] not in hashes and (
                ref["by"] != "id" or emptied.get((ref["table"], str(ref["key"]))) not in hashes
            ):
                problems.append(ContentProblem(event_id, ref["table"], ref["key"], "changed"))
        page.clear()

    for event in iter_raw_events(session):
        details = event.details() or {}
        ref = details.get("content")
        if (
            isinstance(ref, dict)
            and ref.get("table") in CONTENT_FIELDS
            and ref.get("by") in ("id", "assignment_id")
            and str(ref["by"]) in AuditEvent.metadata.tables[ref["table"]].c
        ):
            page.append((event.id, ref))
            if len(page) >= page_size:
                flush()
    flush()
    return checked, problems


def checkpoint(session: Session) -> dict[str, Any]:
    """The chain's newest event (id, hash, time) and the number of events, to keep elsewhere."""
    row = session.execute(
        sa.select(_E.id, _E.hash, _E.created_at).order_by(_E.id.desc()).limit(1)
    ).one_or_none()
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent.__table__))
    if row is None:
        return {"id": None, "hash": GENESIS, "created_at": None, "events": 0}
    return {
        "id": row.id,
        "hash": row.hash,
        "created_at": row.created_at.isoformat(),
        "events": count,
    }


def verify_checkpoint(session: Session, saved: dict[str, Any]) -> str | None:
    """None when the chain still holds the checkpoint's event with its hash, else why not.
    (Run :func:`verify_chain` too: this only says the chain reaches the checkpoint.)"""
    if not isinstance(saved, dict) or not isinstance(saved.get("hash"), str):
        return str(_l("the checkpoint file holds no hash"))
    if saved.get("id") is None:
        return None
    found = session.scalar(sa.select(_E.hash).where(_E.id == saved["id"]))
    if found is None:
        return str(_l("event %(id)s of the checkpoint is gone", id=saved["id"]))
    if found != saved["hash"]:
        return str(_l("event %(id)s no longer has the checkpoint's hash", id=saved["id"]))
    return None
