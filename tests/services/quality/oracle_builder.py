"""The oracle's builder: loaded annotations as :class:`annotate.metrics.Ratings` per scope and
the production :class:`~annotate.services.quality.figure_builder.FigureBuilder` over them
(:mod:`tests.services.quality.oracle` assembles the report from it).
"""

from __future__ import annotations

import numpy as np

from annotate.metrics import (
    AgreementResult,
    PairwiseResult,
    Ratings,
    WeightBank,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
)
from annotate.metrics.bootstrap import unit_patterns
from annotate.services.quality.figure_builder import (
    GOLD_WHAT,
    REVIEW_WHAT,
    FigureBuilder,
    Mask,
)
from annotate.services.quality.figures import (
    ProjectReport,
)
from tests.services.quality.oracle_data import ProjectData, distinct, repack


def ratings_for(data: ProjectData, mask: Mask, level: str = "nominal") -> Ratings:
    """The annotations selected by ``mask`` as :class:`Ratings` over the project's categories."""
    codes = data.item_code if mask is None else data.item_code[mask]
    anns = data.annotator if mask is None else data.annotator[mask]
    vals = data.value if mask is None else data.value[mask]
    if mask is None:
        item_pos, item_idx = np.arange(data.item_ids.size), codes
    else:
        item_pos, item_idx = repack(codes, data.item_ids.size)
    ann_u = distinct(anns)
    numeric = np.asarray(data.categories, dtype=float)[vals] if level != "nominal" else None
    return Ratings(
        tuple(data.item_ids[item_pos].tolist()),
        tuple(data.users.get(a, str(a)) for a in ann_u.tolist()),
        tuple(data.categories),
        item_idx.astype(np.int64),
        np.searchsorted(ann_u, anns).astype(np.int64),
        vals.astype(np.int64),
        numeric,
    )


def versions_label(data: ProjectData, mask: Mask) -> str:
    ids = distinct(data.version if mask is None else data.version[mask])
    return ";".join(sorted(data.versions.get(int(i), "") for i in ids if int(i) in data.versions))


class MemoryBuilder(FigureBuilder[ProjectData]):
    """The builder over :class:`ProjectData` (one row per annotation)."""

    def __init__(self, report: ProjectReport[ProjectData]) -> None:
        super().__init__(report)
        data, opts = self.data, self.options
        if opts.bootstrap >= 2 and data.n and not report.not_applicable:
            self.bank = WeightBank(
                np.ones(data.item_ids.size, np.int64),
                opts.bootstrap,
                opts.seed,
                groups=unit_patterns(ratings_for(data, None)),
                ids=data.item_ids,
            )
        self.gold_hit, self.gold_mask = gold_arrays(data)
        self.item_m, self.same, self.disagree = item_counts(data)

    def scope_size(self, mask: Mask) -> int:
        return int(self.data.n if mask is None else mask.sum())

    def versions(self, mask: Mask) -> str:
        return versions_label(self.data, mask)

    def ratings(self, mask: Mask) -> Ratings:
        return ratings_for(self.data, mask, self.report.level)

    def coefficients(self, ratings: Ratings) -> tuple[dict[str, AgreementResult], PairwiseResult]:
        level = self.report.level
        return (
            {
                "krippendorff_alpha": krippendorff_alpha(ratings, level=level),
                "fleiss_kappa": fleiss_kappa(ratings),
                "gwet_ac1": gwet_ac1(ratings),
                "percent_agreement": percent_agreement(ratings),
            },
            cohen_matrix(ratings),
        )

    def proportion(
        self,
        scope: str,
        scope_id: str,
        metric: str,
        hits: np.ndarray,
        items: np.ndarray,
        anns: np.ndarray,
        version: str,
        what: str,
    ) -> None:
        """Add an accuracy figure (Wilson interval) from a boolean hit array."""
        self.proportion_n(
            scope,
            scope_id,
            metric,
            int(hits.sum()),
            (int(distinct(items).size), int(hits.size), int(distinct(anns).size)),
            version,
            what,
        )

    def accuracy(
        self, scope: str, scope_id: str, mask: Mask, review_mask: Mask, version: str
    ) -> None:
        data = self.data
        sel = self.gold_mask if mask is None else self.gold_mask & mask
        self.proportion(
            scope,
            scope_id,
            "gold_accuracy",
            self.gold_hit[sel],
            data.item[sel],
            data.annotator[sel],
            version,
            GOLD_WHAT,
        )
        ok = data.review_ok if review_mask is None else data.review_ok[review_mask]
        ra = data.review_annotator if review_mask is None else data.review_annotator[review_mask]
        if data.review_ok.size:
            self.proportion(
                scope, scope_id, "review_accuracy", ok, np.arange(ok.size), ra, version, REVIEW_WHAT
            )

    def items_per_hour(self, scope: str, scope_id: str, mask: np.ndarray, version: str) -> None:
        data = self.data
        dur = data.duration_ms[mask]
        timed = ~np.isnan(dur) & (dur > 0)
        sel = mask.copy()
        sel[mask] = timed
        self.rate(
            scope,
            scope_id,
            float(dur[timed].sum()),
            (data.distinct_items(sel), int(timed.sum()), int(distinct(data.annotator[sel]).size)),
            version,
            float(((dur[timed] / 1000.0) ** 2).sum()),
        )


def gold_arrays(data: ProjectData) -> tuple[np.ndarray, np.ndarray]:
    """Per annotation: did it match the gold answer, and was it on a gold item."""
    if not data.gold or not data.n:
        return np.zeros(data.n, bool), np.zeros(data.n, bool)
    keys = np.asarray(sorted(data.gold), dtype=np.int64)
    codes = np.asarray([data.gold[k] for k in keys.tolist()], dtype=np.int64)
    pos = np.clip(np.searchsorted(keys, data.item), 0, keys.size - 1)
    mask = keys[pos] == data.item
    return mask & (codes[pos] == data.value), mask


def item_counts(data: ProjectData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per annotation: the item's annotations, those with its own value, and whether the
    item's annotations disagree."""
    if not data.n:
        z = np.zeros(0, np.int64)
        return z, z, z.astype(bool)
    inv = data.item_code
    k = max(len(data.categories), 1)
    cell = inv * k + data.value
    m = np.bincount(inv, minlength=int(data.item_ids.size))[inv]
    same = np.bincount(cell, minlength=int(data.item_ids.size) * k)[cell]
    return m, same, same < m
