"""The qualification gate: may this annotator work in this project right now?

:func:`check_can_annotate` (and :func:`working_version`, the same gate for the labeling loop)
is what the assignment engine and the submit call; it is enforced in the service, not only by
hiding buttons. It raises :class:`NotQualified` whose ``step`` says exactly what the annotator
must do next. Its facts are read in one statement (``services/training/gate.py``) on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from annotate.services.errors import Conflict, InvalidInput, PermissionDenied
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.gate import (
    GateFacts,
    WorkingVersion,
    covering_qualification,
    newest_legal_module,
    read_gate,
)


class NotQualified(PermissionDenied):
    """The annotator may not take work; ``step`` names the next thing to do."""

    def __init__(self, message: str, step: str, version: RulebookVersion | None = None) -> None:
        super().__init__(message)
        self.step = step
        self.version = version


@dataclass(frozen=True)
class GateStatus:
    """Why an annotator may or may not work: ``ok`` or a ``step`` and message."""

    ok: bool
    step: str
    message: str


def legal_module(session: Session) -> TrainingModule | None:
    """The newest standing legal-awareness module, if one is installed."""
    return session.scalar(newest_legal_module())


def active_qualification(session: Session, user: User, project: Project,
                         version: RulebookVersion) -> Qualification | None:
    """An unexpired, unrevoked qualification for ``version`` or one covering it.

    A qualification for an earlier version of the same major release still counts (a minor
    bump needs only an acknowledgement); a major bump needs a new qualification.
    """
    return session.scalar(
        sa.select(Qualification).join(RulebookVersion)
        .where(*covering_qualification(RulebookVersion, user.id, project.id,
                                       version.rulebook_id, version.major, utcnow()))
        .order_by(Qualification.granted_at.desc()).limit(1))


def gate_status(session: Session, user: User, project: Project) -> GateStatus:
    """Evaluate the gate without raising (for pages that explain what to do)."""
    try:
        working_version(session, user, project)
    except NotQualified as refusal:
        return GateStatus(False, refusal.step, str(refusal))
    return GateStatus(True, "work", "")


def check_can_annotate(session: Session, user: User, project: Project) -> RulebookVersion:
    """Return the rulebook version the user will annotate under, or refuse.

    :raises NotQualified: with ``step`` one of ``membership``, ``suspended``, ``no_rulebook``,
        ``legal_training``, ``training`` (take/retake the version's quiz) or ``acknowledge``
        (read and sign a minor revision).
    """
    return session.get(RulebookVersion, working_version(session, user, project).id)


def working_version(session: Session, user: User, project: Project) -> WorkingVersion:
    """:func:`check_can_annotate` for the labeling loop: the version as a
    :class:`~annotate.services.training.gate.WorkingVersion`, the gate read in one statement.

    Nothing is cached, so a suspension or a revocation blocks the very next call.

    :raises NotQualified: as :func:`check_can_annotate`.
    """
    return admit(session, read_gate(session, user.id, project.id), project)


def admit(session: Session, facts: GateFacts | None, project: Project) -> WorkingVersion:
    """The gate's decision on ``facts`` (:func:`~annotate.services.training.gate.read_gate`): the
    version to work under, or :class:`NotQualified` with the step to take."""
    if facts is None:
        raise NotQualified(_l("You are not an annotator in %(project)s.", project=project.name),
                           "membership")
    if facts.suspended_at is not None:
        raise NotQualified(
            _l("You are suspended in %(project)s: %(reason)s", project=project.name,
               reason=facts.suspended_reason) if facts.suspended_reason
            else _l("You are suspended in %(project)s.", project=project.name), "suspended")
    version = facts.version
    if version is None:
        raise NotQualified(_l("%(project)s has no published rulebook yet.", project=project.name),
                           "no_rulebook")
    if facts.legal_validity_days is not None and (
            facts.legal_passed_at is None
            or facts.legal_passed_at + timedelta(days=facts.legal_validity_days) <= utcnow()):
        raise NotQualified(_l("Complete the legal-awareness training first."), "legal_training",
                           session.get(RulebookVersion, version.id))
    if facts.qualified_version_id is None:
        raise NotQualified(
            _l("Pass the training quiz for rulebook %(title)s v%(version)s before annotating.",
               title=version.title, version=version.version), "training",
            session.get(RulebookVersion, version.id))
    if facts.qualified_version_id != version.id and not facts.acknowledged:
        raise NotQualified(
            _l("Rulebook %(title)s changed to v%(version)s: read the change and acknowledge it.",
               title=version.title, version=version.version), "acknowledge",
            session.get(RulebookVersion, version.id))
    return version


# --- grants, revocations, retries, acknowledgements, expiries -----------------------------


def passed_until(session: Session, user: User, module: TrainingModule,
                 project: Project | None, *, now: datetime | None = None) -> datetime | None:
    """Until when the user's pass of ``module`` is valid (None: not passed or lapsed).

    For a rulebook module this is the active qualification for exactly its version (a
    manager's revocation ends it); for the legal module, the newest pass plus its validity.
    """
    now = now or utcnow()
    if module.kind == ModuleKind.rulebook:
        if project is None:
            return None
        expires = session.scalar(sa.select(sa.func.max(Qualification.expires_at)).where(
            Qualification.user_id == user.id, Qualification.project_id == project.id,
            Qualification.rulebook_version_id == module.rulebook_version_id,
            Qualification.revoked_at.is_(None), Qualification.expires_at > now))
        return expires
    passed = session.scalar(sa.select(sa.func.max(TrainingAttempt.submitted_at)).where(
        TrainingAttempt.user_id == user.id, TrainingAttempt.module_id == module.id,
        TrainingAttempt.passed.is_(True)))
    if passed is None:
        return None
    until = passed + timedelta(days=module.validity_days)
    return until if until > now else None


def reset_times(session: Session, user: User, module: TrainingModule) -> list[datetime]:
    """Moments after which earlier failures no longer count against the attempt limit:
    the latest pass, each retry a manager allowed, each revocation of the qualification."""
    times = []
    last_pass = session.scalar(sa.select(sa.func.max(TrainingAttempt.submitted_at)).where(
        TrainingAttempt.user_id == user.id, TrainingAttempt.module_id == module.id,
        TrainingAttempt.passed.is_(True)))
    if last_pass is not None:
        times.append(last_pass)
    for event in session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "training.allow_retry", AuditEvent.subject_type == "user",
            AuditEvent.subject_id == str(user.id))):
        if event.details.get("module_id") == module.id:
            times.append(event.created_at)
    if module.rulebook_version_id is not None:
        times.extend(session.scalars(sa.select(Qualification.revoked_at).where(
            Qualification.user_id == user.id,
            Qualification.rulebook_version_id == module.rulebook_version_id,
            Qualification.revoked_at.is_not(None))))
    return times


def grant_qualification(session: Session, user: User, project: Project,
                        version: RulebookVersion, *, attempt: TrainingAttempt | None,
                        expires_at: datetime, actor: User | None = None,
                        granted_at: datetime | None = None) -> Qualification:
    """Record that ``user`` may annotate ``project`` under ``version`` until ``expires_at``."""
    qualification = Qualification(user_id=user.id, project_id=project.id,
                                  rulebook_version_id=version.id,
                                  attempt_id=attempt.id if attempt else None,
                                  granted_at=granted_at or utcnow(), expires_at=expires_at)
    session.add(qualification)
    session.flush()
    record_event(session, "qualification.grant", "qualification", qualification.id,
                 actor=actor or user, project_id=project.id,
                 details={"user": user.username, "version": version.version,
                          "sha256": version.sha256, "expires_at": expires_at,
                          "attempt": attempt.id if attempt else None})
    return qualification


def revoke_qualification(session: Session, qualification: Qualification, reason: str, *,
                         actor: User | None = None) -> Qualification:
    """Withdraw a qualification; the annotator must pass the quiz again.

    :raises InvalidInput: no reason given.
    :raises Conflict: it is already revoked.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason for the revocation; it is kept in the transcript.")
    if qualification.revoked_at is not None:
        raise Conflict("This qualification is already revoked.")
    qualification.revoked_at = utcnow()
    qualification.revoked_reason = reason
    qualification.revoked_by_id = actor.id if actor else None
    session.flush()
    record_event(session, "qualification.revoke", "qualification", qualification.id,
                 actor=actor, project_id=qualification.project_id,
                 details={"user": qualification.user.username, "reason": reason,
                          "version": qualification.rulebook_version.version})
    return qualification


def allow_retry(session: Session, user: User, module: TrainingModule, *,
                project: Project | None = None, actor: User | None = None,
                reason: str = "") -> None:
    """Let ``user`` try ``module`` again: earlier failures stop counting against the limit."""
    record_event(session, "training.allow_retry", "user", user.id, actor=actor,
                 project_id=project.id if project else None,
                 details={"user": user.username, "module_id": module.id,
                          "module": module.key, "version": module.version,
                          "reason": reason.strip()})


def acknowledge_version(session: Session, user: User, project: Project,
                        version: RulebookVersion, sha256: str) -> Acknowledgement:
    """Sign that ``user`` read ``version`` (its exact text, by sha256) now.

    :raises Conflict: not the current version, text changed since the page was shown, or
        already acknowledged.
    :raises InvalidInput: the user needs training, not an acknowledgement.
    """
    current = current_version(session, project)
    if current is None or current.id != version.id or version.status != VersionStatus.published:
        raise Conflict(f"Version {version.version} is not the current rulebook of "
                       f"{project.name}; reload your training page.")
    if sha256 != version.sha256:
        raise Conflict("The rulebook text differs from the one you were shown; reload the page "
                       "and read it again.")
    if session.scalar(sa.select(Acknowledgement.id).where(
            Acknowledgement.user_id == user.id,
            Acknowledgement.rulebook_version_id == version.id)) is not None:
        raise Conflict(f"You have already acknowledged version {version.version}.")
    if active_qualification(session, user, project, version) is None:
        raise InvalidInput(f"You need to pass the training quiz for version {version.version}; "
                           "an acknowledgement is not enough.")
    acknowledgement = Acknowledgement(user_id=user.id, rulebook_version_id=version.id,
                                      sha256=version.sha256, acknowledged_at=utcnow())
    session.add(acknowledgement)
    session.flush()
    record_event(session, "rulebook.acknowledge", "acknowledgement", acknowledgement.id,
                 actor=user, project_id=project.id,
                 details={"version": version.version, "sha256": version.sha256})
    return acknowledgement


def record_expiries(session: Session, *, now: datetime | None = None) -> int:
    """Append a ``qualification.expire`` / ``training.expire`` event for every
    qualification or legal-module pass that has lapsed and has none yet. Returns how many."""
    now = now or utcnow()
    noted = {(e.action, e.subject_id) for e in session.execute(
        sa.select(AuditEvent.action, AuditEvent.subject_id).where(
            AuditEvent.action.in_(["qualification.expire", "training.expire"])))}
    count = 0
    for qualification in session.scalars(sa.select(Qualification).where(
            Qualification.expires_at <= now, Qualification.revoked_at.is_(None))
            .order_by(Qualification.id)):
        if ("qualification.expire", str(qualification.id)) in noted:
            continue
        record_event(session, "qualification.expire", "qualification", qualification.id,
                     project_id=qualification.project_id,
                     details={"user": qualification.user.username,
                              "version": qualification.rulebook_version.version,
                              "expired_at": qualification.expires_at})
        count += 1
    for module in session.scalars(sa.select(TrainingModule).where(
            TrainingModule.kind == ModuleKind.legal)):
        cutoff = now - timedelta(days=module.validity_days)
        for attempt in session.scalars(sa.select(TrainingAttempt).where(
                TrainingAttempt.module_id == module.id, TrainingAttempt.passed.is_(True),
                TrainingAttempt.submitted_at <= cutoff).order_by(TrainingAttempt.id)):
            if ("training.expire", str(attempt.id)) in noted:
                continue
            record_event(session, "training.expire", "training_attempt", attempt.id,
                         details={"user": attempt.user.username, "module": module.key,
                                  "expired_at": attempt.submitted_at
                                  + timedelta(days=module.validity_days)})
            count += 1
    return count
