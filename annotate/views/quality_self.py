"""Each annotator's own quality page: figures, trend, training status and feedback."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.models import Membership, Project, ProjectRole
from annotate.services.labeling.attention import annotator_status
from annotate.services.quality.annotator import annotator_quality, own_view
from annotate.services.quality.report import ReportOptions, compute_report
from annotate.services.training.gate import manager_names

bp = Blueprint("quality_self", __name__, url_prefix="/annotate/quality")
bp.before_request(require_role(ProjectRole.annotator, "admin"))


def _my_projects() -> list[Project]:
    return list(
        db.session.scalars(
            sa.select(Project)
            .join(Membership)
            .where(
                Membership.user_id == current_user.id,
                Membership.role == ProjectRole.annotator,
                Project.archived.is_(False),
            )
            .order_by(Project.name)
        )
    )


@bp.route("/")
def index():
    """The projects the annotator works in, each linking to their quality page."""
    return render_template("quality/index.html", projects=_my_projects())


@bp.route("/<slug>")
def project(slug: str):
    """The annotator's own figures in one project (404 unless they annotate in it)."""
    found = next((p for p in _my_projects() if p.slug == slug), None)
    if found is None:
        abort(404)
    options = ReportOptions(bootstrap=0, seed=int(current_app.config.get("REPORT_SEED", 0)))
    report = compute_report(db.session, found, options)
    # Gold figures for closed weeks only: an answer given now changes nothing seen now.
    quality = own_view(annotator_quality(db.session, report, current_user), utcnow())
    return render_template(
        "quality/annotator.html",
        project=found,
        quality=quality,
        form=None,
        manager_view=False,
        attention=annotator_status(db.session, found, current_user),
        managers=manager_names(db.session, found.id),
    )
