"""Scheduled work: supervision alerts, qualification expiry and report snapshots, every
``SCHEDULE_*_MINUTES`` (0 turns one off).

Whoever fires a task — the rq scheduler of each ``annotate worker --with-scheduler``, or the
timer thread of the demo server (:mod:`.runners`) — calls :func:`run_scheduled`, which first
claims the task's time slot (a ``schedule_runs`` row, unique per task and slot, committed
before the work): two schedulers firing at once run it once. :func:`run_scheduled` is a
transaction boundary of its own, like :func:`~.queue.run_job`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from annotate.database import Session, db, utcnow
from annotate.models import Project, ScheduleRun

#: Each task and the setting giving its period in minutes.
SETTINGS = {
    "supervise": "SCHEDULE_SUPERVISE_MINUTES",
    "expiry": "SCHEDULE_EXPIRY_MINUTES",
    "snapshots": "SCHEDULE_SNAPSHOT_MINUTES",
}


def period_minutes(task: str) -> int:
    return int(current_app.config.get(SETTINGS[task]) or 0)


def slot_of(now: datetime, minutes: int) -> int:
    """The start of the period holding ``now``, in seconds since the epoch."""
    period = minutes * 60
    return int(now.timestamp()) // period * period


def _projects(session: Session) -> list[Project]:
    return list(
        session.scalars(sa.select(Project).where(Project.archived.is_(False)).order_by(Project.id))
    )


def refresh_snapshots(session: Session, now: datetime) -> dict[str, Any]:
    """A new snapshot of every active project whose data changed since its latest one."""
    from annotate.services.jobs.kinds import configured_report_options
    from annotate.services.quality.snapshots import refresh

    new = 0
    projects = _projects(session)
    for project in projects:
        new += refresh(session, project, configured_report_options())[2]
        session.commit()
    return {"projects": len(projects), "new": new}


def supervise(session: Session, now: datetime) -> dict[str, Any]:
    """Alerts for every annotator below a threshold, in every active project, from an
    up-to-date snapshot (refreshed first when the data changed)."""
    from annotate.services.jobs.kinds import configured_report_options
    from annotate.services.quality.snapshots import refresh
    from annotate.services.quality.supervision import raise_alerts

    alerts = 0
    for project in _projects(session):
        _row, report, _new = refresh(session, project, configured_report_options())
        alerts += len(raise_alerts(session, report))
        session.commit()
    return {"alerts": alerts}


def expire(session: Session, now: datetime) -> dict[str, Any]:
    from annotate.services.training.qualification import record_expiries

    return {"expiries": record_expiries(session, now=now)}


TASKS: dict[str, Callable[[Session, datetime], dict[str, Any]]] = {
    "supervise": supervise,
    "expiry": expire,
    "snapshots": refresh_snapshots,
}


def claim_slot(session: Session, task: str, now: datetime) -> ScheduleRun | None:
    """Record the task's run for the slot holding ``now`` and commit; None if this slot's
    run was already claimed (by another scheduler) or the task is off."""
    minutes = period_minutes(task)
    if minutes <= 0:
        return None
    run = ScheduleRun(task=task, slot=slot_of(now, minutes), started_at=now)
    session.add(run)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return run


def run_scheduled(task: str, now: datetime | None = None) -> dict[str, Any] | None:
    """Run ``task`` once for the current slot; returns what it did, or None when the slot
    was already run or the task is off. A failure is logged and the slot stays spent."""
    session = db.session
    now = now or utcnow()
    run = claim_slot(session, task, now)
    if run is None:
        return None
    try:
        result = TASKS[task](session, now)
    except Exception:  # noqa: BLE001 — the schedule must outlive one bad run
        session.rollback()
        current_app.logger.exception("scheduled %s failed", task)
        result = {"error": True}
    run.result = result
    session.commit()
    return result


def due_tasks() -> dict[str, int]:
    """The tasks that are on, with their period in seconds."""
    return {task: period_minutes(task) * 60 for task in SETTINGS if period_minutes(task) > 0}
