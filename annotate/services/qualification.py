"""The qualification gate: may this annotator work in this project right now?

One function, :func:`check_can_annotate`, is what the assignment engine calls; it is enforced
in the service, not only by hiding buttons. It raises :class:`NotQualified` whose ``step``
says exactly what the annotator must do next.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from annotate.database import utcnow
from annotate.models import (
    Acknowledgement,
    Membership,
    ModuleKind,
    Project,
    ProjectRole,
    Qualification,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
    User,
)
from annotate.services.errors import PermissionDenied
from annotate.services.rulebooks import current_version


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
    return session.scalar(sa.select(TrainingModule).where(TrainingModule.kind == ModuleKind.legal)
                          .order_by(TrainingModule.id.desc()).limit(1))


def has_valid_legal_training(session: Session, user: User) -> bool:
    """True if no legal module exists or the user passed one within its validity period."""
    module = legal_module(session)
    if module is None:
        return True
    passed = session.scalars(sa.select(TrainingAttempt).where(
        TrainingAttempt.user_id == user.id, TrainingAttempt.module_id == module.id,
        TrainingAttempt.passed.is_(True)).order_by(TrainingAttempt.submitted_at.desc())).first()
    if passed is None:
        return False
    from datetime import timedelta

    return passed.submitted_at + timedelta(days=module.validity_days) > utcnow()


def active_qualification(session: Session, user: User, project: Project,
                         version: RulebookVersion) -> Qualification | None:
    """An unexpired, unrevoked qualification for ``version`` or one covering it.

    A qualification for an earlier version of the same major release still counts (a minor
    bump needs only an acknowledgement); a major bump needs a new qualification.
    """
    now = utcnow()
    candidates = session.scalars(
        sa.select(Qualification).join(RulebookVersion)
        .where(Qualification.user_id == user.id, Qualification.project_id == project.id,
               Qualification.revoked_at.is_(None), Qualification.expires_at > now,
               RulebookVersion.rulebook_id == version.rulebook_id,
               RulebookVersion.major == version.major)
        .order_by(Qualification.granted_at.desc())).all()
    return candidates[0] if candidates else None


def gate_status(session: Session, user: User, project: Project) -> GateStatus:
    """Evaluate the gate without raising (for pages that explain what to do)."""
    try:
        check_can_annotate(session, user, project)
    except NotQualified as refusal:
        return GateStatus(False, refusal.step, str(refusal))
    return GateStatus(True, "work", "")


def check_can_annotate(session: Session, user: User, project: Project) -> RulebookVersion:
    """Return the rulebook version the user will annotate under, or refuse.

    :raises NotQualified: with ``step`` one of ``membership``, ``suspended``, ``no_rulebook``,
        ``legal_training``, ``training`` (take/retake the version's quiz) or ``acknowledge``
        (read and sign a minor revision).
    """
    membership = session.scalar(sa.select(Membership).where(
        Membership.user_id == user.id, Membership.project_id == project.id,
        Membership.role == ProjectRole.annotator))
    if membership is None:
        raise NotQualified(f"You are not an annotator in {project.name}.", "membership")
    if membership.suspended_at is not None:
        raise NotQualified(
            f"You are suspended in {project.name}: {membership.suspended_reason or ''}".strip(),
            "suspended")
    version = current_version(session, project)
    if version is None:
        raise NotQualified(f"{project.name} has no published rulebook yet.", "no_rulebook")
    if not has_valid_legal_training(session, user):
        raise NotQualified("Complete the legal-awareness training first.", "legal_training",
                           version)
    qualification = active_qualification(session, user, project, version)
    if qualification is None:
        raise NotQualified(
            f"Pass the training quiz for rulebook {version.title} v{version.version} "
            "before annotating.", "training", version)
    if qualification.rulebook_version_id != version.id:
        signed = session.scalar(sa.select(Acknowledgement.id).where(
            Acknowledgement.user_id == user.id, Acknowledgement.rulebook_version_id == version.id,
            Acknowledgement.sha256 == version.sha256))
        if signed is None:
            raise NotQualified(
                f"Rulebook {version.title} changed to v{version.version}: read the change and "
                "acknowledge it.", "acknowledge", version)
    return version
