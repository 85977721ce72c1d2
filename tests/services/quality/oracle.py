"""The oracle of the report's aggregate path: every figure from every loaded annotation.

:func:`~tests.services.quality.oracle_data.load_project_data` reads each counted annotation
into numpy columns; each scope becomes :class:`annotate.metrics.Ratings` and every point
estimate comes straight from :mod:`annotate.metrics`, with the production
:class:`~annotate.services.quality.figure_builder.FigureBuilder` writing the rows
(:mod:`tests.services.quality.oracle_builder`; this module adds the per-label, per-annotator,
clause, trend and confusion figures). Memory
grows with the annotations; production computes the same figures from GROUP BY results
(:mod:`annotate.services.quality.aggregate`), and ``test_report_paths.py`` compares the two
figure by figure. Its bootstrap weights are drawn over the items, grouped by the project's
rating patterns, so the project's intervals equal the aggregate path's exactly.
"""

from __future__ import annotations

import numpy as np

from annotate.database import Session, utcnow
from annotate.metrics import (
    Ratings,
    krippendorff_alpha,
    proportion,
)
from annotate.models import Project, TaskType
from annotate.services.quality.annotator import WeekRow
from annotate.services.quality.check_figures import add_check_figures
from annotate.services.quality.clause_figures import rank_clauses
from annotate.services.quality.figure_builder import (
    GOLD_OF_ANNOTATOR,
    LABEL_GOLD,
    REVIEW_OF_ANNOTATOR,
    week_label,
)
from annotate.services.quality.figures import (
    LABEL_TASKS,
    ClauseRow,
    ProjectReport,
    ReportOptions,
    TrendPoint,
    agreement_applies,
    effective_level,
)
from annotate.services.quality.model_figures import add_model_figures
from annotate.services.quality.position import load_positions
from annotate.services.quality.task_figures import (
    add_task_figures,
    annotator_counts,
    canonical_cells,
    has_label,
)
from annotate.services.quality.task_figures import applies as task_applies
from tests.services.quality.oracle_builder import (
    MemoryBuilder,
    gold_arrays,
    item_counts,
    ratings_for,
    versions_label,
)
from tests.services.quality.oracle_data import ProjectData, distinct, load_project_data


def compute_memory_report(
    session: Session, project: Project, opts: ReportOptions
) -> ProjectReport[ProjectData]:
    """Every figure of ``project``'s quality report from its loaded annotations."""
    data = load_project_data(session, project)
    report = ProjectReport(project, utcnow(), opts, data, effective_level(project, data.categories))
    report.not_applicable = agreement_applies(project)
    builder = MemoryBuilder(report)
    all_versions = versions_label(data, None)
    report.pairwise = builder.agreement("project", project.slug, None, pairs=True)
    builder.accuracy("project", project.slug, None, None, all_versions)
    builder.items_per_hour("project", project.slug, np.ones(data.n, bool), all_versions)
    for scope, column, names, review_col in (
        ("batch", data.batch, data.batches, data.review_batch),
        ("rulebook_version", data.version, data.versions, data.review_version),
    ):
        for key in np.unique(column).tolist():
            if key not in names:
                continue
            mask = column == key
            builder.agreement(scope, names[key], mask)
            builder.accuracy(scope, names[key], mask, review_col == key, versions_label(data, mask))
    if project.task_type in LABEL_TASKS:
        _labels(builder)
    _annotators(builder)
    if data.n:
        add_model_figures(report, ratings_for(data, None), all_versions)
    if task_applies(project.task_type):
        item_gold = np.asarray([data.gold.get(i, -1) for i in data.item_ids.tolist()], np.int64)
        cells = canonical_cells(
            np.ones(item_gold.size, np.int64), item_gold, data.item_code, data.value
        )
        own = annotator_counts(
            data.annotator, item_gold[data.item_code], data.value, np.ones(data.n, np.int64)
        )
        if project.task_type == TaskType.pairwise:  # answers by shown position: SQL counts
            report.extras["position"] = load_positions(session, project, None)
        add_task_figures(report, data.categories, cells, own, data.users, all_versions)
    clauses = clause_rows(builder)
    builder.clause_figures(clauses, all_versions)
    report.extras["trends"] = trends(builder)
    report.extras["confusion"] = confusion(builder)
    report.extras["clauses"] = clauses
    add_check_figures(session, report)  # SQL counts of gold provenance and attention checks
    return report


def _labels(builder: MemoryBuilder) -> None:
    """One-vs-rest Krippendorff's α and gold recall per label of the schema."""
    data = builder.data
    keys = [lab.get("key") for lab in builder.report.project.labels] or [
        c for c in data.categories if not isinstance(c, tuple)
    ]
    version = versions_label(data, None)
    gold_idx = np.flatnonzero(builder.gold_mask)
    gold_codes = np.asarray(
        [data.gold.get(int(i), -1) for i in data.item[gold_idx].tolist()], dtype=np.int64
    )
    r = ratings_for(data, None)
    for key in keys:
        present = np.asarray(
            [has_label(c, key) for c in data.categories] or [False],
            dtype=np.int64,
        )
        binary = Ratings(
            r.items,
            r.annotators,
            (0, 1),
            r.item_idx,
            r.annot_idx,
            present[r.value_idx] if r.n_annotations else r.value_idx,
        )
        if builder.report.not_applicable:
            continue
        boot = builder.bootstrap(binary, "nominal", pairs=False)
        builder.label_alpha(key, krippendorff_alpha(binary), boot, version)
        if data.gold:
            of_label = np.zeros(data.n, bool)
            of_label[gold_idx] = present[np.clip(gold_codes, 0, None)].astype(bool) & (
                gold_codes >= 0
            )
            builder.proportion(
                "label",
                str(key),
                "gold_accuracy",
                builder.gold_hit[of_label],
                data.item[of_label],
                data.annotator[of_label],
                version,
                LABEL_GOLD,
            )


def _annotators(builder: MemoryBuilder) -> None:
    """Gold and review accuracy, agreement with peers and speed of every annotator."""
    data = builder.data
    m, same = builder.item_m, builder.same
    for ann_id in distinct(data.annotator).tolist():
        name = data.users.get(ann_id, str(ann_id))
        mask = data.annotator == ann_id
        version = versions_label(data, mask)
        sel = mask & builder.gold_mask
        builder.proportion(
            "annotator",
            name,
            "gold_accuracy",
            builder.gold_hit[sel],
            data.item[sel],
            data.annotator[sel],
            version,
            GOLD_OF_ANNOTATOR,
        )
        if data.review_ok.size:
            rmask = data.review_annotator == ann_id
            builder.proportion(
                "annotator",
                name,
                "review_accuracy",
                data.review_ok[rmask],
                np.arange(int(rmask.sum())),
                data.review_annotator[rmask],
                version,
                REVIEW_OF_ANNOTATOR,
            )
        overlap = mask & (m >= 2)
        builder.peer_figures(
            name,
            version,
            int((same[overlap] - 1).sum()),
            int((m[overlap] - 1).sum()),
            int(overlap.sum()),
            int(m[overlap].sum()),
        )
        builder.items_per_hour("annotator", name, mask, version)


def clause_rows(builder: MemoryBuilder) -> list[ClauseRow]:
    """Clauses ranked by disagreement citations plus reviewer corrections."""
    data = builder.data
    stats: dict[str, list[int]] = {}
    for row, key in data.citations:
        s = stats.setdefault(key, [0, 0, 0, 0])
        s[0] += 1
        if builder.item_m[row] >= 2:
            s[1] += 1
            s[2] += int(builder.disagree[row])
    for ok, key in zip(data.review_ok.tolist(), data.review_clause, strict=True):
        if key:
            stats.setdefault(key, [0, 0, 0, 0])[3] += int(not ok)
    return rank_clauses(stats, int(builder.disagree.sum()), int(data.review_ok.size))


def trends(builder: MemoryBuilder) -> list[TrendPoint]:
    """Per ISO week: α of the items first annotated that week, and gold accuracy."""
    data, report = builder.data, builder.report
    if not data.n:
        return []
    inv = data.item_code
    first = np.full(int(data.item_ids.size), np.inf)
    np.minimum.at(first, inv, data.epoch)
    row_week = np.floor((first[inv] - 4 * 86400) / (7 * 86400))  # epoch day 0 is a Thursday
    out = []
    for week in np.unique(row_week).tolist():
        mask = row_week == week
        alpha = None
        if not report.not_applicable:
            alpha = krippendorff_alpha(
                ratings_for(data, mask, report.level), level=report.level
            ).value
        gsel = mask & builder.gold_mask
        p = proportion(
            int(builder.gold_hit[gsel].sum()), int(gsel.sum()), confidence=report.options.confidence
        )
        out.append(
            TrendPoint(
                week_label(week),
                alpha,
                data.distinct_items(mask),
                p.value,
                p.ci_low,
                p.ci_high,
                int(gsel.sum()),
                int(mask.sum()),
            )
        )
    return out


def confusion(builder: MemoryBuilder) -> tuple[list[str], np.ndarray] | None:
    """Gold answer × given value counts over annotations on gold items (None without gold)."""
    data, gold_mask = builder.data, builder.gold_mask
    if not gold_mask.any():
        return None
    k = len(data.categories)
    gold_codes = np.asarray([data.gold[i] for i in data.item[gold_mask].tolist()], dtype=np.int64)
    mat = np.bincount(gold_codes * k + data.value[gold_mask], minlength=k * k).reshape(k, k)
    return [data.label_of(c) for c in range(k)], mat


def annotator_weeks(data: ProjectData, user_id: int) -> tuple[list[WeekRow], int]:
    """The annotator page's weeks from the loaded annotations, and their annotations."""
    mask = data.annotator == user_id
    weeks: list[WeekRow] = []
    if mask.any():
        gold_hit, gold_mask = gold_arrays(data)
        m, same, _ = item_counts(data)
        week = np.floor((data.epoch - 4 * 86400) / (7 * 86400))
        for w in np.unique(week[mask]).tolist():
            sel = mask & (week == w)
            g = sel & gold_mask
            gp = proportion(int(gold_hit[g].sum()), int(g.sum()))
            ov = sel & (m >= 2)
            total = int((m[ov] - 1).sum())
            peer = float((same[ov] - 1).sum()) / total if total else None
            weeks.append(
                WeekRow(
                    week_label(w),
                    int(sel.sum()),
                    gp.value,
                    int(g.sum()),
                    peer,
                    total,
                    int(gold_hit[g].sum()),
                )
            )
    return weeks, int(mask.sum())
