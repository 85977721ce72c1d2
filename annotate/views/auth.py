"""Logging in and out."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from annotate.auth import begin_session, burn_password_check, check_password, home_endpoint
from annotate.database import db
from annotate.extensions import limiter
from annotate.forms.auth import LoginForm
from annotate.forms.common import EmptyForm, required_text
from annotate.services.accounts.users import get_user, note_failed_login, note_login
from annotate.throttle import account_key, client_key, failed_login

logger = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _client_limit() -> str:
    return current_app.config["LOGIN_CLIENT_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_account_limit, key_func=account_key, methods=["POST"], deduct_when=failed_login)
@limiter.limit(_client_limit, key_func=client_key, methods=["POST"], deduct_when=failed_login)
def login():
    """The login form; failed attempts are throttled per account and, higher, per client."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        password = required_text(form.password)
        user = get_user(db.session, required_text(form.username).strip())
        if user is None:
            burn_password_check(password)
        if user is not None and user.active and check_password(user, password):
            begin_session(user, remember=form.remember.data)
            note_login(db.session, user)
            db.session.commit()
            logger.info("User %s logged in", user.username)
            return redirect(_safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        note_failed_login(db.session, user)
        db.session.commit()
        flash(_("Unknown username or wrong password."), "danger")
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST with a CSRF token, so no link can log a user out). Ends every session
    and remember cookie of the user, so a copied cookie stops working too."""
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            current_user.end_sessions()
            db.session.commit()
        logout_user()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))
