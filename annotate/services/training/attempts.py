"""Quiz attempts on training modules: where a user stands with a module (attempts left,
cool-down, why a new attempt is refused) and submitting an attempt, which grades it, records
it and, if passed, grants the qualification.

Attempts are counted under a lock on the user's row, so concurrent submissions by one user
count what came before. Modules and their policy are in
:mod:`annotate.services.training.modules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.localtime import local_text, localdate, reader_locale, user_zone
from annotate.models import ModuleKind, Project, TrainingAttempt, TrainingModule, User
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.locks import lock_row
from annotate.services.rulebooks.versions import current_version
from annotate.services.training.draw import draw, recorded_order, unshuffled
from annotate.services.training.modules import (
    Policy,
    legal_modules,
    policy_for,
    project_of,
)
from annotate.services.training.qualification import (
    grant_qualification,
    passed_until,
    reset_times,
)

#: A quiz form older than this is refused on submission (start again).
QUIZ_MAX_MINUTES = 120


@dataclass(frozen=True)
class AttemptStatus:
    """Where a user stands with one module: passed until, attempts left, when to retry."""

    module: TrainingModule
    policy: Policy
    attempts: list[TrainingAttempt]
    passed_until: datetime | None
    failed_in_window: int
    can_attempt: bool
    reason: str
    next_attempt_at: datetime | None

    @property
    def attempts_left(self) -> int | None:
        """Attempts left before a manager must allow more (None: unlimited)."""
        if self.policy.attempt_limit is None:
            return None
        return max(0, self.policy.attempt_limit - self.failed_in_window)


def _window_start(session: Session, user: User, module: TrainingModule) -> datetime | None:
    """Failures count from the latest pass, manager's retry allowance or revocation."""
    times = [t for t in reset_times(session, user, module)]
    return max(times) if times else None


def attempt_status(
    session: Session,
    user: User,
    module: TrainingModule,
    project: Project | None = None,
    *,
    now: datetime | None = None,
) -> AttemptStatus:
    """Evaluate whether ``user`` may take ``module``'s quiz now, and why not."""
    now = now or utcnow()
    project = project or project_of(module)
    policy = policy_for(module, project)
    attempts = list(
        session.scalars(
            sa.select(TrainingAttempt)
            .where(TrainingAttempt.user_id == user.id, TrainingAttempt.module_id == module.id)
            .order_by(TrainingAttempt.submitted_at)
        )
    )
    until = passed_until(session, user, module, project, now=now)
    start = _window_start(session, user, module)
    failed = [a for a in attempts if not a.passed and (start is None or a.submitted_at > start)]
    reason, next_at, can = "", None, True
    if until is not None:
        can, reason = False, "passed"
    elif not module.questions:
        can, reason = False, "no_questions"
    elif policy.attempt_limit is not None and len(failed) >= policy.attempt_limit:
        can, reason = False, "limit"
    elif failed and policy.cooldown_minutes:
        next_at = failed[-1].submitted_at + timedelta(minutes=policy.cooldown_minutes)
        if next_at > now:
            can, reason = False, "cooldown"
    return AttemptStatus(module, policy, attempts, until, len(failed), can, reason, next_at)


def refusal_message(status: AttemptStatus) -> str:
    """A sentence for the user explaining ``status.reason``."""
    if status.reason == "passed" and status.passed_until is not None:
        return str(
            _l(
                "You have already passed this quiz; it is valid until %(date)s.",
                date=localdate(status.passed_until),
            )
        )
    if status.reason == "no_questions":
        return str(_l("This module has no quiz questions yet; ask your project manager."))
    if status.reason == "limit":
        return str(
            _l(
                "You have used all %(limit)d attempts. Ask your project manager to allow "
                "another attempt.",
                limit=status.policy.attempt_limit or 0,
            )
        )
    if status.reason == "cooldown" and status.next_attempt_at is not None:
        return str(
            _l(
                "Please re-read the clauses and try again after %(time)s (%(zone)s).",
                time=local_text(status.next_attempt_at, user_zone(), reader_locale()),
                zone=user_zone().key,
            )
        )
    return ""


def _is_superseded(session: Session, module: TrainingModule, project: Project | None) -> bool:
    if module.kind == ModuleKind.legal:
        newest = legal_modules(session)
        return bool(newest) and newest[0].id != module.id
    current = current_version(session, project) if project else None
    return current is None or current.id != module.rulebook_version_id


def submit_attempt(
    session: Session,
    user: User,
    module: TrainingModule,
    answers: dict[str, Any],
    *,
    token: str,
    started_at: datetime,
    now: datetime | None = None,
    max_minutes: int = QUIZ_MAX_MINUTES,
    seed: int | None = None,
) -> TrainingAttempt:
    """Grade a submitted quiz, record the attempt and, if passed, grant the qualification.

    :param answers: question key → index of the chosen answer.
    :param token: the one-time token of the quiz form (a second submission is refused).
    :param started_at: when the quiz form was issued (from the signed token).
    :param seed: the seed that drew the questions shown (from the signed token); only those
        are graded, and the seed and order are recorded. None: every question, in order.
    :raises Conflict: already submitted, expired, superseded, limit or cool-down reached.
    :raises InvalidInput: a question is unanswered or an answer is out of range.
    """
    # Attempts are counted against the limit and cool-down under a lock on the user's row:
    # concurrent submissions by one user wait for each other and count what came before.
    user = lock_row(session, user)
    now = now or utcnow()
    earlier = session.scalar(sa.select(TrainingAttempt).where(TrainingAttempt.token == token))
    if earlier is not None:
        raise Conflict(_l("This quiz was already submitted; your result is shown below."))
    if now - started_at > timedelta(minutes=max_minutes):
        raise Conflict(
            _l(
                "This quiz expired: it was opened more than %(n)s minutes ago. Start it again.",
                n=max_minutes,
            )
        )
    project = project_of(module)
    if _is_superseded(session, module, project):
        raise Conflict(
            _l(
                "This quiz belongs to a version that has been replaced; take the "
                "current one from your training page."
            )
        )
    status = attempt_status(session, user, module, project, now=now)
    if not status.can_attempt:
        raise Conflict(refusal_message(status))
    drawn = draw(module, seed) if seed is not None else unshuffled(module)
    problems, graded, correct = [], {}, 0
    for number, question in enumerate((d.question for d in drawn), start=1):
        given = answers.get(question.key)
        try:
            index = int(given) if given is not None and given != "" else None
        except (TypeError, ValueError):
            index = None
        if index is None or not 0 <= index < len(question.choices):
            problems.append(f"Question {number} is not answered.")
            continue
        ok = index == question.answer
        correct += ok
        graded[question.key] = {"given": index, "correct": ok}
    if problems:
        raise InvalidInput(_l("Answer every question before submitting."), problems)
    score = correct / len(drawn)
    passed = score >= status.policy.pass_mark - 1e-9
    attempt = TrainingAttempt(
        user_id=user.id,
        module_id=module.id,
        project_id=project.id if project else None,
        answers={"pass_mark": status.policy.pass_mark, "questions": graded},
        token=token,
        score=score,
        passed=passed,
        started_at=started_at,
        submitted_at=now,
        seed=seed,
        question_order=recorded_order(drawn),
    )
    session.add(attempt)
    session.flush()
    valid_until = now + timedelta(days=status.policy.validity_days) if passed else None
    record_event(
        session,
        "training.attempt",
        "training_attempt",
        attempt.id,
        actor=user,
        project_id=attempt.project_id,
        details={
            "module": module.key,
            "version": module.version,
            "score": round(score, 4),
            "pass_mark": status.policy.pass_mark,
            "passed": passed,
            "attempt": status.failed_in_window + 1,
            "valid_until": valid_until,
        },
    )
    version = module.rulebook_version  # set, as the project is, for a rulebook module
    # valid_until is set exactly when the attempt passed
    if (
        valid_until is not None
        and module.kind == ModuleKind.rulebook
        and version is not None
        and project is not None
    ):
        grant_qualification(
            session, user, project, version, attempt=attempt, expires_at=valid_until, granted_at=now
        )
    return attempt
