"""Project administration (admins and managers): projects, rulebooks, data."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from annotate.access import visible_projects
from annotate.auth import require_role
from annotate.database import db
from annotate.models import Batch, Item, ProjectRole, RulebookVersion, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/")
def index():
    """Projects with their rulebook versions and batches; system figures for admins."""
    projects = visible_projects()
    ids = [p.id for p in projects]
    batches = db.session.execute(
        sa.select(Batch.project_id, sa.func.count(sa.distinct(Batch.id)), sa.func.count(Item.id))
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id.in_(ids))
        .group_by(Batch.project_id)
    ).all()
    volume = {row[0]: (row[1], row[2]) for row in batches}
    versions = {p.id: [v for rb in p.rulebooks for v in rb.versions] for p in projects}
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    return render_template(
        "admin/index.html",
        projects=projects,
        volume=volume,
        versions=versions,
        users=users,
        RulebookVersion=RulebookVersion,
    )
