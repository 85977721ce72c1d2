"""Who runs a committed job: RQ workers (``annotate worker``), a background thread of this
process (the demo: one job at a time), or the request itself after its commit (the tests).
``JOBS_RUNNER`` chooses; unset, RQ when ``REDIS_URL`` is set, else the thread."""

from __future__ import annotations

import queue
import threading
from typing import Any

from flask import Flask, current_app

from annotate.models import Job

#: The RQ queue's name (``annotate worker`` listens to it).
QUEUE = "annotate"


def runner_name(app: Flask) -> str:
    configured = app.config.get("JOBS_RUNNER")
    if configured:
        if configured not in ("rq", "thread", "inline"):
            raise ValueError(f"JOBS_RUNNER must be rq, thread or inline, not {configured!r}")
        return str(configured)
    return "rq" if app.config.get("REDIS_URL") else "thread"


def dispatch(job: Job) -> None:
    """Hand a committed job to the runner."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    name = runner_name(app)
    if name == "inline":
        run_and_follow(job.id)
    elif name == "thread":
        _thread_for(app).put(job.id)
    else:
        rq_queue(app).enqueue("annotate.services.jobs.runners.rq_task", job.id, job_timeout=-1)


def run_and_follow(job_id: int) -> None:
    """Run a job, then hand the jobs it queued (a report snapshot after an import) to the
    runner."""
    from annotate.database import db
    from annotate.services.jobs.queue import run_job

    for follow_id in run_job(job_id):
        follow = db.session.get(Job, follow_id)
        if follow is not None:
            dispatch(follow)


def rq_queue(app: Flask) -> Any:
    from redis import Redis
    from rq import Queue  # type: ignore[import-not-found,unused-ignore]

    return Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))


def rq_task(job_id: int) -> None:
    """What an RQ worker runs (inside the app context ``annotate worker`` pushed)."""
    run_and_follow(job_id)


class _Thread:
    """One daemon thread per app running queued jobs one at a time, in the app's context."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._loop, name="annotate-jobs", daemon=True).start()

    def put(self, job_id: int) -> None:
        self.jobs.put(job_id)

    def _loop(self) -> None:
        from annotate.database import db

        while True:
            job_id = self.jobs.get()
            with self.app.app_context():
                try:
                    run_and_follow(job_id)
                except Exception:  # noqa: BLE001 — the thread must outlive one bad job
                    self.app.logger.exception("job %s could not be run", job_id)
                finally:
                    db.session.remove()
            self.jobs.task_done()


_threads: dict[int, _Thread] = {}
_threads_lock = threading.Lock()


def _thread_for(app: Flask) -> _Thread:
    with _threads_lock:
        runner = _threads.get(id(app))
        if runner is None:
            runner = _threads[id(app)] = _Thread(app)
        return runner


def wait_for_thread(app: Flask) -> None:
    """Block until the app's thread ran every job handed to it (tests, ``annotate demo``)."""
    runner = _threads.get(id(app))
    if runner is not None:
        runner.jobs.join()
