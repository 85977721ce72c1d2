"""The report's figures from SQL aggregates: every scope a selection of cell entries.

:func:`annotate.services.quality.sql.load_aggregates` gives *cells* — items grouped by batch,
gold answer, week of first annotation and rating vector, with their numbers of items — and
small per-annotator, review and clause counts. A scope (the project, a batch, a rulebook
version, a week, an annotator…) is a selection of cell entries; its coefficients come from
:mod:`annotate.metrics.patterns` (the :mod:`annotate.metrics` formulas with each cell weighted
by its items), its intervals from the bootstrap of :mod:`annotate.metrics.bootstrap` over the
cells (a multinomial draw over the project's rating patterns, split among their cells: exactly
a resample of items with replacement, and the same draw ``annotate agreement`` makes on the
same ratings). With many annotators and sparse overlap the cells hold value multisets instead
of per-annotator vectors and the annotator figures come from per-annotator and pair GROUP BYs
(:mod:`annotate.services.quality.sparse`). ``tests/services/quality/test_report_paths.py``
compares every figure with an in-memory oracle that loads each annotation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from annotate.metrics import AgreementResult, PairwiseResult, WeightBank
from annotate.metrics import patterns as pm
from annotate.metrics.bootstrap import unit_patterns
from annotate.services.quality.aggregate_extras import confusion, task_inputs, trends
from annotate.services.quality.clause_figures import rank_clauses
from annotate.services.quality.figure_builder import (
    GOLD_OF_ANNOTATOR,
    GOLD_WHAT,
    LABEL_GOLD,
    REVIEW_OF_ANNOTATOR,
    REVIEW_WHAT,
    Counts,
    FigureBuilder,
)
from annotate.services.quality.figures import LABEL_TASKS, ProjectReport
from annotate.services.quality.model_figures import add_model_figures
from annotate.services.quality.sparse import NO_COHEN_CI, SparseTables, cohen_from_pairs, scope_rows
from annotate.services.quality.sql import AggregateData
from annotate.services.quality.task_figures import add_task_figures, applies, has_label


class AggregateBuilder(FigureBuilder[AggregateData]):
    """The builder over :class:`AggregateData`; a scope ``mask`` selects cell entries."""

    def __init__(self, report: ProjectReport[AggregateData]) -> None:
        super().__init__(report)
        self.scope: tuple[str, int] | None = None  # the batch or version being computed
        self.scope_annotators = np.zeros(0, np.int64)  # of the last ratings() (anonymous)
        d = self.data
        if d.anonymous:
            self.cohen_ci_note = NO_COHEN_CI
        self.entry_items = d.cell_weight[d.e_cell]  # items behind each entry
        k = max(len(d.categories), 1)
        _, inv, same = np.unique(d.e_cell * k + d.e_val, return_inverse=True, return_counts=True)
        self.same_value = same[inv.reshape(-1)]  # entries of the cell with the same value
        self.cell_entries = np.bincount(d.e_cell, minlength=d.n_cells)[d.e_cell]
        self.entry_gold = d.cell_gold[d.e_cell]  # the gold answer's code, -1 without
        self.on_gold = self.entry_gold >= 0
        self.hit = self.on_gold & (d.e_val == self.entry_gold)
        if self.options.bootstrap >= 2 and d.n and not report.not_applicable:
            # drawn over the project's rating patterns, so the same ratings and seed give the
            # same project intervals as ``annotate agreement``
            self.bank = WeightBank(
                d.cell_weight,
                self.options.bootstrap,
                self.options.seed,
                groups=unit_patterns(self.ratings(None)),
            )

    @property
    def tables(self) -> SparseTables:
        """The annotator and pair tables (anonymous cells only)."""
        if self.data.sparse is None:
            raise ValueError("the cells are per-annotator vectors: no sparse tables")
        return self.data.sparse

    def scope_size(self, mask: np.ndarray | None) -> int:
        return int(self.entry_items.sum() if mask is None else self.entry_items[mask].sum())

    def versions(self, mask: np.ndarray | None) -> str:
        d = self.data
        ids = np.unique(d.e_ver if mask is None else d.e_ver[mask]).tolist()
        return ";".join(sorted(d.versions[i] for i in ids if i in d.versions))

    def ratings(
        self,
        mask: np.ndarray | None,
        values: np.ndarray | None = None,
        categories: tuple[Any, ...] | None = None,
    ) -> pm.Patterns:
        """The scope as :class:`~annotate.metrics.patterns.Patterns` over its cells
        (``values``/``categories`` replace the entries' values, e.g. one-vs-rest)."""
        d = self.data
        sel = slice(None) if mask is None else mask
        units, unit_idx = np.unique(d.e_cell[sel], return_inverse=True)
        unit_idx = unit_idx.reshape(-1)
        vals = (d.e_val if values is None else values)[sel]
        cats = tuple(d.categories) if categories is None else categories
        if d.anonymous:  # columns = a slot per entry of the cell; the scope's annotators
            ann_idx = np.arange(unit_idx.size) - np.searchsorted(unit_idx, unit_idx)
            t = self.tables
            self.scope_annotators = ann_u = np.unique(t.ann[scope_rows(t, self.scope)])
            names = tuple(d.users.get(a, str(a)) for a in ann_u.tolist())
            names += tuple(f"#{i}" for i in range(len(names), int(ann_idx.max(initial=-1)) + 1))
            return pm.Patterns(
                tuple(units.tolist()), names, cats, unit_idx, ann_idx, vals, d.cell_weight[units]
            )
        ann_u, ann_idx = np.unique(d.e_ann[sel], return_inverse=True)
        return pm.Patterns(
            tuple(units.tolist()),
            tuple(d.users.get(a, str(a)) for a in ann_u.tolist()),
            cats,
            unit_idx,
            ann_idx.reshape(-1),
            vals,
            d.cell_weight[units],
        )

    def coefficients(
        self, ratings: pm.Patterns
    ) -> tuple[dict[str, AgreementResult], PairwiseResult]:
        d = self.data
        matrix = (
            cohen_from_pairs(
                self.tables,
                self.scope,
                self.scope_annotators,
                ratings.annotators,
                len(d.categories),
                ratings.ns(),
            )
            if d.anonymous
            else pm.cohen_matrix(ratings)
        )
        return (
            {
                "krippendorff_alpha": pm.krippendorff_alpha(ratings, self.report.level),
                "fleiss_kappa": pm.fleiss_kappa(ratings),
                "gwet_ac1": pm.gwet_ac1(ratings),
                "percent_agreement": pm.percent_agreement(ratings),
            },
            matrix,
        )

    def counts(self, mask: np.ndarray, who: np.ndarray | None = None) -> Counts:
        """(items, annotations, annotators) of the entries in ``mask`` (anonymous cells: the
        annotators of the annotator-table rows ``who``)."""
        d = self.data
        cells = np.unique(d.e_cell[mask])
        ann = d.e_ann[mask] if who is None else self.tables.ann[who]
        return (
            int(d.cell_weight[cells].sum()),
            int(self.entry_items[mask].sum()),
            int(np.unique(ann).size),
        )

    def accuracy(
        self,
        scope: str,
        scope_id: str,
        mask: np.ndarray | None,
        review_mask: np.ndarray | None,
        version: str,
    ) -> None:
        """Gold accuracy of the entries in ``mask`` and review accuracy of ``review_mask``."""
        d = self.data
        sel = self.on_gold if mask is None else self.on_gold & mask
        who = None
        if d.anonymous:
            who = scope_rows(self.tables, self.scope) & (self.tables.gold >= 0)
        self.proportion_n(
            scope,
            scope_id,
            "gold_accuracy",
            int(self.entry_items[sel & self.hit].sum()),
            self.counts(sel, who),
            version,
            GOLD_WHAT,
        )
        if d.review_ok.size:
            self.reviews(scope, scope_id, review_mask, version, REVIEW_WHAT)

    def reviews(
        self, scope: str, scope_id: str, mask: np.ndarray | None, version: str, what: str
    ) -> None:
        d = self.data
        sel = np.ones(d.review_ok.size, bool) if mask is None else mask
        total = int(d.review_count[sel].sum())
        n = (total, total, int(np.unique(d.review_annotator[sel]).size))
        self.proportion_n(
            scope,
            scope_id,
            "review_accuracy",
            int(d.review_count[sel & d.review_ok].sum()),
            n,
            version,
            what,
        )

    def timed_rate(self, scope: str, scope_id: str, annotator: int | None, version: str) -> None:
        """Items per hour of the project (``annotator`` None) or of one annotator."""
        d = self.data
        rows = np.ones(d.timed_ann.size, bool) if annotator is None else d.timed_ann == annotator
        count = int(d.timed_n[rows].sum())
        if d.anonymous and annotator is not None:  # their timed items = their timed rows
            t = self.tables
            items = int(t.n[(t.ann == annotator) & t.timed].sum())
        else:
            timed = d.e_timed if annotator is None else d.e_timed & (d.e_ann == annotator)
            items = int(d.cell_weight[np.unique(d.e_cell[timed])].sum())
        n = (items, count, int(np.count_nonzero(d.timed_n[rows])))
        self.rate(
            scope,
            scope_id,
            float(d.timed_ms[rows].sum()),
            n,
            version,
            float(d.timed_s2[rows].sum()),
        )


def add_figures(report: ProjectReport[AggregateData]) -> None:
    """Compute every figure and dashboard extra of ``report`` from its aggregates."""
    builder = AggregateBuilder(report)
    data = report.data
    slug = report.project.slug
    all_versions = builder.versions(None)
    report.pairwise = builder.agreement("project", slug, None, pairs=True)
    builder.accuracy("project", slug, None, None, all_versions)
    builder.timed_rate("project", slug, None, all_versions)
    for scope, column, names, review_col in (
        ("batch", data.cell_batch[data.e_cell], data.batches, data.review_batch),
        ("rulebook_version", data.e_ver, data.versions, data.review_version),
    ):
        for key in np.unique(column).tolist():
            if key not in names:
                continue
            mask = column == key
            builder.scope = (scope, key)
            builder.agreement(scope, names[key], mask)
            builder.accuracy(scope, names[key], mask, review_col == key, builder.versions(mask))
    builder.scope = None
    if report.project.task_type in LABEL_TASKS:
        _labels(builder, all_versions)
    _annotators(builder)
    if not data.anonymous and data.n:  # sparse cells keep no annotator per value
        add_model_figures(report, builder.ratings(None), all_versions)
    if applies(report.project.task_type):
        add_task_figures(report, data.categories, *task_inputs(builder), data.users, all_versions)
    stats = {key: list(s) for key, s in data.clause_stats.items()}
    for ok, key, n in zip(
        data.review_ok.tolist(), data.review_clause, data.review_count.tolist(), strict=True
    ):
        if key:
            stats.setdefault(key, [0, 0, 0, 0])[3] += n * int(not ok)
    disagreed = builder.same_value < builder.cell_entries
    n_reviews = int(data.review_count.sum())
    clauses = rank_clauses(stats, int(builder.entry_items[disagreed].sum()), n_reviews)
    builder.clause_figures(clauses, all_versions)
    report.extras["trends"] = trends(builder)
    report.extras["confusion"] = confusion(builder)
    report.extras["clauses"] = clauses


def _labels(builder: AggregateBuilder, version: str) -> None:
    """One-vs-rest Krippendorff's α and gold recall per label of the schema."""
    data = builder.data
    keys = [lab.get("key") for lab in builder.report.project.labels] or [
        c for c in data.categories if not isinstance(c, tuple)
    ]
    for key in keys:
        present = np.asarray(
            [has_label(c, key) for c in data.categories] or [False],
            dtype=np.int64,
        )
        if builder.report.not_applicable:
            continue
        binary = builder.ratings(None, present[data.e_val], (0, 1))
        boot = builder.bootstrap(binary, "nominal", pairs=False)
        builder.label_alpha(key, pm.krippendorff_alpha(binary), boot, version)
        if data.has_gold:
            of_label = builder.on_gold & present[np.clip(builder.entry_gold, 0, None)].astype(bool)
            who = None
            if data.anonymous:
                t = builder.tables
                who = (t.gold >= 0) & present[np.clip(t.gold, 0, None)].astype(bool)
            builder.proportion_n(
                "label",
                str(key),
                "gold_accuracy",
                int(builder.entry_items[of_label & builder.hit].sum()),
                builder.counts(of_label, who),
                version,
                LABEL_GOLD,
            )


def _annotators(builder: AggregateBuilder) -> None:
    """Gold and review accuracy, agreement with peers and speed of every annotator."""
    data = builder.data
    if data.anonymous:
        _annotators_sparse(builder)
        return
    for ann_id in np.unique(data.e_ann).tolist():
        name = data.users.get(ann_id, str(ann_id))
        mask = data.e_ann == ann_id
        version = builder.versions(mask)
        sel = mask & builder.on_gold
        builder.proportion_n(
            "annotator",
            name,
            "gold_accuracy",
            int(builder.entry_items[sel & builder.hit].sum()),
            builder.counts(sel),
            version,
            GOLD_OF_ANNOTATOR,
        )
        if data.review_ok.size:
            builder.reviews(
                "annotator", name, data.review_annotator == ann_id, version, REVIEW_OF_ANNOTATOR
            )
        shared = mask & (builder.cell_entries >= 2)
        items = builder.entry_items[shared]
        entries = builder.cell_entries[shared]
        builder.peer_figures(
            name,
            version,
            int((items * (builder.same_value[shared] - 1)).sum()),
            int((items * (entries - 1)).sum()),
            int(items.sum()),
            int((items * entries).sum()),
        )
        builder.timed_rate("annotator", name, ann_id, version)


def _annotators_sparse(builder: AggregateBuilder) -> None:
    """:func:`_annotators` from the annotator and peer tables (anonymous cells)."""
    data = builder.data
    t = builder.tables
    for ann_id in np.unique(t.ann).tolist():
        name = data.users.get(ann_id, str(ann_id))
        rows = t.ann == ann_id
        version = ";".join(
            sorted(data.versions[v] for v in np.unique(t.ver[rows]).tolist() if v in data.versions)
        )
        sel = rows & (t.gold >= 0)
        n_gold = int(t.n[sel].sum())
        builder.proportion_n(
            "annotator",
            name,
            "gold_accuracy",
            int(t.n[sel & (t.val == t.gold)].sum()),
            (n_gold, n_gold, int(n_gold > 0)),
            version,
            GOLD_OF_ANNOTATOR,
        )
        if data.review_ok.size:
            builder.reviews(
                "annotator", name, data.review_annotator == ann_id, version, REVIEW_OF_ANNOTATOR
            )
        agree, total, n_overlap, m_overlap = t.peer.get(ann_id, [0, 0, 0, 0])
        builder.peer_figures(name, version, agree, total, n_overlap, m_overlap)
        builder.timed_rate("annotator", name, ann_id, version)
