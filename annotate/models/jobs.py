"""Background jobs: imports, exports, dossiers — long work taken off the request path."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from annotate.database import Model, intpk, timestamp


class JobState(enum.Enum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


QUEUED_SNAPSHOT = sa.text("kind = 'snapshot' AND state = 'queued'")


class Job(Model):
    """One piece of long work, its progress, its result file or its error.

    A job is run once: a runner takes it by moving it from ``queued`` to ``running`` in one
    conditional UPDATE (:func:`annotate.services.jobs.queue.claim`); a retry is a new job
    (``retry_of_id``) with the same parameters.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        # At most one queued report snapshot per project: a refresh asked for while one waits
        # is that one (annotate.services.jobs.snapshots.request_snapshot).
        sa.Index(
            "uq_jobs_queued_snapshot",
            "project_id",
            unique=True,
            sqlite_where=QUEUED_SNAPSHOT,
            postgresql_where=QUEUED_SNAPSHOT,
        ),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(sa.String(32))
    state: Mapped[JobState] = mapped_column(default=JobState.queued, index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Rows (or steps) done and the total, when known: the progress bar.
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    #: The file the job wrote (relative to the job files directory) and its download name.
    result_path: Mapped[str | None] = mapped_column(sa.String(500))
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: What the job reports (an import's counts, a file's size).
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: The problems behind the error (an import's line-numbered problems).
    problems: Mapped[list[Any]] = mapped_column(default=list)
    retry_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    created_at: Mapped[timestamp]
    started_at: Mapped[datetime | None]
    #: Updated with the progress: a running job whose heartbeat stopped lost its runner.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: When the user who started it saw it end (their home lists the unseen ones).
    seen_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state.value}>"
