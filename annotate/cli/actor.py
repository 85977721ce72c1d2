"""The global ``--as USERNAME`` option: who runs a command (resolved by
:func:`annotate.cli.core.cli_actor`). Light on purpose: the console script's group imports it
before anything else."""

from __future__ import annotations

import click

#: The environment variable naming the account a command runs as (``--as`` wins).
ACTOR_ENV = "ANNOTATE_ACTOR"
#: Where ``--as`` leaves the name, in ``click.Context.meta``.
ACTOR_KEY = "annotate.actor"


def _remember_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.meta[ACTOR_KEY] = value.strip()


def as_option() -> click.Option:
    """The global ``--as USERNAME`` option (on the console script's group and ``app.cli``)."""
    return click.Option(
        ["--as", "as_user"],
        metavar="USERNAME",
        expose_value=False,
        is_eager=True,
        callback=_remember_actor,
        help=f"The account this command acts as, recorded with every change it makes "
        f"(default: ${ACTOR_ENV}). Commands that change data refuse to run without one, "
        "except on the demo's database.",
    )
