"""The sparse report's annotator, pair and peer tables in one item-ordered scan.

:func:`annotate.services.quality.sparse.load_sparse` builds the three tables of
:class:`~annotate.services.quality.sparse.SparseTables` with three GROUP BYs: the annotator
table, a self-join of the annotations on their item (the pair table) and a join of every
annotation with its item's value texts (the peer sums). With 100 annotators, three per item and
1,000,000 annotations the two joins took 6–7 s each. Here one query streams the counted
annotations ordered by item — ``(item, annotator, batch, version, timed, gold text, value
text)`` — and each chunk of whole items is counted with numpy: the annotator table as
distinct rows, every pair of one item's annotations (lower annotator first) as distinct pair
rows, the peer sums from each item's size and its count of each value. The chunks' counts are
merged as they come, so memory is bounded by the tables, not by the items — and by the three
``int32`` columns (item, annotator, value: 12 bytes per annotation) kept for MACE
(:mod:`.sparse_mace`), which would otherwise read the same annotations once more.

The result is the same :class:`SparseTables` as :func:`~.sparse.load_sparse` gives
(``tests/services/quality/test_sparse_scan.py`` compares them on random projects, on SQLite and
PostgreSQL), which stays the reference.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from annotate.database import Session
from annotate.models import Annotation, Item, Project
from annotate.services.quality.queries import (
    WHOLE,
    Answer,
    Decoder,
    Window,
    counted_values,
    joined,
    stream_rows,
    value_text,
)
from annotate.services.quality.sparse import SparseTables

SCAN_CHUNK = 100_000


class _Counter:
    """Distinct integer rows and their summed counts, merged chunk by chunk (rows sorted)."""

    def __init__(self, width: int) -> None:
        self.keys = np.zeros((0, width), np.int64)
        self.n = np.zeros(0, np.int64)

    def add(self, keys: np.ndarray, n: np.ndarray) -> None:
        keys = np.concatenate([self.keys, keys])
        n = np.concatenate([self.n, n])
        if not len(keys):
            return
        low = keys.min(axis=0)
        span = keys.max(axis=0) - low + 1
        if float(np.prod(span.astype(float))) < 2.0**62:  # one int64 per row: a flat sort
            packed = np.zeros(len(keys), np.int64)
            for j in range(keys.shape[1]):
                packed = packed * span[j] + (keys[:, j] - low[j])
            _, first, inv = np.unique(packed, return_index=True, return_inverse=True)
            self.keys = keys[first]
            self.n = np.bincount(inv.reshape(-1), weights=n, minlength=first.size).astype(np.int64)
            return
        order = np.lexsort(keys.T[::-1])
        keys, n = keys[order], n[order]
        new = np.ones(len(keys), bool)
        new[1:] = (keys[1:] != keys[:-1]).any(axis=1)
        self.keys = keys[new]
        self.n = np.bincount(np.cumsum(new) - 1, weights=n, minlength=self.keys.shape[0]).astype(
            np.int64
        )


def _count_chunk(
    rows: np.ndarray, k: int, ann_table: _Counter, pairs: _Counter, peer: dict[int, list[int]]
) -> None:
    """Count one chunk of whole items: ``rows`` columns (item, annotator, batch, version,
    timed, gold code, value code), sorted by item then annotator, value codes in
    ``[0, k)``."""
    item, ann, batch, ver, timed, gold, val = rows.T
    ann_table.add(
        np.stack([ann, batch, ver, gold, val, timed], axis=1), np.ones(len(rows), np.int64)
    )
    group = np.cumsum(np.r_[True, item[1:] != item[:-1]]) - 1
    m = np.bincount(group)[group]  # the item's annotations
    keys = []
    for d in range(1, len(item)):
        x = np.flatnonzero(item[d:] == item[:-d])  # annotations x and x + d of one item
        if not x.size:  # items are contiguous runs: none further apart either
            break
        y = x + d
        keep = ann[x] < ann[y]  # one annotation per annotator and item: always, but as SQL
        x, y = x[keep], y[keep]
        keys.append(np.stack([batch[x], ver[x], ver[y], ann[x], ann[y], val[x], val[y]], axis=1))
    if keys:
        pair_keys = np.concatenate(keys)
        pairs.add(pair_keys, np.ones(len(pair_keys), np.int64))
    # peer sums: per annotation on an item with m ≥ 2, the item's annotations with its value
    _, inv, same = np.unique(group * k + val, return_inverse=True, return_counts=True)
    same = same[inv.reshape(-1)]
    shared = m >= 2
    who, at = np.unique(ann[shared], return_inverse=True)
    at = at.reshape(-1)
    sums = [
        np.bincount(at, weights=w, minlength=who.size)
        for w in (same[shared] - 1, m[shared] - 1, np.ones(at.size), m[shared])
    ]
    for i, a in enumerate(who.tolist()):
        s = peer.setdefault(int(a), [0, 0, 0, 0])
        for j in range(4):
            s[j] += int(sums[j][i])


def _coded(dec: Decoder, texts: tuple[str | None, ...]) -> np.ndarray:
    """The codes of ``texts``, each distinct text decoded once."""
    codes = {text: dec.code(text) for text in set(texts)}
    return np.fromiter(map(codes.__getitem__, texts), np.int64, len(texts))


def scan_sparse(
    session: Session,
    project: Project,
    dec: Decoder,
    window: Window | None = None,
    answer: Answer = WHOLE,
) -> SparseTables:
    """:func:`~.sparse.load_sparse`'s tables of ``project`` (values — ``answer`` of them)
    from one item-ordered scan."""
    stmt = (
        joined(
            Annotation.item_id,
            Annotation.annotator_id,
            Item.batch_id,
            sa.func.coalesce(Annotation.rulebook_version_id, 0),
            sa.case((Annotation.duration_ms > 0, 1), else_=0),
            answer.gold(),
            value_text(answer),
        )
        .where(*counted_values(project.id, window, answer))
        .order_by(Annotation.item_id)
    )
    ann_table, pairs = _Counter(6), _Counter(7)
    k = max(len(dec.categories), 1)
    peer: dict[int, list[int]] = {}
    carry = np.zeros((0, 7), np.int64)
    kept: list[np.ndarray] = []  # (item, annotator, value) of the counted rows, for MACE
    for chunk in stream_rows(session, stmt, SCAN_CHUNK):
        item, ann, batch, ver, timed, gold, text = zip(*chunk, strict=True)
        rows = np.stack(
            [
                np.asarray(item, np.int64),
                np.asarray(ann, np.int64),
                np.asarray(batch, np.int64),
                np.asarray(ver, np.int64),
                np.asarray(timed, np.int64),
                _coded(dec, gold),
                _coded(dec, text),
            ],
            axis=1,
        )
        rows = np.concatenate([carry, rows[rows[:, 6] >= 0]])
        last = rows[-1, 0] if len(rows) else 0
        tail = rows[:, 0] == last  # the last item may go on in the next chunk
        carry, rows = rows[tail], rows[~tail]
        if len(rows):
            rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
            kept.append(rows[:, [0, 1, 6]].astype(np.int32))
            _count_chunk(rows, k, ann_table, pairs, peer)
    if len(carry):
        carry = carry[np.argsort(carry[:, 1])]
        kept.append(carry[:, [0, 1, 6]].astype(np.int32))
        _count_chunk(carry, k, ann_table, pairs, peer)
    codes = np.concatenate(kept).T.copy() if kept else np.zeros((3, 0), np.int32)
    a, p = ann_table.keys.T, pairs.keys.T
    return SparseTables(
        a[0], a[1], a[2], a[3], a[4], a[5].astype(bool), ann_table.n,
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], pairs.n, peer,
        (codes[0], codes[1], codes[2]),
    )  # fmt: skip
