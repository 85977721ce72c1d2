"""Content handling (flags, quarantines, releases, voids), item totals against what the figures
counted, and the excerpt of the audit chain with its head — built even over a broken chain."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    AuditEvent,
    FlagKind,
    GoldSource,
    Item,
    ItemFlag,
    Project,
)
from annotate.services import audit_checks
from annotate.services.quality.dossier.period import Period


@dataclass
class Handling:
    """Counts of the period (flags, releases, voids) and current totals."""

    flags: dict[str, dict[str, int]]
    quarantined_now: int
    releases: int
    voided_batches: int
    items: int
    gold_items: int
    items_annotated: int
    #: Gold promoted by a manager from agreeing annotations (within ``gold_items``).
    gold_promoted: int
    annotations_in_period: int
    current_annotations: int
    counted: int


def _in(column: Any, period: Period) -> Any:
    clause = column < period.end
    return clause if period.start is None else sa.and_(column >= period.start, clause)


def content_handling(session: Session, project: Project, period: Period, counted: int) -> Handling:
    """What happened to flagged content in the period and how many items there are."""
    pid = project.id
    flags = {kind.value: {"raised": 0, "resolved": 0, "open": 0} for kind in FlagKind}
    rows = session.execute(
        sa.select(ItemFlag.kind, ItemFlag.resolved_at.is_not(None), sa.func.count())
        .join(Item, Item.id == ItemFlag.item_id)
        .where(Item.project_id == pid, _in(ItemFlag.created_at, period))
        .group_by(ItemFlag.kind, ItemFlag.resolved_at.is_not(None))
    ).all()
    for kind, resolved, n in rows:
        tally = flags[kind.value if hasattr(kind, "value") else str(kind)]
        tally["raised"] += n
        tally["resolved" if resolved else "open"] += n
    count = sa.func.count()

    def scalar(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    items = sa.select(count).select_from(Item).where(Item.project_id == pid)
    annotations = (
        sa.select(count).select_from(Annotation).join(Item, Item.id == Annotation.item_id)
    ).where(Item.project_id == pid)
    return Handling(
        flags=flags,
        quarantined_now=scalar(items.where(Item.quarantined.is_(True))),
        releases=scalar(
            sa.select(count)
            .select_from(AuditEvent)
            .where(
                AuditEvent.project_id == pid,
                AuditEvent.action == "item.release",
                _in(AuditEvent.created_at, period),
            )
        ),
        # A batch is voided by a decision or, for a confirmed prohibited-content flag, by a
        # reviewer's or manager's void: both append ``batch.void``.
        voided_batches=scalar(
            sa.select(count)
            .select_from(AuditEvent)
            .where(
                AuditEvent.project_id == pid,
                AuditEvent.action == "batch.void",
                _in(AuditEvent.created_at, period),
            )
        ),
        items=scalar(items),
        gold_items=scalar(items.where(Item.gold_answer.is_not(None))),
        gold_promoted=scalar(items.where(Item.gold_source == GoldSource.promoted)),
        items_annotated=scalar(
            sa.select(sa.func.count(sa.distinct(Annotation.item_id)))
            .join(Item, Item.id == Annotation.item_id)
            .where(Item.project_id == pid)
        ),
        annotations_in_period=scalar(annotations.where(_in(Annotation.submitted_at, period))),
        current_annotations=scalar(annotations.where(Annotation.is_current.is_(True))),
        counted=counted,
    )


@dataclass
class ChainState:
    """The chain's verification, its head, and the project's latest events."""

    checked: int
    head_hash: str
    head_id: int | None
    head_at: Any
    broken_at: int | None
    problem: str | None
    events: list[AuditEvent] = field(default_factory=list)


def chain_state(session: Session, project: Project, limit: int = 25) -> ChainState:
    """Verify the chain without ever failing the dossier: a chain that cannot even be read
    (a malformed row) is reported as broken with the reason."""
    try:
        check = audit_checks.verify_chain(session)
        checked, head, broken, problem = check.checked, check.head, check.broken_at, check.problem
    except Exception as error:  # noqa: BLE001 - a broken chain must still give a dossier
        checked, head = 0, ""
        broken, problem = _unreadable_event(session), f"{type(error).__name__}: {error}"
    last = session.execute(
        sa.select(AuditEvent.id, AuditEvent.created_at).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    try:
        events = list(
            session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.project_id == project.id)
                .order_by(AuditEvent.id.desc())
                .limit(limit)
            )
        )
    except Exception:  # noqa: BLE001 - unreadable rows: the excerpt is left out
        events = []
    return ChainState(
        checked,
        head,
        last[0] if last else None,
        last[1] if last else None,
        broken,
        problem,
        events,
    )


def _unreadable_event(session: Session) -> int | None:
    """The first event whose stored details are not JSON (read as text, not decoded)."""
    rows = session.execute(
        sa.select(AuditEvent.id, sa.cast(AuditEvent.details, sa.Text)).order_by(AuditEvent.id)
    )
    for event_id, text in rows:
        try:
            json.loads(text or "null")
        except ValueError:
            return int(event_id)
    return None
