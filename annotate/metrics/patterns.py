"""Agreement from distinct rating patterns with multiplicities (weighted units).

Items whose annotators gave the same values — the same *pattern*, a row of the items ×
annotators grid — contribute identically to every agreement coefficient. :class:`Patterns`
holds each distinct pattern once (long format over units, like :class:`Ratings`) with
``weight[u]``, the number of items that share it; the functions here give exactly what the
corresponding functions of :mod:`annotate.metrics` give on the expanded items (the same
formulas, with sums weighted), in time and memory that depend on the number of distinct
patterns, not of items. A database can aggregate a project into patterns (``GROUP BY`` the
rating vector of each item), so a million annotations never reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .agreement import (
    _chance_corrected,
    _observed,
    _prevalence,
    agreement_weights,
    kappa_from_confusion,
    pairwise_table,
)
from .data import count_matrix
from .krippendorff_alpha import (
    LEVELS,
    _interval,
    _nominal,
    _ordinal_positions,
    _pairs_expected,
    _pairs_observed,
    _ratio_delta,
    _result,
)
from .results import AgreementResult, PairwiseResult, undefined


@dataclass(frozen=True, eq=False)
class Patterns:
    """Ratings of units that each stand for ``weight[u]`` identical items.

    ``items`` are unit ids; ``item_idx``/``annot_idx``/``value_idx`` the long-format rows over
    units (every unit has at least one). ``n_items`` and ``n_annotations`` count items, not
    units.
    """

    items: tuple[Any, ...]
    annotators: tuple[Any, ...]
    categories: tuple[Any, ...]
    item_idx: np.ndarray
    annot_idx: np.ndarray
    value_idx: np.ndarray
    weight: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.items)

    @property
    def n_items(self) -> int:
        return int(self.weight.sum())

    @property
    def n_annotations(self) -> int:
        return int(self.weight[self.item_idx].sum()) if self.item_idx.size else 0

    @property
    def n_annotators(self) -> int:
        return len(self.annotators)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    def counts(self) -> np.ndarray:
        """Unit × category count matrix (unweighted: one row per pattern)."""
        return count_matrix(self.item_idx, self.value_idx, self.n_units, self.n_categories)

    def ns(self) -> tuple[int, int, int]:
        return self.n_items, self.n_annotations, self.n_annotators


def percent_agreement(p: Patterns) -> AgreementResult:
    """:func:`annotate.metrics.percent_agreement` of the expanded items."""
    p_o, _ = _observed(p.counts(), unit_weight=p.weight)
    if p_o is None:
        return undefined("percent_agreement", "no item has two or more annotations", *p.ns())
    return AgreementResult("percent_agreement", p_o, *p.ns(), observed=p_o)


def fleiss_kappa(p: Patterns) -> AgreementResult:
    """:func:`annotate.metrics.fleiss_kappa` of the expanded items."""
    counts = p.counts()
    p_o, _ = _observed(counts, unit_weight=p.weight)
    if p_o is None:
        return undefined("fleiss_kappa", "no item has two or more annotations", *p.ns())
    pi = _prevalence(counts, p.weight)
    return _chance_corrected("fleiss_kappa", p, p_o, float((pi**2).sum()))


def gwet_ac1(p: Patterns) -> AgreementResult:
    """:func:`annotate.metrics.gwet_ac1` of the expanded items (``q`` = the categories)."""
    q = p.n_categories
    counts = p.counts()
    p_o, _ = _observed(counts, None if q < 2 else np.eye(q), p.weight)
    if p_o is None:
        return undefined("gwet_ac1", "no item has two or more annotations", *p.ns())
    if q < 2:
        return AgreementResult(
            "gwet_ac1", None, *p.ns(), reason="only one category was used", observed=p_o
        )
    pi = _prevalence(counts, p.weight)
    p_e = float(q / (q * (q - 1)) * (pi * (1 - pi)).sum())
    return _chance_corrected("gwet_ac1", p, p_o, p_e)


def gwet_ac2(p: Patterns, weights: str) -> AgreementResult:
    """:func:`annotate.metrics.gwet_ac` with ``weights`` (AC2) of the expanded items."""
    q = p.n_categories
    counts = p.counts()
    if q < 2:
        p_o, _ = _observed(counts, None, p.weight)
        if p_o is None:
            return undefined("gwet_ac2", "no item has two or more annotations", *p.ns())
        return AgreementResult(
            "gwet_ac2", None, *p.ns(), reason="only one category was used", observed=p_o
        )
    w = agreement_weights(q, weights)
    p_o, _ = _observed(counts, w, p.weight)
    if p_o is None:
        return undefined("gwet_ac2", "no item has two or more annotations", *p.ns())
    pi = _prevalence(counts, p.weight)
    p_e = float(w.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    return _chance_corrected("gwet_ac2", p, p_o, p_e)


def krippendorff_alpha(p: Patterns, level: str = "nominal") -> AgreementResult:
    """:func:`annotate.metrics.krippendorff_alpha` of the expanded items.

    Ordinal, interval and ratio levels need numeric categories.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    metric = "krippendorff_alpha"
    if level == "nominal":
        obs, exp, n = _nominal(p.counts(), p.weight)
        return _result(p.ns(), level, obs, exp, n, metric)
    m = np.bincount(p.item_idx, minlength=p.n_units)
    pair = m[p.item_idx] >= 2
    if not pair.any():
        return _result(p.ns(), level, 0.0, 0.0, 0, metric)
    units, it = np.unique(p.item_idx[pair], return_inverse=True)
    it = it.reshape(-1)
    w = p.weight[units]
    codes = p.value_idx[pair]
    cats = np.asarray(p.categories, dtype=float)
    if level == "ratio":
        delta = _ratio_delta(cats)
        n_c = np.bincount(codes, weights=w[it].astype(float), minlength=cats.size)
        obs = _pairs_observed(it, codes, delta, w.astype(float))
        exp = _pairs_expected(n_c, delta)
        return _result(p.ns(), level, obs, exp, int(w[it].sum()), metric)
    if level == "interval":
        v = cats[codes]
    else:
        v = _ordinal_positions(codes, p.n_categories, w[it].astype(float))[codes]
    obs, exp, n = _interval(it, v, units.size, w)
    return _result(p.ns(), level, obs, exp, n, metric)


def grid(p: Patterns) -> np.ndarray:
    """Units × annotators matrix of category codes (-1 = not rated)."""
    out = np.full((p.n_units, p.n_annotators), -1, dtype=np.int64)
    out[p.item_idx, p.annot_idx] = p.value_idx
    return out


def cohen_matrix(p: Patterns, weights: str | None = None) -> PairwiseResult:
    """:func:`annotate.metrics.cohen_matrix` (κ, weighted with ``weights``) of the expanded
    items."""
    g = grid(p)
    k = p.n_categories
    rated = g >= 0

    def pair(i: int, j: int) -> tuple[float | None, int]:
        both = rated[:, i] & rated[:, j]
        conf = np.bincount(
            g[both, i] * k + g[both, j], weights=p.weight[both], minlength=k * k
        ).reshape(k, k)
        return kappa_from_confusion(conf, weights)[0], int(p.weight[both].sum())

    solo = [int(p.weight[rated[:, i]].sum()) for i in range(p.n_annotators)]
    name = "cohen_kappa" if weights is None else f"cohen_kappa_{weights}"
    return pairwise_table(name, p.annotators, p.ns(), solo, pair)
