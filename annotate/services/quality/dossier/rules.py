"""The rules and the training behind them, in full: every rulebook version used in the
period (sanitised rendered text, sha256, change note, clause diff from its predecessor), its
quiz, the legal-awareness module, and per annotator the attempts, qualifications,
acknowledgements and legal-module coverage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from annotate.database import Session
from annotate.markdown import render_markdown
from annotate.models import (
    Acknowledgement,
    Annotation,
    Item,
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
from annotate.services.quality.dossier.period import Period
from annotate.services.rulebooks.diff import VersionDiff, diff_versions


@dataclass
class VersionText:
    """A rulebook version as the inspector reads it."""

    version: RulebookVersion
    html: Markup
    predecessor: RulebookVersion | None
    diff: VersionDiff | None
    annotations: int


@dataclass
class ModuleText:
    """A training module's reading and its quiz (answers marked)."""

    module: TrainingModule
    html: Markup
    questions: list[dict[str, Any]]


@dataclass
class AnnotatorTraining:
    """One annotator's training record."""

    username: str
    attempts: list[TrainingAttempt] = field(default_factory=list)
    qualifications: list[tuple[str, Qualification]] = field(default_factory=list)
    acknowledgements: list[tuple[str, datetime]] = field(default_factory=list)
    legal_passed_at: datetime | None = None
    legal_valid_until: datetime | None = None


def versions_used(session: Session, project: Project, period: Period) -> list[VersionText]:
    """Versions stamped on annotations of the period, published in it, or in force at its end."""
    done = sa.select(Annotation.rulebook_version_id, sa.func.count()).join(
        Item, Item.id == Annotation.item_id
    )
    done = done.where(Item.project_id == project.id, Annotation.submitted_at < period.end)
    if period.start is not None:
        done = done.where(Annotation.submitted_at >= period.start)
    counts = dict(session.execute(done.group_by(Annotation.rulebook_version_id)).all())
    published = session.scalars(
        sa.select(RulebookVersion)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(Rulebook.project_id == project.id, RulebookVersion.published_at.is_not(None))
        .order_by(RulebookVersion.rulebook_id, RulebookVersion.id)
    ).all()
    before_end = [v for v in published if v.published_at and v.published_at < period.end]
    in_force = {}
    for v in before_end:  # the newest published version of each rulebook at the period's end
        in_force[v.rulebook_id] = v.id
    wanted = {v.id for v in before_end if period.contains(v.published_at)}
    wanted |= set(in_force.values()) | {vid for vid in counts if vid is not None}
    previous: dict[int, RulebookVersion] = {}
    out = []
    for v in published:
        if v.id in wanted:
            prior = previous.get(v.rulebook_id)
            out.append(
                VersionText(
                    v,
                    render_markdown(v.body),
                    prior,
                    diff_versions(prior, v) if prior else None,
                    counts.get(v.id, 0),
                )
            )
        previous[v.rulebook_id] = v
    return out


def _module_text(module: TrainingModule) -> ModuleText:
    questions = []
    for q in module.questions:
        choices = list(q.choices or [])
        questions.append(
            {
                "key": q.key,
                "prompt": q.prompt,
                "choices": [
                    (text, isinstance(q.answer, int) and i == q.answer)
                    for i, text in enumerate(choices)
                ],
                "answer": None if choices else q.answer,
                "clause": q.clause_key,
                "explanation": q.explanation,
            }
        )
    return ModuleText(module, render_markdown(module.body or ""), questions)


def training_modules(
    session: Session, used: list[VersionText], members: list[int]
) -> tuple[list[ModuleText], list[ModuleText]]:
    """The quizzes of the versions used, and the legal-awareness modules (the newest one and
    every one the project's people took)."""
    ids = [v.version.id for v in used]
    quizzes = session.scalars(
        sa.select(TrainingModule)
        .where(TrainingModule.rulebook_version_id.in_(ids))
        .order_by(TrainingModule.id)
    ).all()
    legal = session.scalars(
        sa.select(TrainingModule)
        .where(TrainingModule.kind == ModuleKind.legal)
        .order_by(TrainingModule.id)
    ).all()
    taken = set(
        session.scalars(
            sa.select(TrainingAttempt.module_id).where(TrainingAttempt.user_id.in_(members))
        ).all()
    )
    legal = [m for i, m in enumerate(legal) if m.id in taken or i == len(legal) - 1]
    return [_module_text(m) for m in quizzes], [_module_text(m) for m in legal]


def project_people(session: Session, project: Project, role: ProjectRole) -> list[User]:
    """Members of ``project`` with ``role``, by username."""
    return list(
        session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, Membership.role == role)
            .order_by(User.username)
        )
    )


def annotator_training(
    session: Session, project: Project, period: Period, annotators: list[User]
) -> list[AnnotatorTraining]:
    """Per annotator: attempts in the period, qualifications, acknowledgements, legal pass."""
    ids = [u.id for u in annotators]
    records = {u.id: AnnotatorTraining(u.username) for u in annotators}
    attempts = sa.select(TrainingAttempt).where(
        TrainingAttempt.user_id.in_(ids),
        sa.or_(TrainingAttempt.project_id == project.id, TrainingAttempt.project_id.is_(None)),
        TrainingAttempt.submitted_at < period.end,
    )
    for attempt in session.scalars(attempts.order_by(TrainingAttempt.id)):
        record = records[attempt.user_id]
        if attempt.module.kind == ModuleKind.legal and attempt.passed:
            record.legal_passed_at = attempt.submitted_at
            record.legal_valid_until = attempt.submitted_at + timedelta(
                days=attempt.module.validity_days
            )
        if period.contains(attempt.submitted_at):
            record.attempts.append(attempt)
    quals = session.execute(
        sa.select(Qualification, RulebookVersion.version)
        .join(RulebookVersion, RulebookVersion.id == Qualification.rulebook_version_id)
        .where(
            Qualification.project_id == project.id,
            Qualification.user_id.in_(ids),
            Qualification.granted_at < period.end,
        )
        .order_by(Qualification.id)
    ).all()
    for q, version in quals:
        records[q.user_id].qualifications.append((version, q))
    acks = session.execute(
        sa.select(Acknowledgement.user_id, RulebookVersion.version, Acknowledgement.acknowledged_at)
        .join(RulebookVersion, RulebookVersion.id == Acknowledgement.rulebook_version_id)
        .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
        .where(
            Rulebook.project_id == project.id,
            Acknowledgement.user_id.in_(ids),
            Acknowledgement.acknowledged_at < period.end,
        )
        .order_by(Acknowledgement.id)
    ).all()
    for user_id, version, at in acks:
        records[user_id].acknowledgements.append((version, at))
    return [records[i] for i in ids]
