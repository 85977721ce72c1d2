"""Krippendorff's α at nominal, ordinal, interval and ratio levels, and for set-valued labels.

α = 1 − (n − 1) · Σ_ck o_ck δ_ck / Σ_ck n_c n_k δ_ck over pairable values (units with two or
more values), as in Krippendorff (2011) "Computing Krippendorff's alpha-reliability".

* nominal: from the item × category count matrix alone;
* interval: from within-unit sums of squares (``Σ_{i≠j}(v_i − v_j)² = 2 m SS``) — O(n);
* ordinal: Krippendorff's ordinal δ between values c < k is ``Σ_{g=c..k} n_g − (n_c + n_k)/2``,
  which equals the difference of the positions ``M_c = Σ_{g<c} n_g + n_c/2`` over the
  coincidence marginals; so ordinal α is *exactly* interval α on ``M`` (mid-ranks of the
  pairable values) — verified against the ``krippendorff`` package in the tests;
* ratio and set-valued: pairs within units (O(Σ m_u²)) plus the expected term over distinct
  values (O(V²), in blocks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from . import checks
from .data import Ratings, as_ratings, counts_from_matrix, factorize, is_missing, row_sums
from .results import AgreementResult

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _pairable(r: Ratings) -> tuple[np.ndarray, np.ndarray]:
    """Per-annotation mask of pairable values and per-item counts m_u."""
    m = np.bincount(r.item_idx, minlength=r.n_items)
    return m[r.item_idx] >= 2, m


def _ns(r: Ratings) -> tuple[int, int, int]:
    return r.n_items, r.n_annotations, r.n_annotators


def _result(
    ns: tuple[int, int, int], level: str, obs: float, exp: float, n: int, metric: str
) -> AgreementResult:
    if n == 0:
        return AgreementResult(
            metric, None, *ns, reason="no item has two or more annotations", level=level
        )
    if exp <= 0:
        return AgreementResult(
            metric,
            None,
            *ns,
            reason="only one value occurs among pairable annotations",
            level=level,
        )
    d_o, d_e = obs / n, exp / (n * (n - 1))
    return AgreementResult(metric, 1.0 - d_o / d_e, *ns, observed=d_o, expected=d_e, level=level)


def _nominal(counts: np.ndarray, unit_weight: np.ndarray | None = None) -> tuple[float, float, int]:
    """``(observed, expected, n)`` of nominal α; ``unit_weight``: items per row of ``counts``."""
    counts = counts.astype(np.int64, copy=False)
    m = row_sums(counts)
    keep = m >= 2
    mp = m[keep]
    w = None if unit_weight is None else unit_weight[keep].astype(np.int64)
    if w is None:  # no copy of the pairable rows: masks and sums over all of them
        n_c = (keep.astype(np.int64) @ counts).astype(float)
        n = int(mp.sum())
        same = np.einsum("ij,ij->i", counts, counts)[keep] - mp  # Σ_c n_uc (n_uc − 1)
    else:
        c = np.compress(keep, counts, axis=0)
        n_c = (c * w[:, None]).sum(axis=0).astype(float)
        n = int((mp * w).sum())
        same = np.einsum("ij,ij->i", c, c) - mp
    if not n:
        return 0.0, 0.0, 0
    per = same / (mp - 1.0)
    o_diag = float(per.sum() if w is None else (per * w).sum())
    return n - o_diag, float(n) ** 2 - float((n_c**2).sum()), n


def _interval(
    item_idx: np.ndarray, v: np.ndarray, n_items: int, unit_weight: np.ndarray | None = None
) -> tuple[float, float, int]:
    m = np.bincount(item_idx, minlength=n_items).astype(float)
    mean = np.bincount(item_idx, weights=v, minlength=n_items)
    np.divide(mean, m, out=mean, where=m > 0)
    dev = v - mean[item_idx]
    ss = np.bincount(item_idx, weights=dev * dev, minlength=n_items)
    used = m >= 2
    per = 2.0 * m[used] * ss[used] / (m[used] - 1.0)
    if unit_weight is not None:  # each unit stands for unit_weight identical items
        w = unit_weight.astype(float)
        wv = w[item_idx]
        n = int(unit_weight[item_idx].sum())
        dev_t = v - float((wv * v).sum()) / n if n else v
        return float((per * w[used]).sum()), 2.0 * n * float((wv * dev_t * dev_t).sum()), n
    obs = float(per.sum())
    n = v.size
    dev_t = v - v.mean() if n else v
    exp = 2.0 * n * float((dev_t * dev_t).sum())
    return obs, exp, n


def _ordinal_positions(
    value_idx: np.ndarray, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Position M_c of each category on the coincidence marginal (ranks minus ½)."""
    n_c = np.bincount(value_idx, weights=weights, minlength=k).astype(float)
    return np.cumsum(n_c) - n_c / 2.0


def _pairs_observed(
    item_idx: np.ndarray,
    codes: np.ndarray,
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray],
    unit_weight: np.ndarray | None = None,
) -> float:
    """Σ_u Σ_{i≠j in u} δ(v_i, v_j) / (m_u − 1) over units with m_u ≥ 2, without a V×V matrix
    (each unit counted ``unit_weight[u]`` times)."""
    order = np.argsort(item_idx, kind="stable")
    it, cd = item_idx[order], codes[order]
    m = np.bincount(it)
    w = 1.0 / np.maximum(m[it] - 1, 1)
    if unit_weight is not None:
        w = w * unit_weight[it]
    total, max_m = 0.0, int(m.max()) if m.size else 0
    for off in range(1, max_m):
        same = it[:-off] == it[off:]
        if not same.any():
            continue
        a, b = cd[:-off][same], cd[off:][same]
        total += 2.0 * float((delta(a, b) * w[:-off][same]).sum())
    return total


def _pairs_expected(
    n_c: np.ndarray, delta: Callable[[np.ndarray, np.ndarray], np.ndarray], block: int = 512
) -> float:
    """Σ_c Σ_k n_c n_k δ(c, k) over the distinct values, in blocks of rows."""
    k = n_c.size
    cols = np.arange(k)
    total = 0.0
    for start in range(0, k, block):
        rows = np.arange(start, min(start + block, k))
        d = delta(np.repeat(rows, k), np.tile(cols, rows.size)).reshape(rows.size, k)
        total += float(n_c[rows] @ d @ n_c)
    return total


def _ratio_delta(vals: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        x, y = vals[a], vals[b]
        s = x + y
        out = np.zeros_like(s)
        np.divide(x - y, s, out=out, where=s != 0)
        return out * out

    return delta


def krippendorff_alpha(
    items: Any, annotators: Any = None, values: Any = None, *, level: str = "nominal"
) -> AgreementResult:
    """Krippendorff's α with missing data at ``level`` nominal, ordinal, interval or ratio.

    Ordinal, interval and ratio levels need numeric values (the ordinal order is the numeric
    order). Value ``None`` with a reason when no unit has two values or only one value occurs.

    :raises ValueError: for an unknown level or non-numeric values at a numeric level.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    metric = "krippendorff_alpha"
    if level == "nominal":
        fast = counts_from_matrix(items) if annotators is None and values is None else None
        if fast is not None:
            counts, n_ann, n_raters = fast
            obs, exp, n = _nominal(counts)
            return _result((counts.shape[0], n_ann, n_raters), level, obs, exp, n, metric)
        r = as_ratings(items, annotators, values)
        obs, exp, n = _nominal(r.counts())
        return _result(_ns(r), level, obs, exp, n, metric)
    r = as_ratings(items, annotators, values, numeric=True)
    pair, _ = _pairable(r)
    if not pair.any():
        return _result(_ns(r), level, 0.0, 0.0, 0, metric)
    it = np.unique(r.item_idx[pair], return_inverse=True)[1].reshape(-1)
    if level == "ratio":
        cats = r.category_values()
        codes = r.value_idx[pair]
        delta = _ratio_delta(cats)
        n_c = np.bincount(codes, minlength=cats.size).astype(float)
        obs = _pairs_observed(it, codes, delta)
        exp = _pairs_expected(n_c, delta)
        return _result(_ns(r), level, obs, exp, int(codes.size), metric)
    if level == "interval":
        assert r.numeric is not None  # as_ratings(numeric=True) fills it
        v = r.numeric[pair]
    else:
        v = _ordinal_positions(r.value_idx[pair], r.n_categories)[r.value_idx[pair]]
    obs, exp, n = _interval(it, v, int(it.max()) + 1)
    return _result(_ns(r), level, obs, exp, n, metric)


# ---------------------------------------------------------------- set-valued (multi-label) α


def jaccard_distance(a: frozenset[Any], b: frozenset[Any]) -> float:
    """1 − |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def masi_distance(a: frozenset[Any], b: frozenset[Any]) -> float:
    """MASI distance (Passonneau 2006): 1 − J·M, M = 1 same, ⅔ subset, ⅓ overlap, 0 disjoint."""
    if a == b:
        return 0.0
    union = len(a | b)
    inter = len(a & b)
    if a <= b or b <= a:
        m = 2 / 3
    elif inter:
        m = 1 / 3
    else:
        m = 0.0
    return 1.0 - (inter / union) * m


SET_DISTANCES: dict[str, Callable[[frozenset[Any], frozenset[Any]], float]] = {
    "masi": masi_distance,
    "jaccard": jaccard_distance,
}


def _as_set(value: Any) -> frozenset[Any] | None:
    if isinstance(value, str):
        return None if value == "" else frozenset([value])
    if isinstance(value, Iterable):
        out = frozenset(value)
        checks.ids("values", out)  # a label inside a set can't be missing: NaN is refused
        return out
    if is_missing(value):
        return None
    checks.labels("values", [value])
    return frozenset([value])


def set_alpha(
    items: Sequence[Any],
    annotators: Sequence[Any],
    values: Sequence[Any],
    *,
    distance: str = "masi",
) -> AgreementResult:
    """Krippendorff's α for set-valued annotations (multi-label) with a set distance.

    ``values[i]`` is an iterable of labels (an empty set is a valid answer: "no label");
    ``None`` means missing. ``distance`` is ``"masi"`` or ``"jaccard"`` (used as δ, unsquared,
    as in NLTK's ``AnnotationTask``).
    """
    if distance not in SET_DISTANCES:
        raise ValueError(f"distance must be one of {tuple(SET_DISTANCES)}, not {distance!r}")
    sets = [_as_set(v) for v in values]
    uniq, codes = factorize([s if s is not None else frozenset() for s in sets])
    r = as_ratings(
        items, annotators, [None if s is None else int(c) for s, c in zip(sets, codes, strict=True)]
    )
    # r.categories are codes into ``uniq``
    set_of = [uniq[c] for c in r.categories]
    fn = SET_DISTANCES[distance]
    k = len(set_of)
    dmat = np.array([[fn(set_of[i], set_of[j]) for j in range(k)] for i in range(k)])
    pair, _ = _pairable(r)
    it = np.unique(r.item_idx[pair], return_inverse=True)[1].reshape(-1)
    codes_p = r.value_idx[pair]

    def delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return dmat[a, b]

    n_c = np.bincount(codes_p, minlength=k).astype(float)
    obs = _pairs_observed(it, codes_p, delta) if codes_p.size else 0.0
    exp = _pairs_expected(n_c, delta) if codes_p.size else 0.0
    return _result(_ns(r), distance, obs, exp, int(codes_p.size), "krippendorff_alpha_set")
