"""Adding a report's figures, whatever the data they are computed from.

:class:`FigureBuilder` writes every :class:`~annotate.services.quality.figures.Figure` row:
agreement with its bootstrap interval, proportions with their Wilson interval, rates, per-label
α, an annotator's agreement with peers, clause citations — and the ``method`` text that says
how each was obtained. A subclass says how its data is read: which annotations a scope holds
(a ``mask`` over its rows, ``None`` for the whole project), as what ratings, with which
coefficients. The report's implementation is
:class:`~annotate.services.quality.aggregate.AggregateBuilder` (SQL aggregates); the tests'
in-memory oracle is another.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, NamedTuple

import numpy as np
from scipy import special  # ndtri is norm.ppf, without importing scipy.stats

from annotate.metrics import (
    AgreementResult,
    BootResult,
    PairwiseResult,
    Ratings,
    WeightBank,
    bootstrap_agreement,
    proportion,
)
from annotate.metrics.patterns import Patterns
from annotate.services.quality.clause_figures import add_clause_figures
from annotate.services.quality.figures import (
    AGREEMENT_METRICS,
    ClauseRow,
    DataT,
    Figure,
    ProjectReport,
)

Mask = np.ndarray | None  # a boolean selection of the data's rows; None: the whole project
Counts = tuple[int, int, int]  # (items, annotations, annotators) behind a figure

GOLD_WHAT = "share of annotations on gold items that equal the gold answer"
REVIEW_WHAT = "share of reviewed annotations judged correct"
LABEL_GOLD = "share of annotations on gold items with this answer that equal it (recall)"
GOLD_OF_ANNOTATOR = "share of this annotator's annotations on gold items that equal the gold answer"
REVIEW_OF_ANNOTATOR = "share of this annotator's reviewed annotations judged correct"
AGREEMENT_NAMES = {
    "krippendorff_alpha": "Krippendorff's alpha ({level})",
    "fleiss_kappa": "Fleiss' kappa",
    "gwet_ac1": "Gwet's AC1",
    "percent_agreement": "mean share of agreeing annotator pairs per item",
    "cohen_kappa": "Cohen's kappa, mean over annotator pairs",
}


class WholeScope(NamedTuple):
    """The project scope's ratings, coefficients and intervals, kept for a scope with the same
    rows (e.g. the only batch)."""

    ratings: Ratings | Patterns
    results: dict[str, AgreementResult]
    matrix: PairwiseResult
    boot: BootResult


class FigureBuilder(ABC, Generic[DataT]):
    """Adds figures to ``report`` from its data; ``bank`` holds the resampling weights shared
    by every scope (``None``: no intervals)."""

    def __init__(self, report: ProjectReport[DataT], bank: WeightBank | None = None) -> None:
        self.report = report
        self.data: DataT = report.data
        self.options = report.options
        self.bank = bank
        self.whole: WholeScope | None = None
        # set when Cohen's kappa gets no interval (the reason, after "; " in its method)
        self.cohen_ci_note: str | None = None

    @abstractmethod
    def scope_size(self, mask: Mask) -> int:
        """Annotations in the scope ``mask``."""

    @abstractmethod
    def versions(self, mask: Mask) -> str:
        """The rulebook versions of the scope's annotations, ``;``-joined."""

    @abstractmethod
    def ratings(self, mask: Mask) -> Ratings | Patterns:
        """The scope's annotations as ratings (or patterns of them)."""

    @abstractmethod
    def coefficients(self, ratings: Any) -> tuple[dict[str, AgreementResult], PairwiseResult]:
        """The four coefficients and the Cohen matrix of ``ratings`` (as :meth:`ratings`
        returns them)."""

    def add(
        self,
        scope: str,
        scope_id: str,
        metric: str,
        value: float | None,
        ci: tuple[float | None, float | None] | None,
        n: Counts,
        version: str,
        level: str,
        method: str,
    ) -> None:
        """Append a figure (no interval when ``value`` is undefined)."""
        low, high = ci if ci and value is not None else (None, None)
        self.report.figures.append(
            Figure(scope, scope_id, metric, value, low, high, *n, version, level, method)
        )

    def ci_text(self, n_resamples: int) -> str:
        pct = round(self.options.confidence * 100)
        if not n_resamples:
            return "no interval (bootstrap off or too few items)"
        return (
            f"{pct}% percentile bootstrap over items ({n_resamples} resamples, "
            f"seed {self.options.seed})"
        )

    def bootstrap(self, ratings: Ratings | Patterns, level: str, pairs: bool) -> BootResult:
        """Intervals of ``ratings`` from the shared weights."""
        return bootstrap_agreement(
            ratings,
            level,
            n_resamples=self.options.bootstrap,
            seed=self.options.seed,
            confidence=self.options.confidence,
            pairs=pairs,
            bank=self.bank,
        )

    def agreement(
        self, scope: str, scope_id: str, mask: Mask, pairs: bool = False
    ) -> PairwiseResult | None:
        """Add the five agreement figures of the annotations in ``mask`` (and with ``pairs``
        one Cohen's kappa per annotator pair); return the Cohen matrix."""
        level = self.report.level
        version = self.versions(mask)
        if self.report.not_applicable:
            size = self.scope_size(mask)
            for metric in AGREEMENT_METRICS:
                self.add(
                    scope,
                    scope_id,
                    metric,
                    None,
                    None,
                    (0, size, 0),
                    version,
                    level if metric == "krippendorff_alpha" else "nominal",
                    f"undefined: {self.report.not_applicable}",
                )
            return None
        whole = mask is None or bool(mask.all())
        if whole and self.whole is not None:
            ratings, results, matrix, boot = self.whole
        else:
            ratings = self.ratings(mask)
            results, matrix = self.coefficients(ratings)
            boot = self.bootstrap(ratings, level, self.cohen_ci_note is None)
            if whole:
                self.whole = WholeScope(ratings, results, matrix, boot)
        n = (ratings.n_items, ratings.n_annotations, ratings.n_annotators)
        ci_text = self.ci_text(boot.n_resamples)
        for metric in AGREEMENT_METRICS:
            if metric == "cohen_kappa":
                value, reason = matrix.mean, matrix.reason
            else:
                value, reason = results[metric].value, results[metric].reason
            text = (self.cohen_ci_note or ci_text) if metric == "cohen_kappa" else ci_text
            method = (
                f"{AGREEMENT_NAMES[metric].format(level=level)}; {text}"
                if value is not None
                else f"undefined: {reason or 'undefined'}"
            )
            self.add(
                scope,
                scope_id,
                metric,
                value,
                boot.intervals.get(metric),
                n,
                version,
                level if metric == "krippendorff_alpha" else "nominal",
                method,
            )
        if pairs:
            self._pair_figures(matrix, boot, version)
        return matrix

    def _pair_figures(self, matrix: PairwiseResult, boot: BootResult, version: str) -> None:
        rows = matrix.pairs()
        for (a, b, value, common), ci in zip(
            rows, boot.pair_intervals or [None] * len(rows), strict=True
        ):
            method = (
                f"Cohen's kappa over shared items; "
                f"{self.cohen_ci_note or self.ci_text(boot.n_resamples)}"
                if value is not None
                else "undefined: "
                + ("no shared items" if not common else "only one category was used by both")
            )
            self.add(
                "annotator_pair",
                f"{a}|{b}",
                "cohen_kappa",
                value,
                ci,
                (common, 2 * common, 2),
                version,
                "nominal",
                method,
            )

    def proportion_n(
        self, scope: str, scope_id: str, metric: str, hits: int, n: Counts, version: str, what: str
    ) -> None:
        """Add an accuracy figure: ``hits`` of ``n[1]`` (items, annotations, annotators)."""
        p = proportion(hits, n[1], confidence=self.options.confidence)
        pct = round(self.options.confidence * 100)
        missing = "no gold items were annotated" if metric == "gold_accuracy" else "no reviews yet"
        method = (
            f"{what}; {pct}% Wilson score interval"
            if p.value is not None
            else f"undefined: {missing}"
        )
        self.add(
            scope,
            scope_id,
            metric,
            p.value,
            (p.ci_low, p.ci_high) if p.value is not None else None,
            n,
            version,
            "",
            method,
        )

    def rate(
        self,
        scope: str,
        scope_id: str,
        total_ms: float,
        n: Counts,
        version: str,
        sum_sq_s: float | None = None,
    ) -> None:
        """Add items per hour: ``n[1]`` timed annotations over ``total_ms`` milliseconds, with
        the interval of :func:`rate_interval` from their summed squared seconds."""
        hours = total_ms / 3_600_000.0
        if hours <= 0:
            self.add(
                scope,
                scope_id,
                "items_per_hour",
                None,
                None,
                n,
                version,
                "",
                "undefined: no annotation has a recorded duration",
            )
            return
        ci = rate_interval(n[1], total_ms / 1000.0, sum_sq_s, self.options.confidence)
        pct = round(self.options.confidence * 100)
        self.add(
            scope,
            scope_id,
            "items_per_hour",
            n[1] / hours,
            ci,
            n,
            version,
            "",
            "annotations with a recorded duration divided by their summed duration in hours; "
            + (
                f"{pct}% normal interval of the mean duration (annotations independent), "
                "inverted to a rate"
                if ci
                else "no interval: fewer than two timed annotations or durations too "
                "spread for a normal interval of their mean"
            ),
        )

    def label_alpha(
        self, key: Any, result: AgreementResult, boot: BootResult, version: str
    ) -> None:
        """Add a label's one-vs-rest Krippendorff's α."""
        method = (
            f"Krippendorff's alpha (nominal), label present vs absent; "
            f"{self.ci_text(boot.n_resamples)}"
            if result.value is not None
            else f"undefined: {result.reason}"
        )
        self.add(
            "label",
            str(key),
            "krippendorff_alpha",
            result.value,
            boot.intervals.get("krippendorff_alpha"),
            (result.n_items, result.n_annotations, result.n_annotators),
            version,
            "nominal",
            method,
        )

    def peer_figures(
        self, name: str, version: str, agree: int, total: int, n_overlap: int, m_overlap: int
    ) -> None:
        """An annotator's agreement with peers (``agree`` of ``total`` peer annotations on the
        ``n_overlap`` of their annotations whose items hold ``m_overlap`` annotations) and mean
        κ over their pairs in the project's Cohen matrix."""
        pw = self.report.pairwise
        kappa, n_pairs, kappa_ci = None, 0, None
        boot = self.whole.boot if self.whole is not None else None
        ci_note = self.cohen_ci_note or self.ci_text(boot.n_resamples if boot else 0)
        if pw is not None and name in pw.annotators:
            i = pw.annotators.index(name)
            vals = [v for j, v in enumerate(pw.values[i]) if j != i and v is not None]
            n_pairs = len(vals)
            kappa = float(np.mean(vals)) if vals else None
            if boot is not None and i < len(boot.annotator_intervals):
                kappa_ci = boot.annotator_intervals[i]
        p = proportion(agree, total, confidence=self.options.confidence)
        n_ov = (n_overlap, m_overlap, n_pairs + 1)
        self.add(
            "annotator",
            name,
            "percent_agreement",
            p.value,
            (p.ci_low, p.ci_high) if p.value is not None else None,
            n_ov,
            version,
            "nominal",
            "share of peers' annotations on the same items that equal this "
            "annotator's; Wilson score interval (pairs treated as independent)"
            if p.value is not None
            else "undefined: no item shared with another annotator",
        )
        self.add(
            "annotator",
            name,
            "cohen_kappa",
            kappa,
            kappa_ci,
            n_ov,
            version,
            "nominal",
            f"mean Cohen's kappa over this annotator's {n_pairs} pairs; {ci_note}"
            if kappa is not None
            else "undefined: no annotator pair with a defined kappa",
        )

    def clause_figures(self, rows: list[ClauseRow], version: str) -> None:
        """Clause scope: :func:`~.clause_figures.add_clause_figures`."""
        add_clause_figures(self, rows, version)


def week_label(week: float) -> str:
    """The ISO week (``2026-W10``) of week number ``week`` (weeks since the Monday before
    1970-01-01, a Thursday)."""
    epoch = week * 7 * 86400 + 4 * 86400 + 1
    day = datetime.fromtimestamp(epoch, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (day - timedelta(days=day.weekday())).strftime("%G-W%V")


def rate_interval(
    n: int, total_s: float, sum_sq_s: float | None, confidence: float
) -> tuple[float, float] | None:
    """Items per hour ``3600 n / total_s``: the normal interval of the mean duration
    (from the sum and the sum of squares of the ``n`` durations, in seconds) inverted to a
    rate; ``None`` with fewer than two durations or a lower bound of the mean ≤ 0."""
    if sum_sq_s is None or n < 2 or total_s <= 0:
        return None
    mean = total_s / n
    var = max(sum_sq_s - n * mean * mean, 0.0) / (n - 1)
    half = float(special.ndtri((1 + confidence) / 2)) * math.sqrt(var / n)
    if mean - half <= 0:
        return None
    return 3600.0 / (mean + half), 3600.0 / (mean - half)
