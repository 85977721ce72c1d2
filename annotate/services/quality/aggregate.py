"""The aggregate path of the quality report: every figure from GROUP BY results.

:func:`annotate.services.quality.sql.load_aggregates` gives *cells* — items grouped by batch,
gold answer, week of first annotation and rating vector, with their numbers of items — and
small per-annotator, review and clause counts. A scope (the project, a batch, a rulebook
version, a week, an annotator…) is a selection of cell entries; its coefficients come from
:mod:`annotate.metrics.patterns` (the :mod:`annotate.metrics` formulas with each cell weighted
by its items), its intervals from a multinomial bootstrap over the cells (exactly a resample
of items with replacement). With many annotators and sparse overlap the cells hold value
multisets instead of per-annotator vectors and the annotator figures come from per-annotator
and pair GROUP BYs (:mod:`annotate.services.quality.sparse`). Figures equal the in-memory path's
(:mod:`annotate.services.quality.memory`); ``tests/test_report_paths.py`` compares them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotate.database import Session, utcnow
from annotate.metrics import PairwiseResult, proportion
from annotate.metrics import patterns as pm
from annotate.models import Project
from annotate.services.quality.intervals import WeightBank, bootstrap_agreement
from annotate.services.quality.loading import agreement_applies
from annotate.services.quality.parts import (
    GOLD_OF_ANNOTATOR,
    REVIEW_OF_ANNOTATOR,
    TrendPoint,
    _week_start,
    add_clause_rows,
    add_peer_figures,
    rank_clauses,
)
from annotate.services.quality.report import (
    GOLD_WHAT,
    LABEL_GOLD,
    LABEL_TASKS,
    REVIEW_WHAT,
    ProjectReport,
    ReportOptions,
    _Builder,
    add_label_alpha,
    add_rate,
    effective_level,
)
from annotate.services.quality.sparse import NO_COHEN_CI, cohen_from_pairs, scope_rows
from annotate.services.quality.sql import AggregateData, load_aggregates


class AggregateBuilder(_Builder):
    """The builder over :class:`AggregateData`; a scope ``mask`` selects cell entries."""

    data: AggregateData

    def __init__(self, report: ProjectReport) -> None:
        self.scope: tuple[str, int] | None = None  # the batch or version being computed
        self._ids = np.zeros(0, np.int64)  # annotators of the last ratings() (anonymous)
        super().__init__(report)
        d = self.data
        if d.anonymous:
            self.cohen_ci_note = NO_COHEN_CI
        self.w = d.cell_weight[d.e_cell]  # items behind each entry
        k = max(len(d.categories), 1)
        _, inv, same = np.unique(d.e_cell * k + d.e_val, return_inverse=True,
                                 return_counts=True)
        self.same = same[inv.reshape(-1)]  # entries of the cell with the same value
        self.m = np.bincount(d.e_cell, minlength=d.n_cells)[d.e_cell]  # entries of the cell
        self.gold = d.cell_gold[d.e_cell]
        self.on_gold = self.gold >= 0
        self.hit = self.on_gold & (d.e_val == self.gold)

    def make_bank(self) -> WeightBank | None:
        d = self.data
        if self.opts.bootstrap < 2 or not d.n:
            return None
        return WeightBank.over_patterns(d.cell_weight, self.opts.bootstrap, self.opts.seed)

    def scope_size(self, mask: np.ndarray | None) -> int:
        return int(self.w.sum() if mask is None else self.w[mask].sum())

    def versions(self, mask: np.ndarray | None) -> str:
        d = self.data
        ids = np.unique(d.e_ver if mask is None else d.e_ver[mask]).tolist()
        return ";".join(sorted(d.versions[i] for i in ids if i in d.versions))

    def ratings(self, mask: np.ndarray | None, values: np.ndarray | None = None,
                categories: tuple[Any, ...] | None = None) -> pm.Patterns:
        """The scope as :class:`~annotate.metrics.patterns.Patterns` over its cells
        (``values``/``categories`` replace the entries' values, e.g. one-vs-rest)."""
        d = self.data
        sel = slice(None) if mask is None else mask
        units, unit_idx = np.unique(d.e_cell[sel], return_inverse=True)
        vals = d.e_val if values is None else values
        if d.anonymous:  # columns = a slot per entry of the cell; the scope's annotators
            unit_idx = unit_idx.reshape(-1)
            ann_idx = np.arange(unit_idx.size) - np.searchsorted(unit_idx, unit_idx)
            t = d.sparse
            self._ids = ann_u = np.unique(t.ann[scope_rows(t, self.scope)])
            names = tuple(d.users.get(a, str(a)) for a in ann_u.tolist())
            names += tuple(f"#{i}" for i in range(len(names), int(ann_idx.max(initial=-1)) + 1))
            return pm.Patterns(tuple(units.tolist()), names,
                               tuple(d.categories) if categories is None else categories,
                               unit_idx, ann_idx, vals[sel], d.cell_weight[units])
        ann_u, ann_idx = np.unique(d.e_ann[sel], return_inverse=True)
        return pm.Patterns(tuple(units.tolist()),
                           tuple(d.users.get(a, str(a)) for a in ann_u.tolist()),
                           tuple(d.categories) if categories is None else categories,
                           unit_idx.reshape(-1), ann_idx.reshape(-1), vals[sel],
                           d.cell_weight[units])

    def coefficients(self, r: pm.Patterns) -> tuple[dict[str, Any], PairwiseResult]:
        d = self.data
        matrix = (cohen_from_pairs(d.sparse, self.scope, self._ids, r.annotators,
                                   len(d.categories), r.ns())
                  if d.anonymous else pm.cohen_matrix(r))
        return ({"krippendorff_alpha": pm.krippendorff_alpha(r, self.report.level),
                 "fleiss_kappa": pm.fleiss_kappa(r), "gwet_ac1": pm.gwet_ac1(r),
                 "percent_agreement": pm.percent_agreement(r)}, matrix)

    def ns(self, mask: np.ndarray, who: np.ndarray | None = None) -> tuple[int, int, int]:
        """(items, annotations, annotators) of the entries in ``mask`` (anonymous cells: the
        annotators of the annotator-table rows ``who``)."""
        d = self.data
        cells = np.unique(d.e_cell[mask])
        ann = d.e_ann[mask] if who is None else d.sparse.ann[who]
        return (int(d.cell_weight[cells].sum()), int(self.w[mask].sum()),
                int(np.unique(ann).size))

    def accuracy(self, scope: str, scope_id: str, mask: np.ndarray | None,
                 review_mask: np.ndarray | None, version: str) -> None:
        """Gold accuracy of the entries in ``mask`` and review accuracy of ``review_mask``."""
        d = self.data
        sel = self.on_gold if mask is None else self.on_gold & mask
        who = None
        if d.anonymous:
            who = scope_rows(d.sparse, self.scope) & (d.sparse.gold >= 0)
        self.proportion_n(scope, scope_id, "gold_accuracy", int(self.w[sel & self.hit].sum()),
                          self.ns(sel, who), version, GOLD_WHAT)
        if d.review_ok.size:
            self.reviews(scope, scope_id, review_mask, version, REVIEW_WHAT)

    def reviews(self, scope: str, scope_id: str, mask: np.ndarray | None, version: str,
                what: str) -> None:
        d = self.data
        sel = np.ones(d.review_ok.size, bool) if mask is None else mask
        total = int(d.review_count[sel].sum())
        n = (total, total, int(np.unique(d.review_annotator[sel]).size))
        self.proportion_n(scope, scope_id, "review_accuracy",
                          int(d.review_count[sel & d.review_ok].sum()), n, version, what)

    def rate(self, scope: str, scope_id: str, annotator: int | None, version: str) -> None:
        """Items per hour of the project (``annotator`` None) or of one annotator."""
        d = self.data
        rows = (np.ones(d.timed_ann.size, bool) if annotator is None
                else d.timed_ann == annotator)
        count = int(d.timed_n[rows].sum())
        if d.anonymous and annotator is not None:  # their timed items = their timed rows
            t = d.sparse
            items = int(t.n[(t.ann == annotator) & t.timed].sum())
        else:
            timed = d.e_timed if annotator is None else d.e_timed & (d.e_ann == annotator)
            items = int(d.cell_weight[np.unique(d.e_cell[timed])].sum())
        n = (items, count,
             int(np.count_nonzero(d.timed_n[rows])))
        add_rate(self, scope, scope_id, float(d.timed_ms[rows].sum()), n, version)


def compute_aggregate_report(session: Session, project: Project, opts: ReportOptions
                             ) -> ProjectReport:
    """Compute every figure of ``project``'s quality report from SQL aggregates."""
    data = load_aggregates(session, project)
    report = ProjectReport(project, utcnow(), opts, data,
                           effective_level(project, data.categories))
    report.not_applicable = agreement_applies(project)
    b = AggregateBuilder(report)
    slug = project.slug
    all_versions = b.versions(None)
    report.pairwise = b.agreement("project", slug, None, pairs=True)
    b.accuracy("project", slug, None, None, all_versions)
    b.rate("project", slug, None, all_versions)
    for scope, column, names, review_col in (
            ("batch", data.cell_batch[data.e_cell], data.batches, data.review_batch),
            ("rulebook_version", data.e_ver, data.versions, data.review_version)):
        for key in np.unique(column).tolist():
            if key not in names:
                continue
            mask = column == key
            b.scope = (scope, key)
            b.agreement(scope, names[key], mask)
            b.accuracy(scope, names[key], mask, review_col == key, b.versions(mask))
    b.scope = None
    if project.task_type in LABEL_TASKS:
        _labels(b, all_versions)
    _annotators(b)
    stats = {key: list(s) for key, s in data.clause_stats.items()}
    for ok, key, n in zip(data.review_ok.tolist(), data.review_clause,
                          data.review_count.tolist(), strict=True):
        if key:
            stats.setdefault(key, [0, 0, 0, 0])[3] += n * int(not ok)
    clauses = rank_clauses(stats)
    add_clause_rows(b, clauses, all_versions)
    report.extras["trends"] = _trends(b)
    report.extras["confusion"] = _confusion(b)
    report.extras["clauses"] = clauses
    return report


def _labels(b: AggregateBuilder, version: str) -> None:
    """One-vs-rest Krippendorff's α and gold recall per label of the schema."""
    data = b.data
    keys = [lab.get("key") for lab in b.report.project.labels] or [
        c for c in data.categories if not isinstance(c, tuple)]
    for key in keys:
        present = np.asarray([(key in c) if isinstance(c, tuple) else c == key
                              for c in data.categories] or [False], dtype=np.int64)
        if b.report.not_applicable:
            continue
        binary = b.ratings(None, present[data.e_val], (0, 1))
        res = pm.krippendorff_alpha(binary)
        boot = bootstrap_agreement(binary, "nominal", n_resamples=b.opts.bootstrap,
                                   seed=b.opts.seed, confidence=b.opts.confidence, pairs=False,
                                   bank=b.bank)
        add_label_alpha(b, key, res, boot, version)
        if data.has_gold:
            of_label = b.on_gold & present[np.clip(b.gold, 0, None)].astype(bool)
            who = None
            if data.anonymous:
                t = data.sparse
                who = (t.gold >= 0) & present[np.clip(t.gold, 0, None)].astype(bool)
            b.proportion_n("label", str(key), "gold_accuracy",
                           int(b.w[of_label & b.hit].sum()), b.ns(of_label, who), version,
                           LABEL_GOLD)


def _annotators(b: AggregateBuilder) -> None:
    """Gold and review accuracy, agreement with peers and speed of every annotator."""
    data = b.data
    if data.anonymous:
        _annotators_sparse(b)
        return
    for ann_id in np.unique(data.e_ann).tolist():
        name = data.users.get(ann_id, str(ann_id))
        mask = data.e_ann == ann_id
        version = b.versions(mask)
        sel = mask & b.on_gold
        b.proportion_n("annotator", name, "gold_accuracy", int(b.w[sel & b.hit].sum()),
                       b.ns(sel), version, GOLD_OF_ANNOTATOR)
        if data.review_ok.size:
            b.reviews("annotator", name, data.review_annotator == ann_id, version,
                      REVIEW_OF_ANNOTATOR)
        ov = mask & (b.m >= 2)
        w = b.w[ov]
        add_peer_figures(b, name, version, int((w * (b.same[ov] - 1)).sum()),
                         int((w * (b.m[ov] - 1)).sum()), int(w.sum()), int((w * b.m[ov]).sum()))
        b.rate("annotator", name, ann_id, version)


def _annotators_sparse(b: AggregateBuilder) -> None:
    """:func:`_annotators` from the annotator and peer tables (anonymous cells)."""
    data = b.data
    t = data.sparse
    for ann_id in np.unique(t.ann).tolist():
        name = data.users.get(ann_id, str(ann_id))
        rows = t.ann == ann_id
        version = ";".join(sorted(data.versions[v] for v in np.unique(t.ver[rows]).tolist()
                                  if v in data.versions))
        sel = rows & (t.gold >= 0)
        n_gold = int(t.n[sel].sum())
        b.proportion_n("annotator", name, "gold_accuracy", int(t.n[sel & (t.val == t.gold)].sum()),
                       (n_gold, n_gold, int(n_gold > 0)), version, GOLD_OF_ANNOTATOR)
        if data.review_ok.size:
            b.reviews("annotator", name, data.review_annotator == ann_id, version,
                      REVIEW_OF_ANNOTATOR)
        add_peer_figures(b, name, version, *t.peer.get(ann_id, [0, 0, 0, 0]))
        b.rate("annotator", name, ann_id, version)


def _trends(b: AggregateBuilder) -> list[TrendPoint]:
    """Per ISO week: α of the items first annotated that week, and gold accuracy."""
    data, report = b.data, b.report
    out = []
    for week in np.unique(data.cell_week).tolist():
        cells = data.cell_week == week
        mask = cells[data.e_cell]
        start = _week_start(week * 7 * 86400 + 4 * 86400 + 1)
        alpha = None
        if not report.not_applicable:
            alpha = pm.krippendorff_alpha(b.ratings(mask), report.level).value
        gsel = mask & b.on_gold
        n_gold = int(b.w[gsel].sum())
        p = proportion(int(b.w[gsel & b.hit].sum()), n_gold,
                       confidence=report.options.confidence)
        out.append(TrendPoint(start.strftime("%G-W%V"), alpha,
                              int(data.cell_weight[cells].sum()), p.value, p.ci_low,
                              p.ci_high, n_gold, int(b.w[mask].sum())))
    return out


def _confusion(b: AggregateBuilder) -> tuple[list[str], np.ndarray] | None:
    """Gold answer × given value counts over annotations on gold items (None without gold)."""
    data = b.data
    if not b.on_gold.any():
        return None
    k = len(data.categories)
    on = b.on_gold
    mat = np.bincount(b.gold[on] * k + data.e_val[on], weights=b.w[on], minlength=k * k)
    return [data.label_of(c) for c in range(k)], mat.astype(np.int64).reshape(k, k)
