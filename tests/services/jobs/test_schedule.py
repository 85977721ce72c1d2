"""Scheduled work: supervision, qualification expiry and snapshot refresh run once per slot,
whoever fires them; rq's scheduler is given each task that is on at its period."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from annotate.database import utcnow
from annotate.models import AuditEvent, ReportSnapshot, ScheduleRun, SupervisionEvent
from annotate.services.jobs.schedule import claim_slot, run_scheduled, slot_of
from annotate.services.projects.projects import get_project
from tests.factories import labelled_project


@pytest.fixture
def demo(db):
    labelled_project(db.session, n_items=90, n_unlabelled=10)
    project = get_project(db.session, "demo")
    project.min_peer_agreement = 0.99
    project.min_n_before_judging = 5
    db.session.commit()
    return project


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_supervision_runs_once_per_slot_from_a_fresh_snapshot(db, demo, app):
    now = utcnow()
    first = run_scheduled("supervise", now)
    assert first == {"alerts": 3}
    assert _count(db, SupervisionEvent) == 3 and _count(db, ReportSnapshot) == 1
    # a second scheduler firing at the same time (same slot): nothing happens
    assert run_scheduled("supervise", now + timedelta(seconds=1)) is None
    assert _count(db, SupervisionEvent) == 3
    later = now + timedelta(minutes=app.config["SCHEDULE_SUPERVISE_MINUTES"])
    assert run_scheduled("supervise", later) == {"alerts": 0}  # open alerts are not repeated
    runs = db.session.scalars(sa.select(ScheduleRun).order_by(ScheduleRun.id)).all()
    assert [(r.task, r.result) for r in runs] == [
        ("supervise", {"alerts": 3}),
        ("supervise", {"alerts": 0}),
    ]


def test_the_slot_is_claimed_by_a_unique_key(db, app):
    now = utcnow()
    assert claim_slot(db.session, "expiry", now) is not None
    assert claim_slot(db.session, "expiry", now) is None
    app.config["SCHEDULE_EXPIRY_MINUTES"] = 0  # off
    assert run_scheduled("expiry", now + timedelta(days=2)) is None
    assert slot_of(now, 60) % 3600 == 0 and slot_of(now, 60) <= now.timestamp()


def test_expiry_and_snapshots_on_schedule(db, demo):
    later = utcnow() + timedelta(days=400)  # every qualification has lapsed
    assert run_scheduled("expiry", later) == {"expiries": 3}
    assert run_scheduled("expiry", later + timedelta(days=1)) == {"expiries": 0}
    assert _count(db, AuditEvent.__table__) > 0
    assert run_scheduled("snapshots", later) == {"projects": 1, "new": 1}
    assert run_scheduled("snapshots", later + timedelta(hours=1)) == {"projects": 1, "new": 0}


def test_rq_scheduler_gets_each_task_at_its_period(app):
    from redis import Redis

    from annotate.services.jobs.clock import rq_cron, rq_scheduled

    app.config["SCHEDULE_EXPIRY_MINUTES"] = 0
    cron = rq_cron(app, Redis.from_url("redis://127.0.0.1:6379/3"))  # not contacted
    jobs = {job.args[0]: job for job in cron.get_jobs()}
    assert set(jobs) == {"supervise", "snapshots"}
    assert jobs["supervise"].interval == 60 * app.config["SCHEDULE_SUPERVISE_MINUTES"]
    assert all(job.func is rq_scheduled and job.queue_name == "annotate" for job in jobs.values())
