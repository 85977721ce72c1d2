"""System administration: accounts and project roles (global admins only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.forms.admin import MembershipForm, UserCreateForm
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.models import Project, ProjectRole, User
from annotate.services.accounts.users import add_membership, create_user, get_user
from annotate.services.audit import record_event
from annotate.services.errors import DomainError, NotFound
from annotate.services.projects.projects import get_project

bp = Blueprint("users", __name__, url_prefix="/admin/users")
bp.before_request(require_role("admin"))


@bp.route("/", methods=["GET", "POST"])
def index():
    """List accounts; create one; grant a project role."""
    create_form = UserCreateForm(prefix="new")
    grant_form = MembershipForm(prefix="grant")
    users = list(db.session.scalars(sa.select(User).order_by(User.username)))
    projects = list(db.session.scalars(sa.select(Project).order_by(Project.slug)))
    grant_form.username.choices = [SelectChoice(u.username) for u in users if not u.imported]
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
            add_membership(
                db.session, grantee, project, ProjectRole(grant_form.role.data), actor=current_user
            )
            db.session.commit()
            flash(_("Role granted."), "success")
            return redirect(url_for("users.index"))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    return render_template(
        "users/index.html",
        users=users,
        create_form=create_form,
        grant_form=grant_form,
        end_sessions_form=EmptyForm(),
    ), (200 if not (create_form.errors or grant_form.errors) else 400)


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
