"""annotate: a data-annotation quality platform. This module holds the app factory only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from annotate.config import Config


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration (e.g. no secret key)."""


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the application.

    With ``config=None`` (deployment) the defaults are overridden by ``instance/config.py``
    and then by ``ANNOTATE_*`` environment variables; an explicit config class or mapping
    (tests, the CLI) skips the environment unless it sets ``LOAD_ENV``.

    :raises ConfigurationError: outside demo and test mode when no secret key is set or it is
        shorter than 32 bytes.
    """
    # Imported here: the app-less commands (``annotate agreement``) import this package
    # through ``annotate.cli`` and never load Flask (start-up time).
    import secrets

    from flask import Flask

    from annotate import security
    from annotate.config import Config, normalise_database_url

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        base = config.get("CONFIG_CLASS")
        if base is not None:
            app.config.from_object(base)
        app.config.update({k: v for k, v in config.items() if k != "CONFIG_CLASS"})
    elif config is not None:
        app.config.from_object(config)
    if config is None or app.config.get("LOAD_ENV"):
        code_only = {key: app.config.get(key) for key in security.CODE_ONLY}
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("ANNOTATE")
        app.config.update(code_only)  # demo and test mode: never from a file or the environment
    if app.config.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        if not (
            app.config.get("DEMO")
            or app.config.get("TESTING")
            or app.config.get("ALLOW_EPHEMERAL_SECRET")
        ):
            raise ConfigurationError(
                "ANNOTATE_SECRET_KEY is not set. Set it to a long random value, e.g. "
                "`export ANNOTATE_SECRET_KEY=$(python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')`."
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.config["SECRET_KEY_EPHEMERAL"] = True
    app.config["SECRET_KEY"] = str(app.config["SECRET_KEY"])
    if problem := security.secret_key_problem(app):
        raise ConfigurationError(problem)
    security.configure(app)

    # Imported here, not at the top: ``import annotate.metrics`` (pure, used by scripts)
    # runs this package's __init__ and must not load the web application with it.
    from annotate import auth, i18n, labels, localtime, messages, routing
    from annotate.database import db
    from annotate.extensions import bootstrap, csrf, limiter, login_manager, migrate

    routing.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    localtime.init_app(app)
    messages.init_app(app)

    from annotate.views import register_blueprints

    register_blueprints(app)

    from annotate import cli

    cli.init_app(app)
    return app


def _migrations_dir() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
