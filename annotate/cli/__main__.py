"""``python -m annotate.cli`` runs the ``annotate`` command."""

from annotate.cli import main

main()
