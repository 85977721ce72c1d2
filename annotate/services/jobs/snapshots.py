"""Asking for a report snapshot: one queued snapshot job per project at most.

Imports, batch decisions and the dashboard's "recompute" button call
:func:`request_snapshot`; a request while one is already queued for the project gets that
one (the partial unique index ``uq_jobs_queued_snapshot`` decides between concurrent
requests). The job itself (:func:`~.kinds.run_snapshot`) stores a new snapshot only when the
project's data changed since the latest one, unless a manager asked for it.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from annotate.database import Session, utcnow
from annotate.models import Job, JobState, Project, User

#: A queued snapshot job older than this may have lost its runner: it is dispatched again
#: (as :data:`~.queue.STALE_AFTER`; one of the runs claims it, the others do nothing).
STALE_AFTER = timedelta(minutes=10)


def queued_snapshot(session: Session, project: Project) -> Job | None:
    return session.scalar(
        sa.select(Job).where(
            Job.project_id == project.id, Job.kind == "snapshot", Job.state == JobState.queued
        )
    )


def request_snapshot(
    session: Session, project: Project, actor: User, *, manual: bool = False
) -> tuple[Job, bool]:
    """The project's queued snapshot job, recorded now if there is none (flushes). Returns
    it and whether the caller must dispatch it after its commit: a new job, or one queued so
    long ago that its runner may have gone (running it twice is harmless: one claim wins).

    ``manual``: a manager asked — the job recomputes even if the data did not change, and its
    end is shown on their home; automatic ones are not."""
    existing = queued_snapshot(session, project)
    if existing is None:
        try:
            with session.begin_nested():
                job = Job(
                    kind="snapshot",
                    created_by_id=actor.id,
                    project_id=project.id,
                    params={"force": manual},
                    seen_at=None if manual else utcnow(),
                )
                session.add(job)
                session.flush()
            return job, True
        except IntegrityError:  # another request queued one meanwhile
            existing = queued_snapshot(session, project)
            if existing is None:
                raise
    if manual and not existing.params.get("force"):
        existing.params = dict(existing.params) | {"force": True}
        existing.seen_at = None
    return existing, existing.created_at < utcnow() - STALE_AFTER


def after_change(session: Session, project: Project, actor: User) -> Job | None:
    """After an import or a decision (before the caller's commit): the snapshot job to
    dispatch once committed, if any (``SNAPSHOT_AFTER_CHANGES``)."""
    if not current_app.config.get("SNAPSHOT_AFTER_CHANGES", True):
        return None
    job, dispatch = request_snapshot(session, project, actor)
    return job if dispatch else None


def snapshot_pending(session: Session, project: Project) -> bool:
    """Whether a snapshot job of the project is queued or running."""
    return (
        session.scalar(
            sa.select(Job.id)
            .where(
                Job.project_id == project.id,
                Job.kind == "snapshot",
                Job.state.in_([JobState.queued, JobState.running]),
            )
            .limit(1)
        )
        is not None
    )
