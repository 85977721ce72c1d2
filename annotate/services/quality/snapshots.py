"""Report snapshots: a project's quality report computed once (by a job or the schedule),
stored, and read by the dashboard, the annotator pages and each annotator's own page.

A snapshot records the project's *data version* when it was computed (:func:`data_version`:
the highest annotation, review, decision, item and audit-event ids of the project — every
change that can move a figure adds one of those rows), how long it took and the report:
its :class:`~.figures.Figure` rows and what the dashboard draws besides
(:mod:`.snapshot_codec`). :func:`load` turns it back into a
:class:`~.figures.ProjectReport` the templates and :mod:`.annotator` read as before.

No page computes the whole project per request: :func:`page_report` returns the latest
snapshot, or — only while a project has none and holds at most ``SNAPSHOT_SYNC_MAX``
counted annotations (a few hundred milliseconds of work) — computes and stores the first one
so a new project's pages work at once. A larger project without a snapshot says so and
offers the manager the "recompute" button.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    AuditEvent,
    Batch,
    BatchDecision,
    Item,
    Project,
    ReportSnapshot,
    Review,
    SampledAnnotation,
    SamplePlan,
)
from annotate.services.quality.figures import ProjectReport, ReportOptions
from annotate.services.quality.snapshot_codec import decode, encode, figure_rows, figures_from

#: Projects with at most this many counted annotations get their first snapshot computed by
#: the page that finds none (``SNAPSHOT_SYNC_MAX`` in the configuration).
SYNC_MAX = 5000
#: Snapshots kept per project: older ones are deleted when a new one is stored.
KEPT = 10


@dataclass
class StoredData:
    """What the pages read of a stored report's data (see :class:`~.figures.ReportData`);
    enough for :func:`~.weeks.annotator_weeks`, which counts one annotator's weeks live."""

    project: Project
    users: dict[int, str] = field(default_factory=dict)
    categories: list[Any] = field(default_factory=list)
    n: int = 0
    n_annotators: int = 0
    window: None = None


def data_version(session: Session, project: Project) -> dict[str, int]:
    """The highest id of each kind of row that can change the project's figures."""
    pid = project.id
    in_project = Batch.project_id == pid
    queries = {
        "annotation": sa.select(sa.func.max(Annotation.id))
        .join(Item, Item.id == Annotation.item_id)
        .where(Item.project_id == pid),
        "item": sa.select(sa.func.max(Item.id)).where(Item.project_id == pid),
        "review": sa.select(sa.func.max(Review.id))
        .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
        .join(SamplePlan, SamplePlan.id == SampledAnnotation.plan_id)
        .join(Batch, Batch.id == SamplePlan.batch_id)
        .where(in_project),
        "decision": sa.select(sa.func.max(BatchDecision.id))
        .join(Batch, Batch.id == BatchDecision.batch_id)
        .where(in_project),
        "audit": sa.select(sa.func.max(AuditEvent.id)).where(AuditEvent.project_id == pid),
    }
    return {name: int(session.scalar(q) or 0) for name, q in queries.items()}


def latest(session: Session, project: Project) -> ReportSnapshot | None:
    """The project's newest snapshot."""
    return session.scalar(
        sa.select(ReportSnapshot)
        .where(ReportSnapshot.project_id == project.id)
        .order_by(ReportSnapshot.id.desc())
        .limit(1)
    )


def store(
    session: Session, report: ProjectReport[Any], version: dict[str, int], duration_ms: int
) -> ReportSnapshot:
    """Record ``report`` as the project's newest snapshot (flushes); only the :data:`KEPT`
    newest are kept."""
    data = report.data
    payload = {
        "computed_at": report.computed_at.isoformat(),
        "options": {"bootstrap": report.options.bootstrap, "seed": report.options.seed},
        "level": report.level,
        "not_applicable": report.not_applicable,
        "pairwise": encode(report.pairwise),
        "extras": encode(report.extras),
        "data": {
            "users": encode(dict(data.users)),
            "categories": encode(list(getattr(data, "categories", []))),
            "n": int(data.n),
            "n_annotators": int(data.n_annotators),
        },
    }
    row = ReportSnapshot(
        project_id=report.project.id,
        created_at=report.computed_at,
        data_version=version,
        duration_ms=duration_ms,
        figures=figure_rows(report.figures),
        payload=payload,
    )
    session.add(row)
    session.flush()
    older = (
        sa.select(ReportSnapshot.id)
        .where(ReportSnapshot.project_id == report.project.id)
        .order_by(ReportSnapshot.id.desc())
        .offset(KEPT)
    )
    session.execute(
        sa.delete(ReportSnapshot)
        .where(ReportSnapshot.id.in_(older.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return row


def load(project: Project, row: ReportSnapshot) -> ProjectReport[StoredData]:
    """The stored report, as the pages read a computed one."""
    payload = row.payload
    data = payload["data"]
    options = payload.get("options", {})
    return ProjectReport(
        project,
        row.created_at,
        ReportOptions(bootstrap=options.get("bootstrap", 0), seed=options.get("seed", 0)),
        StoredData(
            project,
            decode(data["users"]),
            decode(data["categories"]),
            data["n"],
            data["n_annotators"],
        ),
        payload["level"],
        figures=figures_from(row.figures),
        pairwise=decode(payload["pairwise"]),
        not_applicable=payload.get("not_applicable"),
        extras=decode(payload["extras"]),
    )


def compute_and_store(
    session: Session, project: Project, options: ReportOptions
) -> tuple[ReportSnapshot, ProjectReport[Any]]:
    """Compute the whole report now and store it (flushes): the snapshot job's work."""
    from annotate.services.quality.report import compute_report

    version = data_version(session, project)
    started = time.perf_counter()
    report = compute_report(session, project, options)
    row = store(session, report, version, round(1000 * (time.perf_counter() - started)))
    return row, report


def refresh(
    session: Session, project: Project, options: ReportOptions, *, force: bool = False
) -> tuple[ReportSnapshot, ProjectReport[Any], bool]:
    """The project's up-to-date report: the latest snapshot when the data did not change
    since (unless ``force``), else a new one. Returns it, its report and whether it is new."""
    row = latest(session, project)
    if row is not None and not force and row.data_version == data_version(session, project):
        return row, load(project, row), False
    new, report = compute_and_store(session, project, options)
    return new, report, True


def counted_annotations(session: Session, project: Project) -> int:
    """Current annotations of the project (an upper bound of the counted ones)."""
    return int(
        session.scalar(
            sa.select(sa.func.count(Annotation.id))
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.project_id == project.id, Annotation.is_current.is_(True))
        )
        or 0
    )


def page_report(
    session: Session, project: Project, options: ReportOptions, *, sync_max: int = SYNC_MAX
) -> tuple[ReportSnapshot, ProjectReport[StoredData]] | None:
    """What a page shows: the latest snapshot. A tiny project (at most ``sync_max`` current
    annotations) without one, or whose latest one counted nothing and whose data changed
    since, gets one computed now (flushes; the caller commits). Else None: not computed yet."""
    row = latest(session, project)
    empty = row is not None and not row.payload.get("data", {}).get("n")
    if (row is None or empty) and counted_annotations(session, project) <= sync_max:
        if row is None or row.data_version != data_version(session, project):
            row, _report = compute_and_store(session, project, options)
    if row is None:
        return None
    return row, load(project, row)
