"""SQL building blocks of the report's aggregate queries, and decoding of value texts.

Only counted annotations count: current (``Annotation.is_current``) ones with a value (not JSON
``null``), on items that are not quarantined, in batches that are not void. Values stay JSON
text in SQL; Python decodes each distinct text once (:func:`canonical`), so texts that mean the
same value (``[1, 2]`` and ``[2, 1]``, ``3`` and ``3.0``) are one category. Rows stream through
the DB-API cursor in chunks (:func:`stream_rows`).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from annotate.database import Session
from annotate.models import Annotation, Batch, BatchStatus, Item

SEP = "\x1e"  # never raw inside JSON text: control characters are escaped there
WEEK0, WEEK = 4 * 86400, 7 * 86400  # weeks start on Monday; 1970-01-01 was a Thursday
CHUNK_ROWS = 50_000


def epoch_seconds(column: Any, dialect: str) -> Any:
    """A SQL expression giving a timestamp column as seconds since 1970 (UTC)."""
    if dialect == "sqlite":
        return (sa.func.julianday(column) - 2440587.5) * 86400.0
    return sa.extract("epoch", column)


def canonical(value: Any) -> Any:
    """A hashable, order-free form of an annotation value (lists become sorted tuples)."""
    if isinstance(value, list):
        try:
            return tuple(sorted(canonical(v) for v in value))
        except TypeError:
            return tuple(canonical(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def sorted_categories(values: Iterable[Any]) -> list[Any]:
    """The distinct values (``None`` dropped) sorted numbers first; of values that compare
    equal (``3`` and ``3.0``) the one with the shortest, then smallest ``repr`` stands for all,
    whatever order they come in."""
    best: dict[Any, Any] = {}
    for v in values:
        if v is None:
            continue
        if v in best and (len(repr(best[v])), repr(best[v])) <= (len(repr(v)), repr(v)):
            continue
        best.pop(v, None)
        best[v] = v
    return sorted(best.values(), key=_sort_key)


class Decoder:
    """JSON value texts → category codes, each distinct text decoded once.

    Without ``categories`` they are the sorted distinct values of ``texts`` (numbers
    numerically, then text).
    """

    def __init__(self, texts: Iterable[str], categories: list[Any] | None = None) -> None:
        values = {t: canonical(json.loads(t)) for t in set(texts)}
        self.categories = (
            categories if categories is not None else sorted_categories(values.values())
        )
        self.pos = {v: i for i, v in enumerate(self.categories)}
        self.codes = {t: self.pos.get(v, -1) if v is not None else -1 for t, v in values.items()}

    def code(self, text: str | None) -> int:
        """The code of ``text`` (-1 for no value or a value outside the categories)."""
        if text is None:
            return -1
        code = self.codes.get(text)
        if code is None:
            value = canonical(json.loads(text))
            code = self.codes[text] = self.pos.get(value, -1) if value is not None else -1
        return code


def stream_rows(
    session: Session, stmt: Any, chunk: int = CHUNK_ROWS, prefetch: bool = False
) -> Generator[Sequence[Any], None, None]:
    """Yield the rows of a Core ``stmt`` as lists of tuples, ``chunk`` at a time.

    No ORM objects: on SQLite the DB-API cursor's own tuples; on PostgreSQL Core rows from a
    server-side cursor (``stream_results``), so memory stays flat however many rows. The cyclic
    garbage collector is paused while the chunks stream (they hold only tuples of scalars,
    freed by reference counting; its full passes over the app's objects cost more than the
    query). With ``prefetch`` (PostgreSQL; the caller must not use the session between
    chunks) the next chunk is fetched on a thread while the caller works on the current one,
    so the server's work and the caller's overlap.
    """
    conn = session.connection()
    options = {"yield_per": chunk} if conn.dialect.name == "postgresql" else {}
    result = conn.execute(stmt, execution_options=options)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if conn.dialect.name == "sqlite":  # plain cursor: nothing buffered ahead of it
            while rows := result.cursor.fetchmany(chunk):
                yield rows
        elif prefetch:
            yield from _ahead(result.partitions(chunk))
        else:
            yield from result.partitions(chunk)
    finally:
        if was_enabled:
            gc.enable()
        result.close()


def _ahead(chunks: Iterator[Sequence[Any]]) -> Generator[Sequence[Any], None, None]:
    """``chunks``, each next one fetched on a thread while the current one is consumed (psycopg
    releases the GIL while it waits for the server). Closed early, it waits for the fetch
    under way before the result is closed."""
    with ThreadPoolExecutor(1, thread_name_prefix="prefetch") as pool:
        pending = pool.submit(next, chunks, None)
        while (rows := pending.result()) is not None:
            pending = pool.submit(next, chunks, None)
            yield rows


@dataclass(frozen=True)
class Answer:
    """What of an annotation's value the report counts, as SQL JSON text.

    The whole value (``key`` None, every one-question project); the answer to question ``key``
    of a form project (``value -> key``: an annotation without that answer, a gold item that
    does not fix it, count as no value); or with ``answered`` only whether the annotation holds
    a value at all (one category, no gold: the form-wide counts of a form project)."""

    key: str | None = None
    answered: bool = False

    def text(self, annotation: Any = Annotation) -> Any:
        """SQL: ``annotation``'s counted value as JSON text (``null`` or NULL: none)."""
        whole = sa.cast(annotation.value, sa.Text)
        if self.answered:
            return sa.case((whole != "null", sa.literal("1")), else_=sa.literal("null"))
        return whole if self.key is None else sa.cast(annotation.value[self.key], sa.Text)

    def gold(self) -> Any:
        """SQL: the item's gold answer as JSON text (``null`` or NULL: none)."""
        if self.answered:
            return sa.cast(sa.null(), sa.Text)
        column = Item.gold_answer if self.key is None else Item.gold_answer[self.key]
        return sa.cast(column, sa.Text)


WHOLE = Answer()
#: What the form-wide report of a form project counts of each annotation: that it holds a
#: value (the cells stay a handful; every figure comparing answers is per question).
FORM_WIDE = Answer(answered=True)


def value_text(answer: Answer = WHOLE, annotation: Any = Annotation) -> Any:
    """SQL: an annotation's value (``answer`` of it) as its JSON text."""
    return answer.text(annotation)


#: ``(since, until)``: annotations submitted in ``[since, until)``; None at either end is open.
Window = tuple[datetime | None, datetime | None]


def made_in(window: Window | None, annotation: Any = Annotation) -> list[Any]:
    """The WHERE clauses keeping ``annotation`` rows submitted within ``window`` (none: all)."""
    since, until = window or (None, None)
    return [
        *([annotation.submitted_at >= since] if since is not None else []),
        *([annotation.submitted_at < until] if until is not None else []),
    ]


def counted(project_id: int, window: Window | None = None) -> list[Any]:
    """The WHERE clauses of counted annotations (of items joined to their batches), those
    submitted within ``window`` when one is given."""
    return [
        Item.project_id == project_id,
        Item.quarantined.is_(False),
        Item.attention_answer.is_(None),  # attention checks are scored apart (attention.py)
        Batch.status != BatchStatus.void,
        Annotation.is_current.is_(True),
        *made_in(window),
    ]


def counted_values(
    project_id: int, window: Window | None = None, answer: Answer = WHOLE
) -> list[Any]:
    """The WHERE clauses of counted annotations that have a value (``answer`` of it; not
    JSON ``null``)."""
    return [*counted(project_id, window), value_text(answer) != "null"]


def joined(*columns: Any) -> Any:
    """``SELECT columns FROM annotations JOIN items JOIN batches``."""
    return (
        sa.select(*columns)
        .select_from(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
    )


def week_of(epoch: Any, dialect: str) -> Any:
    """SQL: the week number (``floor((epoch − 4 days) / 7 days)``) of an epoch expression."""
    x = (epoch - WEEK0) / WEEK
    if dialect == "postgresql":
        return sa.func.floor(x)
    whole = sa.cast(x, sa.Integer)  # SQLite may lack floor(): truncate, then fix negatives
    return whole - sa.case((x < whole, 1), else_=0)


def joined_texts(text: Any, dialect: str, *order: Any, separator: str | None = None) -> Any:
    """SQL aggregate: the group's ``text`` values joined by :data:`SEP` (or ``separator``),
    on PostgreSQL in ``order``."""
    sep: Any
    if separator is not None:
        sep = sa.literal_column("'" + separator.replace("'", "''") + "'")
    else:
        sep = sa.literal_column("chr(30)" if dialect == "postgresql" else "char(30)")
    if dialect == "postgresql":
        return sa.func.string_agg(text, aggregate_order_by(sep, *(order or (text,))))
    return sa.func.group_concat(text, sep)


def item_values(
    dialect: str, items: Any, window: Window | None = None, answer: Answer = WHOLE
) -> Any:
    """Subquery ``(item, vals)``: the value texts of each item in ``items``' counted
    annotations (within ``window``), joined by :data:`SEP` (the items are counted: not
    quarantined, batch live)."""
    return (
        sa.select(
            Annotation.item_id.label("item"),
            joined_texts(value_text(answer), dialect).label("vals"),
        )
        .where(
            Annotation.item_id.in_(items),
            Annotation.is_current.is_(True),
            value_text(answer) != "null",
            *made_in(window),
        )
        .group_by(Annotation.item_id)
        .subquery()
    )


def item_agreement(dec: Decoder, own: int, vals: str) -> tuple[int, int]:
    """``(m, same)``: the item's annotations and those equal to the code ``own``."""
    codes = [dec.code(t) for t in vals.split(SEP)]
    codes = [c for c in codes if c >= 0]
    return len(codes), codes.count(own)
