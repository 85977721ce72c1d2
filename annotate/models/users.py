"""People and their roles: users, project memberships, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from annotate.database import Model, intpk, str64, timestamp
from annotate.models.enums import ProjectRole

if TYPE_CHECKING:
    from annotate.models.projects import Project


class User(UserMixin, Model):
    """A person who logs in. Keeps no personal data beyond a display name (Art. 11)."""

    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str64] = mapped_column(unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(128), default="")
    #: None for accounts that cannot log in (e.g. annotators imported from Label Studio).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: May create projects (and becomes their manager) without being an admin.
    can_create_projects: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True)
    #: True for accounts created by an import, not by a person.
    imported: Mapped[bool] = mapped_column(default=False)
    #: Preferred interface language ("en", "zh"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    #: IANA time zone pages show times in; None: the project's zone, else ANNOTATE_TIMEZONE.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[timestamp]
    last_login_at: Mapped[datetime | None]
    #: Generation of the user's sessions: it is part of the id Flask-Login keeps in the session
    #: and the remember cookie (``get_id``), so raising it ends every session and remember
    #: cookie issued before (logout, password change, deactivation, "log out everywhere").
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Set by an administrator's password reset or a bulk import (a temporary password):
    #: until the user chooses a new password, every page sends them to the change page.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: When the person's data was erased (PIPL, Art. 11): the username and display name are
    #: then a pseudonym, the account cannot log in, and only the quality records remain.
    erased_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative token: ``"<id>:<session_epoch>"``."""
        return f"{self.id}:{self.session_epoch or 0}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this user (takes effect on flush)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    @validates("active")
    def _deactivation_ends_sessions(self, _key: str, active: bool) -> bool:
        if self.active and not active:
            self.end_sessions()
        return active

    def roles_in(self, project: Project) -> set[ProjectRole]:
        """Return this user's roles in ``project``."""
        return {m.role for m in self.memberships if m.project_id == project.id}

    def has_role(self, role: ProjectRole) -> bool:
        """Return True if the user holds ``role`` in at least one project."""
        return any(m.role == role for m in self.memberships)

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class Membership(Model):
    """A user's role in one project (annotator, reviewer or manager)."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "project_id", "role"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    role: Mapped[ProjectRole]
    created_at: Mapped[timestamp]
    #: Set while supervision has suspended this annotator in this project.
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Items the queue has handed this annotator here (``claim_next``); the gold mix counts
    #: them, without counting the annotator's assignments on every claim.
    served: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Set when the annotator's attention checks fell below the project's block threshold;
    #: the gate refuses work until a manager unblocks them.
    attention_blocked_at: Mapped[datetime | None]
    attention_blocked_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Attention checks count from here (None: from the start); an unblock restarts them.
    attention_since: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships")
    project: Mapped[Project] = relationship(back_populates="memberships")

    def __repr__(self) -> str:
        return f"<Membership user={self.user_id} project={self.project_id} {self.role}>"


class ApiToken(Model):
    """A personal API token; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))
    token_hash: Mapped[str64] = mapped_column(unique=True)
    created_at: Mapped[timestamp]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="api_tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.name!r} user={self.user_id}>"


class RateLimitCounter(Model):
    """A throttle counter (fixed window) when no Redis is configured: every worker sees it."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    #: Unix time at which the window ends and the count starts again from zero.
    expires_at: Mapped[float] = mapped_column(sa.Float)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.key!r} {self.count}>"
