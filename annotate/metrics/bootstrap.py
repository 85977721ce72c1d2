"""Seeded percentile bootstrap over items for any coefficient.

Items (not annotations) are resampled with replacement; an item drawn twice becomes two
units. Resamples on which the coefficient is undefined are dropped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .data import Ratings, as_ratings
from .results import Interval

MetricFn = Callable[[Ratings], Any]


def _value(result: Any) -> float | None:
    if result is None or isinstance(result, float | int):
        return result
    for attr in ("value", "mean"):
        if hasattr(result, attr):
            return getattr(result, attr)
    raise TypeError(f"cannot read a value from {result!r}")


class _Resampler:
    def __init__(self, r: Ratings) -> None:
        self.r = r
        self.order = np.argsort(r.item_idx, kind="stable")
        self.m = np.bincount(r.item_idx, minlength=r.n_items)
        self.starts = np.concatenate(([0], np.cumsum(self.m)[:-1])) if r.n_items else self.m

    def draw(self, rng: np.random.Generator) -> Ratings:
        r = self.r
        pick = rng.integers(0, r.n_items, size=r.n_items)
        lens = self.m[pick]
        total = int(lens.sum())
        new_item = np.repeat(np.arange(r.n_items), lens)
        offs = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
        rows = self.order[np.repeat(self.starts[pick], lens) + offs]
        return Ratings(tuple(range(r.n_items)), r.annotators, r.categories, new_item,
                       r.annot_idx[rows], r.value_idx[rows],
                       None if r.numeric is None else r.numeric[rows])


def bootstrap_many(ratings: Ratings, metrics: Mapping[str, MetricFn], *, n_resamples: int = 1000,
                   confidence: float = 0.95, seed: int = 0) -> dict[str, Interval]:
    """Percentile intervals for several metrics from the same item resamples.

    ``metrics`` maps a name to a function of :class:`Ratings` returning a result with a
    ``value`` (or ``mean``) or a float/None. Deterministic for a given ``seed``.
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {name: [] for name in metrics}
    if ratings.n_items:
        res = _Resampler(ratings)
        for _ in range(n_resamples):
            boot = res.draw(rng)
            for name, fn in metrics.items():
                v = _value(fn(boot))
                if v is not None:
                    samples[name].append(float(v))
    out: dict[str, Interval] = {}
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    for name, vals in samples.items():
        if len(vals) < 2:
            out[name] = Interval(None, None, confidence, "percentile bootstrap", n_resamples,
                                 len(vals), reason="fewer than two resamples were defined")
            continue
        low, high = np.quantile(np.asarray(vals), q)
        out[name] = Interval(float(low), float(high), confidence, "percentile bootstrap",
                             n_resamples, len(vals))
    return out


def bootstrap_ci(metric: MetricFn, items: Any, annotators: Any = None, values: Any = None, *,
                 n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
                 numeric: bool = False) -> Interval:
    """Seeded percentile bootstrap interval for one coefficient, resampling items.

    ``metric`` is any function of :class:`Ratings`, e.g.
    ``lambda r: krippendorff_alpha(r, level="interval")``.
    """
    r = as_ratings(items, annotators, values, numeric=numeric)
    return bootstrap_many(r, {"m": metric}, n_resamples=n_resamples, confidence=confidence,
                          seed=seed)["m"]
