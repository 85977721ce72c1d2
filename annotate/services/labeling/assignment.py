"""The assignment engine: who gets which item next, under leases that expire.

Invariants (hold on SQLite and PostgreSQL, under concurrency):

* ``Item.annotation_count`` counts the *slots taken* on an item: live leases plus current
  annotations. A slot is taken only by a conditional ``UPDATE … WHERE annotation_count <
  target`` that succeeds, so no item ever gets more than its target (k, or 1 outside the
  overlap share); expiring or skipping a lease gives the slot back, again conditionally (the
  assignment's status flips from ``leased`` exactly once).
* Nobody is assigned the same item twice (any earlier assignment, whatever its status, bars it;
  the unique constraint on item × annotator × round backs this up).
* Void batches, batches no longer open and quarantined items are never handed out.
* The qualification gate is enforced here, not only in the pages.

On PostgreSQL candidate items are read ``FOR UPDATE SKIP LOCKED``, so concurrent annotators take
different items. A claim (:func:`claim_next`) is a handful of statements (a test counts them);
leases are read in ``leases.py``, the ORM bypasses are in ``fastpath.py``.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, aliased

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Batch,
    BatchStatus,
    Item,
    Membership,
    Project,
    User,
)
from annotate.services.labeling.fastpath import add_inserted, set_loaded
from annotate.services.labeling.leases import own_flag, with_item
from annotate.services.training.gate import (
    NOW,
    PROJECT_ID,
    USER_ID,
    WorkingVersion,
    admit,
    gate_facts,
    gate_params,
    gate_statement,
)

if TYPE_CHECKING:
    from sqlalchemy.sql.base import ReadOnlyColumnCollection
    from sqlalchemy.sql.selectable import ExecutableReturnsRows

#: Batches whose items may be handed out.
WORKABLE = (BatchStatus.open, BatchStatus.reannotating)
#: Resolution of the overlap share (per mille buckets).
BUCKETS = 1000
#: Multiplier of the per-item bucket hash; coprime with BUCKETS, so every run of 1,000
#: consecutive ids fills each bucket exactly once and the share is exact.
_MULTIPLIER = 2654435761
#: The target of an attention check: never reached, every annotator gets it.
ATTENTION_TARGET = 1_000_000_000


@dataclass(frozen=True)
class Claim:
    """A lease handed to an annotator, with the rulebook version to work under."""

    assignment: Assignment
    version: WorkingVersion
    resumed: bool


def overlap_bucket(item_id: int) -> int:
    """The item's deterministic bucket in ``[0, 1000)`` for the overlap decision."""
    return (item_id * _MULTIPLIER) % BUCKETS


def item_target(project: Project, item: Item) -> int:
    """How many annotators ``item`` should get: k for overlap and gold items, every one
    for attention checks, else 1."""
    if item.attention_answer is not None:
        return ATTENTION_TARGET
    if item.gold_answer is not None or overlap_bucket(item.id) < round(
        project.overlap_share * BUCKETS
    ):
        return project.redundancy_k
    return 1


def _target(
    item: type[Item] | ReadOnlyColumnCollection[str, sa.Column[Any]], k: object, threshold: object
) -> sa.ColumnElement[int]:
    # The constants are written into the SQL, not bound: PostgreSQL can then plan the
    # statement once for all executions (see ``_ONE``).
    bucket = (item.id * sa.literal_column(str(_MULTIPLIER), sa.BigInteger)) % sa.literal_column(
        str(BUCKETS), sa.Integer
    )
    return sa.case(
        (item.attention_answer.is_not(None), sa.literal_column(str(ATTENTION_TARGET))),
        (sa.or_(item.gold_answer.is_not(None), bucket < threshold), k),
        else_=_ONE,
    )


def target_expr(project: Project, item: type[Item] = Item) -> sa.ColumnElement[int]:
    """SQL form of :func:`item_target` (same arithmetic, evaluated by the database); ``item``
    may be an alias of :class:`Item`."""
    return _target(item, project.redundancy_k, round(project.overlap_share * BUCKETS))


def _wants_gold(project: Project, served: int, user: User, rate: float | None = None) -> bool:
    """True if the annotator's next item should be a gold item (with ``rate``: an attention
    check at that rate).

    Exact in the long run: the ``n``-th item is gold when ``floor(n × rate)`` steps up; a
    per-user offset keeps annotators from seeing gold at the same positions.
    """
    salt = "" if rate is None else ":attention"
    rate = max(0.0, min(1.0, project.gold_rate if rate is None else rate))
    key = f"{project.id}:{user.id}{salt}".encode()
    n = served + int(hashlib.sha256(key).hexdigest()[:6], 16) % 97
    return int((n + 1) * rate) > int(n * rate)


def _slot_values(
    count: sa.ColumnElement[int] | InstrumentedAttribute[int],
    delta: object,
    target: sa.ColumnElement[int],
) -> dict[str, object]:
    """``SET`` values adding ``delta`` to an item's taken slots (``count``, a column of the
    items table or of :class:`Item`), with ``has_free_slot`` following the new count: the
    one place that says how the flag follows the count."""
    new = count + delta
    return {"annotation_count": new, "has_free_slot": new < target}


def slot_change(project: Project, delta: int | sa.ColumnElement[int]) -> dict[str, object]:
    """The ``UPDATE`` values that add ``delta`` (negative: give back) to an item's taken
    slots, keeping ``Item.has_free_slot`` in step with the count."""
    return _slot_values(Item.annotation_count, delta, target_expr(project))


def refresh_free_slots(session: Session, project: Project, *where: sa.ColumnElement[bool]) -> None:
    """Recompute ``Item.has_free_slot`` from the count for the project's items (``where``
    narrows them), after their counts were written directly (imports, the demo)."""
    session.execute(
        sa.update(Item)
        .where(Item.project_id == project.id, *where)
        .values(has_free_slot=Item.annotation_count < target_expr(project))
        .execution_options(synchronize_session=False)
    )


def release_slot(
    session: Session,
    project: Project,
    assignment_id: int,
    item_id: int,
    status: AssignmentStatus,
    reason: str | None = None,
) -> bool:
    """Move a leased assignment to ``status`` and give its slot back, exactly once.

    Returns False (and changes nothing) if the assignment was no longer leased.
    """
    values: dict[str, object] = {"status": status}
    if reason is not None:
        values["skip_reason"] = reason
    changed = cast(
        sa.CursorResult[Any],
        session.execute(
            sa.update(Assignment)
            .where(Assignment.id == assignment_id, Assignment.status == AssignmentStatus.leased)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        return False
    session.execute(
        sa.update(Item)
        .where(Item.id == item_id, Item.annotation_count > 0)
        .values(slot_change(project, -1))
        .execution_options(synchronize_session=False)
    )
    return True


def expire_leases(session: Session, project: Project, now: datetime | None = None) -> int:
    """Expire the project's overdue leases so their items return to the queue."""
    now = now or utcnow()
    overdue = (
        sa.select(Assignment.id, Assignment.item_id)
        .join(Item, Item.id == Assignment.item_id)
        .where(
            Item.project_id == project.id,
            Assignment.status == AssignmentStatus.leased,
            Assignment.lease_expires_at <= now,
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        overdue = overdue.with_for_update(skip_locked=True, of=Assignment)
    expired = 0
    for assignment_id, item_id in session.execute(overdue.limit(500)).all():
        expired += release_slot(session, project, assignment_id, item_id, AssignmentStatus.expired)
    if expired:
        session.expire_all()
    return expired


# The claim's statements are built once, with parameters: building a statement this size costs
# more in Python than PostgreSQL takes to run it. Parameters: the gate's (``user_id``,
# ``project_id``, ``now``); for the slot ``annotator``, ``project`` (an UPDATE of items may
# not bind a name of its columns), ``k`` and ``threshold`` (the project's redundancy and
# overlap).
_USER: sa.BindParameter[int] = sa.bindparam("annotator")
_PROJECT: sa.BindParameter[int] = sa.bindparam("project")
#: ``LIMIT 1`` and ``OFFSET 0`` as literals: with a bound limit PostgreSQL cannot know the
#: plan stops at the first row, keeps re-planning the prepared claim for each execution, and
#: that planning costs more than running it.
_ONE, _ZERO = sa.literal_column("1", sa.Integer), sa.literal_column("0", sa.Integer)


def _fenced(subquery: sa.Select) -> sa.Select:
    """``subquery`` with ``OFFSET 0``, which keeps PostgreSQL from flattening an ``EXISTS``
    into a merge join: it then probes an index once per candidate row, as meant, instead of
    reading every assignment (or annotation) of the project in item order to find one
    annotator's. Harmless on SQLite, which probes anyway."""
    return subquery.offset(_ZERO)


@functools.cache
def _claim_gate_statement() -> sa.Select:
    """The gate (locking the membership) with the annotator's live lease (``live_lease``) and
    whether any lease of the project is overdue (``overdue``): one statement."""
    mine = (
        sa.select(Assignment.id)
        .join(Item, Item.id == Assignment.item_id)
        .where(Assignment.annotator_id == USER_ID, Item.project_id == PROJECT_ID)
    )
    live = (
        mine.where(
            Assignment.status == AssignmentStatus.leased,
            Assignment.lease_expires_at > NOW,
            # A lease whose own flag quarantined the item stays its annotator's to finish.
            sa.or_(Item.quarantined.is_(False), own_flag(Assignment.id)),
        )
        .order_by(Assignment.id)
        .limit(_ONE)
        .scalar_subquery()
    )
    overdue = sa.exists(
        sa.select(Assignment.id)
        .join(Item, Item.id == Assignment.item_id)
        .where(
            Item.project_id == PROJECT_ID,
            Assignment.status == AssignmentStatus.leased,
            Assignment.lease_expires_at <= NOW,
        )
    )
    return gate_statement(lock=True).add_columns(live.label("live_lease"), overdue.label("overdue"))


# Table-level (not ORM-enabled) statements where no object needs keeping in step: the ORM's
# bulk-update bookkeeping costs more than the UPDATE itself.
_MEMBERSHIPS = Membership.__table__
_SERVED = (
    sa.update(_MEMBERSHIPS)
    .where(_MEMBERSHIPS.c.id == sa.bindparam("membership"))
    .values(served=_MEMBERSHIPS.c.served + _ONE)
)


@functools.cache
def _slot_statement(
    gold: bool, attention: bool = False, by_score: bool = False
) -> ExecutableReturnsRows:
    """Take a slot on the first free item (gold or not; or an attention check) for the
    annotator, in one statement.

    The candidate is the first item in id order (``by_score``: lowest model score first, then
    id; ``ix_items_free_slot_score``) the annotator never had and that still has a free
    slot; the conditional ``UPDATE`` takes the slot and returns the item. On PostgreSQL the
    candidate is read ``FOR UPDATE SKIP LOCKED``: concurrent annotators take different
    items instead of queueing on one row (SQLite runs one writer at a time and renders no
    ``FOR UPDATE``).
    """
    k, threshold = sa.bindparam("k", type_=sa.Integer), sa.bindparam("threshold", type_=sa.Integer)
    free = aliased(Item)
    taken = _fenced(
        sa.select(Assignment.id).where(
            Assignment.item_id == free.id, Assignment.annotator_id == _USER
        )
    )
    done = _fenced(
        sa.select(Annotation.id).where(
            Annotation.item_id == free.id, Annotation.annotator_id == _USER
        )
    )
    candidate = (
        sa.select(free.id)
        .join(Batch, Batch.id == free.batch_id)
        .where(
            free.project_id == _PROJECT,
            free.has_free_slot.is_(True),
            free.quarantined.is_(False),  # with the line above: ix_items_free_slot
            Batch.status.in_(WORKABLE),
            free.annotation_count < _target(free, k, threshold),
            *(
                (free.attention_answer.is_not(None),)
                if attention
                else (
                    free.attention_answer.is_(None),
                    free.gold_answer.is_not(None) if gold else free.gold_answer.is_(None),
                )
            ),
            ~sa.exists(taken),
            ~sa.exists(done),
        )
        .order_by(*((free.prediction_score.asc().nulls_last(),) if by_score else ()), free.id)
        .limit(_ONE)
        .with_for_update(skip_locked=True, of=free)
    )
    items = Item.__table__
    take = (
        sa.update(items)
        .where(
            items.c.id == candidate.scalar_subquery(),
            items.c.quarantined.is_(False),
            items.c.annotation_count < _target(items.c, k, threshold),
        )
        .values(_slot_values(items.c.annotation_count, _ONE, _target(items.c, k, threshold)))
        .returning(*items.c)
    )
    return sa.select(Item).from_statement(take)


def claim_next(
    session: Session, user: User, project: Project, *, now: datetime | None = None
) -> Claim | None:
    """Give ``user`` their next item in ``project`` (or their unexpired lease back).

    Returns None when there is nothing left for this annotator. Flushes; the caller commits
    promptly (the slot is held from here).

    Usually four statements: the gate (which on PostgreSQL also locks the annotator's
    membership, so two tabs never take two items at once, and reads their count of items
    served for the gold mix) with the annotator's live lease and whether any lease is overdue,
    the slot, the new lease, the count of items served plus one.

    :raises NotQualified: the gate refuses; its ``step`` says what to do next.
    """
    now = now or utcnow()
    row = session.execute(_claim_gate_statement(), gate_params(user.id, project.id, now)).first()
    facts = gate_facts(row)
    version = admit(session, facts, project)
    assert row is not None and facts is not None  # admit refuses a missing membership
    if row.live_lease is not None:
        lease = with_item(session, row.live_lease)
        if lease is not None:
            return Claim(lease, version, resumed=True)
    if row.overdue:
        expire_leases(session, project, now)
    params = {
        "annotator": user.id,
        "project": project.id,
        "k": project.redundancy_k,
        "threshold": round(project.overlap_share * BUCKETS),
    }
    first = _wants_gold(project, facts.served, user)
    kinds = [(first, False), (not first, False)]
    if project.attention_rate and _wants_gold(project, facts.served, user, project.attention_rate):
        kinds.insert(0, (False, True))  # an attention check, else the usual order
    for gold, attention in kinds:
        statement = _slot_statement(gold, attention, project.order_by_uncertainty)
        item = session.scalars(statement, params).first()
        if item is None:
            continue
        assignment = add_inserted(
            session,
            Assignment,
            item_id=item.id,
            annotator_id=user.id,
            round=1,
            status=AssignmentStatus.leased,
            leased_at=now,
            skip_reason=None,
            lease_expires_at=now + timedelta(minutes=project.lease_minutes),
        )
        set_loaded(assignment, "item", item)  # the slot's UPDATE returned it
        session.execute(_SERVED, {"membership": facts.membership_id})
        return Claim(assignment, version, resumed=False)
    return None
