"""Demo data for rulebooks and training: the sentiment rulebook with its quiz, the legal
module, passed attempts of the demo annotators, and the v2.0.0 draft a manager can publish
to demonstrate re-training."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from annotate.database import Session, utcnow
from annotate.models import Project, RulebookVersion, TrainingModule, User
from annotate.services.training.attempts import submit_attempt
from annotate.services.training.publishing import import_path, publish_with_training


def _take(
    session: Session, user: User, module: TrainingModule, *, days_ago: float, wrong: int = 0
) -> None:
    """Submit the quiz as ``user`` with ``wrong`` deliberately wrong answers."""
    answers = {
        q.key: (q.answer + (1 if i < wrong else 0)) % len(q.choices)
        for i, q in enumerate(module.questions)
    }
    when = utcnow() - timedelta(days=days_ago)
    submit_attempt(
        session,
        user,
        module,
        answers,
        token=uuid.uuid4().hex,
        started_at=when - timedelta(minutes=14),
        now=when,
    )


def seed_rulebook_and_training(
    session: Session, project: Project, guidelines: Path, manager: User, annotators: list[User]
) -> RulebookVersion:
    """Publish sentiment v1.0.0 with its quiz, install the legal module, and let every
    demo annotator pass both (the last one fails the rulebook quiz once first)."""
    result = import_path(session, guidelines / "sentiment" / "v1.0.0.md", project, actor=manager)
    # Published three weeks ago: before the attempts below and the seeded annotations.
    draft = result.versions[0]
    draft.created_at = utcnow() - timedelta(days=21, hours=12)
    version = publish_with_training(
        session, draft, actor=manager, now=utcnow() - timedelta(days=21)
    )
    legal = import_path(session, guidelines / "legal-awareness", None, actor=manager).legal_modules[
        0
    ]
    rulebook_module = session.query(TrainingModule).filter_by(rulebook_version_id=version.id).one()
    for n, user in enumerate(annotators):
        _take(session, user, legal, days_ago=20 - n)
        if n == len(annotators) - 1:
            _take(session, user, rulebook_module, days_ago=19.5 - n, wrong=3)
        _take(session, user, rulebook_module, days_ago=19 - n)
    return version


def import_next_draft(
    session: Session, project: Project, guidelines: Path, manager: User
) -> RulebookVersion:
    """Import sentiment v2.0.0 (a major revision) as a draft, ready to publish from /admin."""
    return import_path(
        session, guidelines / "sentiment" / "v2.0.0.md", project, actor=manager
    ).versions[0]
