"""``python -m annotate.cli`` runs the ``annotate`` command."""

from annotate.cli.main import main

main()
