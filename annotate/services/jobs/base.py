"""What every job shares: where its files live, its progress reporter, its outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from annotate.database import Session, db, utcnow
from annotate.models import Job, JobState


@dataclass
class Outcome:
    """What a finished job leaves: a file in its directory, its download name, figures."""

    result_name: str | None = None
    result: dict[str, Any] = field(default_factory=dict)
    #: Jobs this one queued (a report snapshot after an import): dispatched once it commits.
    follow: list[int] = field(default_factory=list)


#: What runs a kind of job: (session, job, progress, its directory) -> Outcome.
Handler = Callable[[Session, Job, "Progress", Path], Outcome]


def files_dir() -> Path:
    """Where uploads and results live (``JOB_FILES_DIR``, default ``instance/jobs``)."""
    configured = current_app.config.get("JOB_FILES_DIR")
    return Path(configured or Path(current_app.instance_path) / "jobs")


def job_dir(job: Job) -> Path:
    return files_dir() / str(job.id)


class Progress:
    """Reports rows done (and the total) while a job runs, at most twice a second.

    On PostgreSQL through a connection of its own (the job's work is one open transaction
    the page cannot see into); on SQLite, which has one writer, in this process's memory —
    SQLite serves the demo, whose jobs run on a thread of the server that shows the page.
    """

    _memory: dict[int, tuple[int, int | None]] = {}
    _lock = threading.Lock()

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.total: int | None = None
        self._last = 0.0
        self._shared = db.engine.dialect.name != "sqlite"

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        if total is not None:
            self.total = total
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        if not self._shared:
            with self._lock:
                self._memory[self.job_id] = (done, self.total)
            return
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(Job)
                .where(Job.id == self.job_id, Job.state == JobState.running)
                .values(progress_done=done, progress_total=self.total, heartbeat_at=utcnow())
            )

    @classmethod
    def of(cls, job: Job) -> tuple[int, int | None]:
        """The job's latest progress: this process's memory, else its row."""
        with cls._lock:
            remembered = cls._memory.get(job.id)
        if remembered and job.state is JobState.running:
            return remembered
        return job.progress_done, job.progress_total

    @classmethod
    def forget(cls, job_id: int) -> None:
        with cls._lock:
            cls._memory.pop(job_id, None)


def _new_upload(suffix: str) -> tuple[Path, str]:
    """A fresh file name under ``uploads/`` of the job files: its path, and the path
    relative to them that a job's parameters keep."""
    import secrets

    folder = files_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}{suffix}"
    return folder / name, f"uploads/{name}"


def store_upload(upload: Any, filename: str) -> str:
    """Save an uploaded file (a werkzeug ``FileStorage``, streamed to disk) under
    ``uploads/`` of the job files; return its path relative to them."""
    path, relative = _new_upload(Path(filename).suffix.lower()[:16])
    upload.save(path)
    return relative


def store_stream(stream: Any, suffix: str) -> str:
    """Copy a request body (a binary stream) to ``uploads/`` of the job files in 1 MiB
    blocks; return its path relative to them."""
    import shutil

    path, relative = _new_upload(suffix)
    with path.open("wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    return relative


def job_json(job: Job) -> dict[str, Any]:
    """A job as the API shows it."""
    done, total = Progress.of(job)
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state.value,
        "progress": {"done": done, "total": total},
        "result": job.result,
        "error": job.error,
        "problems": job.problems,
        "file": job.result_name,
    }
