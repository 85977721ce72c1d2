"""What fires the scheduled tasks of :mod:`.schedule`: rq's interval scheduler
(:class:`rq.cron.CronScheduler`) inside ``annotate worker --with-scheduler``, which enqueues
:func:`rq_scheduled` on the jobs queue; or, without Redis (the demo server), a timer thread of
the process that runs them itself. Several of either may run: each slot runs once
(:func:`~.schedule.claim_slot`)."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from annotate.services.jobs.runners import QUEUE


def rq_scheduled(task: str) -> None:
    """What an RQ worker runs for a scheduled task (inside ``annotate worker``'s app context)."""
    from annotate.services.jobs.schedule import run_scheduled

    run_scheduled(task)


def rq_cron(app: Flask, connection: Any) -> Any:
    """rq's scheduler with each task that is on registered at its period."""
    from rq.cron import CronScheduler  # type: ignore[import-not-found,unused-ignore]

    from annotate.services.jobs.schedule import due_tasks

    with app.app_context():
        periods = due_tasks()
    cron = CronScheduler(connection=connection, name=f"annotate-{threading.get_native_id()}")
    for task, seconds in periods.items():
        cron.register(rq_scheduled, QUEUE, args=(task,), interval=seconds, name=f"annotate-{task}")
    return cron


def start_rq_cron(app: Flask, connection: Any, stop: threading.Event) -> threading.Thread:
    """Run rq's scheduler on a daemon thread (its own ``start()`` wants the main thread for
    its signal handlers, which the worker holds): enqueue what is due, sleep, repeat."""
    cron = rq_cron(app, connection)

    def loop() -> None:
        while not stop.is_set():
            try:
                cron.enqueue_jobs()
            except Exception:  # noqa: BLE001 — a Redis hiccup must not end the schedule
                app.logger.exception("the scheduler could not enqueue")
            stop.wait(max(1.0, cron.calculate_sleep_interval()))

    thread = threading.Thread(target=loop, name="annotate-schedule", daemon=True)
    thread.start()
    return thread


def start_timer(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Run the scheduled tasks on a daemon thread of this process, each at once and then
    every period (the demo server: no Redis, no worker)."""
    from annotate.database import db
    from annotate.services.jobs.schedule import due_tasks, run_scheduled

    stop = stop or threading.Event()
    with app.app_context():
        periods = due_tasks()

    def loop() -> None:
        due = dict.fromkeys(periods, 0.0)
        while periods and not stop.is_set():
            for task, seconds in periods.items():
                if time.time() >= due[task]:
                    with app.app_context():
                        try:
                            run_scheduled(task)
                        except Exception:  # noqa: BLE001 — the timer must outlive a bad run
                            app.logger.exception("scheduled %s could not run", task)
                        finally:
                            db.session.remove()
                    due[task] = time.time() + seconds
            stop.wait(max(1.0, min(due.values()) - time.time()))

    thread = threading.Thread(target=loop, name="annotate-schedule", daemon=True)
    thread.start()
    return thread
