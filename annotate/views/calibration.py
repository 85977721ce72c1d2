"""Reviewer calibration for managers: each reviewer's agreement with review-gold annotations
(annotations whose verdict was known in advance), mixed blind into the review queues."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.models import Membership, Project, ProjectRole
from annotate.services.review.calibration import calibration_report

bp = Blueprint("calibration", __name__, url_prefix="/review/calibration")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/")
def index():
    """Per managed project: every reviewer's accuracy on review-gold annotations."""
    stmt = sa.select(Project).where(Project.archived.is_(False)).order_by(Project.name)
    if not current_user.is_admin:
        stmt = stmt.join(Membership).where(
            Membership.user_id == current_user.id, Membership.role == ProjectRole.manager
        )
    sections = [
        {"project": project, "rows": calibration_report(db.session, project)}
        for project in db.session.scalars(stmt)
    ]
    return render_template("reviewer/calibration.html", sections=sections)
