"""The in-memory path of the quality report: every counted annotation as numpy columns.

:func:`annotate.services.quality.loading.load_project_data` streams the annotations into long-format
arrays; each scope becomes :class:`annotate.metrics.Ratings` and every point estimate comes from
:mod:`annotate.metrics`. Memory grows with the annotations; the aggregate path
(:mod:`annotate.services.quality.aggregate`) gives the same figures from GROUP BY results.
Kept as the
reference the aggregate path is tested against, and for ``ReportOptions(source="memory")``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from annotate.database import Session, utcnow
from annotate.metrics import (
    PairwiseResult,
    Ratings,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from annotate.models import Project
from annotate.services.quality.intervals import WeightBank, bootstrap_agreement
from annotate.services.quality.loading import (
    ProjectData,
    agreement_applies,
    count_candidate_items,
    distinct,
    load_project_data,
    repack,
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


def ratings_for(data: ProjectData, mask: np.ndarray | None, level: str = "nominal") -> Ratings:
    """The annotations selected by ``mask`` as :class:`Ratings` over the project's categories."""
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
    return Ratings(tuple(data.item_ids[item_pos].tolist()),
                   tuple(data.users.get(a, str(a)) for a in ann_u.tolist()),
                   tuple(data.categories), item_idx.astype(np.int64), ann_idx.astype(np.int64),
                   vals.astype(np.int64), numeric)


def _versions_label(data: ProjectData, mask: np.ndarray | None) -> str:
    ids = distinct(data.version if mask is None else data.version[mask])
    return ";".join(sorted(data.versions.get(int(i), "") for i in ids if int(i) in data.versions))


class MemoryBuilder(_Builder):
    """The builder over :class:`ProjectData` (one row per annotation)."""

    def make_bank(self) -> WeightBank | None:
        return (WeightBank(self.data.item_ids, self.opts.bootstrap, self.opts.seed)
                if self.opts.bootstrap >= 2 and self.data.n else None)

    def scope_size(self, mask: np.ndarray | None) -> int:
        return int(self.data.n if mask is None else mask.sum())

    def versions(self, mask: np.ndarray | None) -> str:
        return _versions_label(self.data, mask)

    def ratings(self, mask: np.ndarray | None) -> Any:
        return ratings_for(self.data, mask, self.report.level)

    def coefficients(self, r: Any) -> tuple[dict[str, Any], PairwiseResult]:
        level = self.report.level
        return ({"krippendorff_alpha": krippendorff_alpha(r, level=level),
                 "fleiss_kappa": fleiss_kappa(r), "gwet_ac1": gwet_ac1(r),
                 "percent_agreement": percent_agreement(r)}, cohen_matrix(r))


def compute_memory_report(session: Session, project: Project, opts: ReportOptions
                          ) -> ProjectReport:
    """Compute every figure of ``project``'s quality report from loaded annotations."""
    from annotate.services.quality.parts import (
        add_annotator_figures,
        add_clause_figures,
        add_extras,
    )

    data, bank = _load_with_bank(session, project, opts)
    report = ProjectReport(project, utcnow(), opts, data,
                           effective_level(project, data.categories))
    report.not_applicable = agreement_applies(project)
    b = MemoryBuilder(report, bank)
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
                 data.annotator[sel], version, GOLD_WHAT)
    ok = data.review_ok if review_mask is None else data.review_ok[review_mask]
    ra = data.review_annotator if review_mask is None else data.review_annotator[review_mask]
    if data.review_ok.size:
        b.proportion(scope, scope_id, "review_accuracy", ok, np.arange(ok.size), ra, version,
                     REVIEW_WHAT)


def _items_per_hour(b: _Builder, scope: str, scope_id: str, mask: np.ndarray,
                    version: str) -> None:
    data = b.data
    dur = data.duration_ms[mask]
    timed = ~np.isnan(dur) & (dur > 0)
    sel = mask.copy()
    sel[mask] = timed
    add_rate(b, scope, scope_id, float(dur[timed].sum()), (
        data.distinct_items(sel), int(timed.sum()), int(distinct(data.annotator[sel]).size)),
        version)


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
        if b.report.not_applicable:
            continue
        res = krippendorff_alpha(binary)
        boot = bootstrap_agreement(binary, "nominal", n_resamples=b.opts.bootstrap,
                                   seed=b.opts.seed, confidence=b.opts.confidence, pairs=False,
                                   bank=b.bank)
        add_label_alpha(b, key, res, boot, version)
        if data.gold:
            of_label = np.zeros(data.n, bool)
            of_label[gold_idx] = (present[np.clip(gold_codes, 0, None)].astype(bool)
                                  & (gold_codes >= 0))
            b.proportion("label", str(key), "gold_accuracy", gold_hit[of_label],
                         data.item[of_label], data.annotator[of_label], version, LABEL_GOLD)
