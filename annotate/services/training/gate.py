"""The facts the qualification gate needs, read in one statement, and the clauses of
published rulebook versions, cached because they never change.

:func:`read_gate` fetches in a single query what :func:`~annotate.services.training.qualification.
check_can_annotate` used to read in five (membership and suspension, the current published
version, the newest legal module and the user's last pass of it, the newest active
qualification of the version's major release, the acknowledgement of its exact text).
Nothing here is cached across requests: a suspension, a revoked or expired qualification, a
new version or a lapsed legal pass takes effect on the very next claim or submit.

:func:`published_clauses` caches by version id *and* sha256: a published version's text never
changes (the guard in ``services.rulebooks.guard`` refuses it) and its clauses are parsed from that
text, so the pair names the clauses exactly, in any database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from annotate.database import Session, utcnow
from annotate.models import (
    Acknowledgement,
    Clause,
    Membership,
    ModuleKind,
    ProjectRole,
    Qualification,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
    VersionStatus,
)
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
    """What the gate decides on (one row of :func:`read_gate`)."""

    membership_id: int
    #: Items the queue has handed the annotator in the project so far.
    served: int
    suspended_at: datetime | None
    suspended_reason: str | None
    #: The project's current published version (None: nothing published).
    version: WorkingVersion | None
    #: Validity of the newest legal-awareness module (None: no legal module installed).
    legal_validity_days: int | None
    legal_passed_at: datetime | None
    #: Version of the newest active qualification covering ``version`` (None: none).
    qualified_version_id: int | None
    #: The user acknowledged exactly this text of ``version``.
    acknowledged: bool


@functools.cache
def newest_legal_module() -> sa.Select:
    """SELECT of the newest standing legal-awareness module (the one the gate requires)."""
    return (sa.select(TrainingModule).where(TrainingModule.kind == ModuleKind.legal)
            .order_by(TrainingModule.id.desc()).limit(1))


def covering_qualification(covered: Any, user_id: Any, project_id: Any, rulebook_id: Any,
                           major: Any, now: Any) -> tuple[sa.ColumnElement[bool], ...]:
    """The conditions for a qualification (whose version is ``covered``, joined) to cover a
    version of rulebook ``rulebook_id`` with major ``major``: unrevoked, unexpired, and for
    the same major release (a minor bump needs only an acknowledgement)."""
    return (Qualification.user_id == user_id, Qualification.project_id == project_id,
            Qualification.revoked_at.is_(None), Qualification.expires_at > now,
            covered.rulebook_id == rulebook_id, covered.major == major)


#: The gate statement's parameters (callers adding columns to it use the same ones).
USER_ID, PROJECT_ID = sa.bindparam("user_id"), sa.bindparam("project_id")
NOW = sa.bindparam("now", type_=Qualification.expires_at.type)
#: How many columns of a gate row are the gate's (callers' own columns follow).
GATE_COLUMNS = 12


@functools.cache
def gate_statement(lock: bool) -> sa.Select:
    """The gate query with parameters ``user_id``, ``project_id`` and ``now``; built once (a
    statement costs more to build in Python than PostgreSQL takes to run it). Callers may add
    columns after its :data:`GATE_COLUMNS` (:func:`gate_facts` reads the first ones)."""
    user_id, project_id, now = USER_ID, PROJECT_ID, NOW
    current_id = (newest_published(project_id).with_only_columns(RulebookVersion.id)
                  .scalar_subquery())
    legal_id = newest_legal_module().with_only_columns(TrainingModule.id).scalar_subquery()
    last_pass = (
        sa.select(sa.func.max(TrainingAttempt.submitted_at))
        .where(TrainingAttempt.user_id == user_id, TrainingAttempt.module_id == TrainingModule.id,
               TrainingAttempt.passed.is_(True)).scalar_subquery())
    covered = aliased(RulebookVersion)
    qualified = (
        sa.select(Qualification.rulebook_version_id)
        .join(covered, covered.id == Qualification.rulebook_version_id)
        .where(*covering_qualification(covered, user_id, project_id,
                                       RulebookVersion.rulebook_id, RulebookVersion.major, now))
        .order_by(Qualification.granted_at.desc()).limit(1).scalar_subquery())
    acknowledged = sa.exists().where(Acknowledgement.user_id == user_id,
                                     Acknowledgement.rulebook_version_id == RulebookVersion.id,
                                     Acknowledgement.sha256 == RulebookVersion.sha256)
    statement = (
        sa.select(Membership.id, Membership.served,
                  Membership.suspended_at, Membership.suspended_reason, RulebookVersion.id,
                  RulebookVersion.version, RulebookVersion.title, RulebookVersion.sha256,
                  TrainingModule.validity_days, last_pass.label("legal_passed_at"),
                  qualified.label("qualified_version_id"), acknowledged.label("acknowledged"))
        .select_from(Membership)
        .outerjoin(RulebookVersion, RulebookVersion.id == current_id)
        .outerjoin(TrainingModule, TrainingModule.id == legal_id)
        .where(Membership.user_id == user_id, Membership.project_id == project_id,
               Membership.role == ProjectRole.annotator)
        .limit(1))
    # FOR UPDATE is rendered on PostgreSQL only (SQLite runs one writer at a time anyway).
    return statement.with_for_update(of=Membership) if lock else statement


def read_gate(session: Session, user_id: int, project_id: int, *,
              lock: bool = False) -> GateFacts | None:
    """The gate's facts for an annotator of a project, or None if they are not one.

    ``lock`` (PostgreSQL) also locks the membership row until the transaction ends, so one
    annotator's claims are serialised (two tabs never take two items at once) and its
    ``served`` count is current.
    """
    return gate_facts(session.execute(gate_statement(lock), gate_params(user_id, project_id)
                                      ).first())


def gate_params(user_id: int, project_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The parameters of :func:`gate_statement` (``now``: the time of the check)."""
    return {"user_id": user_id, "project_id": project_id, "now": now or utcnow()}


def gate_facts(row: Any) -> GateFacts | None:
    """The facts in a row of :func:`gate_statement` (None: no row, not an annotator)."""
    if row is None or row[0] is None:
        return None
    version = WorkingVersion(*row[4:8]) if row[4] is not None else None
    return GateFacts(row[0], row[1], row[2], row[3], version, row[8], row[9], row[10],
                     bool(row[11]))


@dataclass(frozen=True)
class ClauseText:
    """A clause of a published version, as the labeling screen shows it."""

    key: str
    title: str
    text: str
    examples: tuple[dict[str, Any], ...]


_CACHE_LIMIT = 256
_clause_cache: dict[tuple[int, str], tuple[ClauseText, ...]] = {}


def published_clauses(session: Session,
                      version: RulebookVersion | WorkingVersion) -> tuple[ClauseText, ...]:
    """The clauses of ``version`` in order; cached once the version is published."""
    key = (version.id, version.sha256)
    cached = _clause_cache.get(key)
    if cached is not None:
        return cached
    clauses = tuple(
        ClauseText(key, title, text, tuple(examples or ()))
        for key, title, text, examples in session.execute(
            sa.select(Clause.key, Clause.title, Clause.text, Clause.examples)
            .where(Clause.version_id == version.id).order_by(Clause.position)))
    if version.status != VersionStatus.draft:
        if len(_clause_cache) >= _CACHE_LIMIT:
            _clause_cache.clear()
        _clause_cache[key] = clauses
    return clauses
