"""Flags that match the rulebooks: an annotator flags, then finishes the item.

* **Personal information** (Art. 7) marks the item (``has_personal_info``: exports mask its
  content unless the manager opts in) and nothing else: the item stays in the queue and the
  annotator labels it under the same lease ("flag, then label as usual").
* **Prohibited content** (Art. 14) quarantines the item at once: nobody else is served it and
  other live leases on it can no longer be submitted. The project's managers are alerted (a
  supervision alert stored as a code and its parameters, and the open flag on their home
  page); in a security project the batch goes under 100 % review. A reviewer then confirms or
  releases the flag (:mod:`annotate.services.review.flags`). The flagging annotator keeps the
  lease to finish the item as their rulebook says: label it (the content-safety category,
  the safer response) or skip it ("flag and stop").

The item row is locked (after the audit head, see :func:`lock_head`) before anything is
read, so two flags of one item are serialised and the quarantine and its alert happen once.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from annotate.database import Session, utcnow
from annotate.models import (
    Batch,
    FlagKind,
    Item,
    ItemFlag,
    Project,
    RulebookKind,
    SupervisionAction,
    SupervisionEvent,
    User,
)
from annotate.services.audit import lock_head, record_event
from annotate.services.errors import Conflict, InvalidInput
from annotate.services.labeling.leases import get_lease
from annotate.services.locks import lock_row

#: The alert code of a prohibited-content flag (rendered in the reader's language).
PROHIBITED_ALERT = "flag.prohibited"
#: SupervisionEvent.metric of that alert: one per flag, resolved with the flag.
ALERT_METRIC = "prohibited_flag"


def _kind(kind: FlagKind | str) -> FlagKind:
    try:
        return FlagKind(kind)
    except ValueError:
        raise InvalidInput(
            _l("Choose what to flag: prohibited content or personal information."),
            [f"kind: one of {', '.join(k.value for k in FlagKind)}"],
        ) from None


def flag_item(
    session: Session,
    item: Item,
    user: User | None,
    kind: FlagKind | str,
    note: str = "",
    *,
    assignment_id: int | None = None,
) -> ItemFlag:
    """Flag ``item``: personal information marks it, prohibited content quarantines it,
    alerts the managers and (security projects) puts its batch under 100 % review.

    The flagging annotator's lease ``assignment_id`` stays theirs. Flushes; the caller
    commits (after :func:`lock_head` when an event follows an item lock, as here).

    :raises InvalidInput: unknown kind.
    :raises Conflict: this lease already flagged the item so.
    """
    kind = _kind(kind)
    note = (note or "").strip()[:2000]
    item = lock_row(session, item)
    if assignment_id is not None and session.scalar(
        sa.select(ItemFlag.id).where(
            ItemFlag.item_id == item.id,
            ItemFlag.assignment_id == assignment_id,
            ItemFlag.kind == kind,
        )
    ):
        raise Conflict(_l("You already flagged this item; the flag is recorded."))
    flag = ItemFlag(
        item_id=item.id,
        user_id=user.id if user else None,
        kind=kind,
        note=note,
        assignment_id=assignment_id,
    )
    session.add(flag)
    details: dict[str, Any] = {"kind": kind.value, "note": note, "external_id": item.external_id}
    if kind == FlagKind.personal_info:
        item.has_personal_info = True
        session.flush()
    else:
        session.flush()
        details.update(_quarantine(session, item, flag, user))
    record_event(
        session,
        "item.flag",
        "item",
        item.id,
        actor=user,
        project_id=item.project_id,
        details={**details, "flag_id": flag.id},
    )
    return flag


def _quarantine(session: Session, item: Item, flag: ItemFlag, user: User | None) -> dict[str, Any]:
    """Quarantine ``item`` (once), alert the managers, mark a security batch for full review.
    Returns what the audit event adds."""
    changed = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Item)
            .where(Item.id == item.id, Item.quarantined.is_(False))
            .values(quarantined=True, quarantine_reason=f"prohibited: {flag.note}".rstrip(": "))
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.expire(item, ["quarantined", "quarantine_reason"])
    project = session.get_one(Project, item.project_id)
    batch = session.get_one(Batch, item.batch_id)
    out: dict[str, Any] = {"quarantined": changed == 1, "batch": batch.name}
    if user is not None:
        session.add(
            SupervisionEvent(
                project_id=project.id,
                annotator_id=user.id,
                action=SupervisionAction.alert,
                metric=ALERT_METRIC,
                snapshot={"code": PROHIBITED_ALERT, "params": alert_params(item, batch, flag)},
                reason="",
                created_by_id=user.id,
            )
        )
    if project.rulebook_kind == RulebookKind.security and not batch.review_all:
        batch.review_all = True
        session.flush()
        record_event(
            session,
            "batch.review_all",
            "batch",
            batch.id,
            actor=user,
            project_id=project.id,
            details={"batch": batch.name, "flag_id": flag.id, "item": item.external_id},
        )
        out["review_all"] = True
    session.flush()
    return out


def alert_params(item: Item, batch: Batch, flag: ItemFlag) -> dict[str, Any]:
    """The parameters an alert is rendered with (never the flagged content itself)."""
    return {"item": item.external_id, "batch": batch.name, "flag_id": flag.id}


def flag_leased_item(
    session: Session,
    assignment_id: int,
    user: User,
    project: Project,
    kind: FlagKind | str,
    note: str = "",
) -> ItemFlag:
    """Flag the item of the caller's live lease (the labeling screen's F and P keys); the
    lease stays open for the annotator to label or skip the item."""
    kind = _kind(kind)
    lock_head(session)  # the head before the item: see lock_head
    assignment = get_lease(session, assignment_id, user, project)
    return flag_item(session, assignment.item, user, kind, note, assignment_id=assignment.id)


def resolve_alert(session: Session, flag: ItemFlag) -> None:
    """Close the managers' alert of ``flag`` (the reviewer confirmed or released it)."""
    item = session.get_one(Item, flag.item_id)
    for alert in session.scalars(
        sa.select(SupervisionEvent).where(
            SupervisionEvent.project_id == item.project_id,
            SupervisionEvent.metric == ALERT_METRIC,
            SupervisionEvent.resolved_at.is_(None),
        )
    ):
        if alert.snapshot.get("params", {}).get("flag_id") == flag.id:
            alert.resolved_at = utcnow()


def release_item(session: Session, item: Item, actor: User, note: str = "") -> None:
    """A manager lifts the quarantine (e.g. the flag was wrong); open flags are released.

    :raises Conflict: the item is not quarantined.
    """
    lock_head(session)
    item = lock_row(session, item)
    if not item.quarantined:
        raise Conflict(_l("This item is not quarantined."))
    now = utcnow()
    for flag in item.flags:
        if flag.resolved_at is None:
            flag.resolved_at, flag.resolution, flag.resolved_by_id = now, "released", actor.id
            resolve_alert(session, flag)
    item.quarantined = False
    item.quarantine_reason = None
    session.flush()
    record_event(
        session,
        "item.release",
        "item",
        item.id,
        actor=actor,
        project_id=item.project_id,
        details={"note": (note or "").strip()[:2000], "external_id": item.external_id},
    )
