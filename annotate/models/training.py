"""Training: modules and quizzes, attempts, qualifications and acknowledgements."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, str64, timestamp
from annotate.models.enums import ModuleKind

if TYPE_CHECKING:
    from annotate.models.rulebooks import RulebookVersion
    from annotate.models.users import User


class TrainingModule(Model):
    """Reading plus a quiz, for a rulebook version or the standing legal-awareness module."""

    __tablename__ = "training_modules"
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[intpk]
    key: Mapped[str64]
    version: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[ModuleKind]
    #: None for the legal-awareness module, which is not tied to one rulebook.
    rulebook_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rulebook_versions.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The language of ``body`` (the legal module's primary text).
    language: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en")
    #: The legal module's text in other languages: ``{"en"|"zh": {"title", "body", "sha256"}}``
    #: (a rulebook module reads its version's translations).
    translations: Mapped[dict[str, Any] | None]
    pass_mark: Mapped[float] = mapped_column(default=0.8)
    validity_days: Mapped[int] = mapped_column(default=365)
    attempt_limit: Mapped[int | None]
    cooldown_minutes: Mapped[int] = mapped_column(default=0)
    #: Questions drawn for one attempt (None: every question of the pool).
    quiz_length: Mapped[int | None]
    created_at: Mapped[timestamp]

    rulebook_version: Mapped[RulebookVersion | None] = relationship()
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="module", order_by="QuizQuestion.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<TrainingModule {self.key!r} {self.version}>"


class QuizQuestion(Model):
    """A multiple-choice question (or a gold item to label) citing a clause."""

    __tablename__ = "quiz_questions"
    __table_args__ = (sa.UniqueConstraint("module_id", "key"),)

    id: Mapped[intpk]
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_modules.id"), index=True)
    key: Mapped[str64]
    prompt: Mapped[str] = mapped_column(sa.Text)
    choices: Mapped[list[Any]] = mapped_column(default=list)
    #: Index into ``choices``, or the gold label for a gold-item question.
    answer: Mapped[Any] = mapped_column(sa.JSON)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    clause_key: Mapped[str | None] = mapped_column(sa.String(32))
    gold_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("items.id"))
    position: Mapped[int] = mapped_column(default=0)
    #: The question in another language: ``{"zh"|"en": {"prompt", "choices", "explanation"}}``
    #: (choices in the same order as ``choices``); shown when the page is in that language.
    translations: Mapped[dict[str, Any] | None]

    module: Mapped[TrainingModule] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<QuizQuestion {self.key!r} module={self.module_id}>"


class TrainingAttempt(Model):
    """One submitted quiz: the answers, the score and whether it passed."""

    __tablename__ = "training_attempts"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("training_modules.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The one-time token of the quiz form; unique, so a quiz cannot be submitted twice.
    token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    score: Mapped[float]
    passed: Mapped[bool]
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[timestamp]
    #: The seed that drew and shuffled this attempt's questions and choices (None: the
    #: attempt predates shuffling and asked every question in stored order).
    seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: ``[[question key, [choice index shown first, ...]], ...]`` in the order asked.
    question_order: Mapped[list[Any] | None]

    user: Mapped[User] = relationship()
    module: Mapped[TrainingModule] = relationship()

    def __repr__(self) -> str:
        return f"<TrainingAttempt user={self.user_id} module={self.module_id} {self.score:.2f}>"


class Qualification(Model):
    """Permission to annotate: (user, project, rulebook version), granted until it expires."""

    __tablename__ = "qualifications"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    rulebook_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rulebook_versions.id"))
    attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("training_attempts.id"))
    granted_at: Mapped[timestamp]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    rulebook_version: Mapped[RulebookVersion] = relationship()

    def __repr__(self) -> str:
        return f"<Qualification user={self.user_id} version={self.rulebook_version_id}>"


class Acknowledgement(Model):
    """A signed statement that the user read version X (its sha256) at time T."""

    __tablename__ = "acknowledgements"
    __table_args__ = (sa.UniqueConstraint("user_id", "rulebook_version_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    rulebook_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rulebook_versions.id"))
    sha256: Mapped[str64]
    acknowledged_at: Mapped[timestamp]

    def __repr__(self) -> str:
        return f"<Acknowledgement user={self.user_id} version={self.rulebook_version_id}>"
