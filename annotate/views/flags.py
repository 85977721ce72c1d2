"""Prohibited-content flags for reviewers and managers: the list, one flag with its item,
and the answers — confirm, release (the item returns to labelling), void the batch.

Reviewers confirm or release; reviewers and managers void the batch of a confirmed item.
Every answer is a CSRF-protected POST, happens once (a second answer is a 409 with nothing
written) and is audited by the service.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_role
from annotate.database import db
from annotate.forms.common import EmptyForm
from annotate.models import Batch, Item, Membership, Project, ProjectRole
from annotate.services.errors import DomainError, InvalidInput
from annotate.services.review.flags import (
    check_flag_reviewer,
    confirm_flag,
    flag_rows,
    get_flag,
    release_flag,
    void_batch,
)

bp = Blueprint("flags", __name__, url_prefix="/flags")
bp.before_request(require_role(ProjectRole.reviewer, ProjectRole.manager, "admin"))

REVIEWERS = (ProjectRole.reviewer,)
DECIDERS = (ProjectRole.reviewer, ProjectRole.manager)


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """A refusal: a clear 4xx page, nothing written."""
    db.session.rollback()
    titles = {400: _("Bad request"), 403: _("Forbidden"), 404: _("Page not found")}
    code = error.status_code
    return render_template(
        "errors/error.html", code=code, title=titles.get(code, _("Conflict")), message=str(error)
    ), code


def _project_ids() -> list[int]:
    stmt = sa.select(Project.id).where(Project.archived.is_(False))
    if not current_user.is_admin:
        stmt = stmt.join(Membership).where(
            Membership.user_id == current_user.id, Membership.role.in_(DECIDERS)
        )
    return list(db.session.scalars(stmt.distinct()))


@bp.route("/")
def index():
    """Prohibited-content flags of the user's projects: open ones first."""
    return render_template("flags/index.html", rows=flag_rows(db.session, _project_ids()))


@bp.route("/<int:flag_id>")
def show(flag_id: int):
    """One flag with its item's content, and the answers the user may give."""
    flag = get_flag(db.session, flag_id)
    project = check_flag_reviewer(db.session, current_user, flag, DECIDERS)
    item = db.session.get_one(Item, flag.item_id)
    roles = set(
        db.session.scalars(
            sa.select(Membership.role).where(
                Membership.project_id == project.id, Membership.user_id == current_user.id
            )
        )
    )
    return render_template(
        "flags/flag.html",
        flag=flag,
        item=item,
        batch=db.session.get_one(Batch, item.batch_id),
        project=project,
        can_answer=current_user.is_admin
        or (ProjectRole.reviewer in roles and flag.user_id != current_user.id),
        form=EmptyForm(),
    )


def _post(flag_id: int, roles: tuple[ProjectRole, ...]):
    flag = get_flag(db.session, flag_id)
    check_flag_reviewer(db.session, current_user, flag, roles)
    if not EmptyForm().validate_on_submit():
        raise InvalidInput(_("The form was missing its security token; reload the page."))
    return flag


@bp.post("/<int:flag_id>/confirm")
def confirm(flag_id: int):
    """The content is prohibited: the item stays quarantined."""
    flag = _post(flag_id, REVIEWERS)
    confirm_flag(db.session, flag, current_user, request.form.get("note", ""))
    db.session.commit()
    flash(_("Flag confirmed: the item stays quarantined."), "success")
    return redirect(url_for("flags.show", flag_id=flag_id), 303)


@bp.post("/<int:flag_id>/release")
def release(flag_id: int):
    """The content is not prohibited: the item returns to labelling."""
    flag = _post(flag_id, REVIEWERS)
    release_flag(db.session, flag, current_user, request.form.get("note", ""))
    db.session.commit()
    flash(_("Flag released: the item is back in the queue."), "success")
    return redirect(url_for("flags.show", flag_id=flag_id), 303)


@bp.post("/<int:flag_id>/void")
def void(flag_id: int):
    """Void the batch of a confirmed prohibited item."""
    flag = _post(flag_id, DECIDERS)
    batch = void_batch(db.session, flag, current_user, request.form.get("reason", ""))
    db.session.commit()
    flash(_("Batch %(batch)s is void.", batch=batch.name), "success")
    return redirect(url_for("flags.show", flag_id=flag_id), 303)
