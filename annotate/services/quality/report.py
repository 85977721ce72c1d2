"""A project's quality report: agreement and accuracy per scope, with intervals.

Two ways to the same figures. By default the aggregate path (:mod:`~.report_sql`,
:mod:`~.report_agg`): the database groups items by their rating vector, so Python sees distinct
patterns with multiplicities and GROUP BY counts, never a row per annotation or per item;
coefficients come from :mod:`annotate.metrics.patterns`. The in-memory path
(:mod:`~.report_memory`, ``source="memory"``) loads every counted annotation as numpy columns
and uses :mod:`annotate.metrics` directly; it is the reference the aggregate path is tested
against. Intervals come from the seeded bootstrap of :mod:`annotate.services.quality.intervals`. The
result is a frozen list of :class:`Figure` rows — the rows of the quality-metrics CSV — plus
the pieces the dashboard draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from flask import current_app, has_app_context

from annotate.database import Session
from annotate.metrics import AgreementResult, PairwiseResult, proportion
from annotate.models import Project, TaskType
from annotate.services.quality.intervals import BootResult, WeightBank, bootstrap_agreement
from annotate.services.quality.loading import distinct

AGREEMENT_METRICS = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "gwet_ac1",
                     "percent_agreement")
LABEL_TASKS = {TaskType.single_label, TaskType.multi_label, TaskType.pairwise}
SOURCES = ("auto", "aggregate", "memory")


@dataclass(frozen=True)
class ReportOptions:
    """How intervals are computed: bootstrap resamples (0 = none), seed and confidence; and
    where the figures come from (``source``: ``auto``, ``aggregate`` or ``memory``)."""

    bootstrap: int = 200
    seed: int = 0
    confidence: float = 0.95
    source: str = "auto"


@dataclass(frozen=True)
class Figure:
    """One figure: a row of the quality-metrics CSV. ``value`` ``None`` means undefined."""

    scope: str
    scope_id: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_items: int
    n_annotations: int
    n_annotators: int
    rulebook_version: str
    level: str
    method: str


@dataclass
class ProjectReport:
    """Everything the dashboard and the exports show for one project."""

    project: Project
    computed_at: datetime
    options: ReportOptions
    data: Any  # ProjectData (memory) or AggregateData (aggregate)
    level: str
    figures: list[Figure] = field(default_factory=list)
    pairwise: PairwiseResult | None = None
    not_applicable: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def get(self, scope: str, scope_id: str, metric: str) -> Figure | None:
        """The figure for ``(scope, scope_id, metric)``, if computed."""
        for f in self.figures:
            if f.scope == scope and f.scope_id == scope_id and f.metric == metric:
                return f
        return None

    def scope_ids(self, scope: str) -> list[str]:
        """The ids of ``scope`` in the order they were computed."""
        seen: dict[str, None] = {}
        for f in self.figures:
            if f.scope == scope:
                seen.setdefault(f.scope_id)
        return list(seen)


def effective_level(project: Project, categories: list[Any]) -> str:
    """The project's measurement level, or nominal when its values are not numbers."""
    level = project.measurement_level.value
    if level != "nominal" and not all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in categories):
        return "nominal"
    return level


class _Builder:
    def __init__(self, report: ProjectReport, bank: WeightBank | None = None) -> None:
        self.report = report
        self.data = report.data
        self.opts = report.options
        self.slug = report.project.slug
        self._whole: tuple[Any, ...] | None = None
        # set when Cohen's kappa gets no interval (the reason, after "; " in its method)
        self.cohen_ci_note: str | None = None
        self.bank = bank or self.make_bank()

    # How a path reads its data: report_memory and report_agg implement these five.
    def make_bank(self) -> WeightBank | None:
        raise NotImplementedError

    def scope_size(self, mask: Any) -> int:
        """Annotations in the scope ``mask`` (``None`` = the whole project)."""
        raise NotImplementedError

    def versions(self, mask: Any) -> str:
        """The rulebook versions of the scope's annotations, ``;``-joined."""
        raise NotImplementedError

    def ratings(self, mask: Any) -> Any:
        """The scope as :class:`~annotate.metrics.Ratings` or ``Patterns``."""
        raise NotImplementedError

    def coefficients(self, r: Any) -> tuple[dict[str, AgreementResult], PairwiseResult]:
        """The four coefficients and the Cohen matrix of ``r``."""
        raise NotImplementedError

    def add(self, scope: str, scope_id: str, metric: str, value: float | None,
            ci: tuple[float, float] | None, n: tuple[int, int, int], version: str, level: str,
            method: str) -> None:
        self.report.figures.append(Figure(
            scope, scope_id, metric, value, ci[0] if ci and value is not None else None,
            ci[1] if ci and value is not None else None, *n, version, level, method))

    def ci_text(self, boot_n: int) -> str:
        pct = round(self.opts.confidence * 100)
        if not boot_n:
            return "no interval (bootstrap off or too few items)"
        return (f"{pct}% percentile bootstrap over items ({boot_n} resamples, "
                f"seed {self.opts.seed})")

    def agreement(self, scope: str, scope_id: str, mask: Any,
                  pairs: bool = False) -> PairwiseResult | None:
        """Add the five agreement figures of the annotations in ``mask``."""
        level = self.report.level
        version = self.versions(mask)
        if self.report.not_applicable:
            n = self.scope_size(mask)
            for metric in AGREEMENT_METRICS:
                self.add(scope, scope_id, metric, None, None, (0, n, 0), version,
                         level if metric == "krippendorff_alpha" else "nominal",
                         f"undefined: {self.report.not_applicable}")
            return None
        whole = mask is None or bool(mask.all())
        if whole and self._whole is not None:  # e.g. the only batch: same rows as the project
            r, results, matrix, boot = self._whole
        else:
            r = self.ratings(mask)
            results, matrix = self.coefficients(r)
            boot = bootstrap_agreement(r, level, n_resamples=self.opts.bootstrap,
                                       seed=self.opts.seed, confidence=self.opts.confidence,
                                       pairs=self.cohen_ci_note is None, bank=self.bank)
            if whole:
                self._whole = (r, results, matrix, boot)
        n = (r.n_items, r.n_annotations, r.n_annotators)
        names = {"krippendorff_alpha": f"Krippendorff's alpha ({level})",
                 "fleiss_kappa": "Fleiss' kappa", "gwet_ac1": "Gwet's AC1",
                 "percent_agreement": "mean share of agreeing annotator pairs per item",
                 "cohen_kappa": "Cohen's kappa, mean over annotator pairs"}
        for metric in AGREEMENT_METRICS:
            if metric == "cohen_kappa":
                value, reason = matrix.mean, matrix.reason
            else:
                value, reason = results[metric].value, results[metric].reason
            ci_text = self.ci_text(boot.n_resamples)
            if metric == "cohen_kappa" and self.cohen_ci_note:
                ci_text = self.cohen_ci_note
            method = (f"{names[metric]}; {ci_text}" if value is not None
                      else f"undefined: {reason or 'undefined'}")
            self.add(scope, scope_id, metric, value, boot.intervals.get(metric), n, version,
                     level if metric == "krippendorff_alpha" else "nominal", method)
        if pairs:
            for (a, b, value, common), ci in zip(
                    matrix.pairs(), boot.pair_intervals or [None] * len(matrix.pairs()),
                    strict=True):
                method = (f"Cohen's kappa over shared items; "
                          f"{self.cohen_ci_note or self.ci_text(boot.n_resamples)}"
                          if value is not None else
                          "undefined: " + ("no shared items" if not common
                                           else "only one category was used by both"))
                self.add("annotator_pair", f"{a}|{b}", "cohen_kappa", value, ci,
                         (common, 2 * common, 2), version, "nominal", method)
        return matrix

    def proportion(self, scope: str, scope_id: str, metric: str, hits: np.ndarray,
                   items: np.ndarray, anns: np.ndarray, version: str, what: str) -> None:
        """Add an accuracy figure (Wilson interval) from a boolean hit array."""
        self.proportion_n(scope, scope_id, metric, int(hits.sum()),
                          (int(distinct(items).size), int(hits.size), int(distinct(anns).size)),
                          version, what)

    def proportion_n(self, scope: str, scope_id: str, metric: str, hits: int,
                     n: tuple[int, int, int], version: str, what: str) -> None:
        """Add an accuracy figure: ``hits`` of ``n[1]`` (items, annotations, annotators)."""
        p = proportion(hits, n[1], confidence=self.opts.confidence)
        pct = round(self.opts.confidence * 100)
        missing = ("no gold items were annotated" if metric == "gold_accuracy"
                   else "no reviews yet")
        method = (f"{what}; {pct}% Wilson score interval" if p.value is not None
                  else f"undefined: {missing}")
        self.add(scope, scope_id, metric, p.value, (p.ci_low, p.ci_high) if p.value is not None
                 else None, n, version, "", method)


def add_rate(b: _Builder, scope: str, scope_id: str, total_ms: float, n: tuple[int, int, int],
             version: str) -> None:
    """Add items per hour: ``n[1]`` timed annotations over ``total_ms`` milliseconds."""
    hours = total_ms / 3_600_000.0
    if hours > 0:
        b.add(scope, scope_id, "items_per_hour", n[1] / hours, None, n, version, "",
              "annotations with a recorded duration divided by their summed duration in "
              "hours; no interval (a rate, not an estimate)")
    else:
        b.add(scope, scope_id, "items_per_hour", None, None, n, version, "",
              "undefined: no annotation has a recorded duration")



GOLD_WHAT = "share of annotations on gold items that equal the gold answer"
REVIEW_WHAT = "share of reviewed annotations judged correct"
LABEL_GOLD = ("share of annotations on gold items with this answer that equal it "
              "(recall)")


def add_label_alpha(b: _Builder, key: Any, res: AgreementResult, boot: BootResult,
                    version: str) -> None:
    """Add a label's one-vs-rest Krippendorff's α."""
    method = (f"Krippendorff's alpha (nominal), label present vs absent; "
              f"{b.ci_text(boot.n_resamples)}" if res.value is not None
              else f"undefined: {res.reason}")
    b.add("label", str(key), "krippendorff_alpha", res.value,
          boot.intervals.get("krippendorff_alpha"),
          (res.n_items, res.n_annotations, res.n_annotators), version, "nominal", method)


def uses_aggregates(opts: ReportOptions) -> bool:
    """Whether the report is computed from SQL aggregates: ``opts.source``, else the app's
    ``REPORT_SOURCE``; ``auto`` is the aggregate path (faster on SQLite and PostgreSQL alike,
    and flat in memory)."""
    source = opts.source
    if source == "auto" and has_app_context():
        source = current_app.config.get("REPORT_SOURCE", "auto")
    if source not in SOURCES:
        raise ValueError(f"report source must be one of {SOURCES}, not {source!r}")
    return source != "memory"


def compute_report(session: Session, project: Project,
                   options: ReportOptions | None = None) -> ProjectReport:
    """Compute every figure of ``project``'s quality report (read-only)."""
    opts = options or ReportOptions()
    if uses_aggregates(opts):
        from annotate.services.quality.aggregate import compute_aggregate_report
        return compute_aggregate_report(session, project, opts)
    from annotate.services.quality.memory import compute_memory_report
    return compute_memory_report(session, project, opts)
