"""The cells of every question of a form project from one pass over its annotations.

:func:`~annotate.services.quality.sql.load_aggregates` groups a project's items by rating
vector with one query over the annotations. A form project needs that grouping per question
(and form-wide); run once per question, the report would read every annotation that many
times, and extracting each answer in SQL parses each value once per question. Here one query
groups the annotations by item once and returns, side by side and in the same order, each
annotation's ``annotator:version:timed`` head and its whole value; Python parses an item's
values with one JSON call and counts each question's vector (an annotation without an answer
to a question, or with a JSON ``null`` one, adds nothing to that question's vector) into
``(batch, gold, week, vector)`` cells — the rows each question's own cells query returns
(:func:`~annotate.services.quality.sql._cells_query`), apart from an item's week (its first
annotation, answered or not: it only places the item in the weekly trend). Memory holds one
chunk of items (:data:`ITEM_CHUNK`) and the distinct cells, bounded as there by
:data:`~annotate.services.quality.sql.VECTOR_BUDGET`: a question past it gets no cells here
and its report reads its own (anonymous) cells.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson
import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Annotation, Batch, Item, Project
from annotate.services.projects.values import canonical_json
from annotate.services.quality.queries import (
    FORM_WIDE,
    SEP,
    Answer,
    Window,
    counted,
    epoch_seconds,
    joined_texts,
    stream_rows,
    value_text,
    week_of,
)
from annotate.services.quality.sql import VECTOR_BUDGET

Raw = list[tuple[Any, ...]]
#: Items per streamed chunk: a row per item (with every annotation's value) is wide.
ITEM_CHUNK = 5_000
#: What the form-wide cells count of an annotation: that it holds a value.
ANSWERED = "1"


def per_item_query(project_id: int, dialect: str, window: Window | None) -> Any:
    """One row per counted item: batch, week, gold answer (JSON text), then its annotations'
    ``annotator:version:timed`` heads joined by :data:`SEP` and their values joined by ``,``
    (a JSON array's body), both in one order (SQLite feeds both aggregates the group's rows in
    one order; PostgreSQL sorts both on the annotator, then the annotation)."""
    ver = sa.func.coalesce(Annotation.rulebook_version_id, 0)
    head = (
        sa.cast(Annotation.annotator_id, sa.Text)
        + ":"
        + sa.cast(ver, sa.Text)
        + ":"
        + sa.case((Annotation.duration_ms > 0, "1"), else_="0")
    )
    order = (Annotation.annotator_id, Annotation.id)  # one total order for both aggregates
    first = epoch_seconds(sa.func.min(Annotation.submitted_at), dialect)
    return (
        sa.select(
            sa.func.min(Item.batch_id),
            sa.cast(week_of(first, dialect), sa.Integer),  # PostgreSQL: not a Decimal key
            sa.func.min(sa.cast(Item.gold_answer, sa.Text)),
            joined_texts(head, dialect, *order),
            joined_texts(value_text(), dialect, *order, separator=","),
        )
        .select_from(Item)
        .join(Batch, Batch.id == Item.batch_id)
        .join(Annotation, Annotation.item_id == Item.id)
        .where(*counted(project_id, window), value_text() != "null")
        .group_by(Item.id)
    )


def read_cells(
    session: Session, project: Project, keys: Sequence[str], window: Window | None
) -> dict[Answer, Raw]:
    """The vector cells (the rows ``load_aggregates`` reads) form-wide (:data:`FORM_WIDE`)
    and of each question in ``keys`` (``Answer(key)``), from one query; an answer whose cells
    pass the budget is left out."""
    dialect = session.get_bind().dialect.name
    wide: dict[tuple[Any, ...], int] = {}
    cells: list[dict[tuple[Any, ...], int] | None] = [{} for _ in keys]
    pick = _picker(keys)
    no_gold = (None,) * len(keys)
    texts = _Texts()
    stmt = per_item_query(project.id, dialect, window)
    for rows in stream_rows(session, stmt, ITEM_CHUNK, prefetch=True):  # no query in the loop
        for batch, week, gold, heads, joined in rows:
            key: tuple[Any, ...] = (batch, None, week, heads)
            wide[key] = wide.get(key, 0) + 1
            values = _loads(f"[{joined}]")
            try:
                columns = list(zip(*map(pick, values), strict=True))
            except (KeyError, TypeError):  # an answer left out (a condition), or no object
                columns = [tuple(_answer(v, k) for v in values) for k in keys]
            golds = no_gold if gold is None else _gold_texts(_loads(gold), keys, texts)
            for found, g, column in zip(cells, golds, columns, strict=True):
                if found is None:
                    continue
                key = (batch, g, week, heads, column)
                try:
                    found[key] = found.get(key, 0) + 1
                except TypeError:  # a list or object answer: counted by its JSON text
                    key = (batch, g, week, heads, tuple(map(_hashable, column)))
                    found[key] = found.get(key, 0) + 1
        for j, found in enumerate(cells):  # bounded like the cells query: drop a question
            if found is not None and len(found) * 2 > VECTOR_BUDGET:
                cells[j] = None
    out = {FORM_WIDE: _raw(wide, texts, answered=True)}
    for k, found in zip(keys, cells, strict=True):
        if found is None:
            continue
        raw = _raw(found, texts)
        annotators = {e[0] for row in raw for e in row[3]}
        if len(raw) * len(annotators) <= VECTOR_BUDGET:
            out[Answer(k)] = raw
    return out


def _raw(found: dict[tuple[Any, ...], int], texts: _Texts, answered: bool = False) -> Raw:
    """Counted cells as ``(batch, gold, week, [(annotator, version, timed, text)], n)`` rows
    (``answered``: the form-wide cells, keyed without answers); a vector without answers
    makes no row."""
    raw = []
    for (batch, gold, week, heads, *column), n in found.items():
        answers = (None,) * (heads.count(SEP) + 1) if answered else column[0]
        entries = [
            (*(int(p) for p in head.split(":")), ANSWERED if answered else texts.of(answer))
            for head, answer in zip(heads.split(SEP), answers, strict=True)
            if answered or answer is not None
        ]
        if entries:
            raw.append((int(batch), gold, float(week), entries, n))
    return raw


def _picker(keys: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function taking a value's answers to ``keys``, as a tuple (KeyError: one missing)."""
    if len(keys) == 1:
        only = keys[0]
        return lambda value: (value[only],)
    return itemgetter(*keys)


def _answer(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _gold_texts(gold: Any, keys: Sequence[str], texts: _Texts) -> tuple[str | None, ...]:
    """The gold answer's answers to ``keys`` as JSON texts (None: it fixes none)."""
    return tuple(texts.of(a) if (a := _answer(gold, k)) is not None else None for k in keys)


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what orjson refuses: NaN (SQLite holds what json wrote)
        return json.loads(text)


def _hashable(answer: Any) -> Any:
    """``answer`` as a dict key: a list or object as its JSON text (bytes)."""
    return canonical_json(answer).encode() if isinstance(answer, list | dict) else answer


class _Texts(dict[tuple[type, Any], str]):
    """Answers (as parsed, or as :func:`_hashable` made them) → JSON text, each distinct
    answer written once (keyed with its type: ``1`` and ``true`` are equal, not one text)."""

    def of(self, answer: Any) -> str:
        return self[(type(answer), _hashable(answer))]

    def __missing__(self, key: tuple[type, Any]) -> str:
        answer = key[1]
        text = answer.decode() if isinstance(answer, bytes) else canonical_json(answer)
        self[key] = text
        return text
