"""Figures for the task types beyond single labels: closeness to gold and free-text agreement.

* :func:`jaccard` — the set overlap |A ∩ B| / |A ∪ B| of two label sets (1 for two empty sets);
  the mean over annotations on gold items is the *set-overlap gold accuracy* of a multi-label
  task (exact set match is ``gold_accuracy``).
* :func:`span_counts` — ``(|A ∩ B|, |A| + |B|)`` of two span lists (whole spans or labelled
  characters, as :func:`annotate.metrics.span_agreement`); pooled over annotations on gold
  items, 2 Σ∩ / Σ sizes is the *gold span F1*.
* :func:`normalise_text` — NFKC, case folded, whitespace runs collapsed to one space, trimmed.
* :func:`char_similarity` — 1 − Levenshtein distance / the longer length, on normalised texts
  (1 for two empty texts): a descriptive figure, not chance-corrected.
* :func:`text_agreement` — per item with at least two texts, the share of agreeing pairs after
  normalisation and the mean pairwise character similarity; each averaged over those items.
* :func:`gold_closeness` — the mean of ``score(value, gold)`` over annotations on gold items
  (e.g. absolute deviation of ratings, Jaccard of label sets).
* :func:`position_counts` — pairwise answers by the *shown* position they preferred (the
  labeling screen randomises the order per assignment and records it): the position-bias rate.

Pure (standard library and numpy); inputs are validated and undefined results are ``None``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from . import checks
from .spans import Span, _units


def jaccard(a: Iterable[Any], b: Iterable[Any]) -> float:
    """|A ∩ B| / |A ∪ B| of two label sets; 1.0 when both are empty."""
    sa, sb = frozenset(a), frozenset(b)
    checks.ids("a", sa)
    checks.ids("b", sb)
    union = len(sa | sb)
    return 1.0 if not union else len(sa & sb) / union


def span_counts(a: Sequence[Span], b: Sequence[Span], mode: str = "exact") -> tuple[int, int]:
    """``(|A ∩ B|, |A| + |B|)`` of two span lists: whole ``(start, end, label)`` spans
    (``exact``) or labelled characters (``overlap``)."""
    if mode not in ("exact", "overlap"):
        raise ValueError(f"mode must be 'exact' or 'overlap', not {mode!r}")
    ua, ub = _units(list(a), mode, None), _units(list(b), mode, None)
    return len(ua & ub), len(ua) + len(ub)


def normalise_text(text: str) -> str:
    """NFKC, case folded, whitespace runs as one space, trimmed."""
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def levenshtein(a: str, b: str) -> int:
    """The edit distance (insertions, deletions, substitutions) between two strings."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_similarity(a: str, b: str) -> float:
    """1 − Levenshtein(a, b) / max(len) on normalised texts; 1.0 for two empty texts."""
    na, nb = normalise_text(a), normalise_text(b)
    longest = max(len(na), len(nb))
    return 1.0 if not longest else 1.0 - levenshtein(na, nb) / longest


def text_agreement(
    items: Sequence[Any], annotators: Sequence[Any], texts: Sequence[str | None]
) -> dict[str, float | None]:
    """``exact_match``: the mean over items with at least two texts of the share of pairs equal
    after :func:`normalise_text`; ``char_similarity``: the mean over the same items of the mean
    pairwise :func:`char_similarity`. ``None`` when no item has two texts."""
    if not len(items) == len(annotators) == len(texts):
        raise ValueError("items, annotators and texts differ in length")
    checks.ids("items", items)
    checks.ids("annotators", annotators)
    by_item: dict[Any, dict[Any, str]] = {}
    for item, ann, text in zip(items, annotators, texts, strict=True):
        if text is None:
            continue
        if ann in by_item.setdefault(item, {}):
            raise ValueError(f"duplicate annotation for item {item!r} by annotator {ann!r}")
        by_item[item][ann] = normalise_text(text)
    exact, similar = [], []
    for given in by_item.values():
        vals = list(given.values())
        if len(vals) < 2:
            continue
        pairs = [(x, y) for i, x in enumerate(vals) for y in vals[i + 1 :]]
        exact.append(sum(x == y for x, y in pairs) / len(pairs))
        similar.append(sum(char_similarity(x, y) for x, y in pairs) / len(pairs))
    if not exact:
        return {"exact_match": None, "char_similarity": None}
    return {
        "exact_match": math.fsum(exact) / len(exact),
        "char_similarity": math.fsum(similar) / len(similar),
    }


def gold_closeness(
    items: Sequence[Any],
    values: Sequence[Any],
    gold: Mapping[Any, Any],
    score: Callable[[Any, Any], float],
) -> float | None:
    """The mean of ``score(value, gold[item])`` over the annotations on gold items (``None``
    when there is none). ``score`` must return a finite number."""
    if len(items) != len(values):
        raise ValueError("items and values differ in length")
    checks.ids("items", items)
    scores = []
    for item, value in zip(items, values, strict=True):
        if item in gold and value is not None:
            s = checks.finite_result("score", score(value, gold[item]))
            if s is None:
                raise ValueError("score: returned None")
            scores.append(float(s))
    return math.fsum(scores) / len(scores) if scores else None


def gold_span_f1(
    items: Sequence[Any],
    spans: Sequence[Sequence[Span] | None],
    gold: Mapping[Any, Sequence[Span]],
    mode: str = "exact",
) -> float | None:
    """F1 of the annotations' spans against the gold spans, pooled over the annotations on gold
    items: 2 Σ|A ∩ G| / Σ(|A| + |G|); ``None`` when neither side marked any span."""
    if len(items) != len(spans):
        raise ValueError("items and spans differ in length")
    checks.ids("items", items)
    inter = size = 0
    for item, given in zip(items, spans, strict=True):
        if item in gold and given is not None:
            i, s = span_counts(given, gold[item], mode)
            inter, size = inter + i, size + s
    return 2 * inter / size if size else None


#: The pairwise choices that prefer one response.
PAIR_CHOICES = ("A", "B")


def shown_position(choice: Any, swapped: Any) -> int | None:
    """Which shown position a pairwise ``choice`` (in the item's own orientation: ``"A"`` is
    its ``response_a``) preferred when the responses were shown ``swapped`` (B first): 0 the
    first shown, 1 the second; ``None`` for a tie, both bad, or an unknown order (``swapped``
    None)."""
    if swapped is None or choice not in PAIR_CHOICES:
        return None
    if not isinstance(swapped, bool | np.bool_):
        raise ValueError(f"swapped must be a bool or None, got {type(swapped).__name__}")
    return int((choice == "B") != bool(swapped))


def position_counts(choices: Sequence[Any], swapped: Sequence[Any]) -> tuple[int, int, int]:
    """``(first, second, unknown)``: of the answers preferring A or B, how many chose the
    response shown first, the one shown second, and how many were made with no recorded order
    (``swapped`` None). ``first / (first + second)`` is the *position-bias rate*: 0.5 when
    the annotators do not lean to either position; with the order randomised per assignment
    it separates the position from the content."""
    if len(choices) != len(swapped):
        raise ValueError("choices and swapped differ in length")
    first = second = unknown = 0
    for choice, order in zip(choices, swapped, strict=True):
        if choice not in PAIR_CHOICES:
            continue
        pos = shown_position(choice, order)
        if pos is None:
            unknown += 1
        elif pos == 0:
            first += 1
        else:
            second += 1
    return first, second, unknown
