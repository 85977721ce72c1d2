"""The audit log (``/admin/audit``): every event, filtered and paginated, with the chain check.

Admins see every event; managers see the events of the projects they manage.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from annotate.access import visible_projects
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import SelectChoice
from annotate.forms.supervision import AuditFilterForm
from annotate.models import AuditEvent, ProjectRole

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/")
def index():
    """Events newest first; filter by action, actor, project and date range."""
    projects = visible_projects()
    form = AuditFilterForm(request.args)
    form.project.choices = [SelectChoice("", "—")] + [
        SelectChoice(p.slug, p.name) for p in projects
    ]
    stmt = sa.select(AuditEvent)
    if not current_user.is_admin:
        stmt = stmt.where(AuditEvent.project_id.in_([p.id for p in projects]))
    if form.validate():
        if form.action.data:
            stmt = stmt.where(AuditEvent.action.startswith(form.action.data.strip()))
        if form.actor.data:
            stmt = stmt.where(AuditEvent.actor_name == form.actor.data.strip())
        if form.project.data:
            chosen = next((p for p in projects if p.slug == form.project.data), None)
            stmt = stmt.where(AuditEvent.project_id == (chosen.id if chosen else -1))
        if form.since.data:
            stmt = stmt.where(
                AuditEvent.created_at >= datetime.combine(form.since.data, time.min, UTC)
            )
        if form.until.data:
            stmt = stmt.where(
                AuditEvent.created_at
                < datetime.combine(form.until.data + timedelta(days=1), time.min, UTC)
            )
    page = db.paginate(stmt.order_by(AuditEvent.id.desc()), per_page=50, error_out=False)
    args = {k: v for k, v in request.args.items() if k != "page"}
    head = db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    names = {p.id: p.slug for p in projects}
    return render_template(
        "audit/index.html", page=page, form=form, args=args, head=head, project_names=names
    )
