"""Blueprints, one per role; each module defines ``bp`` and gates it as a whole."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from annotate.views import (
        account,
        admin,
        annotator,
        auth,
        errors,
        main,
        reports,
        reviewer,
        users,
    )

    for module in (main, auth, account, annotator, reviewer, admin, users, reports):
        app.register_blueprint(module.bp)
    errors.init_app(app)
