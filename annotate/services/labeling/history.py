"""An annotator's own history: their current annotations and their skipped items, newest
first, filtered by project and by day, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from annotate.database import Session
from annotate.models import Annotation, Assignment, AssignmentStatus, Item, User

PER_PAGE = 25


@dataclass(frozen=True)
class HistoryPage:
    """One page of rows (annotations or skipped assignments, items loaded) and whether
    another page follows."""

    rows: list[Any]
    page: int
    has_next: bool


def own_history(
    session: Session,
    user: User,
    *,
    kind: str = "annotations",
    project_ids: list[int],
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> HistoryPage:
    """``user``'s current annotations (``kind`` "annotations") or skipped items ("skipped")
    in ``project_ids``, newest first, between ``since`` and ``until`` (UTC), page ``page``."""
    page = max(1, page)
    if kind == "skipped":
        model: Any = Assignment
        when = Assignment.leased_at
        query: sa.Select[Any] = sa.select(Assignment).where(
            Assignment.annotator_id == user.id, Assignment.status == AssignmentStatus.skipped
        )
    else:
        model, when = Annotation, Annotation.submitted_at
        query = sa.select(Annotation).where(
            Annotation.annotator_id == user.id, Annotation.is_current.is_(True)
        )
    query = (
        query.join(Item, Item.id == model.item_id)
        .options(contains_eager(model.item))
        .where(Item.project_id.in_(project_ids))
    )
    if since is not None:
        query = query.where(when >= since)
    if until is not None:
        query = query.where(when < until)
    rows = list(
        session.scalars(
            query.order_by(when.desc(), model.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return HistoryPage(rows[:per_page], page, len(rows) > per_page)
