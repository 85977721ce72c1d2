"""Personal-data rights on the users page (routes of ``users.bp``): a person's export, and
the erasure of their name and free text, confirmed by typing the username."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.database import db
from annotate.forms.admin import ErasureForm
from annotate.forms.common import EmptyForm
from annotate.models import User
from annotate.services.accounts.erasure import check_erasable, erase_user
from annotate.services.accounts.personal_data import export_user
from annotate.services.errors import DomainError
from annotate.views.users import bp


def _page(user: User, form: ErasureForm | None = None, status: int = 200):
    return render_template(
        "users/personal_data.html",
        user=user,
        form=form or ErasureForm(formdata=None),
        button_form=EmptyForm(),
    ), status


@bp.get("/<int:user_id>/personal-data")
def personal_data(user_id: int):
    """A person's data rights: download a copy, or erase it."""
    return _page(db.get_or_404(User, user_id))


@bp.post("/<int:user_id>/personal-data/export")
def export(user_id: int):
    """Download everything held about the person as a ZIP (JSON and CSV); audited."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    out = io.BytesIO()
    export_user(db.session, user, out, actor=current_user)
    db.session.commit()
    out.seek(0)
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"personal-data-{user.id}.zip",
    )


@bp.post("/<int:user_id>/erase")
def erase(user_id: int):
    """Erase the person's data once the username is typed again; audited."""
    user = db.get_or_404(User, user_id)
    form = ErasureForm()
    if not form.validate_on_submit():
        return _page(user, form, 400)
    try:
        check_erasable(db.session, user, actor=current_user)
        result = erase_user(db.session, user, confirm=form.confirm.data or "", actor=current_user)
    except DomainError as error:
        db.session.rollback()
        user = db.get_or_404(User, user_id)
        form.confirm.errors = [str(error)]
        return _page(user, form, error.status_code)
    db.session.commit()
    flash(
        _("The person's data was erased; the account is now %(name)s.", name=result.pseudonym),
        "success",
    )
    return redirect(url_for("users.index"))
