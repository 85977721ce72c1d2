"""The ``annotate`` console script: a Flask CLI group (so ``annotate db upgrade`` and
``annotate run`` work too) with the commands that need no app or build their own.

Start-up is kept short: the group lists its commands from :data:`COMMANDS` (name, where the
command lives, its one-line help) and imports a command only when it runs, so
``annotate --help`` and ``annotate sample-plan`` load neither the app, SQLAlchemy, numpy nor
scipy. ``tests/cli/test_cli_startup.py`` checks that the list matches the commands.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import click
from flask.cli import FlaskGroup

from annotate.cli.actor import as_option

if TYPE_CHECKING:
    from flask import Flask

#: The commands of :func:`annotate.cli.app_commands` (they work on the app's database).
APP = "app"
#: Commands of Flask extensions: ``flask.commands`` entry points, or added to ``app.cli`` by
#: the extension (Flask-Migrate's ``db``). Flask looks them up (and loads the app for those).
FLASK = "flask"

#: Every command of the group: name → (``module:attribute``, ``APP`` or ``FLASK``; its help).
COMMANDS: dict[str, tuple[str, str]] = {
    "agreement": (
        "annotate.cli.metrics_cmds:agreement_command",
        "Inter-annotator agreement for FILE.",
    ),
    "audit": (APP, "Check the append-only audit trail."),
    "batch": (APP, "Inspect batches of imported data."),
    "db": (FLASK, "Perform database migrations."),
    "demo": (
        "annotate.cli.serve:demo_command",
        "Build a fresh demo database with seeded users and data, and serve it.",
    ),
    "dossier": (
        APP,
        "Build a project's compliance dossier (``dossier PROJECT -o DIR``) or verify one.",
    ),
    "export": (APP, "Export data and evidence (dataset, metrics, training transcript)."),
    "import": (
        APP,
        "Import the items in FILE into PROJECT: every line is checked, all or nothing.",
    ),
    "import-predictions": (
        APP,
        "Import the model predictions in FILE for PROJECT's existing items, all or nothing.",
    ),
    "init": (APP, "Create the database, or upgrade it to the newest schema."),
    "keys": ("annotate.cli.keys:keys_group", "Signing keys for dossiers."),
    "limiter": (FLASK, "Flask-Limiter maintenance & utility commands"),
    "member": (APP, "Manage the members of a project and their roles."),
    "project": (APP, "Manage projects: create, show and set their settings."),
    "routes": ("flask.cli:routes_command", "Show the routes for the app."),
    "rulebook": (APP, "Import, publish and compare rulebook versions."),
    "run": ("annotate.cli.serve:run_command", "Run a local development server."),
    "sample": (APP, "Draw spot-check sample plans and decide batches."),
    "sample-plan": (
        "annotate.cli.metrics_cmds:sample_plan_command",
        "ISO 2859-1 / ANSI Z1.4 single sampling plan, normal inspection.",
    ),
    "sample-size": (
        "annotate.cli.metrics_cmds:sample_size_command",
        "Sample size to estimate a proportion (e.g. an error rate) within ± MARGIN.",
    ),
    "shell": ("flask.cli:shell_command", "Run a shell in the app context."),
    "supervise": (
        APP,
        "Compare PROJECT's annotators with its thresholds and record an alert per breach.",
    ),
    "training": (APP, "Training and qualification housekeeping."),
    "user": (APP, "Manage user accounts."),
    "worker": (APP, "Run background jobs (imports, exports, dossiers) from the Redis queue."),
}


def create_cli_app() -> Flask:
    """The app the CLI works on: ``ANNOTATE_*`` env vars, else ``instance/annotate.sqlite``.

    Commands that serve nothing may run without a secret key; ``annotate run`` refuses to.
    """
    from annotate import ConfigurationError, create_app
    from annotate.config import Config

    try:
        return create_app(
            {"CONFIG_CLASS": Config, "LOAD_ENV": True, "ALLOW_EPHEMERAL_SECRET": True}
        )
    except ConfigurationError as error:  # e.g. a too short key: a message, no traceback
        raise click.ClickException(str(error)) from None


class AnnotateGroup(FlaskGroup):
    """A :class:`~flask.cli.FlaskGroup` that lists :data:`COMMANDS` without importing them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        source = COMMANDS.get(cmd_name, (FLASK, ""))[0]
        if source == FLASK:  # and unknown names: Flask loads its plugins, then the app
            return super().get_command(ctx, cmd_name)
        if source == APP:
            from annotate.cli import app_commands

            return app_commands()[cmd_name]
        module, attribute = source.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=text).get_short_help_str(limit))
            for name, (_, text) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(
    cls=AnnotateGroup,
    create_app=create_cli_app,
    add_default_commands=False,
    help="annotate: data-annotation quality platform (rulebooks, training, agreement, "
    "sampling verification, compliance evidence).",
    params=[as_option()],
)
def main() -> None:
    """Entry point of the ``annotate`` console script."""
