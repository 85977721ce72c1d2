"""The training transcript of a project: every attempt, grant, acknowledgement, revocation
and expiry per annotator, as rows for the manager page and the CSV export.

CSV columns, in this order (a documented contract):
``project,annotator,event,module,rulebook_version,at,attempt,score,pass_mark,passed,
expires_at,sha256,reason,by``. ``event`` is one of ``attempt``, ``qualification``,
``acknowledgement``, ``revocation``, ``expiry``. Times are ISO 8601 UTC.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TypedDict

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import (
    Acknowledgement,
    Membership,
    ModuleKind,
    Project,
    ProjectRole,
    Qualification,
    Rulebook,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
    User,
)
from annotate.services.data.spreadsheet import safe_text

COLUMNS = (
    "project",
    "annotator",
    "event",
    "module",
    "rulebook_version",
    "at",
    "attempt",
    "score",
    "pass_mark",
    "passed",
    "expires_at",
    "sha256",
    "reason",
    "by",
)


@dataclass(frozen=True)
class TranscriptRow:
    """One line of the transcript."""

    user: User
    event: str
    at: datetime
    module: str = ""
    version: str = ""
    attempt: int | None = None
    score: float | None = None
    pass_mark: float | None = None
    passed: bool | None = None
    expires_at: datetime | None = None
    sha256: str = ""
    reason: str = ""
    by: str = ""
    qualification_id: int | None = None
    attempt_id: int | None = None
    module_id: int | None = None


class _QualificationFields(TypedDict):
    """What the rows of one qualification (grant, revocation, expiry) share."""

    module: str
    version: str
    sha256: str
    qualification_id: int
    attempt_id: int | None


def _people(session: Session, project: Project) -> dict[int, User]:
    members = session.scalars(
        sa.select(User)
        .join(Membership)
        .where(Membership.project_id == project.id, Membership.role == ProjectRole.annotator)
    )
    people = {u.id: u for u in members}
    others = session.scalars(
        sa.select(User).where(
            User.id.in_(
                sa.select(Qualification.user_id)
                .where(Qualification.project_id == project.id)
                .union(
                    sa.select(TrainingAttempt.user_id).where(
                        TrainingAttempt.project_id == project.id
                    )
                )
            )
        )
    )
    people.update({u.id: u for u in others})
    return people


def transcript_rows(
    session: Session, project: Project, *, now: datetime | None = None
) -> list[TranscriptRow]:
    """Every training event of the project's annotators, by annotator then time."""
    now = now or utcnow()
    people = _people(session, project)
    ids = list(people)
    rows: list[TranscriptRow] = []
    version_ids = list(
        session.scalars(
            sa.select(RulebookVersion.id).join(Rulebook).where(Rulebook.project_id == project.id)
        )
    )
    attempts = session.execute(
        sa.select(TrainingAttempt, TrainingModule)
        .join(TrainingModule)
        .where(
            TrainingAttempt.user_id.in_(ids),
            sa.or_(
                TrainingModule.kind == ModuleKind.legal,
                TrainingModule.rulebook_version_id.in_(version_ids),
            ),
        )
        .order_by(TrainingAttempt.submitted_at, TrainingAttempt.id)
    ).all()
    counter: dict[tuple[int, int], int] = {}
    for attempt, module in attempts:
        number = counter[(attempt.user_id, module.id)] = (
            counter.get((attempt.user_id, module.id), 0) + 1
        )
        rows.append(
            TranscriptRow(
                people[attempt.user_id],
                "attempt",
                attempt.submitted_at,
                module.key,
                module.version,
                number,
                attempt.score,
                (attempt.answers or {}).get("pass_mark"),
                attempt.passed,
                attempt_id=attempt.id,
                module_id=module.id,
            )
        )
    quals = session.scalars(
        sa.select(Qualification).where(
            Qualification.project_id == project.id, Qualification.user_id.in_(ids)
        )
    )
    for q in quals:
        version = q.rulebook_version
        base: _QualificationFields = {
            "module": f"{project.slug}/{version.rulebook.key}",
            "version": version.version,
            "sha256": version.sha256,
            "qualification_id": q.id,
            "attempt_id": q.attempt_id,
        }
        rows.append(
            TranscriptRow(
                people[q.user_id], "qualification", q.granted_at, expires_at=q.expires_at, **base
            )
        )
        if q.revoked_at is not None:
            by = session.get(User, q.revoked_by_id) if q.revoked_by_id else None
            rows.append(
                TranscriptRow(
                    people[q.user_id],
                    "revocation",
                    q.revoked_at,
                    reason=q.revoked_reason or "",
                    by=by.username if by else "",
                    **base,
                )
            )
        elif q.expires_at <= now:
            rows.append(TranscriptRow(people[q.user_id], "expiry", q.expires_at, **base))
    acks = session.execute(
        sa.select(Acknowledgement, RulebookVersion)
        .join(RulebookVersion, RulebookVersion.id == Acknowledgement.rulebook_version_id)
        .where(Acknowledgement.user_id.in_(ids), RulebookVersion.id.in_(version_ids))
    )
    for ack, version in acks:
        rows.append(
            TranscriptRow(
                people[ack.user_id],
                "acknowledgement",
                ack.acknowledged_at,
                f"{project.slug}/{version.rulebook.key}",
                version.version,
                sha256=ack.sha256,
            )
        )
    rows.sort(key=lambda r: (r.user.username, r.at))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return safe_text(str(value))


def write_csv(project: Project, rows: Iterable[TranscriptRow], out: IO[str]) -> int:
    """Write the transcript as CSV (header first) to ``out``; return the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for r in rows:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    project.slug,
                    r.user.username,
                    r.event,
                    r.module,
                    r.version,
                    r.at,
                    r.attempt,
                    r.score,
                    r.pass_mark,
                    r.passed,
                    r.expires_at,
                    r.sha256,
                    r.reason,
                    r.by,
                )
            ]
        )
        count += 1
    return count
