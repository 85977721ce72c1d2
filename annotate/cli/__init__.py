"""The ``annotate`` command line.

:func:`init_app` attaches the commands that work on the app's database to ``app.cli`` (the
app factory calls it); the console script's top-level group is :mod:`annotate.cli.main`.
This package never imports :mod:`annotate` itself, so the factory may import it.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach the commands that work on the app's database to ``app.cli``."""
    # Deferred for start-up time: the command modules import the services, which the
    # app-less commands of annotate.cli.main (agreement, sample-size …) never need.
    from annotate.cli import (
        accounts,
        audit,
        core,
        data,
        dossier,
        privacy,  # noqa: F401  (adds user export|erase to core.user_group)
        projects,
        reports,
        rulebooks,
        sampling,
    )

    app.cli.params.append(core.as_option())

    for module in (core, projects, accounts, data, rulebooks, sampling, reports, dossier, audit):
        for command in module.commands:
            app.cli.add_command(command)
        for command in getattr(module, "export_commands", ()):
            core.export_group.add_command(command)
