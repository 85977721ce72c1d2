"""Each annotator's own quality page: figures, trend, training status and feedback."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db, utcnow
from annotate.models import Membership, Project, ProjectRole
from annotate.services.jobs.kinds import configured_report_options
from annotate.services.labeling.attention import annotator_status
from annotate.services.quality.annotator import annotator_quality, own_view
from annotate.services.quality.snapshots import SYNC_MAX, page_report
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
    # The latest report snapshot (a tiny project's first one is computed now).
    sync_max = int(current_app.config.get("SNAPSHOT_SYNC_MAX", SYNC_MAX))
    stored = page_report(db.session, found, configured_report_options(), sync_max=sync_max)
    db.session.commit()
    if stored is None:
        return render_template(
            "reports/no_snapshot.html", project=found, pending=False, can_recompute=False
        )
    snapshot, report = stored
    # Gold figures for closed weeks only: an answer given now changes nothing seen now.
    quality = own_view(annotator_quality(db.session, report, current_user), utcnow())
    return render_template(
        "quality/annotator.html",
        project=found,
        quality=quality,
        snapshot=snapshot,
        pending=False,
        form=None,
        manager_view=False,
        attention=annotator_status(db.session, found, current_user),
        managers=manager_names(db.session, found.id),
    )
