"""Data to annotate: batches (with provenance) and items, plus content flags."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, str64, timestamp
from annotate.models.enums import BatchStatus, FlagKind, GoldSource
from annotate.models.search import install as install_search
from annotate.models.search import search_text_default

if TYPE_CHECKING:
    from annotate.models.projects import Project


def content_key(digest: str) -> int:
    """The 64-bit signed integer of a content hash's first 16 hex digits: the indexed key of
    the duplicate-content lookup (8 bytes instead of 64 characters per index entry keep the
    index of a million items in cache; matches are confirmed on the full hash)."""
    try:
        value = int(digest[:16], 16)
    except ValueError:  # not a hex digest: key its own sha256
        value = int(hashlib.sha256(digest.encode()).hexdigest()[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def _content_key_default(context: Any) -> int:
    return content_key(context.get_current_parameters()["content_hash"])


class Batch(Model):
    """A unit of import and of acceptance sampling; keeps source and licence (Art. 7)."""

    __tablename__ = "batches"
    __table_args__ = (sa.UniqueConstraint("project_id", "name"),)

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(500), default="")
    licence: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[BatchStatus] = mapped_column(default=BatchStatus.open)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[timestamp]
    #: A prohibited-content flag in a security project put the batch under 100 % review:
    #: every draw reviews all annotations, and it is not accepted while a prohibited flag
    #: of its items awaits a reviewer.
    review_all: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    project: Mapped[Project] = relationship(back_populates="batches")
    items: Mapped[list[Item]] = relationship(back_populates="batch")

    def __repr__(self) -> str:
        return f"<Batch {self.name!r} project={self.project_id} {self.status}>"


#: The partial index's conditions as each database's compiler renders the claim's own
#: ``IS true`` / ``IS false`` tests, so the planner matches them term for term.
_NOT_QUARANTINED_PG, _NOT_QUARANTINED_SQLITE = "quarantined IS false", "quarantined IS 0"


class Item(Model):
    """One thing to annotate. Gold items carry a known answer and look like any other."""

    __tablename__ = "items"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "external_id"),
        sa.Index("ix_items_project_id_content_key", "project_id", "content_key"),
        # Keyset pages of a project's items in id order (exports, admin lists).
        sa.Index("ix_items_project_id_id", "project_id", "id"),
        # The assignment engine walks a project's items with a free slot in id order and stops
        # at the first one the annotator may take. Only those items are in this index, so late
        # in a project a claim does not step over every item already done.
        sa.Index(
            "ix_items_free_slot",
            "project_id",
            "id",
            postgresql_where=sa.text(f"has_free_slot IS true AND {_NOT_QUARANTINED_PG}"),
            sqlite_where=sa.text(f"has_free_slot IS 1 AND {_NOT_QUARANTINED_SQLITE}"),
        ),
        # The same items by model uncertainty (projects that order their queue by it).
        sa.Index(
            "ix_items_free_slot_score",
            "project_id",
            "prediction_score",
            "id",
            postgresql_where=sa.text(f"has_free_slot IS true AND {_NOT_QUARANTINED_PG}"),
            sqlite_where=sa.text(f"has_free_slot IS 1 AND {_NOT_QUARANTINED_SQLITE}"),
        ),
    )

    id: Mapped[intpk]
    #: No index of its own: the (project_id, external_id) and (project_id, content_key)
    #: indexes both lead with it, and every extra index slows a million-row import.
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    external_id: Mapped[str] = mapped_column(sa.String(255))
    payload: Mapped[dict[str, Any]]
    #: The payload's text as search tokens (:mod:`annotate.models.search`), set on insert
    #: when not given; the database's full-text index reads it.
    search_text: Mapped[str] = mapped_column(
        sa.Text, default=search_text_default, server_default=""
    )
    content_hash: Mapped[str64]
    #: :func:`content_key` of ``content_hash`` (set on insert when not given).
    content_key: Mapped[int] = mapped_column(sa.BigInteger, default=_content_key_default)
    #: ``none_as_null``: a Python None is SQL NULL (not JSON "null"), so "is gold" is a NULL test.
    gold_answer: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    #: Provenance of ``gold_answer``: imported with the item, or promoted by a manager (who,
    #: when) from annotations that agreed. NULL on items that are not gold.
    gold_source: Mapped[GoldSource | None]
    gold_promoted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    gold_promoted_at: Mapped[datetime | None]
    #: The expected answer of an attention check (an item with an obvious answer, mixed into
    #: every annotator's queue and scored apart from gold); NULL on other items.
    attention_answer: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    #: Art. 7: the item contains personal information.
    has_personal_info: Mapped[bool] = mapped_column(default=False)
    #: Art. 14: flagged items leave every queue and export.
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Annotations currently counted towards the redundancy k (kept in step by the service).
    annotation_count: Mapped[int] = mapped_column(default=0)
    #: ``annotation_count`` is below the item's target (k, or 1 outside the overlap share): the
    #: assignment engine may still hand it out. Written with every change of the count
    #: (``annotate.services.labeling.assignment.slot_change``); the partial index
    #: ``ix_items_free_slot`` holds exactly these items.
    has_free_slot: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: The score of the item's most recently imported model prediction (None: no scored
    #: prediction); a queue ordered by model uncertainty hands out the lowest first.
    prediction_score: Mapped[float | None]
    #: The item's most recently imported model prediction (``model``, ``version``, ``value``,
    #: ``score``), kept here so the labeling screen pre-fills it without a query of its own.
    suggestion: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    created_at: Mapped[timestamp]

    batch: Mapped[Batch] = relationship(back_populates="items")
    flags: Mapped[list[ItemFlag]] = relationship(back_populates="item")

    @property
    def is_gold(self) -> bool:
        """True if the item has a known answer."""
        return self.gold_answer is not None

    @property
    def is_attention_check(self) -> bool:
        """True if the item is an attention check."""
        return self.attention_answer is not None

    def __repr__(self) -> str:
        return f"<Item {self.external_id!r} project={self.project_id}>"


install_search(Item.__table__, Item)


class ItemFlag(Model):
    """An annotator's or reviewer's flag on an item (prohibited content, personal info).

    A prohibited-content flag waits for a reviewer: ``resolution`` is ``confirmed`` (the item
    stays quarantined) or ``released`` (the item goes back to labelling), set once.
    """

    __tablename__ = "item_flags"
    __table_args__ = (
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('confirmed', 'released')", name="resolution"
        ),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[FlagKind]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[timestamp]
    resolved_at: Mapped[datetime | None]
    #: The lease the annotator flagged under: it stays theirs to label (or skip).
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    #: ``confirmed`` or ``released`` by a reviewer (prohibited content); None while open.
    resolution: Mapped[str | None] = mapped_column(sa.String(16))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    item: Mapped[Item] = relationship(back_populates="flags")

    def __repr__(self) -> str:
        return f"<ItemFlag {self.kind} item={self.item_id}>"
