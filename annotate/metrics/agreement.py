"""Percent agreement, Cohen's κ, Fleiss' κ, Scott's π and Gwet's AC1/AC2.

All nominal coefficients are computed from one item × category count matrix. Multi-rater
forms allow a different number of ratings per item (missing data):

* observed agreement ``p_o`` is the mean, over items with two or more ratings, of the share of
  agreeing ordered rater pairs ``Σ_c n_ic (n_ic − 1) / (m_i (m_i − 1))``;
* Fleiss' κ and Gwet's AC1/AC2 take category prevalence as the mean over items (with at least
  one rating) of ``n_ic / m_i`` (Gwet, *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2 & 4)
  — with complete data this is exactly Fleiss (1971);
* Scott's π pools all ratings of items with two or more ratings for its prevalence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from . import checks
from .data import Ratings, as_ratings, row_sums
from .pairs import pair_confusions
from .results import AgreementResult, PairwiseResult, undefined

WEIGHTS = (None, "linear", "quadratic")


def _check_weights(weights: str | None) -> None:
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")


def disagreement_weights(k: int, weights: str | None) -> np.ndarray:
    """Cohen's disagreement weights over an ordered scale of ``k`` categories (0 on the diagonal).

    ``None`` → 0/1, ``"linear"`` → ``|i − j|``, ``"quadratic"`` → ``(i − j)²`` (as scikit-learn).
    """
    idx = np.arange(k)
    diff = np.abs(idx[:, None] - idx[None, :]).astype(float)
    if weights is None:
        return (diff > 0).astype(float)
    if weights == "linear":
        return diff
    if weights == "quadratic":
        return diff**2
    raise ValueError(f"weights must be one of {WEIGHTS}, not {weights!r}")


def agreement_weights(k: int, weights: str | None) -> np.ndarray:
    """Gwet's agreement weights in [0, 1] (1 on the diagonal) for an ordered scale."""
    if weights is None or k < 2:
        return np.eye(k)
    return 1.0 - disagreement_weights(k, weights) / disagreement_weights(k, weights).max()


class Counted(Protocol):
    """What a result reports its sizes from: :class:`Ratings` or expanded patterns."""

    @property
    def n_items(self) -> int: ...
    @property
    def n_annotations(self) -> int: ...
    @property
    def n_annotators(self) -> int: ...


def _n(r: Counted) -> tuple[int, int, int]:
    return r.n_items, r.n_annotations, r.n_annotators


def _observed(
    counts: np.ndarray,
    weight_matrix: np.ndarray | None = None,
    unit_weight: np.ndarray | None = None,
) -> tuple[float | None, np.ndarray]:
    """Mean pairwise (optionally weighted) agreement over items with ≥ 2 ratings;
    ``unit_weight``: each row of ``counts`` stands for that many identical items."""
    m = row_sums(counts)
    pairable = m >= 2
    if not pairable.any():
        return None, pairable
    mp = m[pairable].astype(float)
    if weight_matrix is None and counts.dtype.kind in "iu":  # Σ n(n − 1), exact in integers
        same = np.einsum("ij,ij->i", counts, counts) - m
        per_item = same[pairable] / (mp * (mp - 1.0))
    else:
        c = np.compress(pairable, counts, axis=0).astype(float)
        star = c if weight_matrix is None else c @ weight_matrix
        per_item = row_sums(c * (star - 1.0)) / (mp * (mp - 1.0))
    if unit_weight is not None:
        w = unit_weight[pairable].astype(float)
        return float((per_item * w).sum() / w.sum()), pairable
    return float(per_item.mean()), pairable


def _prevalence(counts: np.ndarray, unit_weight: np.ndarray | None = None) -> np.ndarray:
    m = row_sums(counts)
    rated = m >= 1
    if unit_weight is not None:
        w = unit_weight[rated].astype(float)
        return (counts[rated] / m[rated, None] * w[:, None]).sum(axis=0) / w.sum()
    inv = np.divide(1.0, m, out=np.zeros(m.size), where=rated)  # 0 for unrated items
    return np.einsum("i,ij->j", inv, counts) / rated.sum()


def percent_agreement(items: Any, annotators: Any = None, values: Any = None) -> AgreementResult:
    """Multi-rater percent agreement: mean share of agreeing rater pairs per item.

    Items with fewer than two ratings are ignored; value ``None`` if no item has two.
    """
    r = as_ratings(items, annotators, values)
    p_o, _ = _observed(r.counts())
    if p_o is None:
        return undefined("percent_agreement", "no item has two or more annotations", *_n(r))
    return AgreementResult("percent_agreement", p_o, *_n(r), observed=p_o)


def _chance_corrected(
    name: str,
    r: Counted,
    p_o: float | None,
    p_e: float,
    reason_one: str = "only one category was used",
) -> AgreementResult:
    if p_o is None:
        return undefined(name, "no item has two or more annotations", *_n(r))
    if np.isclose(p_e, 1.0, rtol=0, atol=1e-12):
        return AgreementResult(name, None, *_n(r), reason=reason_one, observed=p_o, expected=p_e)
    return AgreementResult(name, (p_o - p_e) / (1.0 - p_e), *_n(r), observed=p_o, expected=p_e)


def fleiss_kappa(items: Any, annotators: Any = None, values: Any = None) -> AgreementResult:
    """Fleiss' κ (1971), in the form that allows unequal numbers of ratings per item."""
    r = as_ratings(items, annotators, values)
    counts = r.counts()
    p_o, _ = _observed(counts)
    if p_o is None:
        return undefined("fleiss_kappa", "no item has two or more annotations", *_n(r))
    pi = _prevalence(counts)
    return _chance_corrected("fleiss_kappa", r, p_o, float((pi**2).sum()))


def scott_pi(items: Any, annotators: Any = None, values: Any = None) -> AgreementResult:
    """Scott's π (1955) generalised to many raters, prevalence pooled over pairable ratings."""
    r = as_ratings(items, annotators, values)
    counts = r.counts()
    p_o, pairable = _observed(counts)
    if p_o is None:
        return undefined("scott_pi", "no item has two or more annotations", *_n(r))
    pooled = counts[pairable].sum(axis=0) / counts[pairable].sum()
    return _chance_corrected("scott_pi", r, p_o, float((pooled**2).sum()))


def gwet_ac(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> AgreementResult:
    """Gwet's AC1 (``weights=None``) or weighted AC2 (``"linear"``/``"quadratic"``).

    The number of categories ``q`` is the size of the scale: ``categories`` if given, else the
    categories observed. Weighted AC2 needs an ordered scale (numbers, or ``categories``).
    """
    _check_weights(weights)
    r = as_ratings(items, annotators, values, categories=categories)
    name = "gwet_ac1" if weights is None else "gwet_ac2"
    q = r.n_categories
    counts = r.counts()
    if q < 2:
        p_o, _ = _observed(counts)
        if p_o is None:
            return undefined(name, "no item has two or more annotations", *_n(r))
        return AgreementResult(
            name, None, *_n(r), reason="only one category was used", observed=p_o
        )
    w = agreement_weights(q, weights)
    p_o, _ = _observed(counts, w)
    if p_o is None:
        return undefined(name, "no item has two or more annotations", *_n(r))
    pi = _prevalence(counts)
    p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    return _chance_corrected(name, r, p_o, p_e)


def gwet_ac1(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    categories: Sequence[Any] | None = None,
) -> AgreementResult:
    """Gwet's AC1 (unweighted); see :func:`gwet_ac`."""
    return gwet_ac(items, annotators, values, categories=categories)


def _kappa_from_codes(
    a: np.ndarray, b: np.ndarray, k: int, weights: str | None
) -> tuple[float | None, float | None, float | None, str | None]:
    if a.size == 0:
        return None, None, None, "no item was rated by both annotators"
    conf = np.bincount(a * k + b, minlength=k * k).reshape(k, k).astype(float)
    return kappa_from_confusion(conf, weights)


def kappa_from_confusion(
    conf: np.ndarray, weights: str | None = None
) -> tuple[float | None, float | None, float | None, str | None]:
    """Cohen's κ from a k × k confusion matrix of two annotators:
    ``(kappa, p_o, p_e, reason)``."""
    k = conf.shape[0]
    n = conf.sum()
    if n <= 0:
        return None, None, None, "no item was rated by both annotators"
    w = disagreement_weights(k, weights)
    expected = np.outer(conf.sum(axis=1), conf.sum(axis=0)) / n
    d_o = float((w * conf).sum() / n)
    d_e = float((w * expected).sum() / n)
    p_o = float(np.trace(conf) / n)
    p_e = float(np.trace(expected) / n)
    if d_e <= 1e-15:
        return None, p_o, p_e, "only one category was used by both annotators"
    return 1.0 - d_o / d_e, p_o, p_e, None


def cohen_kappa_labels(
    a: Sequence[Any],
    b: Sequence[Any],
    *,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
) -> AgreementResult:
    """Cohen's κ for two parallel label sequences: ``a[i]`` and ``b[i]`` label the same item.

    Pairs where either label is missing are skipped. ``weights`` ``"linear"``/``"quadratic"``
    use the positions on the ordered scale (``categories``, else the sorted observed labels).

    :raises ValueError: if the sequences differ in length or hold an infinite label.
    """
    if len(a) != len(b):
        raise ValueError(f"the two label sequences differ in length ({len(a)} vs {len(b)})")
    checks.labels("a", a)
    checks.labels("b", b)
    n = len(a)
    r = as_ratings(list(range(n)) * 2, [0] * n + [1] * n, list(a) + list(b), categories=categories)
    return cohen_kappa(r, weights=weights)


def _by_annotator(r: Ratings) -> list[tuple[np.ndarray, np.ndarray]]:
    order = np.lexsort((r.item_idx, r.annot_idx))
    ann = r.annot_idx[order]
    bounds = np.searchsorted(ann, np.arange(r.n_annotators + 1))
    it, val = r.item_idx[order], r.value_idx[order]
    return [
        (it[bounds[j] : bounds[j + 1]], val[bounds[j] : bounds[j + 1]])
        for j in range(r.n_annotators)
    ]


def _pair_codes(
    x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    _, ia, ib = np.intersect1d(x[0], y[0], assume_unique=True, return_indices=True)
    return x[1][ia], y[1][ib]


def cohen_kappa(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    weights: str | None = None,
    pair: tuple[Any, Any] | None = None,
    categories: Sequence[Any] | None = None,
) -> AgreementResult:
    """Cohen's κ for two annotators over the items both rated (long format).

    :param pair: the two annotator ids to compare; required when there are more than two.
    :raises ValueError: if the annotators are ambiguous or unknown.
    """
    _check_weights(weights)
    name = "cohen_kappa" if weights is None else f"cohen_kappa_{weights}"
    r = as_ratings(items, annotators, values, categories=categories)
    if pair is None:
        if r.n_annotators > 2:
            raise ValueError("more than two annotators: pass pair=(a, b) or use cohen_matrix")
        if r.n_annotators < 2:
            return undefined(name, "fewer than two annotators", *_n(r))
        ja, jb = 0, 1
    else:
        try:
            ja, jb = r.annotators.index(pair[0]), r.annotators.index(pair[1])
        except ValueError:
            raise ValueError(f"annotator pair {pair!r} not found in the ratings") from None
    groups = _by_annotator(r)
    a, b = _pair_codes(groups[ja], groups[jb])
    kappa, p_o, p_e, reason = _kappa_from_codes(a, b, r.n_categories, weights)
    n_ann = 2 if pair is not None else r.n_annotators
    return AgreementResult(
        name, kappa, int(a.size), int(2 * a.size), n_ann, reason=reason, observed=p_o, expected=p_e
    )


def pairwise_table(
    metric: str,
    annotators: tuple[Any, ...],
    ns: tuple[int, int, int],
    solo: Sequence[int],
    pair: Any,
) -> PairwiseResult:
    """A :class:`PairwiseResult` from ``solo[i]`` (items annotator i rated) and
    ``pair(i, j)`` → (value or None, items the pair shares), for every pair i < j; the mean
    is over the defined pair values."""
    k = len(solo)
    vals: list[list[float | None]] = [[None] * k for _ in range(k)]
    common = [[0] * k for _ in range(k)]
    defined: list[float] = []
    for i in range(k):
        common[i][i] = int(solo[i])
        for j in range(i + 1, k):
            v, shared = pair(i, j)
            vals[i][j] = vals[j][i] = v
            common[i][j] = common[j][i] = int(shared)
            if v is not None:
                defined.append(v)
    reason = None
    if k < 2:
        reason = "fewer than two annotators"
    elif not defined:
        reason = "no annotator pair has a defined value"
    return PairwiseResult(
        metric,
        annotators,
        tuple(map(tuple, vals)),
        tuple(map(tuple, common)),
        float(np.mean(defined)) if defined else None,
        *ns,
        reason=reason,
    )


def _pairwise(r: Ratings, metric: str, fn: Any, dense: bool = True) -> PairwiseResult:
    """``fn(conf)`` of every pair's float k × k confusion matrix (None when they share no
    item): counted in one pass (:func:`~.pairs.pair_confusions`), else (``dense`` False or
    too many annotators × categories) by intersecting each pair's items."""
    k = r.n_categories
    conf = pair_confusions(r) if dense else None
    if conf is not None:
        solo = np.bincount(r.annot_idx, minlength=r.n_annotators).tolist()

        def pair(i: int, j: int) -> tuple[float | None, int]:
            c = conf[i, j].astype(float)
            n = int(conf[i, j].sum())
            return (fn(c) if n else None), n

        return pairwise_table(metric, r.annotators, _n(r), solo, pair)
    groups = _by_annotator(r)

    def pair_codes(i: int, j: int) -> tuple[float | None, int]:
        a, b = _pair_codes(groups[i], groups[j])
        if not a.size:
            return None, 0
        c = np.bincount(a * k + b, minlength=k * k).reshape(k, k).astype(float)
        return fn(c), int(a.size)

    return pairwise_table(metric, r.annotators, _n(r), [g[0].size for g in groups], pair_codes)


def cohen_matrix(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    weights: str | None = None,
    categories: Sequence[Any] | None = None,
    dense: bool = True,
) -> PairwiseResult:
    """Cohen's κ for every pair of annotators (over the items each pair shares).

    ``dense`` False: intersect each pair's items (the slow path, kept as the tests' oracle).
    """
    _check_weights(weights)
    r = as_ratings(items, annotators, values, categories=categories)
    return _pairwise(
        r,
        "cohen_kappa" if weights is None else f"cohen_kappa_{weights}",
        lambda conf: kappa_from_confusion(conf, weights)[0],
        dense,
    )


def pairwise_percent_agreement(
    items: Any, annotators: Any = None, values: Any = None
) -> PairwiseResult:
    """Share of shared items on which each pair of annotators gave the same value."""
    r = as_ratings(items, annotators, values)
    return _pairwise(r, "percent_agreement", lambda conf: float(np.trace(conf) / conf.sum()))
