"""Training: a module per rulebook version (reading + quiz), the legal-awareness module,
quiz attempts with limits and cool-down, and qualifications granted by passing.

Pass mark, attempt limit, cool-down and validity of a rulebook module come from its project
(``Project.training_*``) at the time of the attempt; the legal module carries its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import (
    Item,
    ModuleKind,
    Project,
    QuizQuestion,
    RulebookVersion,
    TrainingAttempt,
    TrainingModule,
    User,
)
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.rulebooks.quizzes import ParsedQuiz
from annotate.services.rulebooks.versions import ParsedRulebook, current_version, parse_rulebook
from annotate.services.training.qualification import (
    grant_qualification,
    passed_until,
    reset_times,
)

#: Gold items of the project added to each rulebook quiz when the version is published.
GOLD_QUESTIONS_PER_QUIZ = 2
#: Legal module defaults when its front matter does not say.
LEGAL_ATTEMPT_LIMIT = 3
LEGAL_COOLDOWN_MINUTES = 60
#: A quiz form older than this is refused on submission (start again).
QUIZ_MAX_MINUTES = 120


@dataclass(frozen=True)
class Policy:
    """The rules of a module's quiz as they apply now."""

    pass_mark: float
    attempt_limit: int | None
    cooldown_minutes: int
    validity_days: int


def policy_for(module: TrainingModule, project: Project | None) -> Policy:
    """Project settings for rulebook modules; the module's own for the legal module."""
    if module.kind == ModuleKind.rulebook and project is not None:
        return Policy(
            project.training_pass_mark,
            project.training_attempt_limit or None,
            project.training_cooldown_minutes,
            project.qualification_validity_days,
        )
    return Policy(
        module.pass_mark, module.attempt_limit, module.cooldown_minutes, module.validity_days
    )


def module_for_version(session: Session, version: RulebookVersion) -> TrainingModule | None:
    """The training module of a rulebook version, if it has one."""
    return session.scalar(
        sa.select(TrainingModule)
        .where(TrainingModule.rulebook_version_id == version.id)
        .order_by(TrainingModule.id)
        .limit(1)
    )


def project_of(module: TrainingModule) -> Project | None:
    """The project a rulebook module belongs to (None for the legal module)."""
    if module.rulebook_version is None:
        return None
    return module.rulebook_version.rulebook.project


def _questions(quiz: ParsedQuiz | None) -> list[QuizQuestion]:
    if quiz is None:
        return []
    return [
        QuizQuestion(
            key=q.key,
            prompt=q.prompt,
            choices=q.choices,
            answer=q.answer,
            explanation=q.explanation,
            clause_key=q.clause,
            position=i,
        )
        for i, q in enumerate(quiz.questions)
    ]


def create_module(
    session: Session, version: RulebookVersion, quiz: ParsedQuiz | None
) -> TrainingModule:
    """Create the training module of ``version`` with the questions of ``quiz``.

    :raises Conflict: the version already has a module.
    """
    if module_for_version(session, version) is not None:
        raise Conflict(f"Rulebook version {version.version} already has a training module.")
    project = version.rulebook.project
    module = TrainingModule(
        key=f"{project.slug}/{version.rulebook.key}"[:64],
        version=version.version,
        kind=ModuleKind.rulebook,
        rulebook_version=version,
        title=version.title,
        pass_mark=quiz.pass_mark if quiz and quiz.pass_mark else project.training_pass_mark,
        validity_days=project.qualification_validity_days,
        attempt_limit=project.training_attempt_limit,
        cooldown_minutes=project.training_cooldown_minutes,
    )
    module.questions = _questions(quiz)
    session.add(module)
    session.flush()
    return module


def _add_gold_questions(
    session: Session, module: TrainingModule, project: Project, count: int
) -> None:
    labels = [label["key"] for label in project.labels]
    if not labels or count <= 0:
        return
    used = {q.gold_item_id for q in module.questions if q.gold_item_id}
    candidates = [
        item
        for item in session.scalars(
            sa.select(Item)
            .where(
                Item.project_id == project.id,
                Item.gold_answer.is_not(None),
                Item.quarantined.is_(False),
            )
            .order_by(Item.id)
        )
        if item.gold_answer in labels and item.id not in used
    ]
    rng = random.Random(module.rulebook_version.sha256 if module.rulebook_version else 0)
    chosen = rng.sample(candidates, min(count, len(candidates)))
    start = len(module.questions)
    for offset, item in enumerate(sorted(chosen, key=lambda i: i.id)):
        text = item.payload.get("text") if isinstance(item.payload, dict) else None
        module.questions.append(
            QuizQuestion(
                key=f"gold-{item.id}",
                prompt=str(text or item.payload),
                choices=labels,
                answer=labels.index(item.gold_answer),
                gold_item_id=item.id,
                clause_key=None,
                explanation=f"This is a gold item: the project's agreed label is "
                f"'{item.gold_answer}'.",
                position=start + offset,
            )
        )
    session.flush()


def ensure_module(
    session: Session, version: RulebookVersion, *, gold_questions: int = GOLD_QUESTIONS_PER_QUIZ
) -> TrainingModule:
    """The version's module (created without a quiz if none was imported), with gold items
    of the project added as questions. Called when the version is published
    (:mod:`annotate.services.training.publishing`)."""
    module = module_for_version(session, version) or create_module(session, version, None)
    _add_gold_questions(session, module, version.rulebook.project, gold_questions)
    return module


def legal_modules(session: Session) -> list[TrainingModule]:
    """Every installed legal-awareness module, newest first."""
    return list(
        session.scalars(
            sa.select(TrainingModule)
            .where(TrainingModule.kind == ModuleKind.legal)
            .order_by(TrainingModule.id.desc())
        )
    )


def install_legal_module(
    session: Session, parsed: ParsedRulebook, quiz: ParsedQuiz, *, actor: User | None = None
) -> TrainingModule:
    """Install the standing legal-awareness module (``kind: legal``) and its quiz.

    :raises Conflict: that version is already installed.
    """
    meta = parsed.front_matter
    key, version = str(meta["id"]), parsed.version
    if (
        session.scalar(
            sa.select(TrainingModule.id).where(
                TrainingModule.key == key, TrainingModule.version == version
            )
        )
        is not None
    ):
        raise Conflict(f"{parsed.source}: training module {key} {version} is already installed.")
    module = TrainingModule(
        key=key,
        version=version,
        kind=ModuleKind.legal,
        title=str(meta["title"])[:200],
        body=parsed.body,
        pass_mark=float(meta.get("pass_mark", 0.8)),
        validity_days=int(meta.get("validity_days", 365)),
        attempt_limit=int(meta.get("attempt_limit", LEGAL_ATTEMPT_LIMIT)),
        cooldown_minutes=int(meta.get("cooldown_minutes", LEGAL_COOLDOWN_MINUTES)),
    )
    module.questions = _questions(quiz)
    session.add(module)
    session.flush()
    record_event(
        session,
        "training.install",
        "training_module",
        module.id,
        actor=actor,
        details={
            "key": key,
            "version": version,
            "questions": len(module.questions),
            "sha256": parsed.sha256,
        },
    )
    return module


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
        return (
            f"You have already passed this quiz; it is valid until {status.passed_until:%Y-%m-%d}."
        )
    if status.reason == "no_questions":
        return "This module has no quiz questions yet; ask your project manager."
    if status.reason == "limit":
        return (
            f"You have used all {status.policy.attempt_limit} attempts. Ask your project "
            "manager to allow another attempt."
        )
    if status.reason == "cooldown" and status.next_attempt_at is not None:
        return (
            f"Please re-read the clauses and try again after "
            f"{status.next_attempt_at:%Y-%m-%d %H:%M} UTC."
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
) -> TrainingAttempt:
    """Grade a submitted quiz, record the attempt and, if passed, grant the qualification.

    :param answers: question key → index of the chosen answer.
    :param token: the one-time token of the quiz form (a second submission is refused).
    :param started_at: when the quiz form was issued (from the signed token).
    :raises Conflict: already submitted, expired, superseded, limit or cool-down reached.
    :raises InvalidInput: a question is unanswered or an answer is out of range.
    """
    # Attempts are counted against the limit and cool-down under a lock on the user's row:
    # concurrent submissions by one user wait for each other and count what came before.
    from annotate.services.locks import lock_row

    user = lock_row(session, user)
    now = now or utcnow()
    earlier = session.scalar(sa.select(TrainingAttempt).where(TrainingAttempt.token == token))
    if earlier is not None:
        raise Conflict("This quiz was already submitted; your result is shown below.")
    if now - started_at > timedelta(minutes=max_minutes):
        raise Conflict(
            f"This quiz expired: it was opened more than {max_minutes} minutes ago. Start it again."
        )
    project = project_of(module)
    if _is_superseded(session, module, project):
        raise Conflict(
            "This quiz belongs to a version that has been replaced; take the "
            "current one from your training page."
        )
    status = attempt_status(session, user, module, project, now=now)
    if not status.can_attempt:
        raise Conflict(refusal_message(status))
    problems, graded, correct = [], {}, 0
    for number, question in enumerate(module.questions, start=1):
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
        raise InvalidInput("Answer every question before submitting.", problems)
    score = correct / len(module.questions)
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


@dataclass(frozen=True)
class ClauseText:
    """A clause to show (from a rulebook version or parsed from the legal module)."""

    key: str
    title: str
    text: str


def module_clauses(module: TrainingModule) -> dict[str, ClauseText]:
    """The clauses a module's questions cite, by key."""
    if module.rulebook_version is not None:
        return {c.key: ClauseText(c.key, c.title, c.text) for c in module.rulebook_version.clauses}
    try:
        parsed = parse_rulebook(module.body, module.key, strict=False)
    except InvalidInput:
        return {}
    return {c.key: ClauseText(c.key, c.title, c.text) for c in parsed.clauses}


def module_text(module: TrainingModule) -> str:
    """The reading of a module: its rulebook version's Markdown or the legal module's."""
    return module.rulebook_version.body if module.rulebook_version else module.body
