"""Report inputs for many annotators with sparse overlap: memory flat in the items there too.

With many annotators who each rate a different subset (100 annotators, three per item),
nearly every item has its own rating vector, so cells keyed on vectors grow with the items.
:func:`annotate.services.quality.sql.load_aggregates` then keys the cells on what the
coefficients need — the item's multiset of ``(version, timed, value)`` entries, whoever gave
them (Fleiss' κ, Krippendorff's α, Gwet's AC1, percent agreement, per-label α, gold accuracy,
the confusion matrix and the trend depend only on it) — and this module adds what needs the
annotators, each as a GROUP BY bounded by annotators, not items:

* the *annotator table*: counted annotations per (annotator, batch, version, gold answer,
  value, timed) — per-annotator gold accuracy, speed, versions and the annotator counts of
  every scope;
* the *pair table*: a self-join of the annotations on their item, counted per (batch,
  version a, version b, annotator a < annotator b, value a, value b) — the Cohen matrix of
  every scope and its mean;
* the *peer table*: per (annotator, value, the item's value texts) — agreement with peers.

Intervals: the multinomial bootstrap over the multiset cells is exactly the item bootstrap for
every coefficient that depends only on the multisets. Cohen's κ (the mean over pairs and each
pair) would need each item's joint vector, which these cells no longer hold: its interval is
reported as undefined, with :data:`NO_COHEN_CI` as the reason, instead of an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from annotate.database import Session
from annotate.metrics import PairwiseResult
from annotate.metrics.agreement import pairwise_table
from annotate.metrics.pairs import kappas_from_confusions
from annotate.models import Annotation, Item, Project
from annotate.services.quality.queries import (
    WHOLE,
    Answer,
    Decoder,
    Window,
    counted_values,
    item_agreement,
    item_values,
    joined,
    made_in,
    stream_rows,
    value_text,
)

PAIR_CHUNK = 10_000
NO_COHEN_CI = (
    "no interval: many annotators with sparse overlap, so the report groups items "
    "by their multiset of values; Cohen's kappa needs who gave which value on each "
    "item, which these groups do not keep"
)


@dataclass
class SparseTables:
    """The annotator table (``ann``…``n``, one row per distinct combination), the pair table
    (``p_*``) and the peer sums per annotator ``[Σ(same−1), Σ(m−1), annotations, Σm]`` over
    their annotations on items with at least two; ``codes``, when the scan kept them, the
    counted annotations as item, annotator-id and value columns ordered by item (``int32``, 12
    bytes per annotation: MACE's input, so :mod:`.sparse_mace` need not read them again)."""

    ann: np.ndarray
    batch: np.ndarray
    ver: np.ndarray
    gold: np.ndarray
    val: np.ndarray
    timed: np.ndarray
    n: np.ndarray
    p_batch: np.ndarray
    p_va: np.ndarray
    p_vb: np.ndarray
    p_a: np.ndarray
    p_b: np.ndarray
    p_ca: np.ndarray
    p_cb: np.ndarray
    p_n: np.ndarray
    peer: dict[int, list[int]]
    codes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _merged(rows: list[tuple[int, ...]], width: int) -> np.ndarray:
    """Rows ``(*key, n)`` with equal keys summed, sorted, as a ``(width + 1) × rows`` array."""
    out: dict[tuple[int, ...], int] = {}
    for *key, n in rows:
        out[tuple(key)] = out.get(tuple(key), 0) + int(n)
    return (
        np.asarray([(*k, n) for k, n in sorted(out.items())], dtype=np.int64)
        .reshape(-1, width + 1)
        .T
    )


def load_sparse(
    session: Session,
    project: Project,
    dec: Decoder,
    dialect: str,
    window: Window | None = None,
    answer: Answer = WHOLE,
) -> SparseTables:
    """Run the annotator, pair and peer GROUP BYs of ``project`` (values — ``answer`` of
    them — decoded by ``dec``), over the annotations submitted within ``window`` (None: all)."""
    ver = sa.func.coalesce(Annotation.rulebook_version_id, 0)
    timed = sa.case((Annotation.duration_ms > 0, 1), else_=0)
    gold = answer.gold()
    cols = (
        Annotation.annotator_id.label("ann"),
        Item.batch_id.label("batch"),
        ver.label("ver"),
        gold.label("gold"),
        value_text(answer).label("val"),
        timed.label("timed"),
    )
    rows: list[tuple[int, ...]] = []
    for a, b, v, g, text, t, n in session.execute(
        joined(*cols, sa.func.count())
        .where(*counted_values(project.id, window, answer))
        .group_by(*cols)
    ):
        if (code := dec.code(text)) >= 0:
            rows.append((a, b, v, dec.code(g), code, t, n))
    ann, batch, version, gcode, val, tcol, n = _merged(rows, 6)

    other = aliased(Annotation)
    over = sa.func.coalesce(other.rulebook_version_id, 0)
    pcols = (
        Item.batch_id.label("batch"),
        ver.label("va"),
        over.label("vb"),
        Annotation.annotator_id.label("a"),
        other.annotator_id.label("b"),
        value_text(answer).label("ta"),
        value_text(answer, other).label("tb"),
    )
    stmt = (
        joined(*pcols, sa.func.count())
        .join(
            other,
            sa.and_(
                other.item_id == Annotation.item_id, other.annotator_id > Annotation.annotator_id
            ),
        )
        .where(
            *counted_values(project.id, window, answer),
            other.is_current.is_(True),
            *made_in(window, other),
            value_text(answer, other) != "null",
        )
        .group_by(*pcols)
    )
    # Up to batches × versions² × annotators² × values² rows: kept as one int64 key each (the
    # columns' positions among the annotator table's batches, versions, annotators, codes),
    # merged chunk by chunk (texts of one value merge too).
    axes = [
        np.unique(batch),
        np.unique(version),
        np.unique(version),
        np.unique(ann),
        np.unique(ann),
        np.arange(max(len(dec.categories), 1)),
        np.arange(max(len(dec.categories), 1)),
    ]
    keys, counts = np.zeros(0, np.int64), np.zeros(0, np.int64)
    for chunk in stream_rows(session, stmt, PAIR_CHUNK):
        arr = np.asarray(
            [
                (b, va, vb, a1, a2, dec.code(t1), dec.code(t2), cnt)
                for b, va, vb, a1, a2, t1, t2, cnt in chunk
            ],
            np.int64,
        ).reshape(-1, 8)
        arr = arr[(arr[:, 5] >= 0) & (arr[:, 6] >= 0)]
        key = np.zeros(arr.shape[0], np.int64)
        for j, axis in enumerate(axes):
            key = key * axis.size + np.searchsorted(axis, arr[:, j])
        keys, inv = np.unique(np.concatenate([keys, key]), return_inverse=True)
        counts = np.bincount(
            inv.reshape(-1), weights=np.concatenate([counts, arr[:, 7]]), minlength=keys.size
        ).astype(np.int64)
    pair_cols: list[np.ndarray] = []
    for axis in reversed(axes):
        keys, pos = np.divmod(keys, axis.size)
        pair_cols.append(axis[pos])
    p_batch, p_va, p_vb, p_a, p_b, p_ca, p_cb = reversed(pair_cols)

    mine = (
        joined(
            Annotation.item_id.label("item"),
            Annotation.annotator_id.label("ann"),
            value_text(answer).label("val"),
        )
        .where(*counted_values(project.id, window, answer))
        .subquery()
    )
    per_item = item_values(dialect, sa.select(mine.c.item), window, answer)
    peer: dict[int, list[int]] = {}
    for a, own, vals, cnt in session.execute(
        sa.select(mine.c.ann, mine.c.val, per_item.c.vals, sa.func.count())
        .join(per_item, per_item.c.item == mine.c.item)
        .group_by(mine.c.ann, mine.c.val, per_item.c.vals)
    ):
        code = dec.code(own)
        if code < 0:
            continue
        m, same = item_agreement(dec, code, vals)
        if m >= 2:
            s = peer.setdefault(int(a), [0, 0, 0, 0])
            s[0] += cnt * (same - 1)
            s[1] += cnt * (m - 1)
            s[2] += cnt
            s[3] += cnt * m
    return SparseTables(
        ann,
        batch,
        version,
        gcode,
        val,
        tcol.astype(bool),
        n,
        p_batch,
        p_va,
        p_vb,
        p_a,
        p_b,
        p_ca,
        p_cb,
        counts,
        peer,
    )


def scope_rows(t: SparseTables, scope: tuple[str, int] | None) -> np.ndarray:
    """Annotator-table rows of ``scope`` (None: the project; ``("batch", id)``;
    ``("rulebook_version", id)``)."""
    if scope is None:
        return np.ones(t.ann.size, bool)
    return (t.batch if scope[0] == "batch" else t.ver) == scope[1]


def pair_rows(t: SparseTables, scope: tuple[str, int] | None) -> np.ndarray:
    """Pair-table rows of ``scope``: both annotations in the batch, or of the version."""
    if scope is None:
        return np.ones(t.p_a.size, bool)
    if scope[0] == "batch":
        return t.p_batch == scope[1]
    return (t.p_va == scope[1]) & (t.p_vb == scope[1])


def cohen_from_pairs(
    t: SparseTables,
    scope: tuple[str, int] | None,
    ids: np.ndarray,
    names: tuple[Any, ...],
    k: int,
    ns: tuple[int, int, int],
) -> PairwiseResult:
    """:func:`annotate.metrics.cohen_matrix` of the scope from the pair table (``ids``: the
    scope's annotators, sorted; ``names`` theirs)."""
    a = ids.size
    sel = pair_rows(t, scope)
    at = np.searchsorted(ids, t.p_a[sel]) * a + np.searchsorted(ids, t.p_b[sel])
    conf = np.bincount(
        (at * k + t.p_ca[sel]) * k + t.p_cb[sel], weights=t.p_n[sel], minlength=a * a * k * k
    ).reshape(a * a, k, k)
    kappa, shared = kappas_from_confusions(conf)
    rows = scope_rows(t, scope)
    solo = np.bincount(np.searchsorted(ids, t.ann[rows]), weights=t.n[rows], minlength=a).astype(
        np.int64
    )
    return pairwise_table(
        "cohen_kappa",
        names,
        ns,
        solo.tolist(),
        lambda i, j: (kappa[i * a + j], int(shared[i * a + j])),
    )
