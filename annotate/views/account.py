"""The signed-in user's own settings: language, time zone, password and API tokens."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from annotate.auth import (
    begin_session,
    check_password,
    hash_password,
    home_endpoint,
    require_login,
)
from annotate.database import db
from annotate.forms.auth import (
    LanguageForm,
    NewPasswordForm,
    PasswordChangeForm,
    TimeZoneForm,
    TokenForm,
)
from annotate.forms.common import EmptyForm, SelectChoice, required_text
from annotate.localtime import time_zone_names
from annotate.services.accounts.tokens import create_token, list_tokens, revoke_token
from annotate.services.accounts.users import set_new_password
from annotate.services.audit import record_event
from annotate.services.errors import DomainError

bp = Blueprint("account", __name__, url_prefix="/account")
bp.before_request(require_login)

#: What a user who must change their password may still reach (and static files: the app's
#: and Bootstrap's, whose endpoints end in ``static``).
_OPEN_WHILE_CHANGING = frozenset(
    {"account.new_password", "auth.logout", "main.set_language", "main.healthz"}
)


@bp.before_app_request
def require_new_password() -> ResponseReturnValue | None:
    """After an administrator's reset, every page sends the user to choose a new password.
    (The JSON API is not a page: its personal tokens are credentials of their own.)"""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _OPEN_WHILE_CHANGING
        and not (request.endpoint or "").endswith("static")
        and request.blueprint != "api"
    ):
        return redirect(url_for("account.new_password"))
    return None


@bp.route("/password/new", methods=["GET", "POST"])
def new_password():
    """Choose a new password: required after an administrator's reset or a bulk import."""
    if not current_user.must_change_password:
        return redirect(url_for("account.settings"))
    form = NewPasswordForm()
    user = current_user._get_current_object()  # begin_session must not get the proxy
    if form.validate_on_submit():
        try:
            set_new_password(db.session, user, required_text(form.new))
        except DomainError as error:
            db.session.rollback()
            form.new.errors = [str(error)]
        else:
            db.session.commit()
            begin_session(user)  # this browser stays logged in, on a new session
            flash(_("Password set. Welcome!"), "success")
            return redirect(url_for(home_endpoint(user)))
    return render_template("account/new_password.html", form=form), 400 if form.errors else 200


@bp.route("/", methods=["GET", "POST"])
def settings():
    """Language, time zone and password change."""
    language_form = LanguageForm(prefix="lang")
    language_form.locale.choices = [SelectChoice("", _("Follow my browser"))] + [
        SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()
    ]
    zone_form = TimeZoneForm(prefix="tz")
    zone_form.time_zone.choices = [SelectChoice("", _("Default (the project's time zone)"))] + [
        SelectChoice(name) for name in time_zone_names()
    ]
    password_form = PasswordChangeForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    new_token = None
    if token_form.submit.data and token_form.validate_on_submit():
        # Shown once, on this response only: it is never stored, flashed or logged.
        _token, new_token = create_token(db.session, current_user, required_text(token_form.name))
        db.session.commit()
        token_form.name.data = ""
    if language_form.submit.data and language_form.validate_on_submit():
        current_user.locale = language_form.locale.data or None
        db.session.commit()
        flash(_("Language saved."), "success")
        return redirect(url_for("account.settings"))
    if zone_form.submit.data and zone_form.validate_on_submit():
        current_user.time_zone = zone_form.time_zone.data or None
        db.session.commit()
        flash(_("Time zone saved."), "success")
        return redirect(url_for("account.settings"))
    if password_form.submit.data and password_form.validate_on_submit():
        if not check_password(current_user, required_text(password_form.current)):
            flash(_("The current password is wrong."), "danger")
        else:
            current_user.password_hash = hash_password(required_text(password_form.new))
            current_user.end_sessions()  # every other session and remember cookie
            record_event(
                db.session, "user.password_change", "user", current_user.id, actor=current_user
            )
            db.session.commit()
            begin_session(current_user._get_current_object())  # not the proxy: login_user keeps it
            flash(_("Password changed. You were logged out everywhere else."), "success")
            return redirect(url_for("account.settings"))
    language_form.locale.data = current_user.locale or ""
    zone_form.time_zone.data = current_user.time_zone or ""
    return render_template(
        "account/settings.html",
        language_form=language_form,
        zone_form=zone_form,
        password_form=password_form,
        token_form=token_form,
        new_token=new_token,
        tokens=list_tokens(db.session, current_user),
        revoke_form=EmptyForm(),
        end_sessions_form=EmptyForm(),
    )


@bp.post("/sessions/end")
def end_sessions():
    """Log out everywhere: every session and remember cookie of the user, this one included."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    current_user.end_sessions()
    record_event(db.session, "user.sessions_end", "user", current_user.id, actor=current_user)
    db.session.commit()
    logout_user()
    flash(_("You have been logged out everywhere."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    """Revoke one of the user's own API tokens."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        revoke_token(db.session, current_user, token_id)
    except DomainError as error:
        abort(error.status_code)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("account.settings"))
