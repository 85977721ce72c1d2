"""``annotate worker``: run background jobs from the Redis queue (production layout)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from annotate.cli.core import fail


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also enqueue the scheduled work (supervision, expiry, report snapshots) every "
    "SCHEDULE_*_MINUTES; several workers may: each period runs once.",
)
@with_appcontext
def worker_command(burst: bool, with_scheduler: bool) -> None:
    """Run background jobs (imports, exports, dossiers) from the Redis queue."""
    import threading

    from redis import Redis
    from rq import SimpleWorker  # type: ignore[import-not-found,unused-ignore]

    from annotate.database import db
    from annotate.services.jobs.queue import fail_stale
    from annotate.services.jobs.runners import QUEUE

    url = current_app.config.get("REDIS_URL")
    if not url:
        fail("annotate worker needs ANNOTATE_REDIS_URL (without it the server runs jobs itself).")
    stale = fail_stale(db.session)
    db.session.commit()
    if stale:
        click.echo(f"{stale} job(s) left running by a stopped worker marked failed.")
    # One job at a time in this process (no fork: the app and its engine stay as they are);
    # run several workers for several jobs at once.
    connection = Redis.from_url(str(url))
    stop = threading.Event()
    if with_scheduler:
        from annotate.services.jobs.clock import start_rq_cron

        start_rq_cron(current_app._get_current_object(), connection, stop)  # type: ignore[attr-defined]
    try:
        SimpleWorker([QUEUE], connection=connection).work(burst=burst)
    finally:
        stop.set()


commands = [worker_command]
