"""Span F1 in the report, for span (NER) projects: exact and overlap, with intervals.

:func:`annotate.metrics.span_agreement` computes, for each pair of annotators, F1 =
2|A ∩ B| / (|A| + |B|) pooled over the items both annotated — A and B the sets of whole spans
(``exact``) or of labelled characters (``overlap``). Here the same sums come from the report's
rating patterns (each distinct row of span lists once, with its number of items), so:

* ``span_f1_exact`` / ``span_f1_overlap`` at scope ``project``: the mean over annotator pairs
  with a defined F1 (:attr:`PairwiseResult.mean`), and at scope ``annotator_pair`` (``a|b``)
  each pair's F1;
* intervals: a seeded percentile bootstrap over items, drawn over the patterns as
  :func:`annotate.metrics.bootstrap.bootstrap_agreement` draws them (the same ratings and seed
  give the same interval whether they come item by item or grouped); each resample's F1 is
  the ratio of its resampled sums.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from annotate.metrics import Ratings, WeightBank
from annotate.metrics.bootstrap import _by_name, _grid, _patterns
from annotate.metrics.patterns import Patterns
from annotate.metrics.spans import _units
from annotate.models import TaskType
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.span_detail import PairUnits, add_span_detail

MODES = ("exact", "overlap")
WHAT = {
    "exact": "span F1 on whole spans (start, end and label equal)",
    "overlap": "span F1 on labelled characters (partial overlap counts)",
}


def span_metric(mode: str) -> str:
    return f"span_f1_{mode}"


def _spans(category: Any) -> list[tuple[int, int, Any]]:
    """A canonical span-list value (a tuple of JSON objects) as ``(start, end, label)``."""
    out = []
    for s in category if isinstance(category, tuple) else ():
        span = json.loads(s) if isinstance(s, str) else s
        out.append((int(span["start"]), int(span["end"]), span.get("label")))
    return out


def _ci(vals: np.ndarray, confidence: float) -> tuple[float, float] | None:
    vals = vals[~np.isnan(vals)]
    if vals.size < 2:
        return None
    low, high = np.quantile(vals, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def add_span_figures(report: ProjectReport[Any], r: Ratings | Patterns, version: str) -> None:
    """Append the span F1 figures of ``r`` (the whole project's span ratings)."""
    if report.project.task_type != TaskType.span or r.n_annotators < 2:
        return
    unit_w = r.weight if isinstance(r, Patterns) else np.ones(len(r.items))
    order = _by_name(r)
    pattern, rows = _patterns(_grid(r), r.n_categories, order)
    w = np.bincount(pattern, weights=unit_w, minlength=rows.shape[0])
    names = [str(r.annotators[j]) for j in order]
    cols = list(order)
    opts = report.options
    bank = None
    if opts.bootstrap >= 2 and r.n_items >= 2:
        bank = WeightBank(w.astype(np.int64), opts.bootstrap, opts.seed).weights.astype(float)
    n_items, n_ann = int(unit_w.sum()), int(unit_w[r.item_idx].sum())
    labels = [lab.get("key") for lab in report.project.labels or []]
    for mode in MODES:
        sets = [_units(_spans(c), mode, None) for c in r.categories]
        pairs: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        units: list[PairUnits] = []
        for i, a in enumerate(cols):
            for j in range(i + 1, len(cols)):
                b = cols[j]
                both = np.flatnonzero((rows[:, a] >= 0) & (rows[:, b] >= 0))
                given = [(sets[rows[p, a]], sets[rows[p, b]]) for p in both]
                inter = np.array([len(x & y) for x, y in given])
                size = np.array([len(x) + len(y) for x, y in given])
                pairs.append((f"{names[i]}|{names[j]}", both, inter, size))
                units.append(((names[i], names[j]), both, given))
        _add(report, mode, pairs, w, bank, (n_items, n_ann, len(names)), version)
        add_span_detail(report, span_metric(mode), WHAT[mode], units, w, bank, labels, version)


def _add(
    report: ProjectReport[Any],
    mode: str,
    pairs: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
    w: np.ndarray,
    bank: np.ndarray | None,
    ns: tuple[int, int, int],
    version: str,
) -> None:
    opts = report.options
    metric = span_metric(mode)
    point, draws, rows = [], [], []
    for pair_id, both, inter, size in pairs:
        s = float(w[both] @ size) if both.size else 0.0
        value = 2 * float(w[both] @ inter) / s if s else None
        boot = None
        if bank is not None and both.size:
            bs = bank[:, both] @ size
            with np.errstate(divide="ignore", invalid="ignore"):
                boot = np.where(bs > 0, 2 * (bank[:, both] @ inter) / bs, np.nan)
        point.append(value)
        draws.append(boot)
        rows.append((pair_id, value, boot, int(w[both].sum())))
    ci_text = (
        f"{opts.confidence:.0%} percentile bootstrap over items "
        f"({opts.bootstrap} resamples, seed {opts.seed})"
        if bank is not None
        else "no interval: bootstrap off or fewer than two items"
    )
    defined = [v for v in point if v is not None]
    mean = float(np.mean(defined)) if defined else None
    ci = None
    if bank is not None and defined:
        stack = np.array([d if d is not None else np.full(bank.shape[0], np.nan) for d in draws])
        with np.errstate(invalid="ignore"):
            ok = ~np.isnan(stack)
            per = np.where(
                ok.any(axis=0), np.nansum(stack, axis=0) / np.maximum(ok.sum(0), 1), np.nan
            )
        ci = _ci(per, opts.confidence)
    how = (
        f"mean over annotator pairs of {WHAT[mode]}, pooled over the items each pair shares; "
        + ci_text
        if mean is not None
        else "undefined: no annotator pair marked any span on a shared item"
    )
    report.figures.append(
        _figure("project", report.project.slug, metric, mean, ci, ns, version, how)
    )
    for pair_id, value, boot, common in rows:
        pair_ci = _ci(boot, opts.confidence) if boot is not None and value is not None else None
        how = (
            f"{WHAT[mode]}, pooled over the items the pair shares; {ci_text}"
            if value is not None
            else "undefined: "
            + ("no shared items" if not common else "neither marked a span on a shared item")
        )
        report.figures.append(
            _figure(
                "annotator_pair",
                pair_id,
                metric,
                value,
                pair_ci,
                (common, 2 * common, 2),
                version,
                how,
            )
        )


def _figure(
    scope: str,
    scope_id: str,
    metric: str,
    value: float | None,
    ci: tuple[float, float] | None,
    ns: tuple[int, int, int],
    version: str,
    method: str,
) -> Figure:
    return Figure(
        scope,
        scope_id,
        metric,
        value,
        ci[0] if ci else None,
        ci[1] if ci else None,
        *ns,
        version,
        "nominal",
        method,
    )
