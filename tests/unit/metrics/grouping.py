"""Test helper: ratings grouped into :class:`~annotate.metrics.patterns.Patterns` (what the
report's SQL GROUP BY does in the database)."""

from __future__ import annotations

import numpy as np

from annotate.metrics import Ratings
from annotate.metrics.patterns import Patterns


def patterns_of(r: Ratings) -> Patterns:
    """Group the items of ``r`` by their row of values: one unit per distinct row, weighted by
    how many items have it (units are numbered ``0..``; annotators and categories kept)."""
    rows = np.full((r.n_items, r.n_annotators), -1, dtype=np.int64)
    rows[r.item_idx, r.annot_idx] = r.value_idx
    uniq, counts = np.unique(rows, axis=0, return_counts=True) if r.n_items else (rows, [])
    unit, ann = np.nonzero(uniq >= 0)
    return Patterns(
        tuple(range(uniq.shape[0])),
        r.annotators,
        r.categories,
        unit,
        ann,
        uniq[unit, ann],
        np.asarray(counts, dtype=np.int64),
    )


def split_units(p: Patterns, parts: int, seed: int = 0) -> Patterns:
    """``p`` with each unit's items spread over up to ``parts`` units (as a report's cells
    split one rating vector by batch, week and gold answer), in a shuffled order."""
    rng = np.random.default_rng(seed)
    units, weights = [], []
    for u, w in enumerate(p.weight.tolist()):
        cuts = np.sort(rng.integers(0, w + 1, parts - 1))
        for size in np.diff(np.concatenate(([0], cuts, [w]))).tolist():
            if size:
                units.append(u)
                weights.append(size)
    order = rng.permutation(len(units))
    units = [units[i] for i in order]
    weights = [weights[i] for i in order]
    rows = [np.flatnonzero(p.item_idx == u) for u in range(p.n_units)]
    item_idx = np.concatenate([np.full(rows[u].size, i) for i, u in enumerate(units)])
    take = np.concatenate([rows[u] for u in units])
    return Patterns(
        tuple(range(len(units))),
        p.annotators,
        p.categories,
        item_idx,
        p.annot_idx[take],
        p.value_idx[take],
        np.asarray(weights, dtype=np.int64),
    )
