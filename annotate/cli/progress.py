"""Progress bars of the long CLI commands (import, export, dossier, report, demo seeding):
click's bar on standard error when it is a terminal, nothing at all otherwise (pipes, cron,
logs stay clean).

:func:`progress_bar` yields a reporter with the signature of a job's progress
(:class:`annotate.services.jobs.base.Progress`): ``report(done, total=None)``, ``done``
counting from the start, so the services that report to jobs report to the terminal too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

#: ``report(done, total=None)``: rows (or steps) done so far, and the total when known.
Reporter = Callable[..., None]
#: Redraw at most this often (seconds): a bar must not slow down a million-row import.
REDRAW = 0.1


def on_terminal() -> bool:
    """Whether standard error is a terminal (the bar's only place)."""
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def _quiet(done: int, total: int | None = None, **_: Any) -> None:
    """The reporter off a terminal: does nothing."""


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Reporter]:
    """A bar labelled ``label`` out of ``total`` (changed by the reporter's ``total``), on a
    terminal only; it ends at 100 % when the block ends without an error."""
    if not on_terminal():
        yield _quiet
        return
    with click.progressbar(
        length=max(total or 1, 1), label=label, file=sys.stderr, show_pos=True, show_percent=True
    ) as bar:
        last = [0.0]

        def report(done: int, total: int | None = None, **_: Any) -> None:
            if total is not None:
                bar.length = max(total, 1)
            now = time.monotonic()
            if now - last[0] >= REDRAW or done >= (bar.length or 0):
                last[0] = now
                bar.update(done - bar.pos)

        yield report
        bar.update((bar.length or 0) - bar.pos)
