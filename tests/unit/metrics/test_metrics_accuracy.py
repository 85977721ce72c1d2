"""Wilson / Clopper–Pearson (Newcombe 1998) and gold / review accuracy."""

import pytest

from annotate.metrics import (
    clopper_pearson_interval,
    gold_accuracy,
    proportion,
    review_accuracy,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0),
    ],
)
def test_wilson_newcombe_1998(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (81, 263, 0.2527, 0.3676),
        (15, 148, 0.0578, 0.1617),
        (0, 20, 0.0, 0.1684),
    ],
)
def test_clopper_pearson_newcombe_1998(k, n, low, high):
    lo, hi = clopper_pearson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_proportion_undefined_and_errors():
    p = proportion(0, 0)
    assert p.value is None and p.ci_low is None and p.reason
    with pytest.raises(ValueError):
        wilson_interval(5, 3)
    with pytest.raises(ValueError):
        proportion(1, 2, method="wald")
    assert proportion(3, 4, method="clopper-pearson").value == 0.75


def test_gold_accuracy_overall_and_per_annotator():
    items = [1, 2, 3, 1, 2, 4, 3]
    anns = ["a", "a", "a", "b", "b", "b", "b"]
    vals = ["x", "y", "x", "x", "x", "y", None]
    rep = gold_accuracy(items, anns, vals, {1: "x", 2: "y", 3: "y"})
    assert (rep.overall.successes, rep.overall.n) == (3, 5)
    assert rep.per_annotator["a"].value == pytest.approx(2 / 3)
    assert rep.per_annotator["b"].value == pytest.approx(1 / 2)
    assert rep.n_items == 3 and rep.n_annotators == 2
    lo, hi = wilson_interval(3, 5)
    assert (rep.overall.ci_low, rep.overall.ci_high) == (lo, hi)


def test_review_accuracy():
    rep = review_accuracy([True, "accepted", "rejected", None, False], ["a", "a", "b", "b", "b"])
    assert (rep.overall.successes, rep.overall.n) == (2, 4)
    assert rep.per_annotator["b"].value == 0.0
    assert review_accuracy([True, True]).overall.value == 1.0
    with pytest.raises(ValueError):
        review_accuracy(["maybe"])
