"""Create a project from a template (admins and project creators) and change its settings
(the project's managers). The checks live in :mod:`annotate.services.projects`; this module
puts their messages beside the fields."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_login
from annotate.database import db
from annotate.forms.projects import LEVEL_NAMES, SPARE_ROWS, ProjectCreateForm, settings_form
from annotate.models import AuditEvent, MeasurementLevel, ProjectRole, RulebookKind, TaskType
from annotate.services.errors import Conflict, DomainError, InvalidInput
from annotate.services.projects.projects import check_slug, create_project, may_create_projects
from annotate.services.projects.schema import COLOURS, SchemaError, check_schema
from annotate.services.projects.settings import (
    GROUPS,
    SETTINGS,
    SettingsError,
    current_settings,
    update_settings,
)
from annotate.services.projects.templates import TEMPLATES, ProjectTemplate, get_template

bp = Blueprint("projects", __name__, url_prefix="/admin/projects")
bp.before_request(require_login)


def _put_errors(form: Any, fields: dict[str, Any]) -> None:
    """Attach service messages to the form's fields (``labels-N-field`` to a label row);
    a message without a field goes to ``form.form_errors``."""
    for key, message in fields.items():
        parts = key.split("-")
        target = None
        if parts[0] == "labels" and len(parts) == 3 and parts[1].isdigit():
            entries = form.labels.entries
            if int(parts[1]) < len(entries):
                target = getattr(entries[int(parts[1])].form, parts[2], None)
        elif key != "labels":
            target = getattr(form, key, None)
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


def _prefill(form: ProjectCreateForm, template: ProjectTemplate) -> None:
    if template.task_type is not None:
        form.task_type.data = template.task_type.value
    form.rulebook_kind.data = template.rulebook_kind.value
    form.measurement_level.data = template.measurement_level.value
    if template.scale:
        form.scale_min.data = str(template.scale["min"])
        form.scale_max.data = str(template.scale["max"])
        form.scale_step.data = str(template.scale["step"])
    for row in template.labels:
        form.labels.append_entry({**row, "color": str(row["color"])})


@bp.route("/new")
def choose():
    """The templates a new project can start from."""
    if not may_create_projects(current_user):
        abort(403)
    return render_template("projects/choose.html", templates=TEMPLATES.values())


@bp.route("/new/<template_key>", methods=["GET", "POST"])
def new(template_key: str):
    """Create a project from a template; its creator becomes its manager."""
    if not may_create_projects(current_user):
        abort(403)
    template = get_template(template_key)
    if template is None:
        abort(404)
    form = ProjectCreateForm()
    status = 200
    if request.method == "GET":
        _prefill(form, template)
    for _n in range(SPARE_ROWS if request.method == "GET" or form.more_rows.data else 0):
        if len(form.labels.entries) < (form.labels.max_entries or 40):
            form.labels.append_entry()
    if form.submit.data and form.validate_on_submit():
        status = _create(form)
        if status == 302:
            return redirect(url_for("projects.settings", slug=form.slug.data))
    elif request.method == "POST" and not form.more_rows.data:
        status = 400
    return render_template(
        "projects/new.html", form=form, template=template, colours=COLOURS
    ), status


def _create(form: ProjectCreateForm) -> int:
    """Create the project the form describes; return 302, or 400/409 with messages put."""
    slug = (form.slug.data or "").strip()
    name = (form.name.data or "").strip()
    errors: dict[str, Any] = {}
    if not name:
        errors["name"] = _("Required.")
    try:
        check_slug(db.session, slug)
    except DomainError as error:
        errors["slug"] = error.args[0]
    task = TaskType(form.task_type.data)
    try:
        schema, level = check_schema(
            task,
            [entry.data for entry in form.labels.entries],
            {"min": form.scale_min.data, "max": form.scale_max.data, "step": form.scale_step.data},
            form.measurement_level.data,
        )
    except SchemaError as error:
        errors.update(error.fields)
    if errors:
        _put_errors(form, errors)
        return 409 if set(errors) == {"slug"} and "exists" in str(errors["slug"]) else 400
    kind = RulebookKind(form.rulebook_kind.data)
    template = get_template(request.view_args["template_key"] if request.view_args else "")
    settings = dict(template.settings) if template and kind == template.rulebook_kind else {}
    try:
        project = create_project(
            db.session,
            slug,
            name,
            task,
            label_schema=schema,
            measurement_level=MeasurementLevel(level),
            rulebook_kind=kind,
            description=(form.description.data or "").strip(),
            actor=current_user,
            manager=current_user,
            **settings,
        )
        db.session.commit()
    except (Conflict, InvalidInput) as error:  # a slug taken meanwhile
        db.session.rollback()
        _put_errors(form, {"slug": error.args[0]})
        return 409
    flash(_("Project %(name)s created; you are its manager.", name=project.name), "success")
    return 302


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
            _put_errors(form, error.fields)
            flash(str(error.args[0]), "danger")
            status = error.status_code
        else:
            if diff:
                flash(_("Settings saved: %(n)d changed.", n=len(diff)), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("projects.settings", slug=project.slug))
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
    ), status
