"""``python -m annotate.cli`` runs the ``annotate`` command."""

from annotate.cli.direct import run

run()
