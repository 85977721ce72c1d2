"""Qualifications and what surrounds them: active qualifications, passes and their validity,
the moments that reset the attempt limit, grants, revocations, retries, acknowledgements of a
minor revision, and the expiry events.

The gate that reads these facts on every claim and submit is ``services/training/gate.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Acknowledgement,
    AuditEvent,
    ModuleKind,
    Project,
    Qualification,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
    User,
    VersionStatus,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.gate import covering_qualification


def active_qualification(
    session: Session, user: User, project: Project, version: RulebookVersion
) -> Qualification | None:
    """An unexpired, unrevoked qualification for ``version`` or one covering it.

    A qualification for an earlier version of the same major release still counts (a minor
    bump needs only an acknowledgement); a major bump needs a new qualification.
    """
    return session.scalar(
        sa.select(Qualification)
        .join(RulebookVersion)
        .where(
            *covering_qualification(
                RulebookVersion, user.id, project.id, version.rulebook_id, version.major, utcnow()
            )
        )
        .order_by(Qualification.granted_at.desc())
        .limit(1)
    )


# --- grants, revocations, retries, acknowledgements, expiries -----------------------------


def passed_until(
    session: Session,
    user: User,
    module: TrainingModule,
    project: Project | None,
    *,
    now: datetime | None = None,
) -> datetime | None:
    """Until when the user's pass of ``module`` is valid (None: not passed or lapsed).

    For a rulebook module this is the active qualification for exactly its version (a
    manager's revocation ends it); for the legal module, the newest pass plus its validity.
    """
    now = now or utcnow()
    if module.kind == ModuleKind.rulebook:
        if project is None:
            return None
        expires = session.scalar(
            sa.select(sa.func.max(Qualification.expires_at)).where(
                Qualification.user_id == user.id,
                Qualification.project_id == project.id,
                Qualification.rulebook_version_id == module.rulebook_version_id,
                Qualification.revoked_at.is_(None),
                Qualification.expires_at > now,
            )
        )
        return expires
    passed = session.scalar(
        sa.select(sa.func.max(TrainingAttempt.submitted_at)).where(
            TrainingAttempt.user_id == user.id,
            TrainingAttempt.module_id == module.id,
            TrainingAttempt.passed.is_(True),
        )
    )
    if passed is None:
        return None
    until = passed + timedelta(days=module.validity_days)
    return until if until > now else None


def reset_times(session: Session, user: User, module: TrainingModule) -> list[datetime]:
    """Moments after which earlier failures no longer count against the attempt limit:
    the latest pass, each retry a manager allowed, each revocation of the qualification."""
    times = []
    last_pass = session.scalar(
        sa.select(sa.func.max(TrainingAttempt.submitted_at)).where(
            TrainingAttempt.user_id == user.id,
            TrainingAttempt.module_id == module.id,
            TrainingAttempt.passed.is_(True),
        )
    )
    if last_pass is not None:
        times.append(last_pass)
    for event in session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "training.allow_retry",
            AuditEvent.subject_type == "user",
            AuditEvent.subject_id == str(user.id),
        )
    ):
        if event.details.get("module_id") == module.id:
            times.append(event.created_at)
    if module.rulebook_version_id is not None:
        times.extend(
            session.scalars(
                sa.select(Qualification.revoked_at).where(
                    Qualification.user_id == user.id,
                    Qualification.rulebook_version_id == module.rulebook_version_id,
                    Qualification.revoked_at.is_not(None),
                )
            )
        )
    return times


def grant_qualification(
    session: Session,
    user: User,
    project: Project,
    version: RulebookVersion,
    *,
    attempt: TrainingAttempt | None,
    expires_at: datetime,
    actor: User | None = None,
    granted_at: datetime | None = None,
) -> Qualification:
    """Record that ``user`` may annotate ``project`` under ``version`` until ``expires_at``."""
    qualification = Qualification(
        user_id=user.id,
        project_id=project.id,
        rulebook_version_id=version.id,
        attempt_id=attempt.id if attempt else None,
        granted_at=granted_at or utcnow(),
        expires_at=expires_at,
    )
    session.add(qualification)
    session.flush()
    record_event(
        session,
        "qualification.grant",
        "qualification",
        qualification.id,
        actor=actor or user,
        project_id=project.id,
        details={
            "user": user.username,
            "version": version.version,
            "sha256": version.sha256,
            "expires_at": expires_at,
            "attempt": attempt.id if attempt else None,
        },
    )
    return qualification


def revoke_qualification(
    session: Session, qualification: Qualification, reason: str, *, actor: User | None = None
) -> Qualification:
    """Withdraw a qualification; the annotator must pass the quiz again.

    :raises InvalidInput: no reason given.
    :raises Conflict: it is already revoked.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason for the revocation; it is kept in the transcript."))
    if qualification.revoked_at is not None:
        raise Conflict(_l("This qualification is already revoked."))
    qualification.revoked_at = utcnow()
    qualification.revoked_reason = reason
    qualification.revoked_by_id = actor.id if actor else None
    session.flush()
    record_event(
        session,
        "qualification.revoke",
        "qualification",
        qualification.id,
        actor=actor,
        project_id=qualification.project_id,
        details={
            "user": qualification.user.username,
            "reason": reason,
            "version": qualification.rulebook_version.version,
        },
    )
    return qualification


def allow_retry(
    session: Session,
    user: User,
    module: TrainingModule,
    *,
    project: Project | None = None,
    actor: User | None = None,
    reason: str = "",
) -> None:
    """Let ``user`` try ``module`` again: earlier failures stop counting against the limit."""
    record_event(
        session,
        "training.allow_retry",
        "user",
        user.id,
        actor=actor,
        project_id=project.id if project else None,
        details={
            "user": user.username,
            "module_id": module.id,
            "module": module.key,
            "version": module.version,
            "reason": reason.strip(),
        },
    )


def acknowledge_version(
    session: Session, user: User, project: Project, version: RulebookVersion, sha256: str
) -> Acknowledgement:
    """Sign that ``user`` read ``version`` (its exact text, by sha256) now.

    :raises Conflict: not the current version, text changed since the page was shown, or
        already acknowledged.
    :raises InvalidInput: the user needs training, not an acknowledgement.
    """
    current = current_version(session, project)
    if current is None or current.id != version.id or version.status != VersionStatus.published:
        raise Conflict(
            _l(
                "Version %(version)s is not the current rulebook of %(project)s; reload your "
                "training page.",
                version=version.version,
                project=project.name,
            )
        )
    if sha256 != version.sha256:
        raise Conflict(
            _l(
                "The rulebook text differs from the one you were shown; reload the page "
                "and read it again."
            )
        )
    if (
        session.scalar(
            sa.select(Acknowledgement.id).where(
                Acknowledgement.user_id == user.id,
                Acknowledgement.rulebook_version_id == version.id,
            )
        )
        is not None
    ):
        raise Conflict(
            _l("You have already acknowledged version %(version)s.", version=version.version)
        )
    if active_qualification(session, user, project, version) is None:
        raise InvalidInput(
            _l(
                "You need to pass the training quiz for version %(version)s; an "
                "acknowledgement is not enough.",
                version=version.version,
            )
        )
    acknowledgement = Acknowledgement(
        user_id=user.id,
        rulebook_version_id=version.id,
        sha256=version.sha256,
        acknowledged_at=utcnow(),
    )
    session.add(acknowledgement)
    session.flush()
    record_event(
        session,
        "rulebook.acknowledge",
        "acknowledgement",
        acknowledgement.id,
        actor=user,
        project_id=project.id,
        details={"version": version.version, "sha256": version.sha256},
    )
    return acknowledgement


def record_expiries(session: Session, *, now: datetime | None = None) -> int:
    """Append a ``qualification.expire`` / ``training.expire`` event for every
    qualification or legal-module pass that has lapsed and has none yet. Returns how many."""
    now = now or utcnow()
    noted = {
        (e.action, e.subject_id)
        for e in session.execute(
            sa.select(AuditEvent.action, AuditEvent.subject_id).where(
                AuditEvent.action.in_(["qualification.expire", "training.expire"])
            )
        )
    }
    count = 0
    for qualification in session.scalars(
        sa.select(Qualification)
        .where(Qualification.expires_at <= now, Qualification.revoked_at.is_(None))
        .order_by(Qualification.id)
    ):
        if ("qualification.expire", str(qualification.id)) in noted:
            continue
        record_event(
            session,
            "qualification.expire",
            "qualification",
            qualification.id,
            project_id=qualification.project_id,
            details={
                "user": qualification.user.username,
                "version": qualification.rulebook_version.version,
                "expired_at": qualification.expires_at,
            },
        )
        count += 1
    for module in session.scalars(
        sa.select(TrainingModule).where(TrainingModule.kind == ModuleKind.legal)
    ):
        cutoff = now - timedelta(days=module.validity_days)
        for attempt in session.scalars(
            sa.select(TrainingAttempt)
            .where(
                TrainingAttempt.module_id == module.id,
                TrainingAttempt.passed.is_(True),
                TrainingAttempt.submitted_at <= cutoff,
            )
            .order_by(TrainingAttempt.id)
        ):
            if ("training.expire", str(attempt.id)) in noted:
                continue
            record_event(
                session,
                "training.expire",
                "training_attempt",
                attempt.id,
                details={
                    "user": attempt.user.username,
                    "module": module.key,
                    "expired_at": attempt.submitted_at + timedelta(days=module.validity_days),
                },
            )
            count += 1
    return count
