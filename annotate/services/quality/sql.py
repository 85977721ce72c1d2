"""A project's quality-report inputs aggregated by the database: memory independent of size.

The main query builds each counted item's *rating vector* in SQL — its annotations as
``annotator:version:timed:value`` entries joined into one string — and groups the items by
``(batch, gold answer, week of first annotation, vector)``: one row per distinct combination with
its number of items (a *cell*). Every agreement coefficient, the Cohen matrix, peer agreement,
gold accuracy, the confusion matrix and the weekly trend follow from the cells, and
resampling items with replacement is a multinomial draw over them
(:class:`annotate.metrics.WeightBank`). Small GROUP BYs add the
duration sums per annotator, the reviews and the clause citations. No query returns a row
per annotation or per item, so Python's memory depends on the numbers of annotators, labels,
batches, versions, weeks and distinct vectors — not on the project's size.

With many annotators and sparse overlap nearly every vector is unique: past
:data:`VECTOR_BUDGET` the cells key on each item's multiset of ``version:timed:value``
entries instead (``e_ann`` -1) and :mod:`annotate.services.quality.sparse` adds what needs
the annotators.

Values stay JSON text in SQL and are decoded once per distinct text
(:class:`~annotate.services.quality.queries.Decoder`). Vectors are re-sorted in Python, so their
order in SQL only affects how many rows come back (SQLite's ``group_concat`` has no ``ORDER BY``
before 3.44).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from annotate.database import Session
from annotate.models import (
    Annotation,
    Batch,
    BatchStatus,
    Item,
    Project,
    Rulebook,
    RulebookVersion,
    User,
)
from annotate.services.quality.queries import (
    SEP,
    WHOLE,
    Answer,
    Decoder,
    Window,
    counted_values,
    epoch_seconds,
    joined_texts,
    stream_rows,
    value_text,
    week_of,
)
from annotate.services.quality.sparse import SparseTables
from annotate.services.quality.sparse_scan import scan_sparse
from annotate.services.quality.sql_counts import clauses as _clauses
from annotate.services.quality.sql_counts import per_annotator as _per_annotator
from annotate.services.quality.sql_counts import reviews as _reviews

VECTOR_BUDGET = 2_000_000  # most (cells × annotators) kept as per-annotator vectors (see below)
PROBE_ITEMS = 25_000  # items whose cells are counted first (see _over_budget_early)


@dataclass
class AggregateData:
    """What the report computes from, aggregated: cells (items grouped by rating vector) and
    their entries in long format, plus per-annotator, review and clause counts.

    ``cell_*`` arrays have one element per cell; ``e_*`` arrays one per entry of a cell's
    vector (``e_cell`` its cell; ``e_val`` a code into ``categories``). ``timed_*`` give, per
    annotator, the annotations with a positive duration and their summed milliseconds;
    ``review_*`` the review counts per (annotator, verdict, clause, batch, version);
    ``clause_stats`` per clause ``[citations, on shared items, in disagreements, 0]``.
    """

    project: Project
    categories: list[Any]
    users: dict[int, str]
    batches: dict[int, str]
    versions: dict[int, str]
    has_gold: bool
    cell_weight: np.ndarray
    cell_batch: np.ndarray
    cell_week: np.ndarray
    cell_gold: np.ndarray
    e_cell: np.ndarray
    e_ann: np.ndarray
    e_ver: np.ndarray
    e_timed: np.ndarray
    e_val: np.ndarray
    timed_ann: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    timed_n: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    timed_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    timed_s2: np.ndarray = field(default_factory=lambda: np.zeros(0, float))
    review_annotator: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_ok: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    review_batch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_version: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_clause: list[str | None] = field(default_factory=list)
    clause_stats: dict[str, list[int]] = field(default_factory=dict)
    sparse: SparseTables | None = None  # annotator and pair tables when the cells are anonymous
    window: Window | None = None  # only annotations submitted within it count (None: all)
    answer: Answer = WHOLE  # what of each value counts (a form project: one question's answer)
    cited: bool = False  # whether any counted annotation cites a clause

    @property
    def anonymous(self) -> bool:
        """Whether the cells hold value multisets (``e_ann`` -1), not per-annotator vectors."""
        return self.sparse is not None

    @property
    def n(self) -> int:
        """Counted annotations."""
        return int(self.cell_weight[self.e_cell].sum()) if self.e_cell.size else 0

    @property
    def n_annotators(self) -> int:
        if self.sparse is not None:
            return int(np.unique(self.sparse.ann).size)
        return int(np.unique(self.e_ann).size)

    @property
    def n_cells(self) -> int:
        return int(self.cell_weight.size)

    def label_of(self, code: int) -> str:
        """The category ``code`` as display text."""
        value = self.categories[code]
        if isinstance(value, tuple):
            return "+".join(str(v) for v in value) or "∅"
        return str(value)


def _cells_query(
    project_id: int,
    dialect: str,
    anonymous: bool,
    window: Window | None,
    answer: Answer,
    before: int | None = None,
) -> Any:
    """Cells keyed on per-annotator vectors, or (``anonymous``) on the item's multiset of
    ``version:timed:value`` entries, whoever gave them (of the items with ids below
    ``before``, when given)."""
    ver = sa.func.coalesce(Annotation.rulebook_version_id, 0)
    entry = (
        sa.cast(ver, sa.Text)
        + ":"
        + sa.case((Annotation.duration_ms > 0, "1"), else_="0")
        + ":"
        + value_text(answer)
    )
    if not anonymous:
        entry = sa.cast(Annotation.annotator_id, sa.Text) + ":" + entry
    order = (ver, value_text(answer)) if anonymous else (Annotation.annotator_id, ver)
    first = epoch_seconds(sa.func.min(Annotation.submitted_at), dialect)
    per_item = (
        sa.select(
            sa.func.min(Item.batch_id).label("batch"),
            sa.func.min(answer.gold()).label("gold"),
            week_of(first, dialect).label("week"),
            joined_texts(entry, dialect, *order).label("vec"),
        )
        .select_from(Item)
        .join(Batch, Batch.id == Item.batch_id)
        .join(Annotation, Annotation.item_id == Item.id)
        .where(*counted_values(project_id, window, answer), *([Item.id < before] if before else []))
        .group_by(Item.id)
        .subquery()
    )
    c = per_item.c
    return sa.select(c.batch, c.gold, c.week, c.vec, sa.func.count()).group_by(
        c.batch, c.gold, c.week, c.vec
    )


def entries_of(vec: str, anonymous: bool = False) -> list[tuple[int, int, int, str]]:
    out = []
    for part in vec.split(SEP):
        if anonymous:
            ver, timed, text = part.split(":", 2)
            ann = "-1"
        else:
            ann, ver, timed, text = part.split(":", 3)
        out.append((int(ann), int(ver), int(timed), text))
    return out


def _raw_cells(
    session: Session,
    project: Project,
    dialect: str,
    anonymous: bool,
    window: Window | None,
    answer: Answer = WHOLE,
    before: int | None = None,
) -> list[tuple[Any, ...]] | None:
    """The cells' rows; None (vector cells only) once cells × annotators pass
    :data:`VECTOR_BUDGET` — many annotators with sparse overlap make nearly every item's
    vector unique, so the cells would grow with the items."""
    raw: list[tuple[Any, ...]] = []
    seen: set[int] = set()
    stream = stream_rows(
        session, _cells_query(project.id, dialect, anonymous, window, answer, before)
    )
    for rows in stream:
        for batch, gold, week, vec, n in rows:
            entries = entries_of(vec, anonymous)
            raw.append((int(batch), gold, float(week), entries, int(n)))
            if not anonymous:
                seen.update(e[0] for e in entries)
                if len(raw) * len(seen) > VECTOR_BUDGET:
                    stream.close()
                    return None
    return raw


def _over_budget_early(
    session: Session, project: Project, dialect: str, window: Window | None, answer: Answer
) -> bool:
    """Whether the first :data:`PROBE_ITEMS` items' vector cells alone pass the budget (then
    all do): spares a sparse project the whole cells query, which the database runs to the end
    before its first row."""
    bound = session.scalar(
        sa.select(Item.id)
        .where(Item.project_id == project.id)
        .order_by(Item.id)
        .offset(PROBE_ITEMS)
        .limit(1)
    )
    if bound is None:
        return False
    return _raw_cells(session, project, dialect, False, window, answer, bound) is None


def load_aggregates(
    session: Session,
    project: Project,
    window: Window | None = None,
    answer: Answer = WHOLE,
    shared: dict[str, Any] | None = None,
    vectors: list[tuple[Any, ...]] | None = None,
) -> AggregateData:
    """Run the GROUP BY queries of ``project``'s report (read-only), counting only the
    annotations submitted within ``window`` when one is given, and of each value its ``answer``
    (the whole value, or one question's); ``shared``, ``vectors``: durations and reviews, and
    the vector cells (as :func:`_raw_cells` reads them), read already."""
    dialect = session.get_bind().dialect.name
    raw = vectors
    if raw is None and not _over_budget_early(session, project, dialect, window, answer):
        raw = _raw_cells(session, project, dialect, False, window, answer)
    anonymous = raw is None
    if raw is None:
        raw = _raw_cells(session, project, dialect, True, window, answer) or []
    gold = answer.gold()  # one expression: on PostgreSQL a bound key must be the same one
    gold_texts = [
        t
        for (t,) in session.execute(
            sa.select(gold)
            .select_from(Item)
            .join(Batch, Batch.id == Item.batch_id)
            .where(
                Item.project_id == project.id,
                Item.quarantined.is_(False),
                Batch.status != BatchStatus.void,
                Item.gold_answer.is_not(None),
            )
            .group_by(gold)
        )
        if t is not None and t != "null"
    ]
    dec = Decoder([e[3] for row in raw for e in row[3]] + gold_texts)
    cells: dict[tuple[Any, ...], int] = {}
    for batch, gold, week, entries, n in raw:
        vec = tuple(
            sorted((a, v, t, dec.code(text)) for a, v, t, text in entries if dec.code(text) >= 0)
        )
        if vec:
            key = (batch, week, dec.code(gold), vec)
            cells[key] = cells.get(key, 0) + n
    order = sorted(cells)
    e = [(i, *entry) for i, key in enumerate(order) for entry in key[3]]
    cols = np.asarray(e, dtype=np.int64).reshape(-1, 5).T
    data = AggregateData(
        project=project,
        categories=dec.categories,
        users=dict(session.execute(sa.select(User.id, User.username)).all()),
        batches=dict(
            session.execute(
                sa.select(Batch.id, Batch.name).where(Batch.project_id == project.id)
            ).all()
        ),
        versions=dict(
            session.execute(
                sa.select(RulebookVersion.id, RulebookVersion.version)
                .join(Rulebook)
                .where(Rulebook.project_id == project.id)
            ).all()
        ),
        has_gold=bool(gold_texts),
        cell_weight=np.asarray([cells[k] for k in order], dtype=np.int64),
        cell_batch=np.asarray([k[0] for k in order], dtype=np.int64),
        cell_week=np.asarray([k[1] for k in order], dtype=float),
        cell_gold=np.asarray([k[2] for k in order], dtype=np.int64),
        e_cell=cols[0],
        e_ann=cols[1],
        e_ver=cols[2],
        e_timed=cols[3].astype(bool),
        e_val=cols[4],
        window=window,
        answer=answer,
    )
    if anonymous:
        data.sparse = scan_sparse(session, project, dec, window, answer)
    if shared is None:
        data.cited = _per_annotator(session, project, data)
        _reviews(session, project, data)
    else:
        for name, value in shared.items():
            setattr(data, name, value)
    if data.cited:
        _clauses(session, project, data, dec, dialect)
    return data
