"""A reviewer's answer to a prohibited-content flag: confirm it, release it, void the batch.

Each happens once. The audit head is taken first, then the item's row (see ``lock_head``);
the flag's resolution is written by an ``UPDATE … WHERE resolution IS NULL``, so of two
reviewers answering at once the second finds the flag answered and is refused (409) with
nothing written. Confirming keeps the item quarantined; releasing returns it to labelling
(once no other prohibited flag on it is open or confirmed). A confirmed flag can void the
item's batch (TC260-003: illegal content found → the whole batch is void): the batch row is
locked and a void batch is refused. Every answer is audited and closes the managers' alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Batch,
    BatchStatus,
    FlagKind,
    Item,
    ItemFlag,
    Membership,
    Project,
    ProjectRole,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from annotate.services.labeling.flags import resolve_alert
from annotate.services.locks import lock_row

CONFIRMED, RELEASED = "confirmed", "released"


@dataclass(frozen=True)
class FlagRow:
    """A prohibited-content flag as the lists show it."""

    flag: ItemFlag
    item: Item
    batch: Batch
    project: Project


def flag_rows(
    session: Session, project_ids: list[int], *, open_only: bool = False, limit: int = 200
) -> list[FlagRow]:
    """Prohibited-content flags of the projects, open ones first, newest first."""
    if not project_ids:
        return []
    stmt = (
        sa.select(ItemFlag, Item, Batch, Project)
        .join(Item, Item.id == ItemFlag.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .join(Project, Project.id == Item.project_id)
        .where(Item.project_id.in_(project_ids), ItemFlag.kind == FlagKind.prohibited)
    )
    if open_only:
        stmt = stmt.where(ItemFlag.resolution.is_(None))
    stmt = stmt.order_by(ItemFlag.resolution.is_not(None), ItemFlag.id.desc()).limit(limit)
    return [FlagRow(*row) for row in session.execute(stmt).all()]


def check_flag_reviewer(
    session: Session, user: User, flag: ItemFlag, roles: tuple[ProjectRole, ...]
) -> Project:
    """The flag's project, if ``user`` holds one of ``roles`` there (or is an admin).

    :raises PermissionDenied: otherwise; an annotator never answers their own flag.
    """
    item = session.get_one(Item, flag.item_id)
    project = session.get_one(Project, item.project_id)
    if user.is_admin:
        return project
    held = set(
        session.scalars(
            sa.select(Membership.role).where(
                Membership.project_id == project.id, Membership.user_id == user.id
            )
        )
    )
    if not held & set(roles):
        raise PermissionDenied(_l("Only a reviewer of this project can answer this flag."))
    if flag.user_id == user.id:
        raise PermissionDenied(_l("You raised this flag: another reviewer answers it."))
    return project


def get_flag(session: Session, flag_id: int) -> ItemFlag:
    """The prohibited-content flag ``flag_id``.

    :raises NotFound: no such flag, or not a prohibited-content flag.
    """
    flag = session.get(ItemFlag, flag_id)
    if flag is None or flag.kind != FlagKind.prohibited:
        raise NotFound(_l("No prohibited-content flag %(id)s.", id=flag_id))
    return flag


def _answer(session: Session, flag: ItemFlag, resolution: str, actor: User) -> Item:
    """Write ``resolution`` on the open ``flag`` once, with the item row locked.

    :raises Conflict: the flag was already answered.
    """
    lock_head(session)
    item = lock_row(session, session.get_one(Item, flag.item_id))
    changed = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(ItemFlag)
            .where(ItemFlag.id == flag.id, ItemFlag.resolution.is_(None))
            .values(resolution=resolution, resolved_at=utcnow(), resolved_by_id=actor.id)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.expire(flag)
    if changed != 1:
        raise Conflict(
            _l(
                "This flag was already answered (%(resolution)s); nothing was changed.",
                resolution=flag.resolution,
            )
        )
    resolve_alert(session, flag)
    return item


def confirm_flag(session: Session, flag: ItemFlag, actor: User, note: str = "") -> ItemFlag:
    """The content is prohibited: the item stays quarantined. Audited; flushes.

    :raises Conflict: already answered.
    """
    item = _answer(session, flag, CONFIRMED, actor)
    record_event(
        session,
        "flag.confirm",
        "item",
        item.id,
        actor=actor,
        project_id=item.project_id,
        details={"flag_id": flag.id, "external_id": item.external_id, "note": _note(note)},
    )
    return flag


def release_flag(session: Session, flag: ItemFlag, actor: User, note: str = "") -> ItemFlag:
    """The content is not prohibited: the flag is released and the item returns to labelling
    (unless another prohibited flag on it is open or confirmed). Audited; flushes.

    :raises Conflict: already answered.
    """
    item = _answer(session, flag, RELEASED, actor)
    still_held = session.scalar(
        sa.select(sa.func.count(ItemFlag.id)).where(
            ItemFlag.item_id == item.id,
            ItemFlag.kind == FlagKind.prohibited,
            sa.or_(ItemFlag.resolution.is_(None), ItemFlag.resolution == CONFIRMED),
        )
    )
    if not still_held:
        item.quarantined, item.quarantine_reason = False, None
    session.flush()
    record_event(
        session,
        "item.release",
        "item",
        item.id,
        actor=actor,
        project_id=item.project_id,
        details={
            "flag_id": flag.id,
            "external_id": item.external_id,
            "note": _note(note),
            "quarantined": bool(still_held),
        },
    )
    return flag


def void_batch(session: Session, flag: ItemFlag, actor: User, reason: str) -> Batch:
    """Void the batch of a confirmed prohibited item: it leaves every queue and export for
    good. Audited; flushes.

    :raises InvalidInput: no reason, or the flag is not confirmed.
    :raises Conflict: the batch is void already.
    """
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise InvalidInput(_l("Write why the batch is void."), ["reason: required"])
    lock_head(session)
    item = session.get_one(Item, flag.item_id)
    batch = lock_row(session, session.get_one(Batch, item.batch_id))
    session.refresh(flag)
    if flag.resolution != CONFIRMED:
        raise InvalidInput(_l("Only a confirmed prohibited-content flag can void its batch."))
    if batch.status == BatchStatus.void:
        raise Conflict(_l("Batch %(batch)s is already void.", batch=batch.name))
    before = batch.status
    batch.status = BatchStatus.void
    session.flush()
    record_event(
        session,
        "batch.void",
        "batch",
        batch.id,
        actor=actor,
        project_id=batch.project_id,
        details={
            "batch": batch.name,
            "flag_id": flag.id,
            "item": item.external_id,
            "status_before": before.value,
            "reason": reason,
        },
    )
    return batch


def open_prohibited_in_batch(session: Session, batch: Batch) -> int:
    """Prohibited-content flags on the batch's items still waiting for a reviewer."""
    return int(
        session.scalar(
            sa.select(sa.func.count(ItemFlag.id))
            .join(Item, Item.id == ItemFlag.item_id)
            .where(
                Item.batch_id == batch.id,
                ItemFlag.kind == FlagKind.prohibited,
                ItemFlag.resolution.is_(None),
            )
        )
        or 0
    )


def _note(note: str) -> str:
    return (note or "").strip()[:2000]
