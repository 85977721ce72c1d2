"""The cells of every question of a form project from one pass over its annotations.

:func:`~annotate.services.quality.sql.load_aggregates` groups a project's items by rating
vector with one query over the annotations. A form project needs that grouping per question
(and form-wide); run once per question, the report would read every annotation that many
times. Here one query groups the annotations by item once and builds each question's vector
side by side (an annotation without an answer to a question adds nothing to that question's
vector); the rows stream and are counted per question into ``(batch, gold, week, vector)``
cells — the rows each question's own cells query returns, apart from an item's week (its
first annotation, answered or not: it only places the item in the weekly trend). Memory
holds one chunk of items (:data:`ITEM_CHUNK`) and the distinct cells, bounded as there by
:data:`~annotate.services.quality.sql.VECTOR_BUDGET`: a question past it gets no cells here
and its report reads its own (anonymous) cells.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Annotation, Batch, Item, Project
from annotate.services.quality.queries import (
    Answer,
    Window,
    counted,
    epoch_seconds,
    joined_texts,
    stream_rows,
    value_text,
    week_of,
)
from annotate.services.quality.sql import VECTOR_BUDGET, entries_of

Raw = list[tuple[Any, ...]]
#: Items per streamed chunk: a row per item (with every question's vector) is wide.
ITEM_CHUNK = 5_000


def per_item_query(
    project_id: int, dialect: str, answers: list[Answer], window: Window | None
) -> Any:
    """One row per counted item: batch, week, then per answer its gold text and vector."""
    ver = sa.func.coalesce(Annotation.rulebook_version_id, 0)
    head = (
        sa.cast(Annotation.annotator_id, sa.Text)
        + ":"
        + sa.cast(ver, sa.Text)
        + ":"
        + sa.case((Annotation.duration_ms > 0, "1"), else_="0")
        + ":"
    )
    first = epoch_seconds(sa.func.min(Annotation.submitted_at), dialect)
    columns = [sa.func.min(Item.batch_id), week_of(first, dialect)]
    for answer in answers:
        text = value_text(answer)
        # NULL (no answer, or JSON null): not in the vector. One evaluation of the answer's
        # text per row (a CASE would extract it twice): ``||`` with NULL is NULL.
        entry = head + sa.func.nullif(text, "null")
        columns.append(sa.func.min(answer.gold()))
        columns.append(joined_texts(entry, dialect, Annotation.annotator_id, ver))
    return (
        sa.select(*columns)
        .select_from(Item)
        .join(Batch, Batch.id == Item.batch_id)
        .join(Annotation, Annotation.item_id == Item.id)
        .where(*counted(project_id, window), value_text() != "null")
        .group_by(Item.id)
    )


def read_cells(
    session: Session, project: Project, answers: list[Answer], window: Window | None
) -> dict[Answer, Raw]:
    """The vector cells of each of ``answers`` (the rows ``load_aggregates`` reads), from one
    query; an answer whose cells pass the budget is left out."""
    dialect = session.get_bind().dialect.name
    cells: list[dict[tuple[Any, ...], int] | None] = [{} for _ in answers]
    stmt = per_item_query(project.id, dialect, answers, window)
    for rows in stream_rows(session, stmt, ITEM_CHUNK):
        for batch, week, *pairs in rows:
            for j, found in enumerate(cells):
                vec = pairs[2 * j + 1]
                if found is None or vec is None:
                    continue
                key = (batch, pairs[2 * j], week, vec)
                found[key] = found.get(key, 0) + 1
        for j, found in enumerate(cells):  # bounded like the cells query: drop a question
            if found is not None and len(found) * 2 > VECTOR_BUDGET:
                cells[j] = None
    out: dict[Answer, Raw] = {}
    for answer, found in zip(answers, cells, strict=True):
        if found is None:
            continue
        raw = [(int(b), g, float(w), entries_of(v), n) for (b, g, w, v), n in found.items()]
        annotators = {e[0] for row in raw for e in row[3]}
        if len(raw) * len(annotators) <= VECTOR_BUDGET:
            out[answer] = raw
    return out
