"""Create a project from a template: admins and holders of the project-creator permission.
The creator becomes the project's manager. The checks live in
:mod:`annotate.services.projects`; this module puts their messages beside the fields."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_login
from annotate.database import db
from annotate.forms.projects import SPARE_ROWS, ProjectCreateForm, put_errors
from annotate.models import MeasurementLevel, RulebookKind, TaskType
from annotate.services.errors import Conflict, DomainError, InvalidInput
from annotate.services.projects.form_edit import form_text, parse_form_text
from annotate.services.projects.projects import check_slug, create_project, may_create_projects
from annotate.services.projects.schema import COLOURS, SchemaError, check_schema
from annotate.services.projects.templates import TEMPLATES, ProjectTemplate, get_template

bp = Blueprint("project_new", __name__, url_prefix="/admin/new-project")


@bp.before_request
def gate() -> ResponseReturnValue | None:
    """Signed-in admins and project creators only."""
    refused = require_login()
    if refused is not None:
        return refused
    if not may_create_projects(current_user):
        abort(403)
    return None


def _prefill(form: ProjectCreateForm, template: ProjectTemplate) -> None:
    if template.task_type is not None:
        form.task_type.data = template.task_type.value
    form.rulebook_kind.data = template.rulebook_kind.value
    if template.form_schema is not None:
        form.questions.data = form_text(template.form_schema)
    form.measurement_level.data = template.measurement_level.value
    if template.scale:
        form.scale_min.data = str(template.scale["min"])
        form.scale_max.data = str(template.scale["max"])
        form.scale_step.data = str(template.scale["step"])
    for row in template.labels:
        form.labels.append_entry({**row, "color": str(row["color"])})


@bp.route("/")
def choose():
    """The templates a new project can start from."""
    return render_template("projects/choose.html", templates=TEMPLATES.values())


@bp.route("/<template_key>", methods=["GET", "POST"])
def new(template_key: str):
    """Create a project from a template; its creator becomes its manager."""
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
            return redirect(url_for("project_settings.settings", slug=form.slug.data))
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
        if task == TaskType.form:  # several questions: the schema is the YAML text
            schema, level = parse_form_text(form.questions.data or ""), MeasurementLevel.nominal
        else:
            schema, level = check_schema(
                task,
                [entry.data for entry in form.labels.entries],
                {
                    "min": form.scale_min.data,
                    "max": form.scale_max.data,
                    "step": form.scale_step.data,
                },
                form.measurement_level.data,
            )
    except SchemaError as error:
        if task == TaskType.form:  # every problem of every question, beside the text
            form.questions.errors = [*form.questions.errors, *error.fields.values()]
            errors["questions"] = ""
        else:
            errors.update(error.fields)
    if errors:
        put_errors(form, {k: v for k, v in errors.items() if v != ""})
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
        put_errors(form, {"slug": error.args[0]})
        return 409
    flash(_("Project %(name)s created; you are its manager.", name=project.name), "success")
    return 302
