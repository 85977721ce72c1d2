"""The in-memory oracle's data: every counted annotation of a project as numpy columns.

A handful of Core queries, streamed in chunks: only current annotations of items that are not
quarantined, in batches that are not void, count. Values are read as their JSON text and
decoded once per distinct value. Memory grows with the annotations — which is why production
aggregates in SQL (:mod:`annotate.services.quality.sql`); this loads each row so the tests can
check the aggregates against it.
"""

from __future__ import annotations

import json
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
    Review,
    Rulebook,
    RulebookVersion,
    SampledAnnotation,
    User,
    Verdict,
)
from annotate.services.quality.queries import (
    canonical,
    counted,
    epoch_seconds,
    sorted_categories,
    stream_rows,
)


@dataclass
class ProjectData:
    """Everything the report computes from, one row per current annotation.

    ``value`` holds codes into ``categories`` (sorted: numbers numerically, then text);
    ``gold`` maps an item id to the code of its gold answer. ``item_ids`` are the distinct
    items (sorted) and ``item_code`` each row's position among them.
    """

    project: Project
    item: np.ndarray
    annotator: np.ndarray
    batch: np.ndarray
    version: np.ndarray
    value: np.ndarray
    epoch: np.ndarray
    duration_ms: np.ndarray
    categories: list[Any]
    gold: dict[int, int]
    users: dict[int, str]
    batches: dict[int, str]
    versions: dict[int, str]
    review_annotator: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_ok: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    review_clause: list[str | None] = field(default_factory=list)
    review_batch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    review_version: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: (row index into the annotation arrays, clause key) for every clause an annotation cites.
    citations: list[tuple[int, str]] = field(default_factory=list)
    item_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    item_code: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n(self) -> int:
        return int(self.item.size)

    @property
    def n_annotators(self) -> int:
        return int(distinct(self.annotator).size)

    def label_of(self, code: int) -> str:
        """The category ``code`` as display text."""
        value = self.categories[code]
        if isinstance(value, tuple):
            return "+".join(str(v) for v in value) or "∅"
        return str(value)

    def distinct_items(self, mask: np.ndarray | None = None) -> int:
        """How many distinct items the rows selected by ``mask`` touch (O(n), no sort)."""
        codes = self.item_code if mask is None else self.item_code[mask]
        if not codes.size:
            return 0
        seen = np.zeros(self.item_ids.size, dtype=bool)
        seen[codes] = True
        return int(np.count_nonzero(seen))


def _dense_codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sorted distinct ids, position of each id)`` — ``np.unique`` without the sort."""
    if not ids.size:
        return ids, ids
    lo, hi = int(ids.min()), int(ids.max())
    if hi - lo > 8 * ids.size + 4096:
        uniq, inv = np.unique(ids, return_inverse=True)
        return uniq, inv.reshape(-1).astype(np.int64)
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[ids - lo] = True
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64) + lo, lookup[ids - lo]


class _Codes(dict[Any, int]):
    """A dict that numbers unseen keys 0, 1, 2… on lookup (so ``map`` can stay in C)."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


def _annotation_columns(
    session: Session, project: Project
) -> tuple[dict[str, np.ndarray], list[Any], list[str | None]]:
    """Stream the counted annotations into numpy columns (ordered by annotation id).

    Returns the columns, the distinct value texts (``value`` holds codes into them) and the
    clause-key texts of the rows that cite any (``None`` elsewhere, kept sparse).
    """
    dialect = session.get_bind().dialect.name
    keys_text = sa.cast(Annotation.clause_keys, sa.Text)
    stmt = (
        sa.select(
            Annotation.id,
            Annotation.item_id,
            Annotation.annotator_id,
            Item.batch_id,
            sa.func.coalesce(Annotation.rulebook_version_id, 0),
            sa.cast(Annotation.value, sa.Text),
            epoch_seconds(Annotation.submitted_at, dialect),
            Annotation.duration_ms,
            sa.case((keys_text.not_in(["[]", "null"]), keys_text), else_=None),
        )
        .select_from(Annotation)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(*counted(project.id))
    )
    index = _Codes()
    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in ("id", "item", "annotator", "batch", "version", "raw", "epoch", "duration_ms")
    }
    cited: list[tuple[int, str]] = []
    offset = 0
    for rows in stream_rows(session, stmt):
        cols = list(zip(*rows, strict=True))
        n = len(rows)
        for name, col in zip(
            ("id", "item", "annotator", "batch", "version"), cols[:5], strict=True
        ):
            parts[name].append(np.fromiter(col, dtype=np.int64, count=n))
        parts["raw"].append(np.fromiter(map(index.__getitem__, cols[5]), dtype=np.int64, count=n))
        parts["epoch"].append(np.asarray(cols[6], dtype=float))
        parts["duration_ms"].append(np.asarray(cols[7], dtype=float))  # None → NaN
        cited.extend((offset + i, t) for i, t in enumerate(cols[8]) if t is not None)
        offset += n
    arr = {
        k: np.concatenate(v) if v else np.zeros(0, np.int64 if k != "epoch" else float)
        for k, v in parts.items()
    }
    ids = arr.pop("id")
    if ids.size > 1 and not bool((ids[1:] > ids[:-1]).all()):
        order = np.argsort(ids, kind="stable")
        arr = {k: v[order] for k, v in arr.items()}
        where = np.empty_like(order)
        where[order] = np.arange(order.size)
        cited = sorted((int(where[i]), t) for i, t in cited)
    return arr, list(index), cited


def load_project_data(session: Session, project: Project) -> ProjectData:
    """Read the counted annotations, gold answers, reviews and clause citations of ``project``."""
    arr, texts, cited = _annotation_columns(session, project)
    decoded = [canonical(json.loads(t)) if t is not None else None for t in texts]
    # merge texts that decode to the same canonical value; drop JSON null (no value)
    gold_rows = session.execute(
        sa.select(Item.id, sa.cast(Item.gold_answer, sa.Text))
        .join(Batch)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
            Item.gold_answer.is_not(None),
        )
    ).all()
    gold_values = {
        item_id: canonical(json.loads(text))
        for item_id, text in gold_rows
        if text is not None and text != "null"
    }
    categories = sorted_categories([*decoded, *gold_values.values()])
    pos = {v: i for i, v in enumerate(categories)}
    remap = np.array(
        [pos.get(v, -1) if v is not None else -1 for v in decoded] or [0], dtype=np.int64
    )
    raw = arr.pop("raw")
    value = remap[raw] if raw.size else raw
    keep = value >= 0
    everything = bool(keep.all())
    arr = {k: v if everything else v[keep] for k, v in arr.items()}
    arr["value"] = value if everything else value[keep]
    item_ids, item_code = _dense_codes(arr["item"])
    users = dict(session.execute(sa.select(User.id, User.username)).all())
    batches = dict(
        session.execute(sa.select(Batch.id, Batch.name).where(Batch.project_id == project.id)).all()
    )
    versions = dict(
        session.execute(
            sa.select(RulebookVersion.id, RulebookVersion.version)
            .join(Rulebook)
            .where(Rulebook.project_id == project.id)
        ).all()
    )
    data = ProjectData(
        project=project,
        categories=categories,
        gold={i: pos[v] for i, v in gold_values.items() if v in pos},
        users=users,
        batches=batches,
        versions=versions,
        item_ids=item_ids,
        item_code=item_code,
        **arr,
    )
    _load_reviews(session, project, data)
    new_row = np.cumsum(keep) - 1
    for row, text in cited:
        if not keep[row]:
            continue
        for key in dict.fromkeys(json.loads(text) or []):  # a clause cited twice counts once
            if key:
                data.citations.append((int(new_row[row]), str(key)))
    return data


def _load_reviews(session: Session, project: Project, data: ProjectData) -> None:
    rows = session.execute(
        sa.select(
            Annotation.annotator_id,
            Review.verdict,
            Review.clause_key,
            Item.batch_id,
            sa.func.coalesce(Annotation.rulebook_version_id, 0),
        )
        .select_from(Review)
        .join(SampledAnnotation, SampledAnnotation.id == Review.sampled_annotation_id)
        .join(Annotation, Annotation.id == SampledAnnotation.annotation_id)
        .join(Item, Item.id == Annotation.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == project.id,
            Item.quarantined.is_(False),
            Batch.status != BatchStatus.void,
            SampledAnnotation.is_calibration.is_(False),
        )
        .order_by(Review.id)
    ).all()
    if not rows:
        return
    data.review_annotator = np.asarray([r[0] for r in rows], dtype=np.int64)
    data.review_ok = np.asarray([Verdict(r[1]) == Verdict.correct for r in rows], dtype=bool)
    data.review_clause = [r[2] for r in rows]
    data.review_batch = np.asarray([r[3] for r in rows], dtype=np.int64)
    data.review_version = np.asarray([r[4] for r in rows], dtype=np.int64)


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for small non-negative ids (a presence table, no sort)."""
    if not values.size:
        return values
    top = int(values.max())
    if int(values.min()) < 0 or top > 8 * values.size + 4096:
        return np.unique(values)
    return np.flatnonzero(np.bincount(values, minlength=top + 1))


def repack(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for codes in ``[0, size)``, without a sort."""
    present = np.zeros(size, dtype=bool)
    present[codes] = True
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present), lookup[codes]
