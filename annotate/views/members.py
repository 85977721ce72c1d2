"""A project's members (its managers and admins): add and remove people and roles."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.access import project_for
from annotate.auth import require_role
from annotate.database import db
from annotate.forms.admin import MemberAddForm
from annotate.forms.common import EmptyForm, required_text
from annotate.labels import label
from annotate.models import Project, ProjectRole, User
from annotate.services.accounts.memberships import (
    find_user,
    grant_role,
    list_members,
    revoke_role,
)
from annotate.services.errors import Conflict, DomainError, NotFound

bp = Blueprint("members", __name__, url_prefix="/projects/<slug>/members")
bp.before_request(require_role(ProjectRole.manager, "admin"))


def _page(project: Project, form: MemberAddForm, status: int = 200):
    return render_template(
        "members/index.html",
        project=project,
        members=list_members(db.session, project),
        form=form,
        button_form=EmptyForm(),
        roles=list(ProjectRole),
    ), status


@bp.route("/", methods=["GET", "POST"])
def index(slug: str):
    """Everyone with a role in the project; the form to give someone a role."""
    project = project_for(slug)
    form = MemberAddForm()
    if not form.is_submitted():
        return _page(project, form)
    if not form.validate():
        return _page(project, form, 400)
    role = ProjectRole(form.role.data)
    try:
        user = find_user(db.session, required_text(form.username).strip())
        if not user.active:
            raise Conflict(_("%(name)s is deactivated.", name=user.username))
        _membership, created = grant_role(db.session, user, project, role, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        about_the_person = isinstance(error, NotFound) or not user.active
        (form.username if about_the_person else form.role).errors = [str(error)]
        return _page(project, form, error.status_code)
    db.session.commit()
    if created:
        flash(
            _("%(name)s is now %(role)s.", name=user.username, role=label(role)),
            "success",
        )
    else:
        flash(
            _(
                "%(name)s already had the role %(role)s in %(project)s; nothing was changed.",
                name=user.username,
                role=label(role),
                project=project.slug,
            ),
            "info",
        )
    return redirect(url_for("members.index", slug=project.slug))


def _remove(slug: str, user_id: int, role: ProjectRole | None):
    project = project_for(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    try:
        revoke_role(db.session, user, project, role, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form = MemberAddForm(formdata=None)
        form.form_errors.append(str(error))
        return _page(project, form, error.status_code)
    db.session.commit()
    if role is None:
        flash(_("%(name)s was removed from the project.", name=user.username), "success")
    else:
        flash(
            _("%(name)s is no longer %(role)s.", name=user.username, role=label(role)),
            "success",
        )
    if user.id == current_user.id and not current_user.is_admin and role != ProjectRole.annotator:
        return redirect(url_for("main.index"))
    return redirect(url_for("members.index", slug=project.slug))


@bp.post("/<int:user_id>/roles/<role>/remove")
def remove_role(slug: str, user_id: int, role: str):
    """Take one role away from a member."""
    if role not in ProjectRole.__members__:
        abort(404)
    return _remove(slug, user_id, ProjectRole(role))


@bp.post("/<int:user_id>/remove")
def remove(slug: str, user_id: int):
    """Take every role in the project away from a member."""
    return _remove(slug, user_id, None)
