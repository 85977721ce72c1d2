"""A project's quality report: agreement and accuracy per scope, with intervals.

Query the database once (:mod:`annotate.services.report_data`), turn scopes into long-format
:class:`annotate.metrics.Ratings`, compute every point estimate with :mod:`annotate.metrics`
and every coefficient interval with the fast seeded bootstrap of
:mod:`annotate.services.report_ci`. The result is a frozen list of :class:`Figure` rows — the
rows of the quality-metrics CSV — plus the pieces the dashboard draws.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from annotate.database import utcnow
from annotate.metrics import (
    PairwiseResult,
    Ratings,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    proportion,
)
from annotate.models import Project, TaskType
from annotate.services.report_ci import WeightBank, bootstrap_agreement
from annotate.services.report_data import (
    CountedRatings,
    ProjectData,
    agreement_applies,
    count_candidate_items,
    distinct,
    load_project_data,
    repack,
    sql_table,
)

AGREEMENT_METRICS = ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "gwet_ac1",
                     "percent_agreement")
LABEL_TASKS = {TaskType.single_label, TaskType.multi_label, TaskType.pairwise}


@dataclass(frozen=True)
class ReportOptions:
    """How intervals are computed: bootstrap resamples (0 = none), seed and confidence."""

    bootstrap: int = 200
    seed: int = 0
    confidence: float = 0.95


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
    data: ProjectData
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


def effective_level(project: Project, data: ProjectData) -> str:
    """The project's measurement level, or nominal when its values are not numbers."""
    level = project.measurement_level.value
    if level != "nominal" and not all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in data.categories):
        return "nominal"
    return level


def ratings_for(data: ProjectData, mask: np.ndarray | None, level: str = "nominal") -> Ratings:
    """The annotations selected by ``mask`` as :class:`Ratings` over the project's categories.

    With counts aggregated by the database (PostgreSQL) the result's :meth:`Ratings.counts` —
    from which every nominal coefficient is computed — is that table.
    """
    codes = data.item_code if mask is None else data.item_code[mask]
    anns = data.annotator if mask is None else data.annotator[mask]
    vals = data.value if mask is None else data.value[mask]
    if mask is None:
        item_pos, item_idx = np.arange(data.item_ids.size), codes
    else:
        item_pos, item_idx = repack(codes, data.item_ids.size)
    ann_u = distinct(anns)
    ann_idx = np.searchsorted(ann_u, anns)
    numeric = None
    if level != "nominal":
        numeric = np.asarray(data.categories, dtype=float)[vals]
    args = (tuple(data.item_ids[item_pos].tolist()),
            tuple(data.users.get(a, str(a)) for a in ann_u.tolist()), tuple(data.categories),
            item_idx.astype(np.int64), ann_idx.astype(np.int64), vals.astype(np.int64), numeric)
    if data.sql_counts is None:
        return Ratings(*args)
    table = sql_table(data, mask, item_pos)
    if int(table.sum()) != vals.size:  # not a scope of items × versions: count the rows
        return Ratings(*args)
    return CountedRatings(*args, table=table)


def _versions_label(data: ProjectData, mask: np.ndarray | None) -> str:
    ids = distinct(data.version if mask is None else data.version[mask])
    return ";".join(sorted(data.versions.get(int(i), "") for i in ids if int(i) in data.versions))


class _Builder:
    def __init__(self, report: ProjectReport, bank: WeightBank | None = None) -> None:
        self.report = report
        self.data = report.data
        self.opts = report.options
        self.slug = report.project.slug
        self._whole: tuple[Any, ...] | None = None
        self.bank = bank or (WeightBank(self.data.item_ids, self.opts.bootstrap, self.opts.seed)
                     if self.opts.bootstrap >= 2 and self.data.n else None)

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

    def agreement(self, scope: str, scope_id: str, mask: np.ndarray | None,
                  pairs: bool = False) -> PairwiseResult | None:
        """Add the five agreement figures of the annotations in ``mask``."""
        level = self.report.level
        version = _versions_label(self.data, mask)
        if self.report.not_applicable:
            n = int(self.data.n if mask is None else mask.sum())
            for metric in AGREEMENT_METRICS:
                self.add(scope, scope_id, metric, None, None, (0, n, 0), version,
                         level if metric == "krippendorff_alpha" else "nominal",
                         f"undefined: {self.report.not_applicable}")
            return None
        whole = mask is None or bool(mask.all())
        if whole and self._whole is not None:  # e.g. the only batch: same rows as the project
            r, results, matrix, boot = self._whole
        else:
            r = ratings_for(self.data, mask, level)
            results = {
                "krippendorff_alpha": krippendorff_alpha(r, level=level),
                "fleiss_kappa": fleiss_kappa(r),
                "gwet_ac1": gwet_ac1(r),
                "percent_agreement": percent_agreement(r),
            }
            matrix = cohen_matrix(r)
            boot = bootstrap_agreement(r, level, n_resamples=self.opts.bootstrap,
                                       seed=self.opts.seed, confidence=self.opts.confidence,
                                       bank=self.bank)
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
            method = (f"{names[metric]}; {self.ci_text(boot.n_resamples)}" if value is not None
                      else f"undefined: {reason or 'undefined'}")
            self.add(scope, scope_id, metric, value, boot.intervals.get(metric), n, version,
                     level if metric == "krippendorff_alpha" else "nominal", method)
        if pairs:
            for (a, b, value, common), ci in zip(
                    matrix.pairs(), boot.pair_intervals or [None] * len(matrix.pairs()),
                    strict=True):
                method = (f"Cohen's kappa over shared items; {self.ci_text(boot.n_resamples)}"
                          if value is not None else
                          "undefined: " + ("no shared items" if not common
                                           else "only one category was used by both"))
                self.add("annotator_pair", f"{a}|{b}", "cohen_kappa", value, ci,
                         (common, 2 * common, 2), version, "nominal", method)
        return matrix

    def proportion(self, scope: str, scope_id: str, metric: str, hits: np.ndarray,
                   items: np.ndarray, anns: np.ndarray, version: str, what: str) -> None:
        """Add an accuracy figure (Wilson interval) from a boolean hit array."""
        p = proportion(int(hits.sum()), int(hits.size), confidence=self.opts.confidence)
        n = (int(distinct(items).size), int(hits.size), int(distinct(anns).size))
        pct = round(self.opts.confidence * 100)
        missing = ("no gold items were annotated" if metric == "gold_accuracy"
                   else "no reviews yet")
        method = (f"{what}; {pct}% Wilson score interval" if p.value is not None
                  else f"undefined: {missing}")
        self.add(scope, scope_id, metric, p.value, (p.ci_low, p.ci_high) if p.value is not None
                 else None, n, version, "", method)


def compute_report(session: Session, project: Project,
                   options: ReportOptions | None = None) -> ProjectReport:
    """Compute every figure of ``project``'s quality report (read-only)."""
    from annotate.services.report_parts import (
        add_annotator_figures,
        add_clause_figures,
        add_extras,
    )

    opts = options or ReportOptions()
    data, bank = _load_with_bank(session, project, opts)
    report = ProjectReport(project, utcnow(), opts, data,
                           effective_level(project, data))
    report.not_applicable = agreement_applies(project)
    b = _Builder(report, bank)
    gold_hit, gold_mask = gold_arrays(data)
    all_versions = _versions_label(data, None)
    # project
    report.pairwise = b.agreement("project", project.slug, None, pairs=True)
    _accuracy(b, "project", project.slug, None, gold_hit, gold_mask, None, all_versions)
    _items_per_hour(b, "project", project.slug, np.ones(data.n, bool), all_versions)
    # batch and rulebook version
    for scope, column, names, review_col in (
            ("batch", data.batch, data.batches, data.review_batch),
            ("rulebook_version", data.version, data.versions, data.review_version)):
        for key in np.unique(column).tolist():
            if key not in names:
                continue
            mask = column == key
            b.agreement(scope, names[key], mask)
            _accuracy(b, scope, names[key], mask, gold_hit, gold_mask, review_col == key,
                      _versions_label(data, mask))
    if project.task_type in LABEL_TASKS:
        _labels(b, gold_hit, gold_mask)
    add_annotator_figures(b, gold_hit, gold_mask)
    add_clause_figures(b)
    add_extras(report, gold_hit, gold_mask)
    return report


def _load_with_bank(session: Session, project: Project, opts: ReportOptions
                    ) -> tuple[ProjectData, WeightBank | None]:
    """Load the data while a second thread draws the bootstrap weights.

    The weights depend only on the number of items, their seed and count; they are drawn for
    the items that could count (not quarantined, batch not void) and used if that is the
    number of items that have annotations — else ``None`` (the builder draws them).
    """
    if opts.bootstrap < 2:
        return load_project_data(session, project), None
    n = count_candidate_items(session, project)
    with ThreadPoolExecutor(max_workers=1) as pool:
        drawing = pool.submit(WeightBank, np.arange(n), opts.bootstrap, opts.seed)
        data = load_project_data(session, project)
        bank = drawing.result()
    if bank.items.size != data.item_ids.size or not data.n:
        return data, None
    bank.items = data.item_ids
    return data, bank


def gold_arrays(data: ProjectData) -> tuple[np.ndarray, np.ndarray]:
    """Per annotation: was it on a gold item (``mask``) and did it match the gold answer."""
    if not data.gold or not data.n:
        return np.zeros(data.n, bool), np.zeros(data.n, bool)
    keys = np.asarray(sorted(data.gold), dtype=np.int64)
    codes = np.asarray([data.gold[k] for k in keys.tolist()], dtype=np.int64)
    pos = np.clip(np.searchsorted(keys, data.item), 0, keys.size - 1)
    mask = keys[pos] == data.item
    hit = mask & (codes[pos] == data.value)
    return hit, mask


def _accuracy(b: _Builder, scope: str, scope_id: str, mask: np.ndarray | None,
              gold_hit: np.ndarray, gold_mask: np.ndarray, review_mask: np.ndarray | None,
              version: str) -> None:
    data = b.data
    sel = gold_mask if mask is None else gold_mask & mask
    b.proportion(scope, scope_id, "gold_accuracy", gold_hit[sel], data.item[sel],
                 data.annotator[sel], version, "share of annotations on gold items that "
                 "equal the gold answer")
    ok = data.review_ok if review_mask is None else data.review_ok[review_mask]
    ra = data.review_annotator if review_mask is None else data.review_annotator[review_mask]
    if data.review_ok.size:
        b.proportion(scope, scope_id, "review_accuracy", ok, np.arange(ok.size), ra, version,
                     "share of reviewed annotations judged correct")


def _items_per_hour(b: _Builder, scope: str, scope_id: str, mask: np.ndarray,
                    version: str) -> None:
    data = b.data
    dur = data.duration_ms[mask]
    timed = ~np.isnan(dur) & (dur > 0)
    hours = float(dur[timed].sum()) / 3_600_000.0
    sel = mask.copy()
    sel[mask] = timed
    n = (data.distinct_items(sel), int(timed.sum()), int(distinct(data.annotator[sel]).size))
    if hours > 0:
        b.add(scope, scope_id, "items_per_hour", timed.sum() / hours, None, n, version, "",
              "annotations with a recorded duration divided by their summed duration in "
              "hours; no interval (a rate, not an estimate)")
    else:
        b.add(scope, scope_id, "items_per_hour", None, None, n, version, "",
              "undefined: no annotation has a recorded duration")


def _labels(b: _Builder, gold_hit: np.ndarray, gold_mask: np.ndarray) -> None:
    """One-vs-rest Krippendorff's α and gold recall per label of the schema."""
    data = b.data
    keys = [lab.get("key") for lab in b.report.project.labels] or [
        c for c in data.categories if not isinstance(c, tuple)]
    version = _versions_label(data, None)
    gold_idx = np.flatnonzero(gold_mask)
    gold_codes = np.asarray([data.gold.get(int(i), -1) for i in data.item[gold_idx].tolist()],
                            dtype=np.int64)
    r = ratings_for(data, None)
    for key in keys:
        present = np.asarray([(key in c) if isinstance(c, tuple) else c == key
                              for c in data.categories] or [False], dtype=np.int64)
        binary = Ratings(r.items, r.annotators, (0, 1), r.item_idx, r.annot_idx,
                         present[r.value_idx] if r.n_annotations else r.value_idx)
        if isinstance(r, CountedRatings) and r.table is not None:
            hits = r.table @ present[:r.table.shape[1]]
            binary = CountedRatings(*vars(binary).values(),
                                    table=np.column_stack([r.table.sum(axis=1) - hits, hits]))
        if b.report.not_applicable:
            continue
        res = krippendorff_alpha(binary)
        boot = bootstrap_agreement(binary, "nominal", n_resamples=b.opts.bootstrap,
                                   seed=b.opts.seed, confidence=b.opts.confidence, pairs=False,
                                   bank=b.bank)
        method = (f"Krippendorff's alpha (nominal), label present vs absent; "
                  f"{b.ci_text(boot.n_resamples)}" if res.value is not None
                  else f"undefined: {res.reason}")
        b.add("label", str(key), "krippendorff_alpha", res.value,
              boot.intervals.get("krippendorff_alpha"),
              (res.n_items, res.n_annotations, res.n_annotators), version, "nominal", method)
        if data.gold:
            of_label = np.zeros(data.n, bool)
            of_label[gold_idx] = (present[np.clip(gold_codes, 0, None)].astype(bool)
                                  & (gold_codes >= 0))
            b.proportion("label", str(key), "gold_accuracy", gold_hit[of_label],
                         data.item[of_label], data.annotator[of_label], version,
                         "share of annotations on gold items with this answer that equal it "
                         "(recall)")
