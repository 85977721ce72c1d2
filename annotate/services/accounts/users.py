"""Accounts and memberships."""

from __future__ import annotations

import re

import sqlalchemy as sa

from annotate.auth import hash_password
from annotate.database import Session, utcnow
from annotate.models import Membership, Project, ProjectRole, User
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, InvalidInput

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD_LENGTH = 4


def get_user(session: Session, username: str) -> User | None:
    """Return the user called ``username``, or None."""
    return session.scalar(sa.select(User).where(User.username == username))


def create_user(
    session: Session,
    username: str,
    password: str | None,
    *,
    display_name: str = "",
    is_admin: bool = False,
    imported: bool = False,
    actor: User | None = None,
) -> User:
    """Create an account. ``password`` None makes an account that cannot log in.

    :raises InvalidInput: bad username or a too short password.
    :raises Conflict: the username is taken.
    """
    if not USERNAME_RE.match(username):
        raise InvalidInput(f"Invalid username {username!r}: use 2-64 letters, digits, _ . -")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Password too short: at least {MIN_PASSWORD_LENGTH} characters.")
    if get_user(session, username) is not None:
        raise Conflict(f"User {username!r} already exists.")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password) if password is not None else None,
        is_admin=is_admin,
        imported=imported,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user.create",
        "user",
        user.id,
        actor=actor,
        details={"admin": is_admin, "imported": imported},
    )
    return user


def add_membership(
    session: Session, user: User, project: Project, role: ProjectRole, *, actor: User | None = None
) -> Membership:
    """Give ``user`` a role in ``project`` (idempotent).

    :raises Conflict: the project separates annotators from reviewers and the user already
        holds the other role there (TC260-003).
    """
    existing = {m.role: m for m in user.memberships if m.project_id == project.id}
    if role in existing:
        return existing[role]
    opposite = {
        ProjectRole.annotator: ProjectRole.reviewer,
        ProjectRole.reviewer: ProjectRole.annotator,
    }.get(role)
    if project.separate_roles and opposite in existing:
        raise Conflict(
            f"{user.username} is already {opposite.value} in {project.slug}; "
            "this project does not allow one person to annotate and review."
        )
    membership = Membership(user=user, project=project, role=role)
    session.add(membership)
    session.flush()
    record_event(
        session,
        "membership.grant",
        "user",
        user.id,
        actor=actor,
        project_id=project.id,
        details={"role": role.value},
    )
    return membership


def note_login(session: Session, user: User) -> None:
    """Record a successful login (an audit event)."""
    user.last_login_at = utcnow()
    session.flush()
    record_event(session, "user.login", "user", user.id, actor=user)


def note_failed_login(session: Session, user: User | None) -> None:
    """Record a refused login: on the account when the name is one (the name typed is not
    kept otherwise: it may be someone's password typed in the wrong field)."""
    record_event(session, "user.login_failed", "user", user.id if user else "")
