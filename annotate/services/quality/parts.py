"""The per-annotator, per-clause and over-time parts of a project report.

Split from :mod:`annotate.services.quality.report` to keep modules small; every function here adds
:class:`~annotate.services.quality.report.Figure` rows or dashboard extras to a report being built.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from annotate.metrics import krippendorff_alpha, proportion

if TYPE_CHECKING:
    from annotate.services.quality.report import ProjectReport, _Builder


@dataclass(frozen=True)
class TrendPoint:
    """One week: agreement of the items first annotated that week, and gold accuracy."""

    week: str
    alpha: float | None
    n_items: int
    gold_accuracy: float | None
    gold_low: float | None
    gold_high: float | None
    n_gold: int
    n_annotations: int


@dataclass(frozen=True)
class ClauseRow:
    """How often one clause is cited in disagreements and in reviewer corrections."""

    key: str
    citations: int
    disagreement_citations: int
    disagreement_rate: float | None
    correction_citations: int
    on_overlap: int = 0  # citations on items annotated at least twice


def _item_counts(data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per annotation: the item's total annotations, the count of its own value, and whether
    the item's annotations disagree."""
    if not data.n:
        z = np.zeros(0, np.int64)
        return z, z, z.astype(bool)
    cached = getattr(data, "_item_counts", None)
    if cached is not None and cached[0] is data.item_code:
        return cached[1]
    inv = data.item_code
    k = max(len(data.categories), 1)
    n_items = int(data.item_ids.size)
    cell = inv * k + data.value
    flat = np.bincount(cell, minlength=n_items * k)
    m = np.bincount(inv, minlength=n_items)
    same = flat[cell]
    out = m[inv], same, same < m[inv]
    data._item_counts = (data.item_code, out)
    return out


def add_annotator_figures(b: _Builder, gold_hit: np.ndarray, gold_mask: np.ndarray) -> None:
    """Gold and review accuracy, agreement with peers and speed of every annotator."""
    from annotate.services.quality.memory import _items_per_hour, _versions_label, distinct

    data = b.data
    m, same, _ = _item_counts(data)
    for ann_id in distinct(data.annotator).tolist():
        name = data.users.get(ann_id, str(ann_id))
        mask = data.annotator == ann_id
        version = _versions_label(data, mask)
        sel = mask & gold_mask
        b.proportion("annotator", name, "gold_accuracy", gold_hit[sel], data.item[sel],
                     data.annotator[sel], version, GOLD_OF_ANNOTATOR)
        if data.review_ok.size:
            rmask = data.review_annotator == ann_id
            b.proportion("annotator", name, "review_accuracy", data.review_ok[rmask],
                         np.arange(int(rmask.sum())), data.review_annotator[rmask], version,
                         REVIEW_OF_ANNOTATOR)
        overlap = mask & (m >= 2)
        add_peer_figures(b, name, version, int((same[overlap] - 1).sum()),
                         int((m[overlap] - 1).sum()), int(overlap.sum()), int(m[overlap].sum()))
        _items_per_hour(b, "annotator", name, mask, version)


GOLD_OF_ANNOTATOR = ("share of this annotator's annotations on gold items that equal the gold "
                     "answer")
REVIEW_OF_ANNOTATOR = "share of this annotator's reviewed annotations judged correct"


def add_peer_figures(b: _Builder, name: str, version: str, agree: int, total: int,
                     n_overlap: int, m_overlap: int) -> None:
    """An annotator's agreement with peers (``agree`` of ``total`` peer annotations on the
    ``n_overlap`` of their annotations whose items hold ``m_overlap`` annotations) and mean κ
    over their pairs in the project's Cohen matrix."""
    pw = b.report.pairwise
    kappa, n_pairs = None, 0
    if pw is not None and name in pw.annotators:
        i = pw.annotators.index(name)
        vals = [v for j, v in enumerate(pw.values[i]) if j != i and v is not None]
        n_pairs = len(vals)
        kappa = float(np.mean(vals)) if vals else None
    p = proportion(agree, total, confidence=b.opts.confidence)
    n_ov = (n_overlap, m_overlap, n_pairs + 1)
    b.add("annotator", name, "percent_agreement", p.value,
          (p.ci_low, p.ci_high) if p.value is not None else None, n_ov, version,
          "nominal", "share of peers' annotations on the same items that equal this "
          "annotator's; Wilson score interval (pairs treated as independent)"
          if p.value is not None else "undefined: no item shared with another annotator")
    b.add("annotator", name, "cohen_kappa", kappa, None, n_ov, version, "nominal",
          f"mean Cohen's kappa over this annotator's {n_pairs} pairs (intervals per pair "
          "in the annotator_pair rows)" if kappa is not None
          else "undefined: no annotator pair with a defined kappa")


def clause_rows(data: Any) -> list[ClauseRow]:
    """Clauses ranked by disagreement citations plus reviewer corrections."""
    m, _, disagree = _item_counts(data)
    stats: dict[str, list[int]] = {}
    for row, key in data.citations:
        s = stats.setdefault(key, [0, 0, 0, 0])
        s[0] += 1
        if m[row] >= 2:
            s[1] += 1
            s[2] += int(disagree[row])
    for ok, key in zip(data.review_ok.tolist(), data.review_clause, strict=True):
        if key:
            s = stats.setdefault(key, [0, 0, 0, 0])
            s[3] += int(not ok)
    return rank_clauses(stats)


def rank_clauses(stats: dict[str, list[int]]) -> list[ClauseRow]:
    """Rows from ``key → [citations, on shared items, in disagreements, in corrections]``,
    ranked by disagreement citations plus reviewer corrections."""
    rows = [ClauseRow(key, s[0], s[2], s[2] / s[1] if s[1] else None, s[3], s[1])
            for key, s in stats.items()]
    rows.sort(key=lambda r: (-(r.disagreement_citations + r.correction_citations), r.key))
    return rows


def add_clause_figures(b: _Builder) -> None:
    """Clause scope: citations in disagreements (count and rate) and in corrections."""
    from annotate.services.quality.memory import _versions_label

    add_clause_rows(b, clause_rows(b.data), _versions_label(b.data, None))


def add_clause_rows(b: _Builder, rows: list[ClauseRow], version: str) -> None:
    """Add the three clause figures of every row."""
    pct = round(b.opts.confidence * 100)
    for row in rows:
        n = (0, row.citations, 0)
        b.add("clause", row.key, "disagreement_citations", float(row.disagreement_citations),
              None, n, version, "", "annotations citing the clause on items where annotators "
              "disagree (a count)")
        on_overlap = row.on_overlap
        p = proportion(row.disagreement_citations, on_overlap, confidence=b.opts.confidence)
        b.add("clause", row.key, "disagreement_rate", p.value,
              (p.ci_low, p.ci_high) if p.value is not None else None, (0, on_overlap, 0),
              version, "", f"share of citations on shared items where annotators disagree; "
              f"{pct}% Wilson score interval" if p.value is not None
              else "undefined: never cited on an item annotated twice")
        b.add("clause", row.key, "correction_citations", float(row.correction_citations), None,
              (0, row.correction_citations, 0), version, "",
              "reviews judging an annotation incorrect that cite the clause (a count)")


def _week_start(epoch: float) -> datetime:
    day = datetime.fromtimestamp(epoch, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def trends(report: ProjectReport, gold_hit: np.ndarray, gold_mask: np.ndarray
           ) -> list[TrendPoint]:
    """Per ISO week: α of the items first annotated that week, and gold accuracy."""
    from annotate.services.quality.memory import ratings_for

    data = report.data
    if not data.n:
        return []
    inv = data.item_code
    first = np.full(int(data.item_ids.size), np.inf)
    np.minimum.at(first, inv, data.epoch)
    row_week = np.floor((first[inv] - 4 * 86400) / (7 * 86400))  # epoch day 0 is a Thursday
    out = []
    for week in np.unique(row_week).tolist():
        mask = row_week == week
        start = _week_start(week * 7 * 86400 + 4 * 86400 + 1)
        alpha = None
        if not report.not_applicable:
            alpha = krippendorff_alpha(ratings_for(data, mask, report.level),
                                       level=report.level).value
        gsel = mask & gold_mask
        p = proportion(int(gold_hit[gsel].sum()), int(gsel.sum()),
                       confidence=report.options.confidence)
        out.append(TrendPoint(start.strftime("%G-W%V"), alpha,
                              data.distinct_items(mask), p.value, p.ci_low,
                              p.ci_high, int(gsel.sum()), int(mask.sum())))
    return out


def confusion(data: Any, gold_mask: np.ndarray) -> tuple[list[str], np.ndarray] | None:
    """Gold answer × given value counts over annotations on gold items (None without gold)."""
    if not gold_mask.any():
        return None
    k = len(data.categories)
    gold_codes = np.asarray([data.gold[i] for i in data.item[gold_mask].tolist()],
                            dtype=np.int64)
    mat = np.bincount(gold_codes * k + data.value[gold_mask], minlength=k * k).reshape(k, k)
    return [data.label_of(c) for c in range(k)], mat


def add_extras(report: ProjectReport, gold_hit: np.ndarray, gold_mask: np.ndarray) -> None:
    """Trends, the gold confusion matrix and the clause ranking, for the dashboard."""
    report.extras["trends"] = trends(report, gold_hit, gold_mask)
    report.extras["confusion"] = confusion(report.data, gold_mask)
    report.extras["clauses"] = clause_rows(report.data)
