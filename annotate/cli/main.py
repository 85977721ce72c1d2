"""The ``annotate`` console script: a Flask CLI group (so ``annotate db upgrade`` and
``annotate run`` work too) with the commands that need no app or build their own.

The commands that work on an app's database are attached to ``app.cli`` by
:func:`annotate.cli.init_app` when the app is built, so this group shows them as well.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, routes_command, shell_command

from annotate import ConfigurationError, create_app
from annotate.cli import metrics_cmds, serve
from annotate.cli.core import as_option
from annotate.cli.keys import keys_group
from annotate.config import Config


def create_cli_app() -> Flask:
    """The app the CLI works on: ``ANNOTATE_*`` env vars, else ``instance/annotate.sqlite``.

    Commands that serve nothing may run without a secret key; ``annotate run`` refuses to.
    """
    try:
        return create_app(
            {"CONFIG_CLASS": Config, "LOAD_ENV": True, "ALLOW_EPHEMERAL_SECRET": True}
        )
    except ConfigurationError as error:  # e.g. a too short key: a message, no traceback
        raise click.ClickException(str(error)) from None


@click.group(
    cls=FlaskGroup,
    create_app=create_cli_app,
    add_default_commands=False,
    help="annotate: data-annotation quality platform (rulebooks, training, agreement, "
    "sampling verification, compliance evidence).",
    params=[as_option()],
)
def main() -> None:
    """Entry point of the ``annotate`` console script."""


main.add_command(shell_command)
main.add_command(routes_command)
main.add_command(serve.run_command)
main.add_command(serve.demo_command)
main.add_command(metrics_cmds.agreement_command, "agreement")
main.add_command(metrics_cmds.sample_plan_command, "sample-plan")
main.add_command(metrics_cmds.sample_size_command, "sample-size")
main.add_command(keys_group)
