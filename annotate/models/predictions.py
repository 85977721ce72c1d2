"""Model predictions: a model version (name + version) per project, and its prediction for
an item (a value of the project's task type, with an optional score)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from annotate.database import Model, intpk, timestamp


class ModelVersion(Model):
    """One version of a model whose predictions were imported into a project."""

    __tablename__ = "model_versions"
    __table_args__ = (sa.UniqueConstraint("project_id", "name", "version"),)

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[str] = mapped_column(sa.String(100))
    #: Where the predictions came from (file and sha256, API upload, Label Studio tasks).
    source: Mapped[str] = mapped_column(sa.String(500), default="")
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    imported_at: Mapped[timestamp]

    @property
    def label(self) -> str:
        """``name version`` as reports show it (the ``model`` scope's id)."""
        return f"{self.name}@{self.version}"

    def __repr__(self) -> str:
        return f"<ModelVersion {self.name!r} {self.version!r} project={self.project_id}>"


class Prediction(Model):
    """A model version's value for one item; at most one per item and model version."""

    __tablename__ = "predictions"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "model_version_id"),
        sa.Index("ix_predictions_model_version_id", "model_version_id"),
    )

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"))
    model_version_id: Mapped[int] = mapped_column(sa.ForeignKey("model_versions.id"))
    #: Typed by the project's task type, checked against its schema like an annotation.
    value: Mapped[Any] = mapped_column(sa.JSON)
    #: The model's confidence in ``value``, 0-1 (None: the model gave none).
    score: Mapped[float | None]
    created_at: Mapped[timestamp]

    def __repr__(self) -> str:
        return f"<Prediction item={self.item_id} model={self.model_version_id}>"
