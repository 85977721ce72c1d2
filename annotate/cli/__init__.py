"""The ``annotate`` command line.

:func:`init_app` attaches the commands that work on the app's database to ``app.cli`` (the
app factory calls it); the console script's top-level group is :mod:`annotate.cli.main`, which
lists the same commands without importing them (:data:`annotate.cli.main.COMMANDS`).
This package never imports :mod:`annotate` itself, so the factory may import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


def app_commands() -> dict[str, click.Command]:
    """The commands that work on an app's database, by name (the ``export`` group with
    the exports of every module attached)."""
    # Deferred for start-up time: the command modules import the services, which the
    # app-less commands of annotate.cli.main (agreement, sample-size …) never need.
    from annotate.cli import (
        accounts,
        audit,
        core,
        data,
        dossier,
        predictions,
        privacy,  # noqa: F401  (adds user export|erase to core.user_group)
        projects,
        reports,
        rulebooks,
        sampling,
        worker,
    )

    commands: dict[str, click.Command] = {}
    for module in (
        core,
        projects,
        accounts,
        data,
        predictions,
        rulebooks,
        sampling,
        reports,
        dossier,
        audit,
        worker,
    ):
        for command in module.commands:
            assert command.name is not None
            commands[command.name] = command
        for command in getattr(module, "export_commands", ()):
            core.export_group.add_command(command)
    return commands


def init_app(app: Flask) -> None:
    """Attach the commands that work on the app's database to ``app.cli``."""
    from annotate.cli.actor import as_option

    app.cli.params.append(as_option())
    for command in app_commands().values():
        app.cli.add_command(command)
