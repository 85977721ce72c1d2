"""A job's page (progress bar, result, error, retry), its status as JSON for the bar, and
its result file. Each job is seen by the user who started it and by admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from annotate.auth import require_login
from annotate.database import db, utcnow
from annotate.forms.common import EmptyForm
from annotate.models import Job, JobState, Project
from annotate.services.errors import DomainError
from annotate.services.jobs.base import Progress, files_dir
from annotate.services.jobs.queue import retry
from annotate.services.jobs.runners import dispatch

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
bp.before_request(require_login)


def job_for(job_id: int) -> Job:
    """The job, if the current user started it or is an admin (404 otherwise)."""
    job = db.session.get(Job, job_id)
    if job is None or (job.created_by_id != current_user.id and not current_user.is_admin):
        abort(404)
    return job


def _status(job: Job) -> dict[str, object]:
    done, total = Progress.of(job)
    percent = None if not total else min(100, round(100 * done / total))
    return {"state": job.state.value, "done": done, "total": total, "percent": percent}


@bp.get("/<int:job_id>")
def show(job_id: int):
    job = job_for(job_id)
    if job.state in (JobState.done, JobState.failed) and job.seen_at is None:
        if job.created_by_id == current_user.id:
            job.seen_at = utcnow()
            db.session.commit()
    project = db.session.get(Project, job.project_id) if job.project_id else None
    return render_template(
        "jobs/job.html", job=job, project=project, status=_status(job), form=EmptyForm()
    )


@bp.get("/<int:job_id>/status")
def status(job_id: int):
    return _status(job_for(job_id))


@bp.get("/<int:job_id>/download")
def download(job_id: int):
    job = job_for(job_id)
    if job.state is not JobState.done or not job.result_path or not job.result_name:
        abort(404)
    path = files_dir() / job.result_path
    if not path.is_file():
        abort(410, description=_("The file of this job is no longer kept."))
    return send_file(path.resolve(), as_attachment=True, download_name=job.result_name)


@bp.post("/<int:job_id>/retry")
def retry_job(job_id: int):
    job = job_for(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        new = retry(db.session, job, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "warning")
        return redirect(url_for("jobs.show", job_id=job.id))
    dispatch(new)
    return redirect(url_for("jobs.show", job_id=new.id), 303)


def start(job: Job) -> object:
    """Commit a submitted job, hand it to the runner and send the user to its page (303)."""
    db.session.commit()
    dispatch(job)
    return redirect(url_for("jobs.show", job_id=job.id), 303)


#: The pages that list the user's jobs that ended (the role homes of annotate.auth).
HOMES = frozenset({"admin.index", "reports.index", "reviewer.index", "annotator.index"})


@bp.app_context_processor
def finished_jobs_notice() -> dict[str, object]:
    """``finished_jobs()`` for the home pages: the user's jobs that ended unseen."""

    def finished_jobs() -> list[Job]:
        from flask import request

        from annotate.services.jobs.queue import unseen_jobs

        if not current_user.is_authenticated or request.endpoint not in HOMES:
            return []
        return unseen_jobs(db.session, current_user)

    return {"finished_jobs": finished_jobs}
