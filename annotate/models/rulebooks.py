"""Rulebooks, their immutable published versions and numbered clauses."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from annotate.database import Model, intpk, str64, timestamp
from annotate.models.enums import RulebookKind, VersionStatus

if TYPE_CHECKING:
    from annotate.models.projects import Project


class Rulebook(Model):
    """The annotation rules of a project (one per ``key`` within a project)."""

    __tablename__ = "rulebooks"
    __table_args__ = (sa.UniqueConstraint("project_id", "key"),)

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    key: Mapped[str64]
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[RulebookKind] = mapped_column(default=RulebookKind.functional)
    created_at: Mapped[timestamp]

    project: Mapped[Project] = relationship(back_populates="rulebooks")
    versions: Mapped[list[RulebookVersion]] = relationship(
        back_populates="rulebook", order_by="RulebookVersion.id"
    )

    def __repr__(self) -> str:
        return f"<Rulebook {self.key!r} project={self.project_id}>"


class RulebookVersion(Model):
    """One version of a rulebook. Once published it is never changed: edits make a draft."""

    __tablename__ = "rulebook_versions"
    __table_args__ = (sa.UniqueConstraint("rulebook_id", "version"),)

    id: Mapped[intpk]
    rulebook_id: Mapped[int] = mapped_column(sa.ForeignKey("rulebooks.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    major: Mapped[int]
    minor: Mapped[int]
    patch: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(default=VersionStatus.draft)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: The whole Markdown source, front matter included.
    body: Mapped[str] = mapped_column(sa.Text)
    front_matter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sha256: Mapped[str64]
    change_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The language ``body`` is written in (front matter ``language``): the primary text.
    language: Mapped[str] = mapped_column(sa.String(16), default="en", server_default="en")
    #: The same version in other languages, published with it and as immutable:
    #: ``{"en"|"zh": {"title", "body", "change_note", "sha256"}}``. Clauses, labels and
    #: decisions are the primary text's; a translation has the same clause keys and decisions.
    translations: Mapped[dict[str, Any] | None]
    #: A major bump requires re-training; a minor one an acknowledgement.
    requires_retraining: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[timestamp]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None]

    rulebook: Mapped[Rulebook] = relationship(back_populates="versions")
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="version", order_by="Clause.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        """True once the version has been published (it is then immutable)."""
        return self.status != VersionStatus.draft

    def __repr__(self) -> str:
        return f"<RulebookVersion {self.version} rulebook={self.rulebook_id} {self.status}>"


class Clause(Model):
    """A numbered rule (stable key such as ``R3.2``) with examples and counter-examples."""

    __tablename__ = "clauses"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rulebook_versions.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    #: ``[{"kind": "example"|"counter", "text": ...}]``
    examples: Mapped[list[Any]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[RulebookVersion] = relationship(back_populates="clauses")

    def __repr__(self) -> str:
        return f"<Clause {self.key} version={self.version_id}>"
