"""Sample sizes (margin of error, zero-defect) and a seeded, reproducible sample draw."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from scipy import special  # ndtri is norm.ppf, without importing scipy.stats

from . import checks
from .data import _sort_key


def sample_size(
    margin: float, confidence: float = 0.95, population: int | None = None, proportion: float = 0.5
) -> int:
    """Items to sample to estimate a proportion within ± ``margin`` at ``confidence``.

    ``n₀ = z² p (1 − p) / E²`` (``p = 0.5`` is the conservative default); with a finite
    ``population`` N, Cochran's correction ``n = n₀ / (1 + (n₀ − 1) / N)``; rounded up.

    :raises ValueError: unless 0 < margin < 1, 0 < confidence < 1, 0 ≤ p ≤ 1, N ≥ 1.
    """
    margin = checks.real("margin", margin, low=0, high=1, open_low=True, open_high=True)
    confidence = checks.confidence(confidence)
    proportion = checks.real("proportion", proportion, low=0, high=1)
    if population is not None:
        population = checks.count("population", population, minimum=1)
    z = float(special.ndtri(0.5 + confidence / 2))
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    if population is not None:
        n0 = n0 / (1 + (n0 - 1) / population)
    n = max(1, math.ceil(n0 - 1e-9))
    return min(n, population) if population is not None else n


def zero_defect_sample_size(
    max_defect_rate: float, confidence: float = 0.95, population: int | None = None
) -> int:
    """Smallest n such that a sample with zero defects shows, at ``confidence``, that the defect
    rate is below ``max_defect_rate``: ``(1 − p)ⁿ ≤ 1 − confidence`` (binomial), or with a
    finite ``population`` the hypergeometric probability of drawing no defective when
    ``⌈p N⌉`` are defective.
    """
    max_defect_rate = checks.real(
        "max_defect_rate", max_defect_rate, low=0, high=1, open_low=True, open_high=True
    )
    beta = 1 - checks.confidence(confidence)
    if population is None:
        return max(1, math.ceil(math.log(beta) / math.log1p(-max_defect_rate) - 1e-9))
    population = checks.count("population", population, minimum=1)
    defects = max(1, math.ceil(max_defect_rate * population - 1e-9))
    p_none = 1.0
    for n in range(1, population + 1):
        p_none *= max(0, population - defects - (n - 1)) / (population - (n - 1))
        if p_none <= beta:
            return n
    return population


def _allocate(sizes: dict[Any, int], total: int, min_per: int) -> dict[Any, int]:
    """Proportional allocation with a minimum per stratum, summing to ``total`` when the
    minimums allow: strata whose proportional share falls below their minimum (or above their
    size) are fixed there and the rest re-shared; then largest remainders fill up."""
    keys = sorted(sizes, key=_sort_key)
    floor_of = {k: min(min_per, sizes[k]) for k in keys}
    fixed: dict[Any, int] = {}
    quota: dict[Any, float] = {}
    while True:
        free = [k for k in keys if k not in fixed]
        budget = total - sum(fixed.values())
        pop = sum(sizes[k] for k in free)
        quota = {k: budget * sizes[k] / pop if pop else 0.0 for k in free}
        low = [k for k in free if quota[k] < floor_of[k]]
        high = [k for k in free if quota[k] > sizes[k]]
        if not low and not high:
            break
        for k in low:
            fixed[k] = floor_of[k]
        for k in high:
            fixed[k] = sizes[k]
    alloc = dict(fixed)
    alloc.update({k: math.floor(q) for k, q in quota.items()})
    remaining = total - sum(alloc.values())
    order = sorted(quota, key=lambda k: (-(quota[k] - math.floor(quota[k])), _sort_key(k)))
    for k in order:
        if remaining <= 0:
            break
        if alloc[k] < sizes[k]:
            alloc[k] += 1
            remaining -= 1
    return alloc


def draw_sample(
    ids: Sequence[Any],
    *,
    rate: float | None = None,
    size: int | None = None,
    seed: int,
    strata: Sequence[Any] | None = None,
    min_per_stratum: int = 1,
) -> list[Any]:
    """Draw a reproducible random sample of ``ids``.

    Exactly one of ``rate`` (0 < rate ≤ 1, size = ⌈rate·N⌉) or ``size`` is given. The result
    depends only on the *set* of ids, the seed and the strata — not on the input order — and
    is returned sorted (numbers numerically, then strings). With ``strata`` (parallel to
    ``ids``) the size is allocated proportionally (largest remainder) with at least
    ``min_per_stratum`` per stratum (capped at the stratum's size), so the total may exceed
    ``size`` when the minimums demand it.

    :raises ValueError: on duplicate ids, both/neither of rate and size, or bad values.
    """
    if (rate is None) == (size is None):
        raise ValueError("give exactly one of rate or size")
    ids = list(ids)
    checks.ids("ids", ids)
    if len(set(ids)) != len(ids):
        raise ValueError("ids contain duplicates")
    if strata is not None:
        if len(strata) != len(ids):
            raise ValueError("strata and ids differ in length")
        checks.ids("strata", strata)
    min_per_stratum = checks.count("min_per_stratum", min_per_stratum)
    seed = checks.seed(seed)
    n_pop = len(ids)
    if rate is not None:
        rate = checks.real("rate", rate, low=0, high=1, open_low=True)
        target = math.ceil(rate * n_pop - 1e-9)
    else:
        target = min(checks.count("size", size), n_pop)
    rng = random.Random(seed)
    if strata is None:
        pool = sorted(ids, key=_sort_key)
        return sorted(rng.sample(pool, target), key=_sort_key)
    groups: dict[Any, list[Any]] = defaultdict(list)
    for i, s in zip(ids, strata, strict=True):
        groups[s].append(i)
    alloc = _allocate({k: len(v) for k, v in groups.items()}, target, min_per_stratum)
    chosen: list[Any] = []
    for k in sorted(groups, key=_sort_key):
        pool = sorted(groups[k], key=_sort_key)
        chosen.extend(rng.sample(pool, alloc[k]))
    return sorted(chosen, key=_sort_key)
