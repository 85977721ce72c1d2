"""The report's per-annotator counts read beside its cells: timed annotations and their
durations, review verdicts, and clause citations (:func:`~.sql.load_aggregates` fills its
:class:`~.sql.AggregateData` with them)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Project,
    Review,
    SampledAnnotation,
    Verdict,
)
from annotate.services.quality.queries import (
    Decoder,
    counted_values,
    item_agreement,
    item_values,
    joined,
    made_in,
    stream_rows,
    value_text,
)

if TYPE_CHECKING:
    from annotate.services.quality.sql import AggregateData


def _cited() -> Any:
    return sa.cast(Annotation.clause_keys, sa.Text).not_in(["[]", "null"])


def per_annotator(session: Session, project: Project, data: AggregateData) -> bool:
    """Timed annotations, their summed duration (ms) and summed squared duration (s²) per
    annotator; True if any cites a clause."""
    timed = Annotation.duration_ms > 0
    seconds = sa.cast(Annotation.duration_ms, sa.Float) / 1000.0
    rows = session.execute(
        joined(
            Annotation.annotator_id,
            sa.func.count().filter(timed),
            sa.func.coalesce(sa.func.sum(Annotation.duration_ms).filter(timed), 0),
            sa.func.count().filter(_cited()),
            sa.func.coalesce(sa.func.sum(seconds * seconds).filter(timed), 0.0),
        )
        .where(*counted_values(project.id, data.window, data.answer))
        .group_by(Annotation.annotator_id)
        .order_by(Annotation.annotator_id)
    ).all()
    data.timed_ann = np.asarray([r[0] for r in rows], dtype=np.int64)
    data.timed_n = np.asarray([r[1] for r in rows], dtype=np.int64)
    data.timed_ms = np.asarray([int(r[2]) for r in rows], dtype=np.int64)
    data.timed_s2 = np.asarray([float(r[4]) for r in rows], dtype=float)
    return any(r[3] for r in rows)


def reviews(session: Session, project: Project, data: AggregateData) -> None:
    """Review verdicts of the counted annotations, per annotator, clause, batch and version."""
    ver = sa.func.coalesce(Annotation.rulebook_version_id, 0)
    cols = (Annotation.annotator_id, Review.verdict, Review.clause_key, Item.batch_id, ver)
    rows = list(
        session.execute(
            sa.select(*cols, sa.func.count())
            .select_from(Review)
            .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
            .join(Annotation, Annotation.id == SampledAnnotation.annotation_id)
            .join(Item, Item.id == Annotation.item_id)
            .join(Batch, Batch.id == Item.batch_id)
            # "+ 0": SQLite would otherwise walk every item of the project to find the reviews
            .where(
                Item.project_id + 0 == project.id,
                Item.quarantined.is_(False),
                Batch.status != BatchStatus.void,
                SampledAnnotation.is_calibration.is_(False),
                *made_in(data.window),
            )
            .group_by(*cols)
        ).all()
    )
    rows.sort(key=lambda r: (r[0], str(r[1]), r[2] or "", r[3], r[4]))
    data.review_annotator = np.asarray([r[0] for r in rows], dtype=np.int64)
    data.review_ok = np.asarray([Verdict(r[1]) == Verdict.correct for r in rows], dtype=bool)
    data.review_clause = [r[2] for r in rows]
    data.review_batch = np.asarray([r[3] for r in rows], dtype=np.int64)
    data.review_version = np.asarray([r[4] for r in rows], dtype=np.int64)
    data.review_count = np.asarray([r[5] for r in rows], dtype=np.int64)


def clauses(
    session: Session, project: Project, data: AggregateData, dec: Decoder, dialect: str
) -> None:
    """Citations per clause, on shared items and where the item's annotators disagree."""
    keys = sa.cast(Annotation.clause_keys, sa.Text)
    val = value_text(data.answer).label("val")
    cited = (
        joined(Annotation.item_id.label("item"), val, keys.label("clauses"))
        .where(*counted_values(project.id, data.window, data.answer), _cited())
        .subquery()
    )
    per_item = item_values(dialect, sa.select(cited.c.item), data.window, data.answer)
    stmt = (
        sa.select(cited.c.clauses, cited.c.val, per_item.c.vals, sa.func.count())
        .join(per_item, per_item.c.item == cited.c.item)
        .group_by(cited.c.clauses, cited.c.val, per_item.c.vals)
    )
    for rows in stream_rows(session, stmt):
        for text, val, vals, n in rows:
            own = dec.code(val)
            if own < 0:
                continue
            m, same = item_agreement(dec, own, vals)
            for key in dict.fromkeys(json.loads(text) or []):  # cited twice: counts once
                if key:
                    s = data.clause_stats.setdefault(str(key), [0, 0, 0, 0])
                    s[0] += n
                    if m >= 2:
                        s[1] += n
                        s[2] += n * int(same < m)
