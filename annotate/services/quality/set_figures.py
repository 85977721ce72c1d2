"""Set-valued agreement for multi-label projects: Krippendorff's α with the MASI distance.

A multi-label answer is a set of labels; comparing sets by exact match calls {a, b} and
{a, b, c} a plain disagreement. ``krippendorff_alpha_masi`` (project scope) uses the MASI
distance (Passonneau 2006) instead — :func:`annotate.metrics.set_alpha` — computed from the
report's rating patterns, with the seeded bootstrap of :mod:`.rating_figures`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotate.metrics import Ratings
from annotate.metrics import patterns as pm
from annotate.metrics.krippendorff_alpha import (
    _pairs_expected,
    _pairs_observed,
    masi_distance,
)
from annotate.models import TaskType
from annotate.services.quality.figures import ProjectReport
from annotate.services.quality.rating_figures import as_patterns, bootstrapped_figure

METRIC = "krippendorff_alpha_masi"


def _as_set(category: Any) -> frozenset[Any]:
    return frozenset(category) if isinstance(category, tuple) else frozenset([category])


def masi_alpha(p: pm.Patterns, dmat: np.ndarray) -> float | None:
    """:func:`annotate.metrics.set_alpha` (MASI) of the expanded items of ``p``."""
    m = np.bincount(p.item_idx, weights=(p.weight[p.item_idx] > 0), minlength=p.n_units)
    pair = (m[p.item_idx] >= 2) & (p.weight[p.item_idx] > 0)
    if not pair.any():
        return None
    units, it = np.unique(p.item_idx[pair], return_inverse=True)
    it = it.reshape(-1)
    w = p.weight[units].astype(float)
    codes = p.value_idx[pair]

    def delta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return dmat[a, b]

    n_c = np.bincount(codes, weights=w[it], minlength=dmat.shape[0])
    obs = _pairs_observed(it, codes, delta, w)
    exp = _pairs_expected(n_c, delta)
    n = float(w[it].sum())
    if exp <= 0:
        return None
    return float(1.0 - (n - 1.0) * obs / exp)


def add_set_figures(report: ProjectReport[Any], r: Ratings | pm.Patterns, version: str) -> None:
    """Append MASI α for the whole project's multi-label ratings ``r``."""
    if report.project.task_type != TaskType.multi_label or report.not_applicable:
        return
    sets = [_as_set(c) for c in r.categories]
    dmat = np.array([[masi_distance(a, b) for b in sets] for a in sets])
    bootstrapped_figure(
        report,
        as_patterns(r),
        METRIC,
        lambda q: masi_alpha(q, dmat),
        "Krippendorff's alpha with the MASI set distance (partial matches of label sets count)",
        version,
        "masi",
    )
