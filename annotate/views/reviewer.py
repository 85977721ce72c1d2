"""Pages for QA reviewers: the home listing batches waiting for sampling verification."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.models import Batch, Item, Project, ProjectRole

bp = Blueprint("reviewer", __name__, url_prefix="/review")
bp.before_request(require_role(ProjectRole.reviewer, "admin"))


@bp.route("/")
def index():
    """Batches of the reviewer's projects, with their status and size."""
    project_ids = [m.project_id for m in current_user.memberships
                   if m.role == ProjectRole.reviewer]
    rows = db.session.execute(
        sa.select(Project, Batch, sa.func.count(Item.id))
        .join(Batch, Batch.project_id == Project.id)
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Project.id.in_(project_ids))
        .group_by(Project.id, Batch.id)
        .order_by(Project.name, Batch.imported_at)).all()
    return render_template("reviewer/index.html", rows=rows)
