"""Seeded percentile bootstrap over items: every agreement coefficient in one pass.

Resampling items with replacement is the same as giving item ``i`` the weight ``w_i`` = the
number of times it was drawn (:mod:`.resampling`). Every coefficient here — percent agreement,
Fleiss' κ, Scott's π, Gwet's AC1, Krippendorff's α at any level, and Cohen's κ per annotator
pair and their mean — is a closed-form function of per-item sums, so one resample costs one
matrix product instead of a rebuild of the ratings. Items with the same row of values (a
*pattern*) contribute identically: their weights are summed first and the products run over
patterns. The draw itself is made over the patterns (:class:`~.resampling.WeightBank` with
``groups``), so the same ratings give the same intervals for the same seed whether they come
item by item (``annotate agreement``) or already grouped (:class:`~.patterns.Patterns`, the
project report). Point estimates always come from the metric functions; at ``w = 1`` these
formulas reproduce them (``tests/unit/metrics/test_bootstrap.py``).

:func:`bootstrap_ci` bootstraps any function of :class:`~.data.Ratings` from the same weights,
by rebuilding each resample (slow, but general).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from . import checks
from .data import Ratings, as_ratings
from .krippendorff_alpha import LEVELS
from .patterns import Patterns
from .resampling import WeightBank
from .results import Interval

COEFFICIENTS = (
    "percent_agreement",
    "fleiss_kappa",
    "scott_pi",
    "gwet_ac1",
    "krippendorff_alpha",
    "cohen_kappa",
)
MetricFn = Callable[[Ratings], Any]


@dataclass(frozen=True)
class Features:
    """Per-pattern features from which each coefficient is a closed-form function.

    ``x`` is patterns × features (see :func:`_features`); ``pairs`` maps the patterns onto
    every annotator pair's k × k confusion cells; ``pattern`` is the pattern of each unit of
    the ratings they were computed from.
    """

    q: int
    level: str
    positions: np.ndarray | None
    x: np.ndarray
    pairs: sparse.csr_matrix | None
    pattern: np.ndarray


def _grid(r: Ratings | Patterns) -> np.ndarray:
    dtype = np.int16 if r.n_categories < 2**15 - 1 else np.int64
    grid = np.full((len(r.items), r.n_annotators), -1, dtype=dtype)
    grid[r.item_idx, r.annot_idx] = r.value_idx
    return grid


def _patterns(grid: np.ndarray, k: int, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pattern of each row, one grid row per pattern)``; patterns are numbered in the order
    of their rows with the columns taken in ``order`` — a canonical order: it depends on the
    rows and the columns' names, not on how many rows there are, their order or the columns'."""
    n, a = grid.shape
    if not n:
        return np.zeros(0, np.int64), grid
    keyed = grid[:, order]
    if a and (k + 1) ** a <= max(4 * n, 1 << 16):  # few possible rows: a presence table
        place = (k + 1) ** np.arange(a - 1, -1, -1, dtype=np.int64)
        key = (keyed.astype(np.int64) + 1) @ place
        present = np.bincount(key, minlength=(k + 1) ** a) > 0
        keys = np.flatnonzero(present)
        rows = np.empty((keys.size, a), dtype=grid.dtype)
        rows[:, order] = (keys[:, None] // place[None, :]) % (k + 1) - 1
        return (np.cumsum(present) - 1)[key], rows
    if a and (k + 1) ** a < 2**62:
        key = (keyed.astype(np.int64) + 1) @ ((k + 1) ** np.arange(a - 1, -1, -1, dtype=np.int64))
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    else:
        _, first, inv = np.unique(keyed, axis=0, return_index=True, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), grid[first]


def _by_name(r: Ratings | Patterns) -> np.ndarray:
    """The annotator columns in the order of their names (as text)."""
    return np.argsort(np.asarray([str(a) for a in r.annotators], dtype=object), kind="stable")


def unit_patterns(r: Ratings | Patterns) -> np.ndarray:
    """The pattern of each unit of ``r`` (items, or the units of :class:`Patterns`): the
    ``groups`` of a :class:`WeightBank` whose draws match :func:`bootstrap_agreement`'s."""
    return _patterns(_grid(r), r.n_categories, _by_name(r))[0]


def _features(r: Ratings | Patterns, level: str, pairs: bool = True) -> Features:
    grid = _grid(r)
    k = r.n_categories
    pattern, rows = _patterns(grid, k, _by_name(r))
    p = rows.shape[0]
    c = np.zeros((p, k), dtype=float)
    for j in range(rows.shape[1]):
        rated = np.flatnonzero(rows[:, j] >= 0)
        np.add.at(c, (rated, rows[rated, j].astype(np.int64)), 1.0)
    m = c.sum(axis=1)
    pair = m >= 2
    rated = m >= 1
    safe_m = np.where(rated, m, 1.0)
    safe_m1 = np.where(pair, m - 1.0, 1.0)
    agree = np.where(pair, (c * (c - 1.0)).sum(axis=1) / (safe_m * safe_m1), 0.0)
    prevalence = np.where(rated[:, None], c / safe_m[:, None], 0.0)
    cp = c * pair[:, None]
    cols = [
        pair.astype(float)[:, None],
        agree[:, None],
        rated.astype(float)[:, None],
        prevalence,
        cp,
    ]
    positions = None
    if level == "nominal":
        cols.append(np.where(pair, ((c * c).sum(axis=1) - m) / safe_m1, 0.0)[:, None])
    else:
        g1 = cp * (2.0 * m / safe_m1)[:, None]
        g2 = (cp[:, :, None] * cp[:, None, :]).reshape(p, k * k) * (2.0 / safe_m1)[:, None]
        cols += [g1, g2]
        if level in ("interval", "ratio"):
            positions = np.asarray(r.categories, dtype=float)
    return Features(
        k, level, positions, np.hstack(cols), _pair_matrix(rows, k) if pairs else None, pattern
    )


def _pair_matrix(rows: np.ndarray, k: int) -> sparse.csr_matrix | None:
    n_ann = rows.shape[1]
    if n_ann < 2:
        return None
    out_rows, out_cols = [], []
    p = 0
    for a in range(n_ann):
        for b in range(a + 1, n_ann):
            both = np.flatnonzero((rows[:, a] >= 0) & (rows[:, b] >= 0))
            out_rows.append(p * k * k + rows[both, a].astype(np.int64) * k + rows[both, b])
            out_cols.append(both)
            p += 1
    row = np.concatenate(out_rows)
    col = np.concatenate(out_cols)
    return sparse.csr_matrix((np.ones(row.size), (row, col)), shape=(p * k * k, rows.shape[0]))


def _coefficients(f: Features, t: np.ndarray) -> dict[str, np.ndarray]:
    """Coefficients for every column of ``t`` = weighted feature sums (features × resamples)."""
    k = f.q
    pair_w, agree, rated_w = t[0], t[1], t[2]
    prev = t[3 : 3 + k] / np.where(rated_w > 0, rated_w, np.nan)
    n_c = t[3 + k : 3 + 2 * k]
    i = 3 + 2 * k
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = agree / np.where(pair_w > 0, pair_w, np.nan)
        n = n_c.sum(axis=0)
        out = {
            "percent_agreement": p_o,
            "fleiss_kappa": _chance(p_o, (prev**2).sum(axis=0)),
            "scott_pi": _chance(p_o, ((n_c / np.where(n > 0, n, np.nan)) ** 2).sum(axis=0)),
        }
        pe_g = (prev * (1 - prev)).sum(axis=0) / (k - 1) if k >= 2 else np.full_like(p_o, np.nan)
        out["gwet_ac1"] = _chance(p_o, pe_g)
        if f.level == "nominal":
            o_diag = t[i]
            exp = n * n - (n_c**2).sum(axis=0)
            out["krippendorff_alpha"] = np.where(exp > 0, 1 - (n - 1) * (n - o_diag) / exp, np.nan)
            return out
        g1, g2 = t[i : i + k], t[i + k : i + k + k * k].reshape(k, k, -1)
        if f.level == "ratio":  # δ(c, d) = ((c − d) / (c + d))²: Σ δ·o and Σ δ·n_c·n_d
            v = f.positions if f.positions is not None else np.zeros(k)
            s = v[:, None] + v[None, :]
            delta = np.divide(v[:, None] - v[None, :], s, out=np.zeros((k, k)), where=s != 0) ** 2
            obs = np.einsum("cd,cdb->b", delta, g2) / 2
            exp = np.einsum("cb,cd,db->b", n_c, delta, n_c)
        else:
            if f.positions is not None:
                pos = np.repeat(f.positions[:, None], t.shape[1], axis=1)
            else:  # ordinal: ranks on the resample's own coincidence marginal
                pos = np.cumsum(n_c, axis=0) - n_c / 2.0
            obs = (g1 * pos**2).sum(axis=0) - np.einsum("cb,cdb,db->b", pos, g2, pos)
            sum_v = (n_c * pos).sum(axis=0)
            exp = 2 * n * ((n_c * pos**2).sum(axis=0) - sum_v**2 / np.where(n > 0, n, np.nan))
        out["krippendorff_alpha"] = np.where(exp > 1e-12, 1 - obs * (n - 1) / exp, np.nan)
    return out


def _chance(p_o: np.ndarray, p_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(p_e, 1.0, rtol=0, atol=1e-12), np.nan, (p_o - p_e) / (1 - p_e))


def _cohen(conf: np.ndarray) -> np.ndarray:
    """Cohen's κ for stacked confusion matrices ``conf`` (pairs × k × k × resamples)."""
    n = conf.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = np.einsum("pccb->pb", conf) / n
        p_e = np.einsum("pcb,pcb->pb", conf.sum(axis=2), conf.sum(axis=1)) / (n * n)
        return np.where((n > 0) & (1 - p_e > 1e-15), (p_o - p_e) / (1 - p_e), np.nan)


@dataclass(frozen=True)
class BootResult:
    """Percentile intervals per coefficient, and per annotator pair for Cohen's κ (in the
    order of :meth:`~annotate.metrics.results.PairwiseResult.pairs`)."""

    intervals: dict[str, tuple[float, float] | None]
    pair_intervals: list[tuple[float, float] | None]
    n_resamples: int
    seed: int
    #: per annotator (in name order), the interval of the mean of their pairs' defined κ
    annotator_intervals: list[tuple[float, float] | None] = field(default_factory=list)


def bootstrap_agreement(
    r: Ratings | Patterns,
    level: str,
    *,
    n_resamples: int,
    seed: int = 0,
    confidence: float = 0.95,
    pairs: bool = True,
    bank: WeightBank | None = None,
) -> BootResult:
    """Seeded percentile bootstrap over items of every agreement coefficient in one pass.

    ``r`` is :class:`Ratings` (units = items) or :class:`Patterns` (units standing for
    ``weight`` items each); Krippendorff's α is at ``level``, the others nominal. With
    ``pairs`` False the per-pair Cohen's κ (and their mean) are skipped. Without ``bank`` the
    items are drawn over ``r``'s patterns; ``bank`` shares one set of weights between scopes
    (``r.items`` are then ids of the bank's units). An interval is ``None`` when fewer than
    two resamples define the coefficient; nothing is computed for fewer than two items or
    resamples.

    :raises ValueError: for an unknown ``level``, a negative or fractional ``n_resamples``,
        a bad ``seed`` or a ``confidence`` outside (0, 1).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    n_resamples = checks.count("n_resamples", n_resamples)
    seed = checks.seed(seed)
    confidence = checks.confidence(confidence)
    if n_resamples < 2 or r.n_items < 2:
        return BootResult({}, [], 0, seed)
    f = _features(r, level, pairs)
    n_patterns = f.x.shape[0]
    if bank is None:
        unit_weight = r.weight if isinstance(r, Patterns) else np.ones(len(r.items))
        sizes = np.bincount(f.pattern, weights=unit_weight, minlength=n_patterns)
        bank = WeightBank(sizes.astype(np.int64), n_resamples, seed)
        cols = pattern = np.arange(n_patterns)
    else:
        cols, pattern = bank.columns(r.items), f.pattern
    samples: dict[str, list[np.ndarray]] = {name: [] for name in COEFFICIENTS}
    pair_samples: list[np.ndarray] = []
    for size, w in bank.pattern_sums(cols, pattern, n_patterns):
        for name, vals in _coefficients(f, f.x.T @ w).items():
            samples[name].append(vals)
        if f.pairs is not None:
            kappa = _cohen(np.asarray(f.pairs @ w).reshape(-1, f.q, f.q, size))
            pair_samples.append(kappa)
            defined = (~np.isnan(kappa)).sum(axis=0)
            total = np.where(np.isnan(kappa), 0.0, kappa).sum(axis=0)
            samples["cohen_kappa"].append(
                np.where(defined > 0, total / np.maximum(defined, 1), np.nan)
            )
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    intervals = {
        name: _interval(np.concatenate(v) if v else np.zeros(0), q) for name, v in samples.items()
    }
    per_pair: list[tuple[float, float] | None] = []
    per_annotator: list[tuple[float, float] | None] = []
    if pair_samples:
        stack = np.concatenate(pair_samples, axis=1)
        per_pair = [_interval(row, q) for row in stack]
        per_annotator = [_interval(v, q) for v in _annotator_means(stack, r.n_annotators)]
    return BootResult(intervals, per_pair, bank.n_resamples, seed, per_annotator)


def _annotator_means(stack: np.ndarray, n_ann: int) -> np.ndarray:
    """Per annotator × resample, the mean of the defined κ of their pairs (``stack``: pairs in
    :meth:`PairwiseResult.pairs` order × resamples); NaN where none is defined."""
    pairs = [(a, b) for a in range(n_ann) for b in range(a + 1, n_ann)]
    member = np.zeros((n_ann, len(pairs)))
    for p, (a, b) in enumerate(pairs):
        member[[a, b], p] = 1.0
    ok = ~np.isnan(stack)
    count = member @ ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (member @ np.where(ok, stack, 0.0)) / count, np.nan)


def _interval(vals: np.ndarray, q: list[float]) -> tuple[float, float] | None:
    vals = vals[~np.isnan(vals)]
    if vals.size < 2:
        return None
    low, high = np.quantile(vals, q)
    return float(low), float(high)


def _value(result: Any) -> float | None:
    if result is None or isinstance(result, float | int):
        return result
    if isinstance(result, np.floating | np.integer):
        return float(result)
    for attr in ("value", "mean"):
        if hasattr(result, attr):
            return getattr(result, attr)
    raise TypeError(f"cannot read a value from {result!r}")


def _resample(
    r: Ratings, order: np.ndarray, starts: np.ndarray, m: np.ndarray, weights: np.ndarray
) -> Ratings:
    """``r`` with item ``i`` repeated ``weights[i]`` times, each copy a new item."""
    pick = np.repeat(np.arange(r.n_items), weights.astype(np.int64))
    lens = m[pick]
    new_item = np.repeat(np.arange(pick.size), lens)
    offs = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    rows = order[np.repeat(starts[pick], lens) + offs]
    return Ratings(
        tuple(range(pick.size)),
        r.annotators,
        r.categories,
        new_item,
        r.annot_idx[rows],
        r.value_idx[rows],
        None if r.numeric is None else r.numeric[rows],
    )


def bootstrap_ci(
    metric: MetricFn,
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    numeric: bool = False,
) -> Interval:
    """Seeded percentile bootstrap interval for any function of :class:`Ratings`, e.g.
    ``lambda r: krippendorff_alpha(r, level="interval")``, over the same item weights as
    :func:`bootstrap_agreement` (each resample rebuilt: use that for the usual coefficients).
    Resamples on which ``metric`` is undefined (``None``) are dropped and counted.

    :raises ValueError: for ``n_resamples`` < 1, a bad ``seed`` or ``confidence``, or when
        ``metric`` returns NaN or ±inf (a metric says "undefined" with ``None``).
    """
    if not callable(metric):
        raise ValueError(f"metric must be callable, got {metric!r}")
    n_resamples = checks.count("n_resamples", n_resamples, minimum=1)
    seed = checks.seed(seed)
    confidence = checks.confidence(confidence)
    r = as_ratings(items, annotators, values, numeric=numeric)
    vals: list[float] = []
    if r.n_items:
        order = np.argsort(r.item_idx, kind="stable")
        m = np.bincount(r.item_idx, minlength=r.n_items)
        starts = np.cumsum(m) - m
        bank = WeightBank(np.ones(r.n_items, np.int64), n_resamples, seed)
        for weights in bank.weights:
            value = _value(metric(_resample(r, order, starts, m, weights)))
            v = checks.finite_result("metric", value)
            if v is not None:
                vals.append(float(v))
    if len(vals) < 2:
        return Interval(
            None,
            None,
            confidence,
            "percentile bootstrap",
            n_resamples,
            len(vals),
            reason="fewer than two resamples were defined",
        )
    low, high = np.quantile(np.asarray(vals), [(1 - confidence) / 2, (1 + confidence) / 2])
    return Interval(
        float(low), float(high), confidence, "percentile bootstrap", n_resamples, len(vals)
    )
