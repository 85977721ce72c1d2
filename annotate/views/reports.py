"""Pages for managers and compliance officers: the projects they oversee."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.models import Annotation, Item, Membership, Project, ProjectRole

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.before_request(require_role(ProjectRole.manager, "admin"))


def visible_projects() -> list[Project]:
    """Projects the current user manages (all of them for an admin)."""
    stmt = sa.select(Project).where(Project.archived.is_(False)).order_by(Project.name)
    if not current_user.is_admin:
        stmt = stmt.join(Membership).where(Membership.user_id == current_user.id,
                                           Membership.role == ProjectRole.manager)
    return list(db.session.scalars(stmt))


@bp.route("/")
def index():
    """Overview of each managed project: volumes and annotators."""
    rows = []
    for project in visible_projects():
        counts = db.session.execute(
            sa.select(sa.func.count(sa.distinct(Item.id)), sa.func.count(Annotation.id),
                      sa.func.count(sa.distinct(Annotation.annotator_id)))
            .select_from(Item)
            .outerjoin(Annotation, sa.and_(Annotation.item_id == Item.id,
                                           Annotation.is_current.is_(True)))
            .where(Item.project_id == project.id)).one()
        rows.append({"project": project, "items": counts[0], "annotations": counts[1],
                     "annotators": counts[2]})
    return render_template("reports/index.html", rows=rows)
