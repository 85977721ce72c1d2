"""One annotator's counted annotations per week of submission (the annotator page's trend):
one GROUP BY over their annotations and their items' value texts, within the report's window."""

from __future__ import annotations

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Annotation, Item
from annotate.services.quality.queries import (
    Decoder,
    counted_values,
    epoch_seconds,
    item_agreement,
    item_values,
    joined,
    stream_rows,
    value_text,
    week_of,
)
from annotate.services.quality.sql import AggregateData


def annotator_weeks(
    session: Session, data: AggregateData, user_id: int
) -> list[tuple[float, int, int, int, int, int]]:
    """Per week of submission of ``user_id``'s counted annotations: ``(week, annotations,
    on gold items, equal to the gold answer, peer annotations on their shared items, equal to
    theirs)`` — one GROUP BY over their annotations and the items' value texts."""
    dialect = session.get_bind().dialect.name
    project_id = data.project.id
    mine = (
        joined(
            Annotation.item_id.label("item"),
            value_text().label("val"),
            week_of(epoch_seconds(Annotation.submitted_at, dialect), dialect).label("week"),
            sa.cast(Item.gold_answer, sa.Text).label("gold"),
        )
        .where(*counted_values(project_id, data.window), Annotation.annotator_id == user_id)
        .subquery()
    )
    per_item = item_values(dialect, sa.select(mine.c.item), data.window)
    stmt = (
        sa.select(mine.c.week, mine.c.val, mine.c.gold, per_item.c.vals, sa.func.count())
        .join(per_item, per_item.c.item == mine.c.item)
        .group_by(mine.c.week, mine.c.val, mine.c.gold, per_item.c.vals)
    )
    dec = Decoder([], data.categories)
    weeks: dict[float, list[int]] = {}
    for rows in stream_rows(session, stmt):
        for week, val, gold, vals, n in rows:
            own = dec.code(val)
            if own < 0:
                continue
            g = dec.code(gold)
            m, same = item_agreement(dec, own, vals)
            w = weeks.setdefault(float(week), [0, 0, 0, 0, 0])
            w[0] += n
            w[1] += n * int(g >= 0)
            w[2] += n * int(g >= 0 and g == own)
            if m >= 2:
                w[3] += n * (m - 1)
                w[4] += n * (same - 1)
    return [(week, w[0], w[1], w[2], w[3], w[4]) for week, w in sorted(weeks.items())]
