"""Seeded bootstrap weights: resampling items with replacement as counts per unit.

Drawing ``n`` items with replacement out of ``n`` is the same as giving item ``i`` the weight
``w_i`` = the number of times it was drawn, and counting the draws of a *unit* that stands for
``sizes[u]`` identical items is a multinomial draw of ``n`` over the units with probabilities
``sizes / n``. :class:`WeightBank` holds those counts for every resample, drawn once and shared
by every scope of a report (a scope uses the columns of its own units).

Units may be *grouped* (``groups[u]``: the units whose items are interchangeable for the
statistics at hand, e.g. the same row of values). The draw is then made over the groups — so
it depends only on the groups' sizes and order, not on how the items were split into units —
and each group's count is split among its units by a conditional multinomial (a sequence of
binomials, from a second generator), which gives units exactly the distribution of drawing
them directly. Two callers that see the same groups in the same order (a file of ratings and a
project's report cells) therefore get the same group counts for the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from scipy import sparse

from . import checks

CHUNK = 64  # resamples drawn (and summed) at a time


def _dtype_for(top: int) -> type[np.integer]:
    """The smallest unsigned type that holds a draw of a unit of ``top`` items (a draw above
    ``top + 12√top + 12`` has odds below 1e-30)."""
    bound = top + 12 * math.isqrt(top) + 12
    return next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if bound <= np.iinfo(t).max)


def _multinomial(sizes: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """Resamples × units: a multinomial draw of ``sizes.sum()`` over ``sizes`` per row."""
    total = int(sizes.sum())
    dtype = _dtype_for(int(sizes.max()) if sizes.size else 0)
    out = np.zeros((n_resamples, sizes.size), dtype=dtype)
    rng = np.random.default_rng(seed)
    for start in range(0, n_resamples if total else 0, CHUNK):
        draws = rng.multinomial(total, sizes / total, size=min(CHUNK, n_resamples - start))
        out[start : start + draws.shape[0]] = np.minimum(draws, np.iinfo(dtype).max)
    return out


def _split(drawn: np.ndarray, groups: np.ndarray, sizes: np.ndarray, seed: int) -> np.ndarray:
    """Resamples × units: each group's count in ``drawn`` (resamples × groups) shared among its
    units in proportion to their sizes (a conditional multinomial, one binomial per unit but
    the group's last)."""
    order = np.argsort(groups, kind="stable")
    in_order = groups[order]
    sz = sizes[order].astype(float)
    starts = np.searchsorted(in_order, np.arange(drawn.shape[1]))
    rank = np.arange(order.size) - starts[in_order]
    before = np.cumsum(sz) - sz  # items of the units before, over all groups
    group_total = np.bincount(in_order, weights=sz, minlength=drawn.shape[1])
    remaining = group_total[in_order] - (before - before[starts[in_order]])
    share = np.minimum(sz / np.where(remaining > 0, remaining, 1.0), 1.0)
    left = drawn.astype(np.int64)
    out = np.zeros((drawn.shape[0], order.size), dtype=drawn.dtype)
    rng = np.random.default_rng([seed, 1])
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(int(rank.max(initial=-1)) + 2))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        at = by_rank[lo:hi]
        group = in_order[at]
        take = left[:, group]
        partial = share[at] < 1.0
        if partial.any():
            take[:, partial] = rng.binomial(take[:, partial], share[at][partial])
        out[:, order[at]] = take
        left[:, group] -= take
    return out


class WeightBank:
    """How often each unit's items were drawn, per resample, drawn once and shared by scopes.

    Row ``b`` of :attr:`weights` is resample ``b``: a draw of ``n`` items with replacement out
    of the ``n = sizes.sum()`` items behind the units (with ``sizes`` all 1, the classic item
    bootstrap). A scope (a batch, a label…) uses the columns of its own units: for the whole
    it is the item bootstrap; for a sub-scope the same resample restricted to the scope, whose
    size then varies like a Poisson bootstrap's. ``groups`` (see the module) make the draw
    depend only on the groups; ``ids`` name the units for :meth:`columns` (sorted; default
    ``0..``). Memory and time grow with the units, not the items.
    """

    def __init__(
        self,
        sizes: np.ndarray,
        n_resamples: int,
        seed: int,
        groups: np.ndarray | None = None,
        ids: np.ndarray | None = None,
    ) -> None:
        raw = np.asarray(sizes)
        if raw.dtype.kind not in "iub" and not (
            raw.dtype.kind == "f" and np.isfinite(raw).all() and (raw == np.round(raw)).all()
        ):
            raise ValueError("sizes must be whole numbers (counts of items)")
        sizes = raw.astype(np.int64)
        if (sizes < 0).any():
            raise ValueError("sizes must be ≥ 0")
        n_resamples = checks.count("n_resamples", n_resamples)
        seed = checks.seed(seed)
        self.ids = np.arange(sizes.size) if ids is None else np.asarray(ids, dtype=np.int64)
        self.n_resamples = n_resamples
        if groups is None:
            self.weights = _multinomial(sizes, n_resamples, seed)
        else:
            groups = np.asarray(groups, dtype=np.int64)
            group_sizes = np.bincount(
                groups, weights=sizes, minlength=int(groups.max(initial=-1)) + 1
            )
            drawn = _multinomial(group_sizes.astype(np.int64), n_resamples, seed)
            self.weights = _split(drawn, groups, sizes, seed)
        self._base: tuple[np.ndarray, int, list[np.ndarray]] | None = None

    @property
    def n_units(self) -> int:
        return int(self.ids.size)

    def columns(self, unit_ids: tuple[int, ...]) -> np.ndarray:
        """Positions of ``unit_ids`` (all in the bank) among the bank's units."""
        return np.searchsorted(self.ids, np.asarray(unit_ids, dtype=np.int64))

    def pattern_sums(
        self, cols: np.ndarray, pattern: np.ndarray, n_patterns: int
    ) -> Iterator[tuple[int, np.ndarray]]:
        """Per chunk of resamples: ``(size, weights summed per pattern)`` (patterns × size)
        over the bank's units ``cols``, ``pattern[i]`` being the pattern of ``cols[i]``.

        The sums over all units are kept (when small): a later scope over all units whose
        patterns merge those (a one-vs-rest label) is summed from them, not from the units.
        """
        whole = cols.size == self.n_units
        base = self._base if whole else None
        if base is not None:
            merge = np.zeros(base[1], dtype=np.int64)
            merge[base[0]] = pattern
            if np.array_equal(merge[base[0]], pattern):
                onehot = sparse.csr_matrix(
                    (np.ones(base[1]), (merge, np.arange(base[1]))), shape=(n_patterns, base[1])
                )
                for chunk in base[2]:
                    yield chunk.shape[1], onehot @ chunk
                return
        keep: list[np.ndarray] | None = (
            [] if whole and n_patterns * self.n_resamples <= 1 << 22 else None
        )
        for done in range(0, self.n_resamples, CHUNK):
            size = min(CHUNK, self.n_resamples - done)
            out = np.empty((n_patterns, size))
            for j in range(size):
                row = self.weights[done + j]
                out[:, j] = np.bincount(
                    pattern, weights=row if whole else row[cols], minlength=n_patterns
                )
            if keep is not None:
                keep.append(out)
            yield size, out
        if keep is not None and base is None:
            self._base = (pattern, n_patterns, keep)
