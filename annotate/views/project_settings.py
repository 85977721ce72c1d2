"""A project's settings page (its managers and admins): every setting with what it does and
the basis of its default. The checks live in :mod:`annotate.services.projects.settings`,
the same path ``annotate project set`` takes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.projects import LEVEL_NAMES, put_errors, settings_form
from annotate.models import AuditEvent, ProjectRole
from annotate.services.errors import InvalidInput
from annotate.services.projects.questions import is_form, questions_of
from annotate.services.projects.schema import COLOURS
from annotate.services.projects.settings import (
    GROUPS,
    SETTINGS,
    SettingsError,
    current_settings,
    update_settings,
)
from annotate.services.review.questions import set_review_questions

bp = Blueprint("project_settings", __name__, url_prefix="/admin/projects")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    """Every setting of the project with what it does and the basis of its default."""
    project = project_for(slug, ProjectRole.manager)
    form = settings_form(current_settings(project))
    status = 200
    if form.validate_on_submit():
        changes = {s.key: form[s.key].data for s in SETTINGS}
        try:
            diff = update_settings(db.session, project, changes, actor=current_user)
            db.session.commit()
        except SettingsError as error:
            db.session.rollback()
            put_errors(form, error.fields)
            flash(str(error.args[0]), "danger")
            status = error.status_code
        else:
            if diff:
                flash(_("Settings saved: %(n)d changed.", n=len(diff)), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("project_settings.settings", slug=project.slug))
    elif request.method == "POST":
        status = 400
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.project_id == project.id, AuditEvent.action == "project.settings")
        .order_by(AuditEvent.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "projects/settings.html",
        project=project,
        form=form,
        settings=SETTINGS,
        groups=GROUPS,
        history=history,
        colours=COLOURS,
        level_names=LEVEL_NAMES,
        review_questions=[(q.key, q.title(str(get_locale()))) for q in questions_of(project)]
        if is_form(project)
        else [],
    ), status


@bp.route("/<slug>/settings/review-questions", methods=["POST"])
def review_questions(slug: str):
    """Limit review of a form project to some questions, each with its share (empty: all)."""
    project = project_for(slug, ProjectRole.manager)
    raw = {
        q.key: request.form.get(f"share-{q.key}", "").strip()
        for q in questions_of(project)
        if request.form.get(f"share-{q.key}", "").strip()
    }
    try:
        set_review_questions(db.session, project, raw, actor=current_user)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        message = " ".join([str(error), *map(str, error.problems or [])])
        return render_template(
            "errors/error.html", code=400, title=_("Bad request"), message=message
        ), 400
    flash(_("Review settings saved."), "success")
    return redirect(url_for("project_settings.settings", slug=project.slug))
