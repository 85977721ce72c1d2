"""What each kind of job does: an import from a stored upload, the dataset export, the
quality-metrics CSV and the compliance dossier. Each handler works in the job's session
(flushes; :func:`~.queue.run_job` commits or rolls back), writes its file in ``directory``
and reports progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from annotate.database import Session
from annotate.models import Item, Job, Project, User
from annotate.services.errors import NotFound
from annotate.services.jobs.base import Handler, Outcome, Progress, files_dir
from annotate.services.quality.report import ReportOptions


def configured_report_options() -> ReportOptions:
    """Interval settings from the configuration (``REPORT_BOOTSTRAP``, ``REPORT_SEED``)."""
    return ReportOptions(
        bootstrap=int(current_app.config.get("REPORT_BOOTSTRAP", 200)),
        seed=int(current_app.config.get("REPORT_SEED", 0)),
    )


def _subjects(session: Session, job: Job) -> tuple[Project, User]:
    project = session.get(Project, job.project_id) if job.project_id else None
    actor = session.get(User, job.created_by_id)
    if project is None or actor is None:
        raise NotFound("The job's project or user no longer exists.")
    return project, actor


def count_lines(path: Path) -> int:
    """Lines in a file (the import's progress total), read in 1 MiB blocks."""
    lines = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
    return lines


def run_import(session: Session, job: Job, progress: Progress, directory: Path) -> Outcome:
    """Import the stored upload, streamed: all or nothing, progress in records read."""
    from annotate.services.data.formats import iter_records
    from annotate.services.data.imports import import_records
    from annotate.services.jobs.snapshots import after_change

    project, actor = _subjects(session, job)
    params: dict[str, Any] = job.params
    path = files_dir() / params["upload"]
    fmt = params["format"]
    total = count_lines(path) - (1 if fmt == "csv" else 0) if fmt != "labelstudio" else None
    progress(0, total, force=True)
    problems: list[str] = []
    imported = 0

    def advance(chunk: int) -> None:  # import_records reports each chunk it inserts
        nonlocal imported
        imported += chunk
        progress(imported)

    with path.open("rb") as stream:
        result = import_records(
            session,
            project,
            iter_records(stream, fmt, problems),
            batch_name=params["batch"],
            source=params.get("source", ""),
            licence=params.get("licence", ""),
            actor=actor,
            parse_problems=problems,
            progress=advance,
            dedupe=params.get("dedupe", "id"),
            rulebook_version=params.get("rulebook_version"),
        )
    progress.total = result.read
    path.unlink(missing_ok=True)
    snapshot = after_change(session, project, actor) if result.batch else None
    return Outcome(
        follow=[snapshot.id] if snapshot else [],
        result={
            "batch": result.batch.name if result.batch else None,
            "batch_id": result.batch.id if result.batch else None,
            "counts": result.counts(),
            "listed": {kind: [list(row) for row in rows] for kind, rows in result.listed.items()},
        },
    )


def run_dataset_export(session: Session, job: Job, progress: Progress, directory: Path) -> Outcome:
    from annotate.services.data.export import (
        EXTENSIONS,
        ExportStats,
        iter_dataset,
        record_dataset_export,
    )

    project, actor = _subjects(session, job)
    fmt = job.params.get("format", "jsonl")
    naming = job.params.get("annotators", "pseudonym")
    total = session.scalar(sa.select(sa.func.count(Item.id)).where(Item.project_id == project.id))
    progress(0, total, force=True)
    stats = ExportStats(fmt)
    name = f"{project.slug}-dataset.{EXTENSIONS[fmt]}"
    chunks = iter_dataset(
        session, project, fmt, stats, annotators=naming, secret=current_app.secret_key
    )
    with (directory / name).open("wb") as out:
        for chunk in chunks:
            out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
            progress(stats.rows)
    record_dataset_export(session, project, stats, actor=actor, via="web")
    progress.total = stats.rows
    return Outcome(name, {"rows": stats.rows, "bytes": stats.bytes, "sha256": stats.sha256})


def run_metrics_export(session: Session, job: Job, progress: Progress, directory: Path) -> Outcome:
    from annotate.services.quality.metrics_csv import metrics_csv, record_metrics_export
    from annotate.services.quality.report import compute_report

    project, actor = _subjects(session, job)
    progress(0, 2, force=True)
    report = compute_report(session, project, configured_report_options())
    progress(1)
    text = metrics_csv(report)
    record_metrics_export(session, report, text, actor=actor, via="web")
    name = f"{project.slug}-metrics-{report.computed_at.strftime('%Y%m%dT%H%M%SZ')}.csv"
    (directory / name).write_text(text, encoding="utf-8")
    progress.total = 2
    return Outcome(name, {"rows": max(text.count("\n") - 1, 0)})


def run_dossier(session: Session, job: Job, progress: Progress, directory: Path) -> Outcome:
    from annotate.services.quality.dossier import DossierRequest, build_dossier_zip

    project, actor = _subjects(session, job)
    progress(0, 1, force=True)
    wanted = DossierRequest(
        job.params.get("from") or None,
        job.params.get("to") or None,
        job.params.get("lang", "zh"),
        configured_report_options(),
    )
    buffer, name = build_dossier_zip(session, project, wanted, actor=actor)
    (directory / name).write_bytes(buffer.getvalue())
    progress.total = 1
    return Outcome(name, {"bytes": len(buffer.getvalue())})


def run_snapshot(session: Session, job: Job, progress: Progress, directory: Path) -> Outcome:
    """Store a new report snapshot of the project if its data changed since the latest one
    (or a manager asked for one: ``force``)."""
    from annotate.services.quality.snapshots import refresh

    project, _actor = _subjects(session, job)
    progress(0, 1, force=True)
    row, _report, new = refresh(
        session, project, configured_report_options(), force=bool(job.params.get("force"))
    )
    progress.total = 1
    return Outcome(result={"snapshot": row.id, "new": new, "duration_ms": row.duration_ms})


#: Every kind of job, by the name stored in ``jobs.kind``.
HANDLERS: dict[str, Handler] = {
    "import": run_import,
    "dataset": run_dataset_export,
    "metrics": run_metrics_export,
    "dossier": run_dossier,
    "snapshot": run_snapshot,
}
