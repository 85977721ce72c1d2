"""The compliance dossier: a self-contained HTML report plus CSVs for an inspector (Art. 19).

One section per Art. 8 duty — rules (rulebook versions, change log), training and
qualifications, sampling plans with verdicts and batch decisions, agreement and accuracy,
supervision — plus a data-provenance summary (Art. 7) and the audit chain's head hash.
``index.html`` uses inline CSS and inline SVG only, so it opens offline from ``file://``.
``SHA256SUMS`` lists every file's digest. Building it appends an ``export.dossier`` audit event.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template

from annotate.database import Session, utcnow
from annotate.models import (
    Batch,
    BatchDecision,
    Item,
    Project,
    Qualification,
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    SamplePlan,
    SupervisionEvent,
    TrainingAttempt,
    TrainingModule,
    User,
)
from annotate.services.audit import record_event
from annotate.services.audit_checks import chain_status
from annotate.services.quality.metrics_csv import metrics_csv
from annotate.services.quality.report import ReportOptions, compute_report


def _table(session: Session, stmt: Any, header: list[str]) -> list[list[Any]]:
    return [header] + [list(row) for row in session.execute(stmt).all()]


def _sections(session: Session, project: Project) -> dict[str, list[list[Any]]]:
    """Every evidence table as rows (header first) — written as CSVs and shown in the HTML."""
    pid = project.id
    creator = sa.orm.aliased(User)
    tables = {
        "batches": _table(
            session,
            sa.select(
                Batch.name,
                Batch.source,
                Batch.licence,
                Batch.status,
                Batch.imported_at,
                sa.func.count(Item.id),
                sa.func.coalesce(sa.func.sum(sa.case((Item.quarantined.is_(True), 1), else_=0)), 0),
                sa.func.coalesce(
                    sa.func.sum(
                        sa.case(
                            (
                                sa.and_(
                                    Item.gold_answer.is_not(None),
                                    sa.cast(Item.gold_answer, sa.Text) != "null",
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
            )
            .outerjoin(Item, Item.batch_id == Batch.id)
            .where(Batch.project_id == pid)
            .group_by(Batch.id)
            .order_by(Batch.id),
            [
                "batch",
                "source",
                "licence",
                "status",
                "imported_at",
                "items",
                "quarantined",
                "gold_items",
            ],
        ),
        "rulebook_versions": _table(
            session,
            sa.select(
                Rulebook.key,
                RulebookVersion.version,
                RulebookVersion.status,
                RulebookVersion.sha256,
                RulebookVersion.published_at,
                creator.username,
                RulebookVersion.requires_retraining,
                RulebookVersion.change_note,
            )
            .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
            .outerjoin(creator, creator.id == RulebookVersion.published_by_id)
            .where(Rulebook.project_id == pid)
            .order_by(RulebookVersion.id),
            [
                "rulebook",
                "version",
                "status",
                "sha256",
                "published_at",
                "published_by",
                "requires_retraining",
                "change_note",
            ],
        ),
        "qualifications": _table(
            session,
            sa.select(
                User.username,
                RulebookVersion.version,
                Qualification.granted_at,
                Qualification.expires_at,
                Qualification.revoked_at,
                Qualification.revoked_reason,
            )
            .join(User, User.id == Qualification.user_id)
            .join(RulebookVersion, RulebookVersion.id == Qualification.rulebook_version_id)
            .where(Qualification.project_id == pid)
            .order_by(Qualification.id),
            [
                "annotator",
                "rulebook_version",
                "granted_at",
                "expires_at",
                "revoked_at",
                "revoked_reason",
            ],
        ),
        "training_attempts": _table(
            session,
            sa.select(
                User.username,
                TrainingModule.key,
                TrainingModule.version,
                TrainingAttempt.score,
                TrainingAttempt.passed,
                TrainingAttempt.submitted_at,
            )
            .join(User, User.id == TrainingAttempt.user_id)
            .join(TrainingModule, TrainingModule.id == TrainingAttempt.module_id)
            .where(sa.or_(TrainingAttempt.project_id == pid, TrainingAttempt.project_id.is_(None)))
            .order_by(TrainingAttempt.id),
            ["user", "module", "module_version", "score", "passed", "submitted_at"],
        ),
        "sample_plans": _table(
            session,
            sa.select(
                Batch.name,
                SamplePlan.round,
                SamplePlan.method,
                SamplePlan.seed,
                SamplePlan.lot_size,
                SamplePlan.sample_size,
                SamplePlan.accept_number,
                SamplePlan.reject_number,
                SamplePlan.code_letter,
                SamplePlan.created_at,
            )
            .join(Batch, Batch.id == SamplePlan.batch_id)
            .where(Batch.project_id == pid)
            .order_by(SamplePlan.id),
            [
                "batch",
                "round",
                "method",
                "seed",
                "lot_size",
                "sample_size",
                "accept_number",
                "reject_number",
                "code_letter",
                "created_at",
            ],
        ),
        "reviews": _table(
            session,
            sa.select(
                Batch.name,
                SampledAnnotation.annotation_id,
                User.username,
                Review.verdict,
                Review.error_type,
                Review.clause_key,
                Review.created_at,
            )
            .select_from(Review)
            .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
            .join(SamplePlan, SamplePlan.id == SampledAnnotation.plan_id)
            .join(Batch, Batch.id == SamplePlan.batch_id)
            .join(User, User.id == Review.reviewer_id)
            .where(Batch.project_id == pid)
            .order_by(Review.id),
            [
                "batch",
                "annotation_id",
                "reviewer",
                "verdict",
                "error_type",
                "clause_key",
                "reviewed_at",
            ],
        ),
        "batch_decisions": _table(
            session,
            sa.select(
                Batch.name,
                BatchDecision.reviewed,
                BatchDecision.defects,
                BatchDecision.plan_decision,
                BatchDecision.decision,
                BatchDecision.override_reason,
                BatchDecision.decided_at,
            )
            .join(Batch, Batch.id == BatchDecision.batch_id)
            .where(Batch.project_id == pid)
            .order_by(BatchDecision.id),
            [
                "batch",
                "reviewed",
                "defects",
                "plan_decision",
                "decision",
                "override_reason",
                "decided_at",
            ],
        ),
        "supervision_events": _table(
            session,
            sa.select(
                User.username,
                SupervisionEvent.action,
                SupervisionEvent.metric,
                SupervisionEvent.value,
                SupervisionEvent.threshold,
                SupervisionEvent.n,
                SupervisionEvent.reason,
                SupervisionEvent.created_at,
                SupervisionEvent.resolved_at,
            )
            .join(User, User.id == SupervisionEvent.annotator_id)
            .where(SupervisionEvent.project_id == pid)
            .order_by(SupervisionEvent.id),
            [
                "annotator",
                "action",
                "metric",
                "value",
                "threshold",
                "n",
                "reason",
                "created_at",
                "resolved_at",
            ],
        ),
    }
    for rows in tables.values():
        for row in rows[1:]:
            for i, cell in enumerate(row):
                row[i] = _cell(cell)
    return tables


def _cell(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, int | float):
        return value.value
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else value


def _csv(rows: list[list[Any]]) -> str:
    from annotate.services.data.spreadsheet import safe_text

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_text(c) if isinstance(c, str) else c for c in row])
    return buf.getvalue()


def build_dossier(
    session: Session,
    project: Project,
    out_dir: Path,
    options: ReportOptions | None = None,
    *,
    actor: User | None = None,
) -> list[Path]:
    """Write the dossier into ``out_dir`` (created) and return the files written. Flushes."""
    from annotate.charts.dashboard import dashboard_charts

    out_dir.mkdir(parents=True, exist_ok=True)
    report = compute_report(session, project, options)
    chain = chain_status(session)
    tables = _sections(session, project)
    files: dict[str, str] = {"metrics.csv": metrics_csv(report)}
    for name, rows in tables.items():
        files[f"{name}.csv"] = _csv(rows)
    context = {
        "project": project,
        "report": report,
        "tables": tables,
        "chain": chain,
        "csv_names": sorted(files),
    }
    if has_request_context():
        context["charts"] = dashboard_charts(report)
        html = render_template("dossier/report.html", **context)
    else:
        with current_app.test_request_context():
            context["charts"] = dashboard_charts(report)
            html = render_template("dossier/report.html", **context)
    files["index.html"] = html
    written = []
    sums = []
    for name in sorted(files):
        path = out_dir / name
        data = files[name].encode("utf-8")
        path.write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
        written.append(path)
    (out_dir / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    written.append(out_dir / "SHA256SUMS")
    record_event(
        session,
        "export.dossier",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={
            "files": sorted(files),
            "audit_head": chain.head,
            "audit_events": chain.checked,
            "index_sha256": hashlib.sha256(files["index.html"].encode("utf-8")).hexdigest(),
        },
    )
    return written


def build_dossier_zip(
    session: Session,
    project: Project,
    options: ReportOptions | None = None,
    *,
    actor: User | None = None,
) -> tuple[io.BytesIO, str]:
    """Build the dossier in a temporary directory and zip it in memory.

    Returns the zip (rewound) and its file name; the temporary directory is removed.
    """
    folder = f"{project.slug}-dossier-{utcnow().strftime('%Y%m%dT%H%M%SZ')}"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="annotate-dossier-") as tmp:
        files = build_dossier(session, project, Path(tmp) / folder, options, actor=actor)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"{folder}/{path.name}")
    buffer.seek(0)
    return buffer, f"{folder}.zip"
