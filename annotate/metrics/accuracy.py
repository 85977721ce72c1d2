"""Accuracy against gold answers and review verdicts; Wilson and Clopper–Pearson intervals."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from scipy import special  # ndtri and betaincinv: norm.ppf and beta.ppf, without scipy.stats

from . import checks
from .data import is_missing
from .results import AccuracyReport, Proportion

METHODS = ("wilson", "clopper-pearson")


def _check(successes: int, n: int, confidence: float) -> tuple[int, int, float]:
    successes = checks.count("successes", successes)
    n = checks.count("n", n)
    if successes > n:
        raise ValueError(f"need 0 ≤ successes ≤ n, got {successes}/{n}")
    return successes, n, checks.confidence(confidence)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval without continuity correction (Newcombe 1998, method 3).

    ``None`` when ``n == 0``. :raises ValueError: on impossible, fractional or non-finite
    counts, or a confidence outside (0, 1).
    """
    successes, n, confidence = _check(successes, n, confidence)
    if n == 0:
        return None
    z = float(special.ndtri(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def clopper_pearson_interval(
    successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Exact (Clopper–Pearson) binomial interval from beta quantiles; ``None`` if ``n == 0``.

    :raises ValueError: as :func:`wilson_interval`.
    """
    successes, n, confidence = _check(successes, n, confidence)
    if n == 0:
        return None
    alpha = 1 - confidence
    low = (
        0.0
        if successes == 0
        else float(special.betaincinv(successes, n - successes + 1, alpha / 2))
    )
    high = (
        1.0
        if successes == n
        else float(special.betaincinv(successes + 1, n - successes, 1 - alpha / 2))
    )
    return low, high


def proportion(
    successes: int, n: int, *, confidence: float = 0.95, method: str = "wilson"
) -> Proportion:
    """``successes / n`` with a Wilson or Clopper–Pearson interval (``None`` if ``n == 0``)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    fn = wilson_interval if method == "wilson" else clopper_pearson_interval
    successes, n, confidence = _check(successes, n, confidence)
    ci = fn(successes, n, confidence)
    if ci is None:
        return Proportion(
            successes, n, None, None, None, method, confidence, reason="no observations"
        )
    return Proportion(successes, n, successes / n, ci[0], ci[1], method, confidence)


def _report(
    hits: Mapping[Any, list[int]], n_items: int, confidence: float, method: str
) -> AccuracyReport:
    total_s = sum(h[0] for h in hits.values())
    total_n = sum(h[1] for h in hits.values())
    per = {a: proportion(h[0], h[1], confidence=confidence, method=method) for a, h in hits.items()}
    return AccuracyReport(
        proportion(total_s, total_n, confidence=confidence, method=method),
        per,
        n_items=n_items,
        n_annotators=len(per),
    )


def gold_accuracy(
    items: Sequence[Any],
    annotators: Sequence[Any],
    values: Sequence[Any],
    gold: Mapping[Any, Any],
    *,
    confidence: float = 0.95,
    method: str = "wilson",
) -> AccuracyReport:
    """Share of annotations on gold items that equal the gold answer, overall and per annotator.

    Annotations on items without a gold answer, and missing values, are ignored.
    :raises ValueError: if the sequences differ in length, an id is NaN or infinite, or a
        value or gold answer is infinite.
    """
    if not len(items) == len(annotators) == len(values):
        raise ValueError("items, annotators and values differ in length")
    checks.ids("items", items)
    checks.ids("annotators", annotators)
    checks.labels("values", values)
    checks.ids("gold", gold.keys())
    checks.labels("gold", gold.values())
    checks.confidence(confidence)
    hits: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    seen: set[Any] = set()
    for item, ann, val in zip(items, annotators, values, strict=True):
        if item not in gold or is_missing(val) or is_missing(gold[item]):
            continue
        seen.add(item)
        h = hits[ann]
        h[0] += int(val == gold[item])
        h[1] += 1
    return _report(dict(hits), len(seen), confidence, method)


_ACCEPT = {"accept", "accepted", "approve", "approved", "correct", "pass", "passed", "ok"}
_REJECT = {"reject", "rejected", "incorrect", "fail", "failed", "wrong"}


def _verdict(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _ACCEPT | _REJECT:
        return v.strip().lower() in _ACCEPT
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise ValueError(f"cannot read review verdict {v!r} (use True/False or accept/reject)")


def review_accuracy(
    verdicts: Sequence[Any],
    annotators: Sequence[Any] | None = None,
    *,
    confidence: float = 0.95,
    method: str = "wilson",
) -> AccuracyReport:
    """Share of reviewed annotations the reviewer accepted, overall and per annotator.

    ``verdicts[i]`` is ``True``/``False`` (or "accept"/"reject"…) for reviewed annotation ``i``
    made by ``annotators[i]``. ``None`` verdicts (not yet reviewed) are ignored.
    """
    if annotators is not None and len(annotators) != len(verdicts):
        raise ValueError("verdicts and annotators differ in length")
    if annotators is not None:
        checks.ids("annotators", annotators)
    checks.confidence(confidence)
    anns = annotators if annotators is not None else [None] * len(verdicts)
    hits: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for ann, v in zip(anns, verdicts, strict=True):
        if v is None:
            continue
        h = hits[ann]
        h[0] += int(_verdict(v))
        h[1] += 1
    report = _report(dict(hits), sum(h[1] for h in hits.values()), confidence, method)
    if annotators is None:
        return AccuracyReport(report.overall, {}, report.n_items, 0)
    return report
