"""Entry points every visitor may reach: the home redirect, language switch and health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from annotate.auth import home_endpoint
from annotate.database import db
from annotate.forms.common import EmptyForm

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """Send each user to the home of their highest role."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user)))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (saved with the account when logged in)."""
    form = EmptyForm()
    lang = request.form.get("lang", "")
    if form.validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)


@bp.route("/healthz")
def healthz():
    """Liveness and database check for load balancers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
