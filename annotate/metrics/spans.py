"""Pairwise span agreement (exact match F1 and token/character-overlap F1) and per-label
(one-vs-rest) agreement."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import checks
from .data import as_ratings, is_missing
from .results import AgreementResult, PairwiseResult

Span = tuple[int, int, Any]
_TOKEN = re.compile(r"\S+")


def _units(
    spans: Sequence[Span], mode: str, tokens: list[tuple[int, int]] | None
) -> set[tuple[Any, ...]]:
    out: set[tuple[Any, ...]] = set()
    for span in spans:
        if len(span) != 3:
            raise ValueError(f"spans: each span is (start, end, label), got {span!r}")
        start, end, label = span
        start = checks.count("spans: start", start)
        end = checks.count("spans: end", end)
        checks.labels("spans: label", [label])
        if is_missing(label):
            raise ValueError(f"spans: label is missing in ({start}, {end}, {label!r})")
        if start > end:
            raise ValueError(f"bad span ({start}, {end}, {label!r})")
        if mode == "exact":
            out.add((start, end, label))
        elif tokens is None:
            out.update((c, label) for c in range(start, end))
        else:
            out.update((t, label) for t, (ts, te) in enumerate(tokens) if ts < end and start < te)
    return out


def span_agreement(
    items: Sequence[Any],
    annotators: Sequence[Any],
    spans: Sequence[Sequence[Span] | None],
    *,
    mode: str = "exact",
    texts: Mapping[Any, str] | None = None,
) -> PairwiseResult:
    """Pairwise F1 between annotators' spans, pooled (micro) over the items both annotated.

    ``spans[i]`` is the list of ``(start, end, label)`` character ranges (end exclusive) that
    ``annotators[i]`` marked in ``items[i]`` (an empty list = "nothing to mark"; ``None`` =
    not annotated). ``mode="exact"`` matches whole spans; ``mode="overlap"`` scores overlap
    per token (whitespace tokens of ``texts[item]`` when given, else per character), label-aware.
    F1 = 2|A ∩ B| / (|A| + |B|); ``None`` for a pair when neither marked anything.
    """
    if mode not in ("exact", "overlap"):
        raise ValueError(f"mode must be 'exact' or 'overlap', not {mode!r}")
    if not len(items) == len(annotators) == len(spans):
        raise ValueError("items, annotators and spans differ in length")
    checks.ids("items", items)
    checks.ids("annotators", annotators)
    by_ann: dict[Any, dict[Any, set[tuple[Any, ...]]]] = defaultdict(dict)
    token_cache: dict[Any, list[tuple[int, int]] | None] = {}
    n_ann = 0
    for item, ann, sp in zip(items, annotators, spans, strict=True):
        if sp is None:
            continue
        if item not in token_cache:
            text = None if texts is None else texts.get(item)
            token_cache[item] = None if text is None else [m.span() for m in _TOKEN.finditer(text)]
        if item in by_ann[ann]:
            raise ValueError(f"duplicate annotation for item {item!r} by annotator {ann!r}")
        by_ann[ann][item] = _units(list(sp), mode, token_cache[item])
        n_ann += 1
    names = tuple(sorted(by_ann, key=str))
    k = len(names)
    vals: list[list[float | None]] = [[None] * k for _ in range(k)]
    common = [[0] * k for _ in range(k)]
    defined = []
    for i in range(k):
        common[i][i] = len(by_ann[names[i]])
        for j in range(i + 1, k):
            a, b = by_ann[names[i]], by_ann[names[j]]
            shared = a.keys() & b.keys()
            inter = sum(len(a[t] & b[t]) for t in shared)
            size = sum(len(a[t]) + len(b[t]) for t in shared)
            v = 2 * inter / size if size else None
            vals[i][j] = vals[j][i] = v
            common[i][j] = common[j][i] = len(shared)
            if v is not None:
                defined.append(v)
    reason = (
        None
        if defined
        else (
            "fewer than two annotators"
            if k < 2
            else "no annotator pair marked any span on a shared item"
        )
    )
    return PairwiseResult(
        f"span_f1_{mode}",
        names,
        tuple(map(tuple, vals)),
        tuple(map(tuple, common)),
        float(np.mean(defined)) if defined else None,
        len(token_cache),
        n_ann,
        k,
        reason=reason,
    )


def per_label_agreement(
    items: Sequence[Any],
    annotators: Sequence[Any],
    values: Sequence[Any],
    *,
    metric: Callable[..., AgreementResult] | None = None,
) -> dict[Any, AgreementResult]:
    """One-vs-rest agreement per label: each label's values binarised to present/absent.

    ``values[i]`` is a single label or, for multi-label tasks, an iterable of labels
    (``None``/``""`` = missing). ``metric`` is any long-format coefficient (default nominal
    Krippendorff's α); it receives items, annotators and 0/1 values.
    """
    from .krippendorff_alpha import krippendorff_alpha

    fn = metric or krippendorff_alpha
    if not len(items) == len(annotators) == len(values):
        raise ValueError("items, annotators and values differ in length")
    sets: list[frozenset[Any] | None] = []
    for v in values:
        if isinstance(v, str) or not isinstance(v, Sequence | set | frozenset):
            sets.append(None if is_missing(v) else frozenset([v]))
        else:
            sets.append(frozenset(v))
        if sets[-1]:
            checks.ids("values", sets[-1])
    labels = sorted({lab for s in sets if s is not None for lab in s}, key=str)
    kept = [(i, s) for i, s in enumerate(sets) if s is not None]
    it = [items[i] for i, _ in kept]
    an = [annotators[i] for i, _ in kept]
    out = {}
    for lab in labels:
        binary = [int(lab in s) for _, s in kept]
        out[lab] = fn(as_ratings(it, an, binary))
    return out
