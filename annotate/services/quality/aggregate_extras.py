"""The report's extras from SQL aggregates: weekly trend, gold confusion matrix, and the
inputs of the task-type figures (:mod:`.task_figures`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from annotate.metrics import patterns as pm
from annotate.metrics import proportion
from annotate.services.quality.figure_builder import week_label
from annotate.services.quality.figures import TrendPoint
from annotate.services.quality.task_figures import Cells, annotator_counts, canonical_cells

if TYPE_CHECKING:
    from annotate.services.quality.aggregate import AggregateBuilder


def task_inputs(builder: AggregateBuilder) -> tuple[Cells, dict[int, Cells]]:
    """The canonical cells and per-annotator counts of the report's aggregates."""
    d = builder.data
    cells = canonical_cells(d.cell_weight, d.cell_gold, d.e_cell, d.e_val)
    if d.sparse is not None:
        t = d.sparse
        return cells, annotator_counts(t.ann, t.gold, t.val, t.n)
    return cells, annotator_counts(d.e_ann, builder.entry_gold, d.e_val, builder.entry_items)


def trends(builder: AggregateBuilder) -> list[TrendPoint]:
    """Per ISO week: α of the items first annotated that week, and gold accuracy."""
    data, report = builder.data, builder.report
    out = []
    for week in np.unique(data.cell_week).tolist():
        cells = data.cell_week == week
        mask = cells[data.e_cell]
        alpha = None
        if not report.not_applicable:
            alpha = pm.krippendorff_alpha(builder.ratings(mask), report.level).value
        gsel = mask & builder.on_gold
        n_gold = int(builder.entry_items[gsel].sum())
        p = proportion(
            int(builder.entry_items[gsel & builder.hit].sum()),
            n_gold,
            confidence=report.options.confidence,
        )
        out.append(
            TrendPoint(
                week_label(week),
                alpha,
                int(data.cell_weight[cells].sum()),
                p.value,
                p.ci_low,
                p.ci_high,
                n_gold,
                int(builder.entry_items[mask].sum()),
            )
        )
    return out


def confusion(builder: AggregateBuilder) -> tuple[list[str], np.ndarray] | None:
    """Gold answer × given value counts over annotations on gold items (None without gold)."""
    data = builder.data
    on = builder.on_gold
    if not on.any():
        return None
    k = len(data.categories)
    mat = np.bincount(
        builder.entry_gold[on] * k + data.e_val[on],
        weights=builder.entry_items[on],
        minlength=k * k,
    )
    return [data.label_of(c) for c in range(k)], mat.astype(np.int64).reshape(k, k)
