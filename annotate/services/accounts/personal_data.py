"""A person's copy of their data (PIPL Art. 45, Interim Measures Art. 11): one ZIP.

The ZIP holds ``data.json`` (every section, each a list of rows) and one CSV per section,
columns in table order: the account, memberships, API tokens (names, never hashes), the
annotations and assignments, training attempts, qualifications and acknowledgements, the
reviews they wrote and the reviews of their work, their flags, feedback and supervision
events, and the audit events they made, that are about them or that name them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from typing import Any, BinaryIO

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Acknowledgement,
    Annotation,
    ApiToken,
    Assignment,
    AuditEvent,
    Feedback,
    ItemFlag,
    Membership,
    Qualification,
    Review,
    SampledAnnotation,
    SupervisionEvent,
    TrainingAttempt,
    User,
)
from annotate.services.audit import record_event
from annotate.services.data.spreadsheet import safe_text

#: Columns never exported: secrets (only their hashes are stored, but still).
SECRET_COLUMNS = {"password_hash", "token_hash", "token"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _rows(session: Session, model: Any, where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    stmt = sa.select(*columns).where(where).order_by(table.c.id)
    return [
        {c.name: _plain(row._mapping[c]) for c in columns}
        for row in session.execute(stmt).yield_per(2000)
    ]


def _audit_rows(session: Session, user: User) -> list[dict[str, Any]]:
    events = AuditEvent.__table__
    text = sa.cast(events.c.details, sa.Text)
    names = {user.username, user.display_name} - {""}
    name_re = re.compile(
        "|".join(
            rf"(?<![A-Za-z0-9_.\-]){re.escape(json.dumps(n)[1:-1])}(?![A-Za-z0-9_.\-])"
            for n in names
        )
    )
    about = sa.or_(
        events.c.actor_id == user.id,
        sa.and_(events.c.subject_type == "user", events.c.subject_id == str(user.id)),
        *(text.contains(json.dumps(n)[1:-1], autoescape=True) for n in names),
        *(text.contains(n, autoescape=True) for n in names),
    )
    found = []
    for row in session.execute(
        sa.select(events, text.label("details_text")).where(about).order_by(events.c.id)
    ).yield_per(2000):
        direct = row.actor_id == user.id or (
            row.subject_type == "user" and row.subject_id == str(user.id)
        )
        if not direct and not name_re.search(row.details_text or ""):
            continue  # a longer name that contains theirs
        found.append({c.name: _plain(row._mapping[c]) for c in events.columns})
    return found


def collect(session: Session, user: User) -> dict[str, list[dict[str, Any]]]:
    """Every section of the export, each a list of rows (column name to value)."""
    reviewed = sa.select(SampledAnnotation.id).join(
        Annotation, Annotation.id == SampledAnnotation.annotation_id
    )
    return {
        "account": _rows(session, User, User.id == user.id),
        "memberships": _rows(session, Membership, Membership.user_id == user.id),
        "api_tokens": _rows(session, ApiToken, ApiToken.user_id == user.id),
        "annotations": _rows(session, Annotation, Annotation.annotator_id == user.id),
        "assignments": _rows(session, Assignment, Assignment.annotator_id == user.id),
        "training_attempts": _rows(session, TrainingAttempt, TrainingAttempt.user_id == user.id),
        "qualifications": _rows(session, Qualification, Qualification.user_id == user.id),
        "acknowledgements": _rows(session, Acknowledgement, Acknowledgement.user_id == user.id),
        "reviews_written": _rows(session, Review, Review.reviewer_id == user.id),
        "reviews_of_their_work": _rows(
            session,
            Review,
            Review.sampled_annotation_id.in_(reviewed.where(Annotation.annotator_id == user.id)),
        ),
        "flags": _rows(session, ItemFlag, ItemFlag.user_id == user.id),
        "feedback": _rows(session, Feedback, Feedback.annotator_id == user.id),
        "supervision_events": _rows(
            session, SupervisionEvent, SupervisionEvent.annotator_id == user.id
        ),
        "audit_events": _audit_rows(session, user),
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return safe_text(text)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    yield buffer.getvalue()


def _columns(section: str) -> list[str]:
    model = {
        "account": User,
        "memberships": Membership,
        "api_tokens": ApiToken,
        "annotations": Annotation,
        "assignments": Assignment,
        "training_attempts": TrainingAttempt,
        "qualifications": Qualification,
        "acknowledgements": Acknowledgement,
        "reviews_written": Review,
        "reviews_of_their_work": Review,
        "flags": ItemFlag,
        "feedback": Feedback,
        "supervision_events": SupervisionEvent,
        "audit_events": AuditEvent,
    }[section]
    return [c.name for c in model.__table__.columns if c.name not in SECRET_COLUMNS]


def export_user(
    session: Session, user: User, out: BinaryIO, *, actor: User | None
) -> dict[str, int]:
    """Write ``user``'s ZIP to ``out``; return the rows per section. Audited (``user.export``).

    An empty section still has its CSV with the header line.
    """
    sections = collect(session, user)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(sections, ensure_ascii=False, indent=1, default=str),
        )
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", "".join(_csv(rows, _columns(name))))
    counts = {name: len(rows) for name, rows in sections.items()}
    record_event(session, "user.export", "user", user.id, actor=actor, details={"rows": counts})
    return counts
