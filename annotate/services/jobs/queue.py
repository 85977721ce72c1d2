"""Recording, running and ending jobs (flush, never commit — except :func:`run_job`, which
is a transaction boundary of its own, like a request)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from annotate.database import Session, db, utcnow
from annotate.models import Job, JobState, Project, User
from annotate.services.errors import Conflict, DomainError, InvalidInput
from annotate.services.jobs.base import Progress, files_dir, job_dir
from annotate.services.jobs.kinds import HANDLERS

#: Errors stored in English and shown translated (``_(job.error)`` on the job's page).
UNEXPECTED = "The job failed unexpectedly; the server log has the details. Nothing was written."
STOPPED = "The worker running this job stopped; nothing was written. Retry it."
#: A running job whose heartbeat is older than this lost its runner (killed worker).
STALE_AFTER = timedelta(minutes=10)


def submit(
    session: Session,
    kind: str,
    *,
    actor: User,
    project: Project | None = None,
    params: dict[str, Any] | None = None,
    retry_of: Job | None = None,
) -> Job:
    """Record a queued job (flushes); commit, then :func:`~.runners.dispatch` it."""
    if kind not in HANDLERS:
        raise InvalidInput(f"Unknown job kind {kind!r}.")
    job = Job(
        kind=kind,
        created_by_id=actor.id,
        project_id=project.id if project else None,
        params=dict(params or {}),
        retry_of_id=retry_of.id if retry_of else None,
    )
    session.add(job)
    session.flush()
    return job


def retry(session: Session, job: Job, actor: User) -> Job:
    """A new job with the failed one's parameters (its upload is copied along)."""
    if job.state is not JobState.failed:
        raise Conflict("Only a failed job can be retried.")
    params = dict(job.params)
    project = session.get(Project, job.project_id) if job.project_id else None
    new = submit(session, job.kind, actor=actor, project=project, params=params, retry_of=job)
    upload = params.get("upload")
    if upload:
        target = job_dir(new) / Path(upload).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files_dir() / upload, target)
        new.params = params | {"upload": str(target.relative_to(files_dir()))}
    return new


def claim(session: Session, job_id: int) -> bool:
    """Take a queued job (one conditional UPDATE: two runners never both run it); commits."""
    now = utcnow()
    taken = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.state == JobState.queued)
            .values(state=JobState.running, started_at=now, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    return bool(taken)


def _end(session: Session, job_id: int, **values: Any) -> None:
    session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state == JobState.running)
        .values(finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    Progress.forget(job_id)


def run_job(job_id: int) -> list[int]:
    """Run a queued job once: its work is one transaction, committed when it succeeds and
    rolled back when it fails (then the job says why and nothing was written). Returns the
    jobs it queued, for the runner to dispatch (:func:`~.runners.run_and_follow`)."""
    session = db.session
    if not claim(session, job_id):
        return []
    job = session.get(Job, job_id)
    assert job is not None
    session.refresh(job)
    directory = job_dir(job)
    directory.mkdir(parents=True, exist_ok=True)
    progress = Progress(job_id)
    try:
        outcome = HANDLERS[job.kind](session, job, progress, directory)
        session.commit()
    except Exception as error:  # noqa: BLE001 — every failure ends the job, with a reason
        session.rollback()
        problems = list(getattr(error, "problems", []) or [])
        known = isinstance(error, DomainError)
        if not known:
            current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        message = str(error.args[0]) if known and error.args else UNEXPECTED
        counts = getattr(error, "counts", None)  # an import refused: what it read
        _end(
            session,
            job_id,
            state=JobState.failed,
            error=message,
            problems=problems[:1000],
            result={"counts": counts} if counts else {},
        )
        return []
    done, total = progress.total or 0, progress.total
    _end(
        session,
        job_id,
        state=JobState.done,
        result_path=f"{job_id}/{outcome.result_name}" if outcome.result_name else None,
        result_name=outcome.result_name,
        result=outcome.result,
        progress_done=total if total is not None else done,
        progress_total=total,
    )
    return outcome.follow


def fail_stale(session: Session) -> int:
    """Mark running jobs whose runner stopped (no heartbeat for :data:`STALE_AFTER`) as
    failed: their work was rolled back with the worker. Flushes; returns how many."""
    cutoff = utcnow() - STALE_AFTER
    return cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Job)
            .where(Job.state == JobState.running, Job.heartbeat_at < cutoff)
            .values(
                state=JobState.failed,
                finished_at=utcnow(),
                error=STOPPED,
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount


def unseen_jobs(session: Session, user: User) -> list[Job]:
    """The user's jobs that ended since they last looked (their home lists them)."""
    return list(
        session.scalars(
            sa.select(Job)
            .where(
                Job.created_by_id == user.id,
                Job.state.in_([JobState.done, JobState.failed]),
                Job.seen_at.is_(None),
            )
            .order_by(Job.id.desc())
            .limit(10)
        )
    )
