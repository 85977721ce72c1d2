"""Weighted agreement for rating projects: Cohen's weighted κ and Gwet's AC2.

The weights match the project's measurement level: ``linear`` for ordinal scales,
``quadratic`` for interval and ratio scales (nominal ratings get none). Project scope:

* ``cohen_kappa_linear`` / ``cohen_kappa_quadratic`` — the mean over annotator pairs of
  Cohen's weighted κ (:func:`annotate.metrics.cohen_matrix` with ``weights``);
* ``gwet_ac2`` — Gwet's AC2 with the same weights (:func:`annotate.metrics.gwet_ac`).

Both come from the report's rating patterns with their item counts; the interval is the
seeded percentile bootstrap over items drawn over the patterns, as for span F1
(:mod:`.span_figures`), so item-level and grouped data give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from annotate.metrics import Ratings, WeightBank
from annotate.metrics import patterns as pm
from annotate.metrics.bootstrap import _by_name, _grid, _patterns
from annotate.models import TaskType
from annotate.services.quality.figures import Figure, ProjectReport

WEIGHTS = {"ordinal": "linear", "interval": "quadratic", "ratio": "quadratic"}


def as_patterns(r: Ratings | pm.Patterns) -> pm.Patterns:
    unit_w = r.weight if isinstance(r, pm.Patterns) else np.ones(len(r.items))
    pattern, rows = _patterns(_grid(r), r.n_categories, _by_name(r))
    unit, ann = np.nonzero(rows >= 0)
    return pm.Patterns(
        tuple(range(rows.shape[0])),
        r.annotators,
        r.categories,
        unit,
        ann,
        rows[unit, ann].astype(np.int64),
        np.bincount(pattern, weights=unit_w, minlength=rows.shape[0]).astype(np.int64),
    )


def bootstrapped_figure(
    report: ProjectReport[Any],
    p: pm.Patterns,
    metric: str,
    fn: Callable[[pm.Patterns], float | None],
    what: str,
    version: str,
    level: str,
) -> None:
    """Append the project figure ``fn(p)`` with a seeded percentile bootstrap over items,
    drawn over the patterns ``p`` (each resample: ``p`` with the drawn weights)."""
    opts = report.options
    bank = None
    if opts.bootstrap >= 2 and p.n_items >= 2:
        bank = WeightBank(p.weight, opts.bootstrap, opts.seed).weights
    value = fn(p)
    ci = None
    if bank is not None and value is not None:
        draws = [fn(replace(p, weight=w.astype(np.int64))) for w in bank]
        vals = np.array([d for d in draws if d is not None], dtype=float)
        if vals.size >= 2:
            q = [(1 - opts.confidence) / 2, (1 + opts.confidence) / 2]
            low, high = np.quantile(vals, q)
            ci = (float(low), float(high))
    how = (
        f"{what}; {opts.confidence:.0%} percentile bootstrap over items "
        f"({opts.bootstrap} resamples, seed {opts.seed})"
        if bank is not None
        else f"{what}; no interval: bootstrap off or fewer than two items"
    )
    if value is None:
        how = "undefined: no item has two annotations, or only one value was used"
    report.figures.append(
        Figure(
            "project",
            report.project.slug,
            metric,
            value,
            ci[0] if ci else None,
            ci[1] if ci else None,
            p.n_items,
            p.n_annotations,
            p.n_annotators,
            version,
            level,
            how,
        )
    )


def add_rating_figures(report: ProjectReport[Any], r: Ratings | pm.Patterns, version: str) -> None:
    """Append weighted κ and AC2 for the whole project's ratings ``r``."""
    weights = WEIGHTS.get(report.level)
    if report.project.task_type != TaskType.rating or weights is None or report.not_applicable:
        return
    p = as_patterns(r)
    bootstrapped_figure(
        report,
        p,
        f"cohen_kappa_{weights}",
        lambda q: pm.cohen_matrix(q, weights).mean,
        f"mean over annotator pairs of Cohen's {weights}-weighted kappa",
        version,
        report.level,
    )
    bootstrapped_figure(
        report,
        p,
        "gwet_ac2",
        lambda q: pm.gwet_ac2(q, weights).value,
        f"Gwet's AC2 with {weights} weights",
        version,
        report.level,
    )
