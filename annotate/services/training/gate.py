"""The qualification gate: may this annotator work in this project right now?

Everything the gate is lives here: its SQL (:func:`gate_statement`, one statement), its facts
(:class:`GateFacts`, read from that statement's row by column name) and its decision
(:func:`admit`, which returns the version to work under or raises :class:`NotQualified`
whose ``step`` says what the annotator must do next). The assignment engine and the submit
call it; it is enforced in the service, not only by hiding buttons.

One statement reads what took five (membership and suspension, the current published
version, the newest legal module and the user's last pass of it, the newest active
qualification of the version's major release, the acknowledgement of its exact text).
Nothing is cached across requests: a suspension, a revoked or expired qualification, a new
version or a lapsed legal pass takes effect on the very next claim or submit.

The labeling loop adds its own labelled columns to :func:`gate_statement` (the live lease,
the lease being submitted) so that a claim or a submit reads the gate and its lease in one
statement; :func:`gate_facts` reads the gate's columns by name whatever else the row holds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from annotate.database import Session, utcnow
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
    VersionStatus,
)
from annotate.services.errors import PermissionDenied
from annotate.services.rulebooks.versions import newest_published


@dataclass(frozen=True)
class WorkingVersion:
    """The published rulebook version an annotator works under: what the labeling loop needs
    of it (the ORM object, with its whole Markdown source, is not loaded for that)."""

    id: int
    version: str
    title: str
    sha256: str
    status: VersionStatus = VersionStatus.published


@dataclass(frozen=True)
class GateFacts:
    """What the gate decides on (one row of :func:`gate_statement`)."""

    membership_id: int
    #: Items the queue has handed the annotator in the project so far.
    served: int
    suspended_at: datetime | None
    suspended_reason: str | None
    #: Set while the annotator is blocked for failing attention checks (and why).
    attention_blocked_at: datetime | None
    attention_blocked_reason: str | None
    #: The project's current published version (None: nothing published).
    version: WorkingVersion | None
    #: Validity of the newest legal-awareness module (None: no legal module installed).
    legal_validity_days: int | None
    legal_passed_at: datetime | None
    #: Version of the newest active qualification covering ``version`` (None: none).
    qualified_version_id: int | None
    #: The user acknowledged exactly this text of ``version``.
    acknowledged: bool


class NotQualified(PermissionDenied):
    """The annotator may not take work; ``step`` names the next thing to do: one of
    ``membership``, ``suspended``, ``no_rulebook``, ``legal_training``, ``training`` (take or
    retake the version's quiz) or ``acknowledge`` (read and sign a minor revision)."""

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


# --- the SQL ---------------------------------------------------------------------------------


def covering_qualification(
    covered: Any, user_id: Any, project_id: Any, rulebook_id: Any, major: Any, now: Any
) -> tuple[sa.ColumnElement[bool], ...]:
    """The conditions for a qualification (whose version is ``covered``, joined) to cover a
    version of rulebook ``rulebook_id`` with major ``major``: unrevoked, unexpired, and for
    the same major release (a minor bump needs only an acknowledgement)."""
    return (
        Qualification.user_id == user_id,
        Qualification.project_id == project_id,
        Qualification.revoked_at.is_(None),
        Qualification.expires_at > now,
        covered.rulebook_id == rulebook_id,
        covered.major == major,
    )


#: The gate statement's parameters (callers adding columns to it use the same ones).
USER_ID: sa.BindParameter[Any] = sa.bindparam("user_id")
PROJECT_ID: sa.BindParameter[Any] = sa.bindparam("project_id")
NOW = sa.bindparam("now", type_=Qualification.expires_at.type)


@functools.cache
def gate_statement(lock: bool) -> sa.Select:
    """The gate query with parameters ``user_id``, ``project_id`` and ``now``; built once (a
    statement costs more to build in Python than PostgreSQL takes to run it). Its columns are
    labelled with the names :func:`gate_facts` reads; callers may add their own.

    ``lock`` (rendered on PostgreSQL only; SQLite runs one writer at a time anyway) locks the
    membership row until the transaction ends, so one annotator's claims are serialised (two
    tabs never take two items at once) and its ``served`` count is current.
    """
    user_id, project_id, now = USER_ID, PROJECT_ID, NOW
    current_id = (
        newest_published(project_id).with_only_columns(RulebookVersion.id).scalar_subquery()
    )
    legal_id = (
        sa.select(TrainingModule.id)
        .where(TrainingModule.kind == ModuleKind.legal)
        .order_by(TrainingModule.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_pass = (
        sa.select(sa.func.max(TrainingAttempt.submitted_at))
        .where(
            TrainingAttempt.user_id == user_id,
            TrainingAttempt.module_id == TrainingModule.id,
            TrainingAttempt.passed.is_(True),
        )
        .scalar_subquery()
    )
    covered = aliased(RulebookVersion)
    qualified = (
        sa.select(Qualification.rulebook_version_id)
        .join(covered, covered.id == Qualification.rulebook_version_id)
        .where(
            *covering_qualification(
                covered,
                user_id,
                project_id,
                RulebookVersion.rulebook_id,
                RulebookVersion.major,
                now,
            )
        )
        .order_by(Qualification.granted_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    acknowledged = sa.exists().where(
        Acknowledgement.user_id == user_id,
        Acknowledgement.rulebook_version_id == RulebookVersion.id,
        Acknowledgement.sha256 == RulebookVersion.sha256,
    )
    statement = (
        sa.select(
            Membership.id.label("membership_id"),
            Membership.served,
            Membership.suspended_at,
            Membership.suspended_reason,
            Membership.attention_blocked_at,
            Membership.attention_blocked_reason,
            RulebookVersion.id.label("version_id"),
            RulebookVersion.version,
            RulebookVersion.title.label("version_title"),
            RulebookVersion.sha256.label("version_sha256"),
            TrainingModule.validity_days.label("legal_validity_days"),
            last_pass.label("legal_passed_at"),
            qualified.label("qualified_version_id"),
            acknowledged.label("acknowledged"),
        )
        .select_from(Membership)
        .outerjoin(RulebookVersion, RulebookVersion.id == current_id)
        .outerjoin(TrainingModule, TrainingModule.id == legal_id)
        .where(
            Membership.user_id == user_id,
            Membership.project_id == project_id,
            Membership.role == ProjectRole.annotator,
        )
        .limit(1)
    )
    return statement.with_for_update(of=Membership) if lock else statement


def gate_params(user_id: int, project_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The parameters of :func:`gate_statement` (``now``: the time of the check)."""
    return {"user_id": user_id, "project_id": project_id, "now": now or utcnow()}


# --- the facts -------------------------------------------------------------------------------


def gate_facts(row: sa.Row | None) -> GateFacts | None:
    """The facts in a row holding :func:`gate_statement`'s columns (read by their labels;
    the row may hold others). None: no row, or not an annotator of the project."""
    if row is None:
        return None
    gate = row._mapping
    if gate["membership_id"] is None:
        return None
    version = (
        WorkingVersion(
            gate["version_id"], gate["version"], gate["version_title"], gate["version_sha256"]
        )
        if gate["version_id"] is not None
        else None
    )
    return GateFacts(
        membership_id=gate["membership_id"],
        served=gate["served"],
        suspended_at=gate["suspended_at"],
        suspended_reason=gate["suspended_reason"],
        attention_blocked_at=gate["attention_blocked_at"],
        attention_blocked_reason=gate["attention_blocked_reason"],
        version=version,
        legal_validity_days=gate["legal_validity_days"],
        legal_passed_at=gate["legal_passed_at"],
        qualified_version_id=gate["qualified_version_id"],
        acknowledged=bool(gate["acknowledged"]),
    )


def read_gate(session: Session, user_id: int, project_id: int) -> GateFacts | None:
    """The gate's facts for an annotator of a project, or None if they are not one."""
    return gate_facts(
        session.execute(gate_statement(False), gate_params(user_id, project_id)).first()
    )


# --- the decision ----------------------------------------------------------------------------


def admit(session: Session, facts: GateFacts | None, project: Project) -> WorkingVersion:
    """The gate's decision on ``facts``: the version to work under.

    :raises NotQualified: with the step to take (the version is attached when it helps the
        page say which rulebook to train on).
    """
    if facts is None:
        raise NotQualified(
            _l("You are not an annotator in %(project)s.", project=project.name), "membership"
        )
    if facts.suspended_at is not None:
        raise NotQualified(
            _l(
                "You are suspended in %(project)s: %(reason)s",
                project=project.name,
                reason=facts.suspended_reason,
            )
            if facts.suspended_reason
            else _l("You are suspended in %(project)s.", project=project.name),
            "suspended",
        )
    if facts.attention_blocked_at is not None:
        passed, _, checks = (facts.attention_blocked_reason or "?/?").partition("/")
        raise NotQualified(
            _l(
                "You are blocked in %(project)s: only %(passed)s of your last %(checks)s "
                "attention checks were answered right, below the threshold of %(threshold)s. "
                "A manager of the project can unblock you: %(managers)s.",
                project=project.name,
                passed=passed,
                checks=checks,
                threshold=f"{project.attention_block_below:.0%}",
                managers=", ".join(manager_names(session, project.id)) or "-",
            ),
            "attention_blocked",
        )
    version = facts.version
    if version is None:
        raise NotQualified(
            _l("%(project)s has no published rulebook yet.", project=project.name), "no_rulebook"
        )
    if facts.legal_validity_days is not None and (
        facts.legal_passed_at is None
        or facts.legal_passed_at + timedelta(days=facts.legal_validity_days) <= utcnow()
    ):
        raise NotQualified(
            _l("Complete the legal-awareness training first."),
            "legal_training",
            session.get(RulebookVersion, version.id),
        )
    if facts.qualified_version_id is None:
        raise NotQualified(
            _l(
                "Pass the training quiz for rulebook %(title)s v%(version)s before annotating.",
                title=version.title,
                version=version.version,
            ),
            "training",
            session.get(RulebookVersion, version.id),
        )
    if facts.qualified_version_id != version.id and not facts.acknowledged:
        raise NotQualified(
            _l(
                "Rulebook %(title)s changed to v%(version)s: read the change and acknowledge it.",
                title=version.title,
                version=version.version,
            ),
            "acknowledge",
            session.get(RulebookVersion, version.id),
        )
    return version


def manager_names(session: Session, project_id: int) -> list[str]:
    """Display names (else usernames) of the project's managers: who can unblock."""
    rows = session.execute(
        sa.select(User.display_name, User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id, Membership.role == ProjectRole.manager)
        .order_by(User.username)
    )
    return [display or username for display, username in rows]


def working_version(session: Session, user: User, project: Project) -> WorkingVersion:
    """The rulebook version ``user`` annotates ``project`` under, the gate read now.

    :raises NotQualified: the gate refuses; its ``step`` says what to do next.
    """
    return admit(session, read_gate(session, user.id, project.id), project)


def gate_status(session: Session, user: User, project: Project) -> GateStatus:
    """Evaluate the gate without raising (for pages that explain what to do)."""
    try:
        working_version(session, user, project)
    except NotQualified as refusal:
        return GateStatus(False, refusal.step, str(refusal))
    return GateStatus(True, "work", "")
