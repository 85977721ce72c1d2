"""Frozen result types shared by every metric.

A figure that cannot be computed (one annotator, one category, no pairable items…) is
reported as ``value=None`` with a human-readable ``reason`` — never as ``NaN``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AgreementResult:
    """One agreement coefficient.

    ``observed``/``expected`` are the observed and chance agreement (or disagreement for
    Krippendorff's α) the coefficient was built from, when meaningful.
    """

    metric: str
    value: float | None
    n_items: int
    n_annotations: int
    n_annotators: int
    reason: str | None = None
    observed: float | None = None
    expected: float | None = None
    level: str | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class PairwiseResult:
    """A symmetric annotator × annotator matrix of one coefficient.

    ``values[i][j]`` is the coefficient for ``annotators[i]`` and ``annotators[j]`` (``None``
    when undefined, including the diagonal); ``n_common[i][j]`` the number of shared items.
    ``mean`` is the mean of the defined off-diagonal values.
    """

    metric: str
    annotators: tuple[Any, ...]
    values: tuple[tuple[float | None, ...], ...]
    n_common: tuple[tuple[int, ...], ...]
    mean: float | None
    n_items: int
    n_annotations: int
    n_annotators: int
    reason: str | None = None

    def pairs(self) -> list[tuple[Any, Any, float | None, int]]:
        """``(annotator_a, annotator_b, value, n_common)`` for every unordered pair."""
        out = []
        for i, a in enumerate(self.annotators):
            for j in range(i + 1, len(self.annotators)):
                out.append((a, self.annotators[j], self.values[i][j], self.n_common[i][j]))
        return out


@dataclass(frozen=True)
class Proportion:
    """A proportion ``successes / n`` with a confidence interval.

    ``value``, ``ci_low`` and ``ci_high`` are ``None`` (with ``reason``) when ``n == 0``.
    """

    successes: int
    n: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    confidence: float
    reason: str | None = None


@dataclass(frozen=True)
class AccuracyReport:
    """Accuracy overall and per annotator (against gold answers or review verdicts)."""

    overall: Proportion
    per_annotator: dict[Any, Proportion] = field(default_factory=dict)
    n_items: int = 0
    n_annotators: int = 0


@dataclass(frozen=True)
class Interval:
    """A two-sided interval; ``low``/``high`` are ``None`` (with ``reason``) if undefined."""

    low: float | None
    high: float | None
    confidence: float
    method: str
    n_resamples: int = 0
    n_defined: int = 0
    reason: str | None = None


def undefined(
    metric: str,
    reason: str,
    n_items: int,
    n_annotations: int,
    n_annotators: int,
    level: str | None = None,
) -> AgreementResult:
    """Shorthand for an :class:`AgreementResult` whose value is undefined."""
    return AgreementResult(
        metric, None, n_items, n_annotations, n_annotators, reason=reason, level=level
    )
