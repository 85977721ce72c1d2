"""Sampling verification: sample plans, sampled annotations, reviews, batch decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, timestamp
from annotate.models.enums import Decision, SampleMethod, Verdict

if TYPE_CHECKING:
    from annotate.models.annotations import Annotation
    from annotate.models.items import Batch


class SamplePlan(Model):
    """A seeded spot-check of one batch; the seed reproduces the same sample."""

    __tablename__ = "sample_plans"

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    method: Mapped[SampleMethod]
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    lot_size: Mapped[int]
    sample_size: Mapped[int]
    #: Acceptance / rejection numbers (Ac/Re); None when the plan has no such rule.
    accept_number: Mapped[int | None]
    reject_number: Mapped[int | None]
    code_letter: Mapped[str | None] = mapped_column(sa.String(2))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[timestamp]

    batch: Mapped[Batch] = relationship()
    sampled: Mapped[list[SampledAnnotation]] = relationship(
        back_populates="plan", order_by="SampledAnnotation.position"
    )

    def __repr__(self) -> str:
        return f"<SamplePlan {self.method} batch={self.batch_id} n={self.sample_size}>"


class SampledAnnotation(Model):
    """An annotation drawn into a plan (or a review-gold item mixed in for calibration)."""

    __tablename__ = "sampled_annotations"
    __table_args__ = (sa.UniqueConstraint("plan_id", "annotation_id"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("sample_plans.id"), index=True)
    annotation_id: Mapped[int] = mapped_column(sa.ForeignKey("annotations.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: Review-gold: the verdict is known in advance, to calibrate reviewers.
    is_calibration: Mapped[bool] = mapped_column(default=False)
    expected_verdict: Mapped[Verdict | None]
    #: A form project's questions the reviewer judges in this annotation (None: every
    #: question; see :mod:`annotate.services.review.questions`).
    questions: Mapped[list[Any] | None]

    plan: Mapped[SamplePlan] = relationship(back_populates="sampled")
    annotation: Mapped[Annotation] = relationship()
    reviews: Mapped[list[Review]] = relationship(back_populates="sampled_annotation")

    def __repr__(self) -> str:
        return f"<SampledAnnotation plan={self.plan_id} annotation={self.annotation_id}>"


class Review(Model):
    """A reviewer's verdict on a sampled annotation, with the correction and broken clause."""

    __tablename__ = "reviews"
    __table_args__ = (sa.UniqueConstraint("sampled_annotation_id", "reviewer_id"),)

    id: Mapped[intpk]
    sampled_annotation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sampled_annotations.id"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    verdict: Mapped[Verdict]
    corrected_value: Mapped[Any | None] = mapped_column(sa.JSON)
    error_type: Mapped[str | None] = mapped_column(sa.String(100))
    clause_key: Mapped[str | None] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[timestamp]

    sampled_annotation: Mapped[SampledAnnotation] = relationship(back_populates="reviews")
    answers: Mapped[list[ReviewAnswer]] = relationship(
        back_populates="review", order_by="ReviewAnswer.id"
    )

    def __repr__(self) -> str:
        return f"<Review {self.verdict} sampled={self.sampled_annotation_id}>"


class ReviewAnswer(Model):
    """A form project's review, question by question: the verdict on one answer and, when
    it is wrong, the corrected answer. The review's verdict derives from these."""

    __tablename__ = "review_answers"
    __table_args__ = (sa.UniqueConstraint("review_id", "question"),)

    id: Mapped[intpk]
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    question: Mapped[str] = mapped_column(sa.String(64))
    verdict: Mapped[Verdict]
    corrected_value: Mapped[Any | None] = mapped_column(sa.JSON)

    review: Mapped[Review] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<ReviewAnswer {self.question} {self.verdict} review={self.review_id}>"


class BatchDecision(Model):
    """Accept, reject or void a batch; an override of the plan's decision needs a reason."""

    __tablename__ = "batch_decisions"
    #: One decision per plan; a rejected batch is decided again on the next round's plan.
    __table_args__ = (sa.UniqueConstraint("plan_id"),)

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("sample_plans.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    reviewed: Mapped[int]
    defects: Mapped[int]
    plan_decision: Mapped[Decision | None]
    decision: Mapped[Decision]
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[timestamp]

    plan: Mapped[SamplePlan] = relationship()

    def __repr__(self) -> str:
        return f"<BatchDecision {self.decision} batch={self.batch_id}>"
