"""The bad-input cases of ``test_metrics_validation.py``: per public function of
``annotate.metrics``, one call per argument with a bad value (drawn by Hypothesis) in it,
over a small valid long-format data set."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

import annotate.metrics as m

NAN, INF = math.nan, math.inf

not_finite = st.sampled_from([NAN, INF, -INF, np.float64("nan"), np.float32("inf")])
bad_id = not_finite
bad_label = st.sampled_from([INF, -INF, np.float64("-inf"), np.float32("inf")])
fraction = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).filter(
    lambda x: not float(x).is_integer()
)
bad_count = st.one_of(not_finite, fraction, st.just("3"), st.integers(max_value=-1))
bad_positive_count = st.one_of(bad_count, st.just(0))
bad_real = not_finite
bad_confidence = st.one_of(
    not_finite,
    st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
    st.floats(min_value=1.0, allow_nan=False, allow_infinity=False),
)

# a small valid long-format data set: 4 items, 3 annotators
ITEMS = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
ANNS = ["a", "b", "c"] * 4
VALS = [1, 1, 2, 2, 2, 2, 1, 2, 1, 3, 3, 3]


def _put(seq: list[Any], bad: Any, at: int = 1) -> list[Any]:
    out = list(seq)
    out[at] = bad
    return out


def ratings_cases(name: str, fn: Callable[..., Any]) -> list[tuple[str, str, Any, Callable]]:
    """Items, annotators and values for a long-format function, as lists and as arrays."""
    return [
        (name, "items", bad_id, lambda bad: fn(_put(ITEMS, bad), ANNS, VALS)),
        (name, "items", bad_id, lambda bad: fn(np.array(_put(ITEMS, bad), float), ANNS, VALS)),
        (name, "annotators", bad_id, lambda bad: fn(ITEMS, _put([1, 2, 3] * 4, bad), VALS)),
        (name, "values", bad_label, lambda bad: fn(ITEMS, ANNS, _put(VALS, bad))),
        (name, "values", bad_label, lambda bad: fn(ITEMS, ANNS, np.array(_put(VALS, bad), float))),
    ]


def _spans(bad: Any, where: int) -> list[list[tuple[Any, Any, Any]]]:
    span: list[Any] = [0, 4, "PER"]
    span[where] = bad
    return [[tuple(span)], [(0, 4, "PER")]]


def _mace(**kw: Any) -> Any:
    return m.mace(ITEMS, ANNS, VALS, **kw)


CASES: list[tuple[str, str, Any, Callable[[Any], Any]]] = [
    *ratings_cases("percent_agreement", m.percent_agreement),
    *ratings_cases("fleiss_kappa", m.fleiss_kappa),
    *ratings_cases("scott_pi", m.scott_pi),
    *ratings_cases("gwet_ac1", m.gwet_ac1),
    *ratings_cases("gwet_ac", m.gwet_ac),
    *ratings_cases("cohen_matrix", m.cohen_matrix),
    *ratings_cases("pairwise_percent_agreement", m.pairwise_percent_agreement),
    *ratings_cases("krippendorff_alpha", m.krippendorff_alpha),
    *ratings_cases("majority_vote", m.majority_vote),
    *ratings_cases("dawid_skene", m.dawid_skene),
    *ratings_cases("mace", m.mace),
    *ratings_cases("as_ratings", m.as_ratings),
    *ratings_cases("ratings_from_long", m.ratings_from_long),
    *ratings_cases("agreement_summary", m.agreement_summary),
    *ratings_cases("per_label_agreement", m.per_label_agreement),
    *ratings_cases("set_alpha", lambda i, a, v: m.set_alpha(i, a, [[x] for x in v])),
    *ratings_cases("gold_accuracy", lambda i, a, v: m.gold_accuracy(i, a, v, {1: 1, 2: 2})),
    (
        "cohen_kappa",
        "items",
        bad_id,
        lambda bad: m.cohen_kappa([bad, 2, 1, 2], ["a", "a", "b", "b"], [1, 2, 1, 2]),
    ),
    ("cohen_kappa", "values", bad_label, lambda bad: m.cohen_kappa([1, 2], ["a", "b"], [bad, 1])),
    (
        "cohen_kappa",
        "weights",
        st.just("cubic"),
        lambda bad: m.cohen_kappa(ITEMS, ANNS, VALS, weights=bad, pair=("a", "b")),
    ),
    ("cohen_kappa_labels", "a", bad_label, lambda bad: m.cohen_kappa_labels([bad, 1], [1, 1])),
    ("cohen_kappa_labels", "b", bad_label, lambda bad: m.cohen_kappa_labels([1, 1], [1, bad])),
    (
        "krippendorff_alpha",
        "values",
        bad_label,
        lambda bad: m.krippendorff_alpha([[1.0, bad], [1.0, 2.0]], level="interval"),
    ),
    (
        "ratings_from_matrix",
        "values",
        bad_label,
        lambda bad: m.ratings_from_matrix([[1, bad], [1, 2]]),
    ),
    (
        "ratings_from_matrix",
        "values",
        bad_label,
        lambda bad: m.ratings_from_matrix(np.array([[1, bad], [1, 2]]), numeric=True),
    ),
    (
        "ratings_from_long",
        "categories",
        bad_id,
        lambda bad: m.ratings_from_long(ITEMS, ANNS, VALS, categories=[1, 2, 3, bad]),
    ),
    ("gold_accuracy", "gold", bad_label, lambda bad: m.gold_accuracy(ITEMS, ANNS, VALS, {1: bad})),
    ("gold_accuracy", "gold", bad_id, lambda bad: m.gold_accuracy(ITEMS, ANNS, VALS, {bad: 1})),
    (
        "gold_accuracy",
        "confidence",
        bad_confidence,
        lambda bad: m.gold_accuracy(ITEMS, ANNS, VALS, {1: 1}, confidence=bad),
    ),
    (
        "review_accuracy",
        "annotators",
        bad_id,
        lambda bad: m.review_accuracy([True, False], ["a", bad]),
    ),
    (
        "review_accuracy",
        "verdict",
        st.sampled_from([NAN, INF, 0.5]),
        lambda bad: m.review_accuracy([True, bad]),
    ),
    (
        "review_accuracy",
        "confidence",
        bad_confidence,
        lambda bad: m.review_accuracy([True], confidence=bad),
    ),
    (
        "dawid_skene",
        "max_iter",
        bad_positive_count,
        lambda bad: m.dawid_skene(ITEMS, ANNS, VALS, max_iter=bad),
    ),
    ("dawid_skene", "tol", bad_real, lambda bad: m.dawid_skene(ITEMS, ANNS, VALS, tol=bad)),
    (
        "dawid_skene",
        "smoothing",
        bad_real,
        lambda bad: m.dawid_skene(ITEMS, ANNS, VALS, smoothing=bad),
    ),
    (
        "dawid_skene",
        "seed",
        bad_count,
        lambda bad: m.dawid_skene(ITEMS, ANNS, VALS, init="random", seed=bad),
    ),
    ("mace", "max_iter", bad_positive_count, lambda bad: _mace(max_iter=bad)),
    ("mace", "restarts", bad_positive_count, lambda bad: _mace(restarts=bad)),
    ("mace", "tol", bad_real, lambda bad: _mace(tol=bad)),
    ("mace", "seed", bad_count, lambda bad: _mace(seed=bad)),
    ("mace", "alpha", bad_real, lambda bad: _mace(alpha=bad)),
    ("mace", "beta", bad_real, lambda bad: _mace(beta=bad)),
    ("mace", "smoothing", bad_real, lambda bad: _mace(smoothing=bad)),
    ("wilson_interval", "successes", bad_count, lambda bad: m.wilson_interval(bad, 10)),
    ("wilson_interval", "n", bad_count, lambda bad: m.wilson_interval(0, bad)),
    ("wilson_interval", "confidence", bad_confidence, lambda bad: m.wilson_interval(1, 10, bad)),
    (
        "clopper_pearson_interval",
        "successes",
        bad_count,
        lambda bad: m.clopper_pearson_interval(bad, 10),
    ),
    ("clopper_pearson_interval", "n", bad_count, lambda bad: m.clopper_pearson_interval(0, bad)),
    (
        "clopper_pearson_interval",
        "confidence",
        bad_confidence,
        lambda bad: m.clopper_pearson_interval(1, 10, bad),
    ),
    ("proportion", "successes", bad_count, lambda bad: m.proportion(bad, 10)),
    ("proportion", "n", bad_count, lambda bad: m.proportion(0, bad)),
    ("proportion", "confidence", bad_confidence, lambda bad: m.proportion(1, 10, confidence=bad)),
    ("code_letter", "lot_size", bad_count, lambda bad: m.code_letter(bad)),
    ("single_sampling_plan", "lot_size", bad_count, lambda bad: m.single_sampling_plan(bad, 1.0)),
    ("single_sampling_plan", "aql", bad_real, lambda bad: m.single_sampling_plan(100, bad)),
    ("sample_size", "margin", bad_real, lambda bad: m.sample_size(bad)),
    ("sample_size", "confidence", bad_confidence, lambda bad: m.sample_size(0.05, bad)),
    (
        "sample_size",
        "population",
        bad_positive_count,
        lambda bad: m.sample_size(0.05, population=bad),
    ),
    ("sample_size", "proportion", bad_real, lambda bad: m.sample_size(0.05, proportion=bad)),
    (
        "zero_defect_sample_size",
        "max_defect_rate",
        bad_real,
        lambda bad: m.zero_defect_sample_size(bad),
    ),
    (
        "zero_defect_sample_size",
        "confidence",
        bad_confidence,
        lambda bad: m.zero_defect_sample_size(0.01, bad),
    ),
    (
        "zero_defect_sample_size",
        "population",
        bad_positive_count,
        lambda bad: m.zero_defect_sample_size(0.01, population=bad),
    ),
    ("draw_sample", "ids", bad_id, lambda bad: m.draw_sample([1, bad], size=1, seed=1)),
    ("draw_sample", "rate", bad_real, lambda bad: m.draw_sample([1, 2], rate=bad, seed=1)),
    ("draw_sample", "size", bad_count, lambda bad: m.draw_sample([1, 2], size=bad, seed=1)),
    ("draw_sample", "seed", bad_count, lambda bad: m.draw_sample([1, 2], size=1, seed=bad)),
    (
        "draw_sample",
        "strata",
        bad_id,
        lambda bad: m.draw_sample([1, 2], size=1, seed=1, strata=["x", bad]),
    ),
    (
        "draw_sample",
        "min_per_stratum",
        bad_count,
        lambda bad: m.draw_sample([1, 2], size=1, seed=1, strata=["x", "y"], min_per_stratum=bad),
    ),
    (
        "span_agreement",
        "items",
        bad_id,
        lambda bad: m.span_agreement([bad, 1], ["a", "b"], _spans(0, 0)),
    ),
    (
        "span_agreement",
        "annotators",
        bad_id,
        lambda bad: m.span_agreement([1, 1], ["a", bad], _spans(0, 0)),
    ),
    (
        "span_agreement",
        "start",
        bad_count,
        lambda bad: m.span_agreement([1, 1], ["a", "b"], _spans(bad, 0)),
    ),
    (
        "span_agreement",
        "end",
        bad_count,
        lambda bad: m.span_agreement([1, 1], ["a", "b"], _spans(bad, 1)),
    ),
    (
        "span_agreement",
        "label",
        bad_id,
        lambda bad: m.span_agreement([1, 1], ["a", "b"], _spans(bad, 2)),
    ),
    (
        "per_label_agreement",
        "values",
        bad_id,
        lambda bad: m.per_label_agreement([1, 1], ["a", "b"], [[bad], ["x"]]),
    ),
    ("set_alpha", "values", bad_id, lambda bad: m.set_alpha([1, 1], ["a", "b"], [[bad], ["x"]])),
    (
        "agreement_summary",
        "bootstrap",
        bad_count,
        lambda bad: m.agreement_summary(ITEMS, ANNS, VALS, bootstrap=bad),
    ),
    (
        "agreement_summary",
        "seed",
        bad_count,
        lambda bad: m.agreement_summary(ITEMS, ANNS, VALS, bootstrap=10, seed=bad),
    ),
    (
        "agreement_summary",
        "confidence",
        bad_confidence,
        lambda bad: m.agreement_summary(ITEMS, ANNS, VALS, bootstrap=10, confidence=bad),
    ),
    (
        "format_table",
        "percent_agreement",
        bad_real,
        lambda bad: m.format_table(
            {**m.agreement_summary(ITEMS, ANNS, VALS), "percent_agreement": bad}
        ),
    ),
    (
        "format_table",
        "ci",
        bad_real,
        lambda bad: m.format_table(
            {**m.agreement_summary(ITEMS, ANNS, VALS), "ci": {"scott_pi": [0.1, bad]}}
        ),
    ),
    (
        "bootstrap_agreement",
        "n_resamples",
        bad_count,
        lambda bad: m.bootstrap_agreement(
            m.as_ratings(ITEMS, ANNS, VALS), "nominal", n_resamples=bad
        ),
    ),
    (
        "bootstrap_agreement",
        "seed",
        bad_count,
        lambda bad: m.bootstrap_agreement(
            m.as_ratings(ITEMS, ANNS, VALS), "nominal", n_resamples=10, seed=bad
        ),
    ),
    (
        "bootstrap_agreement",
        "confidence",
        bad_confidence,
        lambda bad: m.bootstrap_agreement(
            m.as_ratings(ITEMS, ANNS, VALS), "nominal", n_resamples=10, confidence=bad
        ),
    ),
    (
        "bootstrap_agreement",
        "level",
        st.just("cardinal"),
        lambda bad: m.bootstrap_agreement(m.as_ratings(ITEMS, ANNS, VALS), bad, n_resamples=10),
    ),
    (
        "bootstrap_ci",
        "n_resamples",
        bad_positive_count,
        lambda bad: m.bootstrap_ci(m.fleiss_kappa, ITEMS, ANNS, VALS, n_resamples=bad),
    ),
    (
        "bootstrap_ci",
        "seed",
        bad_count,
        lambda bad: m.bootstrap_ci(m.fleiss_kappa, ITEMS, ANNS, VALS, n_resamples=5, seed=bad),
    ),
    (
        "bootstrap_ci",
        "confidence",
        bad_confidence,
        lambda bad: m.bootstrap_ci(
            m.fleiss_kappa, ITEMS, ANNS, VALS, n_resamples=5, confidence=bad
        ),
    ),
    (
        "bootstrap_ci",
        "metric",
        bad_real,
        lambda bad: m.bootstrap_ci(lambda r: bad, ITEMS, ANNS, VALS, n_resamples=5),
    ),
    *ratings_cases(
        "bootstrap_ci", lambda i, a, v: m.bootstrap_ci(m.fleiss_kappa, i, a, v, n_resamples=5)
    ),
    (
        "WeightBank",
        "n_resamples",
        bad_count,
        lambda bad: m.WeightBank(np.ones(3, np.int64), bad, 0),
    ),
    ("WeightBank", "seed", bad_count, lambda bad: m.WeightBank(np.ones(3, np.int64), 5, bad)),
    (
        "WeightBank",
        "sizes",
        st.one_of(not_finite, fraction, st.integers(max_value=-1)),
        lambda bad: m.WeightBank(np.array([1, bad]), 5, 0),
    ),
    ("read_long_file", "label", st.sampled_from(["NaN", "Infinity", "-Infinity"]), None),
]
