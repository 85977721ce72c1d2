"""Pages for annotators: the home listing their projects and what is waiting."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.models import Annotation, Batch, BatchStatus, Item, Project, ProjectRole
from annotate.services.rulebooks import current_version

bp = Blueprint("annotator", __name__, url_prefix="/annotate")
bp.before_request(require_role(ProjectRole.annotator, "admin"))


@bp.route("/")
def index():
    """The annotator's projects with their rulebook version and progress."""
    memberships = [m for m in current_user.memberships if m.role == ProjectRole.annotator]
    rows = []
    for membership in sorted(memberships, key=lambda m: m.project.name):
        project: Project = membership.project
        mine = db.session.scalar(sa.select(sa.func.count(Annotation.id)).join(Item).where(
            Item.project_id == project.id, Annotation.annotator_id == current_user.id,
            Annotation.is_current.is_(True)))
        open_items = db.session.scalar(
            sa.select(sa.func.count(Item.id)).join(Batch).where(
                Item.project_id == project.id, Item.quarantined.is_(False),
                Batch.status.in_([BatchStatus.open, BatchStatus.reannotating]),
                Item.annotation_count < project.redundancy_k))
        rows.append({"project": project, "mine": mine, "open": open_items,
                     "version": current_version(db.session, project),
                     "suspended": membership.suspended_at is not None})
    return render_template("annotator/index.html", rows=rows)
