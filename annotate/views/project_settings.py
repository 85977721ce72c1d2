"""A project's settings page (its managers and admins): every setting with what it does and
the basis of its default. The checks live in :mod:`annotate.services.projects.settings`,
the same path ``annotate project set`` takes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import EmptyForm
from annotate.forms.projects import LEVEL_NAMES, QuestionsForm, put_errors, settings_form
from annotate.models import AuditEvent, Project, ProjectRole
from annotate.services.errors import InvalidInput
from annotate.services.projects.error_types import (
    ErrorTypesError,
    editable_rows,
    save_error_types,
)
from annotate.services.projects.form_edit import form_text, update_questions
from annotate.services.projects.questions import is_form, questions_of
from annotate.services.projects.schema import COLOURS, SchemaError
from annotate.services.projects.settings import (
    GROUPS,
    SETTINGS,
    SettingsError,
    current_settings,
    update_settings,
)
from annotate.services.projects.task_type import workable_task_types
from annotate.services.review.questions import set_review_questions

bp = Blueprint("project_settings", __name__, url_prefix="/admin/projects")
bp.before_request(require_role(ProjectRole.manager, "admin"))


@bp.route("/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    """Every setting of the project with what it does and the basis of its default."""
    project = project_for(slug, ProjectRole.manager)
    form = _settings_form(project)
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
    return _page(project, form, QuestionsForm(questions=_questions_text(project)), status)


def _settings_form(project: Project, **kwargs: Any) -> Any:
    """The settings form offering only the task types the project may take now."""
    task_types = workable_task_types(db.session, project)
    return settings_form(current_settings(project), task_types, **kwargs)


def _questions_text(project: Project) -> str | None:
    return form_text(project.label_schema) if is_form(project) else None


@bp.post("/<slug>/questions")
def questions(slug: str):
    """Replace a form project's questions (checked; limited once items are annotated)."""
    project = project_for(slug, ProjectRole.manager)
    form = QuestionsForm()
    if not is_form(project):
        abort(404)
    if form.validate_on_submit():
        try:
            changed = update_questions(
                db.session, project, form.questions.data or "", actor=current_user
            )
            db.session.commit()
        except SchemaError as error:
            db.session.rollback()
            form.questions.errors = list(error.fields.values())
            flash(_("The questions were not saved: see the messages beside them."), "danger")
            return _page(project, _settings_form(project, formdata=None), form, 400)
        flash(_("Questions saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("project_settings.settings", slug=project.slug) + "#questions")
    return _page(project, _settings_form(project, formdata=None), form, 400)


def _page(project: Project, form: Any, questions_form: QuestionsForm, status: int):
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
        questions_form=questions_form,
        questions=questions_of(project) if is_form(project) else [],
    ), status


#: Most error types one project keeps (the form's rows are counted from the request).
MAX_ERROR_TYPES = 100


def _posted_rows() -> list[dict[str, object]]:
    """The editor's rows from the form; a new row left empty is no row."""
    try:
        count = min(int(request.form.get("rows", "0")), MAX_ERROR_TYPES + 1)
    except ValueError:
        count = 0
    rows = []
    for n in range(max(count, 0)):
        row = {
            "key": request.form.get(f"key-{n}", "").strip(),
            "name": request.form.get(f"name-{n}", "").strip(),
            "name_zh": request.form.get(f"name_zh-{n}", "").strip(),
            "retired": bool(request.form.get(f"retired-{n}")),
            "existing": bool(request.form.get(f"existing-{n}")),
        }
        if row["existing"] or row["key"] or row["name"] or row["name_zh"]:
            rows.append(row)
    return rows


@bp.route("/<slug>/settings/error-types", methods=["GET", "POST"])
def error_types(slug: str):
    """Add, rename (Chinese and English) and retire the project's error types."""
    project = project_for(slug, ProjectRole.manager)
    form = EmptyForm()
    problems: dict[str, object] = {}
    rows: list[dict[str, object]] = [{**r, "existing": True} for r in editable_rows(project)]
    status = 200
    if form.validate_on_submit():
        rows = _posted_rows()
        try:
            changed = save_error_types(db.session, project, rows, actor=current_user)
            db.session.commit()
        except ErrorTypesError as error:
            db.session.rollback()
            problems, status = error.fields, 400
        else:
            flash(_("Error types saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("project_settings.settings", slug=project.slug))
    elif request.method == "POST":
        status = 400
        problems = {"form": _("The form was missing its security token or it expired.")}
    if len(rows) < MAX_ERROR_TYPES and all(r.get("existing") for r in rows):
        rows.append({"key": "", "name": "", "name_zh": "", "retired": False, "existing": False})
    return render_template(
        "projects/error_types.html", project=project, form=form, rows=rows, problems=problems
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
