"""Span F1 per annotator and per label, from the same pattern sums as :mod:`.span_figures`.

* scope ``annotator``, ``span_f1_exact`` / ``span_f1_overlap``: the annotator against every
  other annotator, pooled over all their pairs' shared items — 2 Σ|A ∩ B| / Σ(|A| + |B|);
* scope ``label``: the same pooled F1 over every pair, counting only the spans (or labelled
  characters) of that label.

Intervals: the seeded percentile bootstrap over items drawn over the patterns (``bank``), as
for the project's span F1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotate.services.quality.figures import Figure, ProjectReport

#: one annotator pair: its two names, the pattern rows both annotated, and per row the units
#: each gave
PairUnits = tuple[tuple[str, str], np.ndarray, list[tuple[set[Any], set[Any]]]]


def _pooled(
    w: np.ndarray, bank: np.ndarray | None, inter: np.ndarray, size: np.ndarray, conf: float
) -> tuple[float | None, tuple[float, float] | None]:
    total = float(w @ size)
    if total <= 0:
        return None, None
    value = 2 * float(w @ inter) / total
    if bank is None:
        return value, None
    d = bank @ size
    ok = d > 0
    draws = 2 * (bank[ok] @ inter) / d[ok]
    if draws.size < 2:
        return value, None
    low, high = np.quantile(draws, [(1 - conf) / 2, (1 + conf) / 2])
    return value, (float(low), float(high))


def add_span_detail(
    report: ProjectReport[Any],
    metric: str,
    what: str,
    pairs: list[PairUnits],
    w: np.ndarray,
    bank: np.ndarray | None,
    labels: list[Any],
    version: str,
) -> None:
    """Append the per-annotator and per-label span F1 of one mode (``metric``)."""
    opts = report.options
    n_rows = w.size
    ci_text = (
        f"{opts.confidence:.0%} percentile bootstrap over items "
        f"({opts.bootstrap} resamples, seed {opts.seed})"
        if bank is not None
        else "no interval: bootstrap off or fewer than two items"
    )

    def append(
        scope: str, sid: str, inter: np.ndarray, size: np.ndarray, shared: np.ndarray, how: str
    ) -> None:
        value, ci = _pooled(w, bank, inter, size, opts.confidence)
        n = (int(w[shared].sum()), int(w[shared].sum()), 1 if scope == "annotator" else 0)
        method = f"{how}; {ci_text}" if value is not None else "undefined: no span to compare"
        report.figures.append(
            Figure(
                scope,
                sid,
                metric,
                value,
                ci[0] if ci else None,
                ci[1] if ci else None,
                *n,
                version,
                "nominal",
                method,
            )
        )

    names = sorted({n for pair, _, _ in pairs for n in pair})
    for name in names:
        inter, size = np.zeros(n_rows), np.zeros(n_rows)
        shared = np.zeros(n_rows, bool)
        for pair, both, units in pairs:
            if name in pair:
                inter[both] += [len(a & b) for a, b in units]
                size[both] += [len(a) + len(b) for a, b in units]
                shared[both] = True
        append(
            "annotator",
            name,
            inter,
            size,
            shared,
            f"{what}: this annotator against each other, pooled over their shared items",
        )
    for label in labels:
        inter, size = np.zeros(n_rows), np.zeros(n_rows)
        for _, both, units in pairs:
            for r, (a, b) in zip(both.tolist(), units, strict=True):
                la = {u for u in a if u[-1] == label}
                lb = {u for u in b if u[-1] == label}
                inter[r] += len(la & lb)
                size[r] += len(la) + len(lb)
        append(
            "label",
            str(label),
            inter,
            size,
            size > 0,
            f"{what}, spans of this label only, pooled over every annotator pair",
        )
