"""Project memberships: grant and revoke a role (annotator, reviewer, manager), list members.

One path for the members page, the admin's user page and ``annotate member …``. Every change
is audited. Role separation (TC260-003): a project with ``separate_roles`` refuses one person
as both annotator and reviewer. A project keeps at least one manager: revoking the last one is
refused, under a lock on the project row so two managers cannot remove each other at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import Membership, Project, ProjectRole, User
from annotate.services.audit import record_event
from annotate.services.errors import Conflict, NotFound
from annotate.services.locks import lock_row

#: The role each role excludes in a project that separates annotating from reviewing.
OPPOSITE = {
    ProjectRole.annotator: ProjectRole.reviewer,
    ProjectRole.reviewer: ProjectRole.annotator,
}


#: Role names as the interface shows them (the msgids of annotate/labels.py).
ROLE_NAMES = {
    ProjectRole.annotator: _l("annotator"),
    ProjectRole.reviewer: _l("reviewer"),
    ProjectRole.manager: _l("manager"),
}


@dataclass
class Member:
    """One person's roles in one project (for the members page and ``member list``)."""

    user: User
    roles: dict[ProjectRole, Membership] = field(default_factory=dict)


def separation_conflict(project: Project, held: set[ProjectRole], role: ProjectRole) -> str:
    """The reason ``role`` may not join ``held`` in ``project``, or "" if it may."""
    opposite = OPPOSITE.get(role)
    if project.separate_roles and opposite in held:
        return str(
            _l(
                "%(role)s cannot be granted: this person is already %(other)s in %(project)s, "
                "and this project does not allow one person to annotate and review (TC260-003).",
                role=ROLE_NAMES[role],
                other=ROLE_NAMES[opposite] if opposite else "",
                project=project.slug,
            )
        )
    return ""


def grant_role(
    session: Session, user: User, project: Project, role: ProjectRole, *, actor: User | None = None
) -> tuple[Membership, bool]:
    """Give ``user`` ``role`` in ``project``; return the membership and whether it is new.

    A role the user already holds is returned unchanged (``False``) and not audited again.

    :raises Conflict: role separation forbids it.
    """
    # One grant at a time per person: the duplicate check and role separation read what a
    # concurrent grant has committed, and the unique constraint is never raced into a 500.
    user = lock_row(session, user)
    existing = {
        m.role: m
        for m in session.scalars(
            sa.select(Membership).where(
                Membership.user_id == user.id, Membership.project_id == project.id
            )
        )
    }
    if role in existing:
        return existing[role], False
    problem = separation_conflict(project, set(existing), role)
    if problem:
        raise Conflict(problem)
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
    return membership, True


def add_membership(
    session: Session, user: User, project: Project, role: ProjectRole, *, actor: User | None = None
) -> Membership:
    """Give ``user`` a role in ``project`` (idempotent); see :func:`grant_role`."""
    return grant_role(session, user, project, role, actor=actor)[0]


def _managers(session: Session, project: Project) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(Membership.id)).where(
                Membership.project_id == project.id, Membership.role == ProjectRole.manager
            )
        )
        or 0
    )


def revoke_role(
    session: Session,
    user: User,
    project: Project,
    role: ProjectRole | None = None,
    *,
    actor: User | None = None,
) -> list[ProjectRole]:
    """Take ``role`` (every role if None) in ``project`` away from ``user``; return the
    roles revoked. The user's annotations, reviews and training records stay.

    :raises NotFound: the user holds no such role there.
    :raises Conflict: it would leave the project without a manager.
    """
    lock_row(session, project)
    held = list(
        session.scalars(
            sa.select(Membership).where(
                Membership.project_id == project.id, Membership.user_id == user.id
            )
        )
    )
    gone = [m for m in held if role is None or m.role == role]
    if not gone:
        if role is None:
            raise NotFound(
                _l(
                    "%(name)s is not a member of %(project)s.",
                    name=user.username,
                    project=project.slug,
                )
            )
        raise NotFound(
            _l(
                "%(name)s does not hold the role %(role)s in %(project)s.",
                name=user.username,
                role=ROLE_NAMES[role],
                project=project.slug,
            )
        )
    if any(m.role == ProjectRole.manager for m in gone) and _managers(session, project) <= 1:
        raise Conflict(
            _l(
                "%(name)s is the last manager of %(project)s: make someone else manager first.",
                name=user.username,
                project=project.slug,
            )
        )
    for membership in gone:
        if membership in user.memberships:
            user.memberships.remove(membership)
        session.delete(membership)
    session.flush()
    roles = [m.role for m in gone]
    for revoked in roles:
        record_event(
            session,
            "membership.revoke",
            "user",
            user.id,
            actor=actor,
            project_id=project.id,
            details={"role": revoked.value},
        )
    return roles


def list_members(session: Session, project: Project) -> list[Member]:
    """Everyone holding a role in ``project``, by username, with their roles."""
    rows = session.scalars(
        sa.select(Membership)
        .join(User)
        .where(Membership.project_id == project.id)
        .order_by(User.username, Membership.role)
    )
    members: dict[int, Member] = {}
    for membership in rows:
        member = members.setdefault(membership.user_id, Member(membership.user))
        member.roles[membership.role] = membership
    return list(members.values())


def find_user(session: Session, username: str) -> User:
    """The user called ``username``.

    :raises NotFound: there is none.
    """
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(_l("No user %(name)s.", name=username))
    return user
