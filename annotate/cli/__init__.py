"""The ``annotate`` command: a Flask CLI group (so ``annotate db upgrade`` and ``annotate run``
work too) with thin wrappers over the services."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

from annotate.config import Config


def create_cli_app() -> Flask:
    """The app the CLI works on: ``ANNOTATE_*`` env vars, else ``instance/annotate.sqlite``.

    Commands that serve nothing may run without a secret key; ``annotate run`` refuses to.
    """
    from annotate import ConfigurationError, create_app

    try:
        return create_app({"CONFIG_CLASS": Config, "LOAD_ENV": True,
                           "ALLOW_EPHEMERAL_SECRET": True})
    except ConfigurationError as error:  # e.g. a too short key: a message, no traceback
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_default_commands=False,
             help="annotate: data-annotation quality platform (rulebooks, training, agreement, "
                  "sampling verification, compliance evidence).")
def main() -> None:
    """Entry point of the ``annotate`` console script."""


def init_app(app: Flask) -> None:
    """Attach the commands that work on the app's database to ``app.cli``."""
    from annotate.cli import audit, core, data, reports, rulebooks, sampling

    for module in (core, data, rulebooks, sampling, reports, audit):
        for command in module.commands:
            app.cli.add_command(command)
        for command in getattr(module, "export_commands", ()):
            core.export_group.add_command(command)


def _register() -> None:
    """Commands that need no app (or build their own) live on the top-level group."""
    from annotate.cli import metrics_cmds, serve

    main.add_command(shell_command)
    main.add_command(routes_command)
    main.add_command(serve.run_command)
    main.add_command(serve.demo_command)
    main.add_command(metrics_cmds.agreement_command, "agreement")
    main.add_command(metrics_cmds.sample_plan_command, "sample-plan")
    main.add_command(metrics_cmds.sample_size_command, "sample-size")


_register()
