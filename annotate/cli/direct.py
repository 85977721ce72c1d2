"""The ``annotate`` console script: the commands that need neither Flask nor the app
(``annotate agreement``, ``sample-plan``, ``sample-size``) run straight away; everything else
goes to the Flask group of :mod:`annotate.cli.main`.

Importing Flask (werkzeug, jinja2 …) for the group costs about a tenth of a second of CPU —
a good part of ``annotate agreement`` on a large file (``bench/agreement.py``). These
commands take no group option and read no ``.env``, so they behave as under the group.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click
from click.utils import _detect_program_name

#: Commands run without the Flask group: name → ``module:attribute``, as in
#: :data:`annotate.cli.main.COMMANDS` (``tests/cli/test_cli_startup.py`` checks it).
DIRECT = {
    "agreement": "annotate.cli.metrics_cmds:agreement_command",
    "sample-plan": "annotate.cli.metrics_cmds:sample_plan_command",
    "sample-size": "annotate.cli.metrics_cmds:sample_size_command",
}


def run(argv: Sequence[str] | None = None) -> None:
    """Run ``annotate`` with ``argv`` (default ``sys.argv[1:]``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DIRECT:
        # Their numpy work is element-wise, one core: OpenBLAS would start (and spin) a
        # thread per core when numpy loads, ~0.05 s of CPU for nothing. A user's own
        # setting wins.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        module, attribute = DIRECT[args[0]].split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        command.main(args=args[1:], prog_name=f"{_detect_program_name()} {args[0]}")
        return
    from annotate.cli.main import main

    main(args=args)
