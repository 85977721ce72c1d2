"""An annotator's progress in a project: done today, in all, what remains, and the pace.

:func:`remaining_items` is the one count of remaining work an annotator sees, on the home page
and on the labeling screen (which may reuse it for ``REMAINING_TTL`` seconds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from annotate.database import Session, utcnow
from annotate.models import (
    Annotation,
    Assignment,
    AssignmentStatus,
    Batch,
    Item,
    Membership,
    Project,
    ProjectRole,
    User,
)
from annotate.services.labeling.assignment import WORKABLE, target_expr


@dataclass(frozen=True)
class Progress:
    """An annotator's figures for the labeling screen."""

    done_today: int
    #: None when not counted (the labeling screen does not show it; counting reads the
    #: annotator's whole history in the project).
    done_total: int | None
    remaining: int
    seconds_per_item: float | None

    @property
    def per_hour(self) -> float | None:
        """Items per hour at today's pace."""
        return 3600 / self.seconds_per_item if self.seconds_per_item else None


#: How long the labeling screen may reuse an annotator's count of remaining items (seconds).
#: Counting the open items of a large project costs tens of milliseconds per page; with the
#: cache the annotator's own claims are still subtracted at once, and other annotators' work
#: shows within this delay.
REMAINING_TTL = 10.0
_remaining_cache: dict[tuple[str, int, int], tuple[float, int, int]] = {}


def remaining_items(
    session: Session, user: User, project: Project, now: datetime | None = None
) -> int:
    """Items left for ``user`` in ``project``: the item on their screen (a live lease) and
    every item they could still be given (unquarantined, in an open or re-annotating batch,
    with a free slot, below its annotation target, never assigned to ``user``).

    The one count of remaining work the annotator sees, on the home page and the labeling
    screen, so the two agree.
    """
    taken = sa.select(Assignment.id).where(
        Assignment.item_id == Item.id, Assignment.annotator_id == user.id
    )
    waiting = (
        sa.select(sa.func.count(Item.id))
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Batch.status.in_(WORKABLE),
            Item.has_free_slot.is_(True),
            Item.annotation_count < target_expr(project),
            ~sa.exists(taken),
        )
        .scalar_subquery()
    )
    live = (
        sa.select(sa.func.count(Assignment.id))
        .join(Item, Item.id == Assignment.item_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Assignment.annotator_id == user.id,
            Assignment.status == AssignmentStatus.leased,
            Assignment.lease_expires_at > (now or utcnow()),
        )
        .scalar_subquery()
    )
    return session.scalar(sa.select(waiting + live)) or 0


def _cached_remaining(session: Session, user: User, project: Project, served: int) -> int:
    """:func:`remaining_items`, recounted at most every ``REMAINING_TTL`` seconds; in between, each
    item the annotator took since the count (``served`` is their count of items taken) is
    subtracted (taking it removes it from their remaining items)."""
    key = (str(session.get_bind().engine.url), project.id, user.id)
    cached = _remaining_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return max(0, cached[1] - (served - cached[2]))
    remaining = remaining_items(session, user, project)
    _remaining_cache[key] = (time.monotonic() + REMAINING_TTL, remaining, served)
    return remaining


def annotator_progress(
    session: Session,
    user: User,
    project: Project,
    now: datetime | None = None,
    *,
    cached: bool = False,
) -> Progress:
    """Done today, done in total, items still open to this annotator and today's pace.

    ``cached`` (the labeling screen): the remaining count may be up to ``REMAINING_TTL``
    seconds old as far as other annotators' work goes, and the total is not counted, so the
    screen reads only today's work, however long the annotator's history; otherwise
    everything is counted now.
    """
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"project": project.id, "annotator": user.id, "midnight": midnight}
    done_today, avg_ms, served = session.execute(_TODAY, params).one()
    remaining = (
        _cached_remaining(session, user, project, served or 0)
        if cached
        else remaining_items(session, user, project)
    )
    total = None if cached else session.execute(_TOTAL, params).scalar_one()
    return Progress(done_today or 0, total, remaining, float(avg_ms) / 1000 if avg_ms else None)


_PROJECT_ID: sa.BindParameter[int] = sa.bindparam("project")
_ANNOTATOR: sa.BindParameter[int] = sa.bindparam("annotator")
#: The annotator's current annotations in the project.
_MINE = (
    Item.project_id == _PROJECT_ID,
    Annotation.annotator_id == _ANNOTATOR,
    Annotation.is_current.is_(True),
)
#: Today's count and mean duration (read through the annotator's annotations by submission
#: time), and how many items the queue has handed the annotator (their membership's
#: ``served``).
_TODAY = (
    sa.select(
        sa.func.count(Annotation.id),
        sa.func.avg(Annotation.duration_ms),
        sa.select(Membership.served)
        .where(
            Membership.user_id == _ANNOTATOR,
            Membership.project_id == _PROJECT_ID,
            Membership.role == ProjectRole.annotator,
        )
        .correlate(None)
        .scalar_subquery(),
    )
    .join(Item, Item.id == Annotation.item_id)
    .where(
        *_MINE,
        Annotation.submitted_at >= sa.bindparam("midnight", type_=Annotation.submitted_at.type),
    )
)
_TOTAL = (
    sa.select(sa.func.count(Annotation.id)).join(Item, Item.id == Annotation.item_id).where(*_MINE)
)
