"""System administration: accounts and project roles (global admins only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.forms.admin import MembershipForm, UserCreateForm, UserImportForm
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.labels import label
from annotate.models import Project, ProjectRole, User
from annotate.services.accounts.bulk import Imported, import_users_csv
from annotate.services.accounts.memberships import grant_role
from annotate.services.accounts.users import (
    create_user,
    deactivate_user,
    get_user,
    reactivate_user,
    reset_password,
)
from annotate.services.audit import record_event
from annotate.services.errors import DomainError, NotFound
from annotate.services.projects.projects import get_project, set_project_creator

bp = Blueprint("users", __name__, url_prefix="/admin/users")
bp.before_request(require_role("admin"))


@bp.route("/", methods=["GET", "POST"])
def index():
    """List accounts; create one; grant a project role."""
    create_form = UserCreateForm(prefix="new")
    grant_form = MembershipForm(prefix="grant")
    users = list(db.session.scalars(sa.select(User).order_by(User.username)))
    projects = list(db.session.scalars(sa.select(Project).order_by(Project.slug)))
    grant_form.username.choices = [
        SelectChoice(u.username) for u in users if not u.imported and not u.erased_at
    ]
    grant_form.project.choices = [SelectChoice(p.slug, p.name) for p in projects]
    try:
        if create_form.submit.data and create_form.validate_on_submit():
            user = create_user(
                db.session,
                required_text(create_form.username),
                create_form.password.data,
                display_name=create_form.display_name.data or "",
                is_admin=create_form.is_admin.data,
                actor=current_user,
            )
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("users.index"))
        if grant_form.submit.data and grant_form.validate_on_submit():
            grantee = get_user(db.session, grant_form.username.data)
            if grantee is None:  # the choices held it, but it may have gone since
                raise NotFound(f"No user {grant_form.username.data!r}.")
            project = get_project(db.session, grant_form.project.data)
            role = ProjectRole(grant_form.role.data)
            _membership, created = grant_role(
                db.session, grantee, project, role, actor=current_user
            )
            db.session.commit()
            if created:
                flash(_("Role granted."), "success")
            else:
                flash(_already_had(grantee, role, project), "info")
            return redirect(url_for("users.index"))
    except DomainError as error:
        db.session.rollback()
        form = create_form if create_form.submit.data else grant_form
        form.form_errors.append(str(error))
    return _page(users, create_form, grant_form)


def _already_had(user: User, role: ProjectRole, project: Project) -> str:
    return _(
        "%(name)s already had the role %(role)s in %(project)s; nothing was changed.",
        name=user.username,
        role=label(role),
        project=project.slug,
    )


def _page(
    users: list[User] | None = None,
    create_form: UserCreateForm | None = None,
    grant_form: MembershipForm | None = None,
    *,
    import_form: UserImportForm | None = None,
    issued: list[Imported] | None = None,
    status: int | None = None,
):
    """The users page; 400 when a form on it was refused."""
    if users is None:
        users = list(db.session.scalars(sa.select(User).order_by(User.username)))
    if create_form is None:
        create_form = UserCreateForm(prefix="new", formdata=None)
    if grant_form is None:
        grant_form = MembershipForm(prefix="grant", formdata=None)
        projects = list(db.session.scalars(sa.select(Project).order_by(Project.slug)))
        grant_form.username.choices = [
            SelectChoice(u.username) for u in users if not u.imported and not u.erased_at
        ]
        grant_form.project.choices = [SelectChoice(p.slug, p.name) for p in projects]
    import_form = import_form or UserImportForm(prefix="csv", formdata=None)
    refused = any(f.errors for f in (create_form, grant_form, import_form))
    return render_template(
        "users/index.html",
        users=users,
        create_form=create_form,
        grant_form=grant_form,
        import_form=import_form,
        issued=issued or [],
        button_form=EmptyForm(),
    ), (status or (400 if refused else 200))


def _user(user_id: int) -> User:
    if not EmptyForm().validate_on_submit():
        abort(400)
    return db.get_or_404(User, user_id)


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Deactivate an account: no login, and its sessions and API tokens stop working."""
    user = _user(user_id)
    try:
        changed = deactivate_user(db.session, user, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("users.index"))
    db.session.commit()
    if changed:
        flash(
            _("%(name)s is deactivated and logged out everywhere.", name=user.username), "success"
        )
    else:
        flash(_("%(name)s was already inactive.", name=user.username), "info")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _user(user_id)
    try:
        changed = reactivate_user(db.session, user, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("users.index"))
    db.session.commit()
    if changed:
        flash(_("%(name)s can log in again.", name=user.username), "success")
    else:
        flash(_("%(name)s was already active.", name=user.username), "info")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/project-creator/grant")
def grant_project_creator(user_id: int):
    """Let a user create projects (audited)."""
    return _set_project_creator(user_id, True)


@bp.post("/<int:user_id>/project-creator/revoke")
def revoke_project_creator(user_id: int):
    """Take away a user's permission to create projects (audited)."""
    return _set_project_creator(user_id, False)


def _set_project_creator(user_id: int, allowed: bool):
    user = _user(user_id)
    set_project_creator(db.session, user, allowed, actor=current_user)
    db.session.commit()
    if allowed:
        flash(_("%(name)s may now create projects.", name=user.username), "success")
    else:
        flash(_("%(name)s may no longer create projects.", name=user.username), "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/reset-password")
def reset(user_id: int):
    """Issue a temporary password, shown once on this response (never flashed or stored in
    clear); the user must choose a new one at the next login."""
    user = _user(user_id)
    try:
        password = reset_password(db.session, user, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("users.index"))
    db.session.commit()
    return _page(issued=[Imported(user, password)])


@bp.post("/import")
def import_csv():
    """Create accounts with their project roles from a CSV: all lines or none."""
    form = UserImportForm(prefix="csv")
    if not form.validate_on_submit():
        return _page(import_form=form)
    try:
        created = import_users_csv(db.session, form.file.data.read(), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        problems = getattr(error, "problems", None)
        form.file.errors = [str(error).split("\n")[0], *(problems or [])]
        return _page(import_form=form, status=error.status_code)
    db.session.commit()
    flash(_("Imported %(n)s users.", n=len(created)), "success")
    return _page(issued=created)


@bp.post("/<int:user_id>/sessions/end")
def end_sessions(user_id: int):
    """Log a user out everywhere: every session and remember cookie (audited)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    user.end_sessions()
    record_event(
        db.session,
        "user.sessions_end",
        "user",
        user.id,
        actor=current_user,
    )
    db.session.commit()
    flash(_("%(name)s has been logged out everywhere.", name=user.username), "success")
    return redirect(url_for("users.index"))
