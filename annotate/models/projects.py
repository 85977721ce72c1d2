"""Projects: the task, its label schema and its quality settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, str64, timestamp
from annotate.models.enums import (
    MeasurementLevel,
    RejectScope,
    RulebookKind,
    SampleMethod,
    TaskType,
)

if TYPE_CHECKING:
    from annotate.models.items import Batch
    from annotate.models.rulebooks import Rulebook
    from annotate.models.users import Membership


class Project(Model):
    """An annotation project. Every threshold is a setting, never hard-coded.

    ``label_schema`` is ``{"labels": [{"key", "name", "hotkey"}...]}`` for label tasks or
    ``{"scale": {"min", "max", "step"}}`` for ratings.
    """

    __tablename__ = "projects"

    id: Mapped[intpk]
    slug: Mapped[str64] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    task_type: Mapped[TaskType]
    label_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    measurement_level: Mapped[MeasurementLevel] = mapped_column(default=MeasurementLevel.nominal)
    rulebook_kind: Mapped[RulebookKind] = mapped_column(default=RulebookKind.functional)
    # assignment
    redundancy_k: Mapped[int] = mapped_column(default=3)
    overlap_share: Mapped[float] = mapped_column(default=0.2)
    gold_rate: Mapped[float] = mapped_column(default=0.05)
    lease_minutes: Mapped[int] = mapped_column(default=30)
    #: How long after submitting an annotator may still change an annotation (undo, history)
    #: while it is not drawn for review; 0 turns editing off.
    edit_window_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    #: TC260-003: nobody is both annotator and reviewer within the project.
    separate_roles: Mapped[bool] = mapped_column(default=True)
    # quality thresholds
    min_alpha: Mapped[float] = mapped_column(default=0.8)
    min_gold_accuracy: Mapped[float] = mapped_column(default=0.95)
    min_review_accuracy: Mapped[float] = mapped_column(default=0.96)
    min_peer_agreement: Mapped[float] = mapped_column(default=0.6)
    min_n_before_judging: Mapped[int] = mapped_column(default=20)
    # sampling
    default_sample_method: Mapped[SampleMethod] = mapped_column(default=SampleMethod.iso2859)
    sample_rate: Mapped[float] = mapped_column(default=0.1)
    aql: Mapped[float] = mapped_column(default=1.0)
    inspection_level: Mapped[str] = mapped_column(sa.String(8), default="II")
    reject_scope: Mapped[RejectScope] = mapped_column(default=RejectScope.failed)
    error_types: Mapped[list[Any]] = mapped_column(default=list)
    #: A form project's questions under review, with the share of sampled annotations in
    #: which each is judged: ``{"harmless_a": 1.0, ...}``; None: every question, always.
    review_questions: Mapped[dict[str, Any] | None]
    # gold promotion and attention checks (issue 17)
    #: Unanimous items with at least this many current annotations are gold candidates.
    gold_candidate_min_k: Mapped[int] = mapped_column(default=3, server_default="3")
    #: Items whose Dawid-Skene posterior of their likeliest answer is above this are too.
    gold_candidate_min_posterior: Mapped[float] = mapped_column(default=0.99, server_default="0.99")
    #: Share of each annotator's queue that is attention checks (0: none).
    attention_rate: Mapped[float] = mapped_column(default=0.0, server_default="0")
    #: Attention checks answered before the thresholds below judge an annotator.
    attention_min_checks: Mapped[int] = mapped_column(default=5, server_default="5")
    attention_warn_below: Mapped[float] = mapped_column(default=0.9, server_default="0.9")
    attention_block_below: Mapped[float] = mapped_column(default=0.7, server_default="0.7")
    #: Exports show the content of items flagged for personal information (Art. 7): off by
    #: default, so their payload is masked; a manager opts in.
    export_personal_info: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # training
    training_pass_mark: Mapped[float] = mapped_column(default=0.8)
    training_attempt_limit: Mapped[int] = mapped_column(default=3)
    training_cooldown_minutes: Mapped[int] = mapped_column(default=60)
    qualification_validity_days: Mapped[int] = mapped_column(default=365)
    #: IANA time zone the dossier shows times in; None means ``Asia/Shanghai``.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    #: Who answers for the project (Art. 8); named on the dossier's first page.
    responsible_person: Mapped[str | None] = mapped_column(sa.String(200))
    #: Show the item's latest model prediction as a pre-filled suggestion (off by default:
    #: suggestions bias annotators; annotations made while on record it).
    show_predictions: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Hand out items with the lowest model score (most uncertain) first.
    order_by_uncertainty: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Erasing a person's data also empties the free text they wrote here (review comments,
    #: flag notes, skip reasons, feedback and supervision reasons). Off keeps that text, e.g.
    #: while it is evidence; the quality records stay either way.
    erase_free_text: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[timestamp]
    archived: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    rulebooks: Mapped[list[Rulebook]] = relationship(back_populates="project")
    batches: Mapped[list[Batch]] = relationship(back_populates="project")

    @property
    def labels(self) -> list[dict[str, Any]]:
        """The label definitions of the schema (empty for rating/text tasks)."""
        return list(self.label_schema.get("labels", []))

    def __repr__(self) -> str:
        return f"<Project {self.slug!r}>"
