"""Task-type figures beyond exact-match agreement: closeness to gold, free text, position bias.

Computed from *canonical cells*: the items grouped by (gold answer, multiset of values) with
their number of items, sorted — so the report's SQL cells and the test oracle's items give the
same cells, the same seeded bootstrap draws and the same intervals. Per annotator, the
annotator's own ``(gold answer, value)`` counts (they annotate an item at most once, so
resampling their items is resampling these rows). Metrics (``project`` and ``annotator``
scopes):

* multi-label: ``gold_set_overlap`` — mean Jaccard |A ∩ G| / |A ∪ G| of the answer and the
  gold label sets (:func:`annotate.metrics.taskwise.jaccard`);
* rating: ``gold_mean_abs_deviation`` — mean |answer − gold| on gold items;
* span: ``gold_span_f1_exact`` / ``gold_span_f1_overlap`` — 2 Σ|A ∩ G| / Σ(|A| + |G|) against
  the gold spans, pooled;
* free text (project only, descriptive): ``text_exact_match`` — per item the share of equal
  pairs after NFKC, case folding and whitespace collapsing; ``text_char_similarity`` — per
  item the mean pairwise 1 − Levenshtein / longer length; each averaged over items with two
  texts;
* pairwise: ``position_bias_a`` — the share of the response shown first (shown as "A": the
  order is randomised per assignment, :mod:`annotate.services.labeling.order`) among the
  answers preferring one, over the answers whose shown order is recorded (Wilson interval;
  counts from :mod:`.position`, put in ``report.extras["position"]``).

Means and ratios get the seeded percentile bootstrap over items (:class:`WeightBank`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from annotate.metrics import WeightBank, proportion
from annotate.metrics.taskwise import char_similarity, jaccard, normalise_text, span_counts
from annotate.models import TaskType
from annotate.services.quality.figures import Figure, ProjectReport
from annotate.services.quality.position import PositionCounts
from annotate.services.quality.span_figures import _spans

GOLD_METRICS = {
    TaskType.multi_label: ("gold_set_overlap",),
    TaskType.rating: ("gold_mean_abs_deviation",),
    TaskType.span: ("gold_span_f1_exact", "gold_span_f1_overlap"),
}
TEXT_METRICS = ("text_exact_match", "text_char_similarity")
POSITION_BIAS = "position_bias_a"
TASK_METRICS = (
    *(m for ms in GOLD_METRICS.values() for m in ms),
    *TEXT_METRICS,
    POSITION_BIAS,
)
WHAT = {
    "gold_set_overlap": "mean Jaccard overlap |A ∩ G| / |A ∪ G| of the answer's and the gold "
    "answer's label sets, over annotations on gold items",
    "gold_mean_abs_deviation": "mean absolute deviation |answer − gold| over annotations on "
    "gold items (lower is better)",
    "gold_span_f1_exact": "span F1 against the gold spans, whole spans equal, pooled over "
    "annotations on gold items",
    "gold_span_f1_overlap": "span F1 against the gold spans, labelled characters, pooled over "
    "annotations on gold items",
    "text_exact_match": "descriptive: per item the share of annotator pairs whose texts are "
    "equal after NFKC, case folding and whitespace collapsing, averaged over items with two "
    "texts",
    "text_char_similarity": "descriptive: per item the mean pairwise character similarity "
    "1 − Levenshtein distance / longer length (normalised texts), averaged over items with "
    "two texts",
}
POSITION_WHAT = (
    "share of the response shown first among the answers preferring one response; the "
    "labeling screen shows the two in a seeded random order per assignment and records it, "
    "so this is the lean to a position apart from the content (0.5: none)"
)


@dataclass(frozen=True)
class Cells:
    """Canonical cells: ``weight`` items each, ``gold`` code (-1 none) and value ``codes``."""

    weight: np.ndarray
    gold: np.ndarray
    codes: list[tuple[int, ...]]


def canonical_cells(
    weight: np.ndarray, gold: np.ndarray, e_cell: np.ndarray, e_val: np.ndarray
) -> Cells:
    """Merge the units (``weight`` items each, their ``gold`` code) whose entries
    (``e_cell`` → ``e_val``) hold the same multiset of values, in sorted order."""
    vals: list[list[int]] = [[] for _ in range(weight.size)]
    for c, v in zip(e_cell.tolist(), e_val.tolist(), strict=True):
        vals[c].append(v)
    merged: dict[tuple[int, tuple[int, ...]], int] = {}
    for w, g, vs in zip(weight.tolist(), gold.tolist(), vals, strict=True):
        if vs:
            key = (int(g), tuple(sorted(vs)))
            merged[key] = merged.get(key, 0) + int(w)
    keys = sorted(merged)
    return Cells(
        np.asarray([merged[k] for k in keys], dtype=np.int64),
        np.asarray([k[0] for k in keys], dtype=np.int64),
        [k[1] for k in keys],
    )


def annotator_counts(
    ann: np.ndarray, gold: np.ndarray, val: np.ndarray, n: np.ndarray
) -> dict[int, Cells]:
    """Per annotator, their ``(gold, value)`` annotation counts as one-entry cells."""
    out: dict[int, dict[tuple[int, int], int]] = {}
    for a, g, v, k in zip(ann.tolist(), gold.tolist(), val.tolist(), n.tolist(), strict=True):
        cell = out.setdefault(int(a), {})
        cell[(int(g), int(v))] = cell.get((int(g), int(v)), 0) + int(k)
    result = {}
    for a, cell in sorted(out.items()):
        keys = sorted(cell)
        result[a] = Cells(
            np.asarray([cell[k] for k in keys], dtype=np.int64),
            np.asarray([k[0] for k in keys], dtype=np.int64),
            [(k[1],) for k in keys],
        )
    return result


class _Scores:
    """Pairwise scores of category codes, each computed once."""

    def __init__(self, categories: list[Any], fn: Callable[[Any, Any], tuple[float, float]]):
        self.categories, self.fn = categories, fn
        self.cache: dict[tuple[int, int], tuple[float, float]] = {}

    def __call__(self, a: int, b: int) -> tuple[float, float]:
        key = (a, b)
        if key not in self.cache:
            self.cache[key] = self.fn(self.categories[a], self.categories[b])
        return self.cache[key]


def _gold_sums(cells: Cells, scores: _Scores) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the summed (numerator, denominator) of its entries against its gold answer."""
    num, den = np.zeros(cells.weight.size), np.zeros(cells.weight.size)
    for i, (g, codes) in enumerate(zip(cells.gold.tolist(), cells.codes, strict=True)):
        if g >= 0:
            for c in codes:
                x, y = scores(c, g)
                num[i] += x
                den[i] += y
    return num, den


def _text_sums(cells: Cells, scores: _Scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell, its item's exact-match share and mean similarity, and 1 if it has a pair."""
    exact, sim, has = (np.zeros(cells.weight.size) for _ in range(3))
    for i, codes in enumerate(cells.codes):
        pairs = [(a, b) for j, a in enumerate(codes) for b in codes[j + 1 :]]
        if pairs:
            got = [scores(a, b) for a, b in pairs]
            exact[i] = sum(e for e, _ in got) / len(pairs)
            sim[i] = sum(s for _, s in got) / len(pairs)
            has[i] = 1.0
    return exact, sim, has


class TaskFigures:
    """Appends the figures of the module docstring to ``report``."""

    def __init__(self, report: ProjectReport[Any], categories: list[Any], version: str):
        self.report, self.categories, self.version = report, categories, version
        self.opts = report.options

    def ratio(
        self,
        scope: str,
        scope_id: str,
        metric: str,
        cells: Cells,
        num: np.ndarray,
        den: np.ndarray,
        n: tuple[int, int, int],
        scale: float = 1.0,
    ) -> None:
        """Append ``scale · Σ w·num / Σ w·den`` with its bootstrap interval over items."""
        w = cells.weight.astype(float)
        total = float(w @ den)
        value = scale * float(w @ num) / total if total > 0 else None
        ci = None
        boot = self.opts.bootstrap >= 2 and int(cells.weight.sum()) >= 2
        if value is not None and boot:
            bank = WeightBank(cells.weight, self.opts.bootstrap, self.opts.seed).weights
            d = bank @ den
            ok = d > 0
            draws = scale * (bank[ok] @ num) / d[ok]
            if draws.size >= 2:
                q = [(1 - self.opts.confidence) / 2, (1 + self.opts.confidence) / 2]
                low, high = np.quantile(draws, q)
                ci = (float(low), float(high))
        if value is None:
            how = "undefined: " + (
                "no annotation on a gold item"
                if metric.startswith("gold")
                else "no item has two texts"
            )
        elif ci is not None:
            how = (
                f"{WHAT[metric]}; {self.opts.confidence:.0%} percentile bootstrap over items "
                f"({self.opts.bootstrap} resamples, seed {self.opts.seed})"
            )
        else:
            how = f"{WHAT[metric]}; no interval: bootstrap off or fewer than two items"
        self.add(scope, scope_id, metric, value, ci, n, how)

    def add(
        self,
        scope: str,
        scope_id: str,
        metric: str,
        value: float | None,
        ci: tuple[float | None, float | None] | None,
        n: tuple[int, int, int],
        how: str,
    ) -> None:
        low, high = ci if ci and value is not None else (None, None)
        level = "interval" if metric == "gold_mean_abs_deviation" else "nominal"
        self.report.figures.append(
            Figure(scope, scope_id, metric, value, low, high, *n, self.version, level, how)
        )

    def gold(self, scope: str, scope_id: str, cells: Cells) -> None:
        """The task type's gold figures of ``cells``."""
        task = self.report.project.task_type
        on = cells.gold >= 0
        m = np.asarray([len(c) for c in cells.codes], dtype=np.int64)
        n_ann = int((cells.weight * m)[on].sum())
        who = self.report.data.n_annotators if scope == "project" else int(n_ann > 0)
        n = (int(cells.weight[on].sum()), n_ann, who)
        for metric in GOLD_METRICS.get(task, ()):
            if metric == "gold_set_overlap":
                scores = _Scores(self.categories, lambda a, g: (jaccard(_set(a), _set(g)), 1.0))
            elif metric == "gold_mean_abs_deviation":
                if not all(_is_number(c) for c in self.categories):
                    continue
                scores = _Scores(self.categories, lambda a, g: (abs(float(a) - float(g)), 1.0))
            else:
                scores = _Scores(self.categories, partial(_f1, mode=metric.rsplit("_", 1)[1]))
            num, den = _gold_sums(cells, scores)
            scale = 2.0 if metric.startswith("gold_span") else 1.0
            self.ratio(scope, scope_id, metric, cells, num, den, n, scale)

    def text(self, cells: Cells) -> None:
        norm = [normalise_text(c) if isinstance(c, str) else str(c) for c in self.categories]

        def pair(a: int, b: int) -> tuple[float, float]:
            x, y = norm[a], norm[b]
            return float(x == y), (1.0 if x == y else char_similarity(x, y))

        codes_norm = _Scores(list(range(len(norm))), pair)
        exact, sim, has = _text_sums(cells, codes_norm)
        m = np.asarray([len(c) for c in cells.codes], dtype=np.int64)
        paired = has > 0
        n = (
            int(cells.weight[paired].sum()),
            int((cells.weight * m)[paired].sum()),
            self.report.data.n_annotators,
        )
        slug = self.report.project.slug
        self.ratio("project", slug, TEXT_METRICS[0], cells, exact, has, n)
        self.ratio("project", slug, TEXT_METRICS[1], cells, sim, has, n)

    def position(
        self, scope: str, scope_id: str, cells: Cells, counts: tuple[int, int, int], who: int
    ) -> None:
        """The position-bias rate of ``counts`` (first, second, unknown order)."""
        first, second, unknown = counts
        p = proportion(first, first + second, confidence=self.opts.confidence)
        left = f"; {unknown} answers with no recorded order (API, imports) left out" * bool(unknown)
        how = (
            f"{POSITION_WHAT}; {self.opts.confidence:.0%} Wilson score interval{left}"
            if p.value is not None
            else "undefined: no answer preferred one response with its order recorded"
        )
        items = int(cells.weight.sum())
        self.add(
            scope,
            scope_id,
            POSITION_BIAS,
            p.value,
            (p.ci_low, p.ci_high),
            (items, first + second, who),
            how,
        )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _set(value: Any) -> frozenset[Any]:
    return frozenset(value) if isinstance(value, tuple) else frozenset([value])


def _f1(a: Any, g: Any, mode: str) -> tuple[float, float]:
    inter, size = span_counts(_spans(a), _spans(g), mode)
    return float(inter), float(size)


def _choice(value: Any) -> str | None:
    """The choice of a pairwise answer (its canonical JSON text or a bare key)."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value).get("choice")
        except (ValueError, AttributeError):
            return None
    return value if isinstance(value, str) else None


def has_label(category: Any, key: Any) -> bool:
    """Whether the category (a label, a label set or a pairwise answer) holds label ``key``."""
    if isinstance(category, tuple):
        return key in category
    return category == key or _choice(category) == key


def applies(task: TaskType) -> bool:
    """Whether the task type gets figures from this module."""
    return task in GOLD_METRICS or task in (TaskType.text, TaskType.pairwise)


def add_task_figures(
    report: ProjectReport[Any],
    categories: list[Any],
    cells: Cells,
    annotators: dict[int, Cells] | None,
    users: dict[int, str],
    version: str,
) -> None:
    """Append the task type's figures: project scope from the canonical ``cells``, annotator
    scope from each annotator's counts (``annotators``)."""
    task = report.project.task_type
    if not cells.weight.size:
        return
    tf = TaskFigures(report, categories, version)
    slug = report.project.slug
    if task == TaskType.text:
        tf.text(cells)
    elif task == TaskType.pairwise:
        positions = report.extras.get("position") or PositionCounts()
        tf.position("project", slug, cells, positions.total(), report.data.n_annotators)
    elif task in GOLD_METRICS and (cells.gold >= 0).any():
        tf.gold("project", slug, cells)
    else:
        return
    for ann_id, own in (annotators or {}).items():
        name = users.get(ann_id, str(ann_id))
        if task == TaskType.pairwise:
            tf.position("annotator", name, own, positions.by_annotator.get(ann_id, (0, 0, 0)), 1)
        elif task in GOLD_METRICS:
            tf.gold("annotator", name, own)
