"""The dossier's evidence tables: one query per record kind, limited to the period.

Each table is a :class:`Table`: stable English column keys (the CSV header), translated
labels (the HTML header) and rows with the people who acted named. Times stay aware UTC
here; the HTML shows them in the project's zone and the CSVs in ISO 8601 UTC.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session
from annotate.models import (
    Batch,
    BatchDecision,
    Item,
    ItemFlag,
    Project,
    Qualification,
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    SamplePlan,
    SupervisionEvent,
    User,
)
from annotate.services.quality.dossier.period import Period


@dataclass
class Table:
    """Rows of one record kind; ``columns`` are ``(csv key, translated label)``."""

    name: str
    title: Any
    columns: list[tuple[str, Any]]
    rows: list[list[Any]] = field(default_factory=list)

    def csv(self) -> str:
        """The table as CSV (UTC ISO times, formula-safe text)."""
        from annotate.services.data.spreadsheet import safe_text

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow([key for key, _ in self.columns])
        for row in self.rows:
            out = []
            for value in row:
                if isinstance(value, datetime):
                    value = value.isoformat()
                elif hasattr(value, "value") and not isinstance(value, int | float):
                    value = value.value
                out.append(safe_text(value) if isinstance(value, str) else value)
            writer.writerow(["" if v is None else v for v in out])
        return buf.getvalue()


def _in(column: Any, period: Period) -> Any:
    clause = column < period.end
    return clause if period.start is None else sa.and_(column >= period.start, clause)


def _table(session: Session, name: str, title: Any, columns: list[tuple[str, Any]], stmt: Any):
    rows = [list(row) for row in session.execute(stmt).all()]
    return Table(name, title, columns, rows)


def evidence_tables(session: Session, project: Project, period: Period) -> dict[str, Table]:
    """Every evidence table of ``project`` for ``period``, keyed by its CSV name."""
    pid = project.id
    actor = sa.orm.aliased(User)
    tables = [
        _table(
            session,
            "batches",
            _l("Batches with source and licence"),
            [
                ("batch", _l("Batch")),
                ("source", _l("Source")),
                ("licence", _l("Licence")),
                ("status", _l("Status")),
                ("imported_at", _l("Imported at")),
                ("imported_by", _l("Imported by")),
                ("items", _l("Items")),
                ("quarantined", _l("Quarantined")),
            ],
            sa.select(
                Batch.name,
                Batch.source,
                Batch.licence,
                Batch.status,
                Batch.imported_at,
                actor.username,
                sa.func.count(Item.id),
                sa.func.coalesce(sa.func.sum(sa.case((Item.quarantined.is_(True), 1), else_=0)), 0),
            )
            .outerjoin(Item, Item.batch_id == Batch.id)
            .outerjoin(actor, actor.id == Batch.imported_by_id)
            .where(Batch.project_id == pid, Batch.imported_at < period.end)
            .group_by(Batch.id, actor.username)
            .order_by(Batch.id),
        ),
        _table(
            session,
            "rulebook_versions",
            _l("Rulebook versions and change log"),
            [
                ("rulebook", _l("Rulebook")),
                ("version", _l("Version")),
                ("status", _l("Status")),
                ("sha256", "sha256"),
                ("published_at", _l("Published at")),
                ("published_by", _l("Published by")),
                ("requires_retraining", _l("Requires retraining")),
                ("change_note", _l("Change note")),
            ],
            sa.select(
                Rulebook.key,
                RulebookVersion.version,
                RulebookVersion.status,
                RulebookVersion.sha256,
                RulebookVersion.published_at,
                actor.username,
                RulebookVersion.requires_retraining,
                RulebookVersion.change_note,
            )
            .join(Rulebook, Rulebook.id == RulebookVersion.rulebook_id)
            .outerjoin(actor, actor.id == RulebookVersion.published_by_id)
            .where(Rulebook.project_id == pid, RulebookVersion.published_at < period.end)
            .order_by(RulebookVersion.id),
        ),
        _table(
            session,
            "qualifications",
            _l("Qualifications"),
            [
                ("annotator", _l("Annotator")),
                ("rulebook_version", _l("Rulebook version")),
                ("attempt_id", _l("Earned by attempt")),
                ("granted_at", _l("Granted at")),
                ("expires_at", _l("Expires at")),
                ("revoked_at", _l("Revoked at")),
                ("revoked_reason", _l("Reason for revocation")),
            ],
            sa.select(
                User.username,
                RulebookVersion.version,
                Qualification.attempt_id,
                Qualification.granted_at,
                Qualification.expires_at,
                Qualification.revoked_at,
                Qualification.revoked_reason,
            )
            .join(User, User.id == Qualification.user_id)
            .join(RulebookVersion, RulebookVersion.id == Qualification.rulebook_version_id)
            .where(Qualification.project_id == pid, Qualification.granted_at < period.end)
            .order_by(Qualification.id),
        ),
        _table(
            session,
            "sample_plans",
            _l("Sample plans"),
            [
                ("plan", _l("Plan")),
                ("batch", _l("Batch")),
                ("round", _l("Round")),
                ("method", _l("Method")),
                ("seed", _l("Seed")),
                ("lot_size", _l("Lot size")),
                ("sample_size", "n"),
                ("accept_number", "Ac"),
                ("reject_number", "Re"),
                ("created_at", _l("Created at")),
                ("created_by", _l("Created by")),
            ],
            sa.select(
                SamplePlan.id,
                Batch.name,
                SamplePlan.round,
                SamplePlan.method,
                SamplePlan.seed,
                SamplePlan.lot_size,
                SamplePlan.sample_size,
                SamplePlan.accept_number,
                SamplePlan.reject_number,
                SamplePlan.created_at,
                actor.username,
            )
            .join(Batch, Batch.id == SamplePlan.batch_id)
            .outerjoin(actor, actor.id == SamplePlan.created_by_id)
            .where(Batch.project_id == pid, _in(SamplePlan.created_at, period))
            .order_by(SamplePlan.id),
        ),
        _table(
            session,
            "reviews",
            _l("Review verdicts"),
            [
                ("plan", _l("Plan")),
                ("batch", _l("Batch")),
                ("annotation_id", _l("Annotation")),
                ("reviewer", _l("Reviewer")),
                ("verdict", _l("Verdict")),
                ("error_type", _l("Error type")),
                ("clause_key", _l("Clause")),
                ("calibration", _l("Calibration item")),
                ("reviewed_at", _l("Reviewed at")),
            ],
            sa.select(
                SamplePlan.id,
                Batch.name,
                SampledAnnotation.annotation_id,
                User.username,
                Review.verdict,
                Review.error_type,
                Review.clause_key,
                SampledAnnotation.is_calibration,
                Review.created_at,
            )
            .select_from(Review)
            .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
            .join(SamplePlan, SamplePlan.id == SampledAnnotation.plan_id)
            .join(Batch, Batch.id == SamplePlan.batch_id)
            .join(User, User.id == Review.reviewer_id)
            .where(Batch.project_id == pid, _in(Review.created_at, period))
            .order_by(Review.id),
        ),
        _table(
            session,
            "batch_decisions",
            _l("Batch decisions"),
            [
                ("plan", _l("Plan")),
                ("batch", _l("Batch")),
                ("reviewed", _l("Reviewed")),
                ("defects", _l("Defects")),
                ("plan_decision", _l("Plan's decision")),
                ("decision", _l("Decision")),
                ("override_reason", _l("Reason")),
                ("decided_at", _l("Decided at")),
                ("decided_by", _l("Decided by")),
            ],
            sa.select(
                BatchDecision.plan_id,
                Batch.name,
                BatchDecision.reviewed,
                BatchDecision.defects,
                BatchDecision.plan_decision,
                BatchDecision.decision,
                BatchDecision.override_reason,
                BatchDecision.decided_at,
                actor.username,
            )
            .join(Batch, Batch.id == BatchDecision.batch_id)
            .outerjoin(actor, actor.id == BatchDecision.decided_by_id)
            .where(Batch.project_id == pid, _in(BatchDecision.decided_at, period))
            .order_by(BatchDecision.id),
        ),
        _table(
            session,
            "supervision_events",
            _l("Supervision events"),
            [
                ("id", "#"),
                ("annotator", _l("Annotator")),
                ("action", _l("Action")),
                ("metric", _l("Metric")),
                ("value", _l("Value")),
                ("threshold", _l("Threshold")),
                ("n", "n"),
                ("reason", _l("Reason")),
                ("created_at", _l("Created at")),
                ("created_by", _l("By")),
                ("resolved_at", _l("Resolved at")),
            ],
            sa.select(
                SupervisionEvent.id,
                User.username,
                SupervisionEvent.action,
                SupervisionEvent.metric,
                SupervisionEvent.value,
                SupervisionEvent.threshold,
                SupervisionEvent.n,
                SupervisionEvent.reason,
                SupervisionEvent.created_at,
                actor.username,
                SupervisionEvent.resolved_at,
            )
            .join(User, User.id == SupervisionEvent.annotator_id)
            .outerjoin(actor, actor.id == SupervisionEvent.created_by_id)
            .where(SupervisionEvent.project_id == pid, _in(SupervisionEvent.created_at, period))
            .order_by(SupervisionEvent.id),
        ),
        _table(
            session,
            "item_flags",
            _l("Content flags"),
            [
                ("item", _l("Item")),
                ("batch", _l("Batch")),
                ("kind", _l("Kind")),
                ("flagged_by", _l("Flagged by")),
                ("note", _l("Note")),
                ("flagged_at", _l("Flagged at")),
                ("resolution", _l("Answer")),
                ("resolved_at", _l("Resolved at")),
            ],
            sa.select(
                Item.external_id,
                Batch.name,
                ItemFlag.kind,
                User.username,
                ItemFlag.note,
                ItemFlag.created_at,
                ItemFlag.resolution,
                ItemFlag.resolved_at,
            )
            .join(Item, Item.id == ItemFlag.item_id)
            .join(Batch, Batch.id == Item.batch_id)
            .outerjoin(User, User.id == ItemFlag.user_id)
            .where(Item.project_id == pid, _in(ItemFlag.created_at, period))
            .order_by(ItemFlag.id),
        ),
    ]
    return {t.name: t for t in tables}
