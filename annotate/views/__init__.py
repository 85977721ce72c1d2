"""Blueprints, one per role; each module defines ``bp`` and gates it as a whole."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint and the error handlers."""
    from annotate.views import (  # noqa: F401  (routes of rulebooks_admin.bp)
        account,
        admin,
        annotator,
        audit_admin,
        auth,
        errors,
        main,
        quality_self,
        reports,
        reviewer,
        rulebook_drafts,
        rulebook_quiz,
        rulebooks_admin,
        training,
        users,
        users_privacy,  # noqa: F401  (routes of users.bp)
    )

    for module in (
        main,
        auth,
        account,
        annotator,
        reviewer,
        admin,
        users,
        reports,
        training,
        rulebooks_admin,
        quality_self,
        audit_admin,
    ):
        app.register_blueprint(module.bp)
    from annotate.views import calibration, feedback  # sampling verification

    for module in (feedback, calibration):
        app.register_blueprint(module.bp)
    from annotate.views import data_admin  # import, batches, quarantine

    app.register_blueprint(data_admin.bp)
    from annotate.views import project_new, project_settings  # creation and settings

    for module in (project_new, project_settings):
        app.register_blueprint(module.bp)
    from annotate.views import api, api_predictions  # noqa: F401 (JSON API, personal tokens)

    app.register_blueprint(api.bp)
    from annotate.views import members  # a project's members (managers)

    app.register_blueprint(members.bp)
    from annotate.views import jobs  # background jobs: progress, result, retry

    app.register_blueprint(jobs.bp)
    from annotate.views import edits  # undo, history, skipped items taken back

    app.register_blueprint(edits.bp)
    from annotate.views import gold  # gold candidates, attention unblock (managers)

    app.register_blueprint(gold.bp)
    from annotate.views import flags  # prohibited-content flags: confirm, release, void

    app.register_blueprint(flags.bp)
    errors.init_app(app)
