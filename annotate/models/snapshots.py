"""Stored quality reports (what the pages read) and the runs of scheduled work."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from annotate.database import Model, intpk, timestamp


class ReportSnapshot(Model):
    """A project's quality report as a job computed it: the pages show the latest one.

    ``figures`` holds the report's :class:`~annotate.services.quality.figures.Figure` rows
    (one list per row, in the dataclass's field order); ``payload`` what the dashboard draws
    besides (trends, matrices, models, the counts the pages print), encoded by
    :mod:`annotate.services.quality.snapshot_codec`. ``data_version`` is what the job saw (the
    highest annotation, review, decision, item and audit ids of the project): a snapshot
    whose version equals the project's current one is up to date.
    """

    __tablename__ = "report_snapshots"
    __table_args__ = (sa.Index("ix_report_snapshots_project_id_id", "project_id", "id"),)

    id: Mapped[intpk]
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    created_at: Mapped[timestamp]
    data_version: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_ms: Mapped[int] = mapped_column(default=0)
    figures: Mapped[list[Any]] = mapped_column(default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)

    def __repr__(self) -> str:
        return f"<ReportSnapshot {self.id} project={self.project_id}>"


class ScheduleRun(Model):
    """One run of a scheduled task in one time slot (``slot`` = start of the period in
    seconds since the epoch): the unique key makes two schedulers firing at once run it once."""

    __tablename__ = "schedule_runs"
    __table_args__ = (sa.UniqueConstraint("task", "slot"),)

    id: Mapped[intpk]
    task: Mapped[str] = mapped_column(sa.String(32))
    slot: Mapped[int] = mapped_column(sa.BigInteger)
    started_at: Mapped[timestamp]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
