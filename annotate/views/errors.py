"""Error pages: readable 4xx/5xx pages (JSON for the API), never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)
#: What a 503 for a busy database asks the client to wait, in seconds.
BUSY_RETRY_SECONDS = 5


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Forbidden"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Upload too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong"),
        503: _("Service unavailable"),
    }


def _render(code: int, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": _titles().get(code, str(code)), "message": message}, code
    return render_template(
        "errors/error.html", code=code, title=_titles().get(code, str(code)), message=message
    ), code


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_characters():
    """400 for a query string or form field holding a NUL character: no field takes one, and
    PostgreSQL refuses it in text (a 500 wherever a value reached the database). The answer
    names the field (the API's ``problems`` too, as the import's own checks do)."""
    fields = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES:
        fields += request.form.items(multi=True)
    name = next((k for k, v in fields if "\x00" in k or "\x00" in v), None)
    if name is None:
        return None
    name = name.replace("\x00", "\\u0000")
    message = _("%(field)s: contains a NUL character (code 0), which no field accepts.", field=name)
    if request.path.startswith("/api/"):
        problem = f"{name}: contains a NUL character (\\u0000)"
        return {"error": _titles()[400], "message": message, "problems": [problem]}, 400
    return _render(400, message)


def init_app(app: Flask) -> None:
    """Install the error handlers, and the NUL-character guard every request passes."""
    app.before_request(refuse_nul_characters)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            _(
                "The form was missing its security token or it expired. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        messages = {
            403: _("You do not have the role needed for this page."),
            404: _("There is nothing at this address."),
            429: _("Too many failed attempts. Wait a minute and try again."),
        }
        if error.code in messages:
            return _render(error.code, messages[error.code])
        return _render(error.code, error.description or "")

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):
        # A unique constraint refused a second row: the loser of a race the service's own
        # check could not see (two grants of one role at once). The data is safe; say so.
        from annotate.database import db

        db.session.rollback()
        if not _is_unique_violation(error):
            return unhandled(error)
        return _render(
            409,
            _(
                "Someone else made the same change at the same moment; it was kept once. "
                "Reload the page to see it."
            ),
        )

    @app.errorhandler(OperationalError)
    def busy_database(error: OperationalError):
        # SQLite has one writer: a long import job holds the lock (the demo runs jobs in the
        # server), and a write that waited out the driver's timeout fails. Nothing was written;
        # say so and when to try again, instead of a 500 page.
        if not _is_busy(error):
            return unhandled(error)  # rolls the session back itself
        from annotate.database import db

        db.session.rollback()
        logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
        message = _(
            "The database is busy with other work, such as an import; nothing was saved. "
            "Try again in a few seconds."
        )
        response = make_response(_render(503, message))
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unhandled(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        from annotate.database import db

        db.session.rollback()
        return _render(500, InternalServerError.description)


def _is_busy(error: OperationalError) -> bool:
    """True when SQLite refused a statement because another connection holds its lock."""
    text = str(error.orig)
    return "database is locked" in text or "database table is locked" in text


def _is_unique_violation(error: IntegrityError) -> bool:
    """True for a unique-constraint violation (PostgreSQL SQLSTATE 23505, SQLite's message)."""
    if getattr(error.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(error.orig)
