"""Seeded bootstrap intervals for agreement coefficients, fast enough for a million annotations.

Resampling items with replacement is the same as giving item ``i`` the weight ``w_i`` = the
number of times it was drawn. Every nominal coefficient of :mod:`annotate.metrics` is a
function of per-item sums (the item × category count matrix), so one resample costs one
matrix product instead of a rebuild of the ratings. Items with the same row of values
(a *pattern*: with 5 annotators and 4 labels at most 4⁵) contribute identically, so their
weights are summed first (one ``np.add.reduceat``) and the products run over patterns. The
point estimates in the report always come from :mod:`annotate.metrics`; this module gives only
the percentile intervals, and ``tests/test_reports.py`` checks that at ``w = 1`` its formulas
reproduce the metrics.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from annotate.metrics import Ratings
from annotate.metrics.patterns import Patterns

COEFFICIENTS = ("percent_agreement", "fleiss_kappa", "gwet_ac1", "krippendorff_alpha",
                "cohen_kappa")
CHUNK = 64


@dataclass(frozen=True)
class Stats:
    """Per-unit features from which each coefficient is a closed-form function.

    A unit is a *pattern*: the items whose annotators gave the same values (a row of the
    items × annotators grid) are interchangeable, so their resampling weights are summed
    first and every matrix product runs over patterns instead of items.
    """

    n_items: int
    q: int
    level: str
    positions: np.ndarray | None
    x: np.ndarray  # patterns × features
    pairs: sparse.csr_matrix | None  # (pair × k × k) × patterns
    n_pairs: int
    pattern: np.ndarray  # pattern of each item


def _grid(r: Ratings | Patterns) -> np.ndarray:
    dtype = np.int16 if r.n_categories < 2**15 - 1 else np.int64
    grid = np.full((len(r.items), r.n_annotators), -1, dtype=dtype)
    grid[r.item_idx, r.annot_idx] = r.value_idx
    return grid


def _patterns(grid: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(pattern of each item, one grid row per pattern)`` for the distinct grid rows."""
    n, a = grid.shape
    if not n:
        return np.zeros(0, np.int64), grid
    if a and (k + 1) ** a <= max(4 * n, 1 << 16):  # few possible rows: a presence table
        place = (k + 1) ** np.arange(a, dtype=np.int64)
        key = (grid.astype(np.int64) + 1) @ place
        present = np.bincount(key, minlength=(k + 1) ** a) > 0
        keys = np.flatnonzero(present)
        pattern = (np.cumsum(present) - 1)[key]
        return pattern, (keys[:, None] // place[None, :]) % (k + 1) - 1
    if a and (k + 1) ** a < 2**62:
        key = (grid.astype(np.int64) + 1) @ ((k + 1) ** np.arange(a, dtype=np.int64))
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    else:
        _, first, inv = np.unique(grid, axis=0, return_index=True, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), grid[first]


def _features(r: Ratings | Patterns, level: str, pairs: bool = True) -> Stats:
    grid = _grid(r)
    k = r.n_categories
    pattern, rows = _patterns(grid, k)
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
    cols = [pair.astype(float)[:, None], agree[:, None], rated.astype(float)[:, None],
            prevalence, cp]
    if level == "nominal":
        odiag = np.where(pair, ((c * c).sum(axis=1) - m) / safe_m1, 0.0)
        cols.append(odiag[:, None])
        positions = None
    else:
        g1 = cp * (2.0 * m / safe_m1)[:, None]
        g2 = (cp[:, :, None] * cp[:, None, :]).reshape(p, k * k) * (2.0 / safe_m1)[:, None]
        cols += [g1, g2]
        positions = np.asarray(r.categories, dtype=float) if level == "interval" else None
    x = np.hstack(cols)
    return Stats(r.n_items, k, level, positions, x, _pair_matrix(rows, k) if pairs else None,
                 0, pattern)


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


def _split(s: Stats, t: np.ndarray) -> dict[str, np.ndarray]:
    """Coefficients for every column of ``t`` = weighted feature sums (features × resamples)."""
    k = s.q
    i = 0
    pair_w, agree, rated_w = t[0], t[1], t[2]
    prev = t[3:3 + k] / np.where(rated_w > 0, rated_w, np.nan)
    n_c = t[3 + k:3 + 2 * k]
    i = 3 + 2 * k
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = agree / np.where(pair_w > 0, pair_w, np.nan)
        out = {"percent_agreement": p_o}
        pe_f = (prev**2).sum(axis=0)
        out["fleiss_kappa"] = _chance(p_o, pe_f)
        pe_g = (prev * (1 - prev)).sum(axis=0) / (k - 1) if k >= 2 else np.full_like(p_o, np.nan)
        out["gwet_ac1"] = _chance(p_o, pe_g)
        n = n_c.sum(axis=0)
        if s.level == "nominal":
            o_diag = t[i]
            exp = n * n - (n_c**2).sum(axis=0)
            out["krippendorff_alpha"] = np.where(exp > 0, 1 - (n - 1) * (n - o_diag) / exp,
                                                 np.nan)
        else:
            g1, g2 = t[i:i + k], t[i + k:i + k + k * k]
            if s.positions is not None:
                pos = np.repeat(s.positions[:, None], t.shape[1], axis=1)
            else:
                pos = np.cumsum(n_c, axis=0) - n_c / 2.0
            obs = (g1 * pos**2).sum(axis=0) - np.einsum(
                "cb,cdb,db->b", pos, g2.reshape(k, k, -1), pos)
            sum_v = (n_c * pos).sum(axis=0)
            sum_v2 = (n_c * pos**2).sum(axis=0)
            exp = 2 * n * (sum_v2 - sum_v**2 / np.where(n > 0, n, np.nan))
            out["krippendorff_alpha"] = np.where(exp > 1e-12, 1 - obs * (n - 1) / exp, np.nan)
    return out


def _chance(p_o: np.ndarray, p_e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(p_e, 1.0, rtol=0, atol=1e-12), np.nan, (p_o - p_e) / (1 - p_e))


def _cohen(conf: np.ndarray, k: int) -> np.ndarray:
    """Cohen's κ for stacked confusion matrices ``conf`` (pairs × k × k × resamples)."""
    n = conf.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = np.einsum("pccb->pb", conf) / n
        p_e = np.einsum("pcb,pcb->pb", conf.sum(axis=2), conf.sum(axis=1)) / (n * n)
        return np.where((n > 0) & (1 - p_e > 1e-15), (p_o - p_e) / (1 - p_e), np.nan)


def point_values(r: Ratings, level: str) -> dict[str, float | None]:
    """The coefficients at weight 1 (used by tests to check the formulas against metrics)."""
    s = _features(r, level)
    size = np.bincount(s.pattern, minlength=s.x.shape[0]).astype(float)[:, None]
    t = s.x.T @ size
    out = {name: _none(v[0]) for name, v in _split(s, t).items()}
    if s.pairs is not None:
        kappas = _cohen((s.pairs @ size).reshape(-1, s.q, s.q, 1), s.q)[:, 0]
        defined = kappas[~np.isnan(kappas)]
        out["cohen_kappa"] = float(defined.mean()) if defined.size else None
    return out


def _none(v: float) -> float | None:
    return None if np.isnan(v) else float(v)


class WeightBank:
    """Resampling weights drawn once per report and shared by every scope.

    Row ``b`` holds how often each of the project's items was drawn in resample ``b`` (a
    multinomial draw of ``n`` items out of ``n``). A scope (a batch, a label…) uses the columns
    of its own items: for the project this is the classic item bootstrap; for a sub-scope it is
    the same resample restricted to the scope, whose size then varies like a Poisson
    bootstrap's. Drawing once keeps a million-annotation report fast.
    """

    def __init__(self, item_ids: np.ndarray, n_resamples: int, seed: int) -> None:
        self.items = np.asarray(item_ids, dtype=np.int64)
        n = self.items.size
        rng = np.random.default_rng(seed)
        self.weights = np.empty((n_resamples, n), dtype=np.uint8)
        block = max(1, min(n_resamples, 4_000_000 // max(n, 1)))
        for start in range(0, n_resamples, block):
            b = min(block, n_resamples - start)
            draws = rng.integers(0, n, (b, n)) + (np.arange(b) * n)[:, None]
            counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
            self.weights[start:start + b] = np.minimum(counts, 255)
        self.n_resamples = n_resamples
        self._base: tuple[np.ndarray, int, list[np.ndarray]] | None = None

    @classmethod
    def over_patterns(cls, sizes: np.ndarray, n_resamples: int, seed: int) -> WeightBank:
        """Resamples of items given only as distinct patterns with ``sizes`` items each.

        Drawing ``n`` items with replacement out of ``n`` and counting the draws per pattern
        is a multinomial draw of ``n`` over the patterns with probabilities ``sizes / n``;
        so row ``b`` here is distributed exactly as the pattern sums of the item bank's row
        ``b`` (not the same numbers: the item and pattern banks are different draws). Memory
        and time grow with the number of patterns, not of items.
        """
        bank = cls.__new__(cls)
        sizes = np.asarray(sizes, dtype=np.int64)
        bank.items = np.arange(sizes.size, dtype=np.int64)
        total = int(sizes.sum())
        top = int(sizes.max()) if sizes.size else 0
        bound = top + 12 * math.isqrt(top) + 12  # a draw above it has odds below 1e-30
        dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.int64)
                     if bound <= np.iinfo(t).max)
        bank.weights = np.zeros((n_resamples, sizes.size), dtype=dtype)
        rng = np.random.default_rng(seed)
        for start in range(0, n_resamples if total else 0, CHUNK):
            draws = rng.multinomial(total, sizes / total, size=min(CHUNK, n_resamples - start))
            bank.weights[start:start + draws.shape[0]] = np.minimum(draws, np.iinfo(dtype).max)
        bank.n_resamples = n_resamples
        bank._base = None
        return bank

    def pattern_sums(self, cols: np.ndarray, pattern: np.ndarray, n_patterns: int
                     ) -> Iterator[tuple[int, np.ndarray]]:
        """Per chunk of resamples: ``(size, weights summed per pattern)`` (patterns × size)
        over the bank items ``cols``, ``pattern[i]`` being the pattern of ``cols[i]``.

        The sums over all items are kept (when small): a later scope over all items whose
        patterns merge those (a one-vs-rest label) is summed from them, not from the items.
        """
        whole = cols.size == self.items.size
        base = self._base if whole else None
        if base is not None:
            merge = np.zeros(base[1], dtype=np.int64)
            merge[base[0]] = pattern
            if np.array_equal(merge[base[0]], pattern):
                onehot = sparse.csr_matrix((np.ones(base[1]), (merge, np.arange(base[1]))),
                                           shape=(n_patterns, base[1]))
                for chunk in base[2]:
                    yield chunk.shape[1], onehot @ chunk
                return
        keep: list[np.ndarray] | None = (
            [] if whole and n_patterns * self.n_resamples <= 1 << 22 else None)
        for done in range(0, self.n_resamples, CHUNK):
            size = min(CHUNK, self.n_resamples - done)
            out = np.empty((n_patterns, size))
            for j in range(size):
                row = self.weights[done + j]
                out[:, j] = np.bincount(pattern, weights=row if whole else row[cols],
                                        minlength=n_patterns)
            if keep is not None:
                keep.append(out)
            yield size, out
        if keep is not None and base is None:
            self._base = (pattern, n_patterns, keep)

    def columns(self, item_ids: tuple[int, ...]) -> np.ndarray:
        """Positions of ``item_ids`` (all in the bank) among the bank's items."""
        return np.searchsorted(self.items, np.asarray(item_ids, dtype=np.int64))


@dataclass(frozen=True)
class BootResult:
    """Percentile intervals per coefficient, and per annotator pair for Cohen's κ."""

    intervals: dict[str, tuple[float, float] | None]
    pair_intervals: list[tuple[float, float] | None]
    n_resamples: int
    seed: int


def bootstrap_agreement(r: Ratings | Patterns, level: str, *, n_resamples: int, seed: int = 0,
                        confidence: float = 0.95, pairs: bool = True,
                        bank: WeightBank | None = None) -> BootResult:
    """Seeded percentile bootstrap over items of every agreement coefficient in one pass.

    With ``pairs`` False the per-pair Cohen's κ (and their mean) are skipped; ``bank`` shares
    one set of resampling weights between scopes (``r.items`` must all be in it). ``r`` may be
    :class:`~annotate.metrics.patterns.Patterns` (units = patterns) with a bank drawn by
    :meth:`WeightBank.over_patterns` over the same units.
    """
    if n_resamples < 2 or r.n_items < 2 or level == "ratio":
        return BootResult({}, [], 0, seed)
    s = _features(r, level, pairs)
    if bank is None:
        bank = (WeightBank.over_patterns(r.weight, n_resamples, seed)
                if isinstance(r, Patterns) else WeightBank(np.arange(r.n_items), n_resamples, seed))
        cols = np.arange(len(r.items))
    else:
        cols = bank.columns(r.items)
        n_resamples = bank.n_resamples
    samples: dict[str, list[np.ndarray]] = {name: [] for name in COEFFICIENTS}
    pair_samples: list[np.ndarray] = []
    for b, w in bank.pattern_sums(cols, s.pattern, s.x.shape[0]):
        for name, vals in _split(s, s.x.T @ w).items():
            samples[name].append(vals)
        if s.pairs is not None:
            kappa = _cohen(np.asarray(s.pairs @ w).reshape(-1, s.q, s.q, b), s.q)
            pair_samples.append(kappa)
            defined = (~np.isnan(kappa)).sum(axis=0)
            total = np.where(np.isnan(kappa), 0.0, kappa).sum(axis=0)
            mean = np.where(defined > 0, total / np.maximum(defined, 1), np.nan)
            samples["cohen_kappa"].append(mean)
    q = [(1 - confidence) / 2, (1 + confidence) / 2]
    intervals = {name: _interval(np.concatenate(v) if v else np.zeros(0), q)
                 for name, v in samples.items()}
    pairs: list[tuple[float, float] | None] = []
    if pair_samples:
        allp = np.concatenate(pair_samples, axis=1)
        pairs = [_interval(row, q) for row in allp]
    return BootResult(intervals, pairs, n_resamples, seed)


def _interval(vals: np.ndarray, q: list[float]) -> tuple[float, float] | None:
    vals = vals[~np.isnan(vals)]
    if vals.size < 2:
        return None
    low, high = np.quantile(vals, q)
    return float(low), float(high)
