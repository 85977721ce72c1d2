"""Per-project access for views: which projects the signed-in user holds a role in.

The blueprint gates (``annotate.auth.require_role``) admit a user who holds the role in *some*
project; these helpers narrow that to *this* project. Admins see every project.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from annotate.database import db
from annotate.models import Membership, Project, ProjectRole


def visible_projects(role: ProjectRole = ProjectRole.manager) -> list[Project]:
    """Active projects where the current user holds ``role`` (all of them for an admin)."""
    stmt = sa.select(Project).where(Project.archived.is_(False)).order_by(Project.name)
    if not current_user.is_admin:
        stmt = stmt.join(Membership).where(
            Membership.user_id == current_user.id, Membership.role == role
        )
    return list(db.session.scalars(stmt))


def project_for(slug: str, role: ProjectRole = ProjectRole.manager) -> Project:
    """The project ``slug`` if the current user holds ``role`` in it (or is an admin).

    Aborts with 404 for an unknown project and 403 otherwise.
    """
    project = db.first_or_404(sa.select(Project).where(Project.slug == slug))
    if current_user.is_admin:
        return project
    holds = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.project_id == project.id,
            Membership.user_id == current_user.id,
            Membership.role == role,
        )
    )
    if holds is None:
        abort(403)
    return project
