"""Percent agreement, Cohen, Fleiss, Scott, Gwet against published worked examples."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotate.metrics import (
    cohen_kappa,
    cohen_kappa_labels,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac,
    gwet_ac1,
    pairwise_percent_agreement,
    percent_agreement,
    scott_pi,
)

NAN = np.nan
# Krippendorff (2011) / Gwet's cac.raw4raters: 4 raters × 12 units with missing values.
RAW4 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def _table(cells):
    """2×2 (or k×k) contingency table → two label lists."""
    a, b = [], []
    for i, row in enumerate(cells):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    return a, b


def test_cohen_textbook_50_items():
    a, b = _table([[20, 5], [10, 15]])
    res = cohen_kappa_labels(a, b)
    assert res.observed == pytest.approx(0.7)
    assert res.expected == pytest.approx(0.5)
    assert res.value == pytest.approx(0.4)
    assert (res.n_items, res.n_annotations) == (50, 100)


@pytest.mark.parametrize(
    ("cells", "kappa"),
    [
        ([[45, 15], [25, 15]], 0.1304),
        ([[25, 35], [5, 35]], 0.2593),
    ],
)
def test_cohen_same_agreement_different_kappa(cells, kappa):
    a, b = _table(cells)
    assert cohen_kappa_labels(a, b).value == pytest.approx(kappa, abs=5e-5)


def test_cohen_weighted_small_example_by_hand():
    # scale 0..2; confusion [[1,1,0],[0,1,1],[0,0,1]] (5 items)
    a = [0, 0, 1, 1, 2]
    b = [0, 1, 1, 2, 2]
    # quadratic: observed disagreement Σw·o/n = (1+1)/5; expected from marginals
    rows = np.array([2, 2, 1]) / 5
    cols = np.array([1, 2, 2]) / 5
    w = np.subtract.outer(np.arange(3), np.arange(3)) ** 2
    d_e = (w * np.outer(rows, cols)).sum()
    expected = 1 - (2 / 5) / d_e
    assert cohen_kappa_labels(a, b, weights="quadratic").value == pytest.approx(expected)


def test_cohen_long_format_and_missing():
    items = [1, 1, 2, 2, 3, 3, 4]
    anns = ["x", "y", "x", "y", "x", "y", "x"]
    vals = ["a", "a", "b", "b", "a", None, "b"]
    res = cohen_kappa(items, anns, vals)
    assert res.value == pytest.approx(1.0)
    assert res.n_items == 2


def test_cohen_undefined_cases():
    res = cohen_kappa_labels(["a", "a"], ["a", "a"])
    assert res.value is None and "one category" in res.reason
    res = cohen_kappa([1, 2], ["x", "y"], ["a", "b"])
    assert res.value is None and "both" in res.reason
    with pytest.raises(ValueError):
        cohen_kappa([1, 1, 1], ["x", "y", "z"], ["a", "b", "a"])
    with pytest.raises(ValueError):
        cohen_kappa_labels([1, 2], [1])


def test_cohen_matrix_pairs():
    m = cohen_matrix(RAW4)
    assert m.annotators == (0, 1, 2, 3)
    for a, b, v, n in m.pairs():
        sub = RAW4[[a, b]]
        both = ~np.isnan(sub).any(axis=0)
        ref = cohen_kappa_score(sub[0, both], sub[1, both])
        assert v == pytest.approx(ref, abs=1e-12)
        assert n == both.sum()
    assert m.mean == pytest.approx(np.mean([p[2] for p in m.pairs()]))
    pa = pairwise_percent_agreement(RAW4)
    assert pa.values[0][1] == pytest.approx(8 / 9)


def test_fleiss_1971_wikipedia_example():
    table = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
    items, anns, vals = [], [], []
    for i, row in enumerate(table):
        r = 0
        for c, n in enumerate(row):
            for _ in range(n):
                items.append(i)
                anns.append(r)
                vals.append(c)
                r += 1
    res = fleiss_kappa(items, anns, vals)
    assert res.value == pytest.approx(0.20993, abs=1e-5)
    assert res.observed == pytest.approx(0.37802, abs=1e-5)
    assert res.expected == pytest.approx(0.21276, abs=1e-5)
    assert (res.n_items, res.n_annotators, res.n_annotations) == (10, 14, 140)
    # complete data: Scott's π generalisation equals Fleiss' κ
    assert scott_pi(items, anns, vals).value == pytest.approx(res.value)


def test_gwet_handbook_raw4raters():
    # Gwet, Handbook of Inter-Rater Reliability (4th ed.), dataset cac.raw4raters:
    # AC1 = 0.7754 (pa 0.8182, pe 0.1903); Fleiss' κ = 0.7612 (pe 0.2387).
    ac1 = gwet_ac1(RAW4)
    assert ac1.value == pytest.approx(0.7754, abs=1e-4)
    assert ac1.observed == pytest.approx(0.8182, abs=1e-4)
    assert ac1.expected == pytest.approx(0.1903, abs=1e-4)
    fk = fleiss_kappa(RAW4)
    assert fk.value == pytest.approx(0.7612, abs=1e-4)
    assert percent_agreement(RAW4).value == pytest.approx(0.8182, abs=1e-4)


def test_gwet_ac1_two_raters_formula():
    a, b = _table([[20, 5], [10, 15]])
    # two raters, two categories: pe = 2 π (1 − π), π = mean prevalence of category 0
    pi = (25 / 50 + 30 / 50) / 2
    pe = 2 * pi * (1 - pi)
    n = len(a)
    res = gwet_ac1(list(range(n)) * 2, [0] * n + [1] * n, a + b)
    assert res.value == pytest.approx((0.7 - pe) / (1 - pe))


def test_gwet_ac2_weighted_reduces_and_identity():
    un = gwet_ac(RAW4, weights=None).value
    assert un == pytest.approx(gwet_ac1(RAW4).value)
    lin = gwet_ac(RAW4, weights="linear")
    quad = gwet_ac(RAW4, weights="quadratic")
    assert lin.metric == "gwet_ac2" and -1 <= lin.value <= 1 and -1 <= quad.value <= 1


def test_scott_pi_textbook():
    a, b = _table([[20, 5], [10, 15]])
    n = len(a)
    res = scott_pi(list(range(n)) * 2, [0] * n + [1] * n, a + b)
    assert res.expected == pytest.approx(0.505)
    assert res.value == pytest.approx((0.7 - 0.505) / 0.495)


def test_undefined_not_nan():
    one = [[1, 1, 1], [1, 1, 1]]
    for fn in (fleiss_kappa, scott_pi, gwet_ac1):
        res = fn(one)
        assert res.value is None and res.reason
    single = [[1, 2, 3]]  # one annotator
    for fn in (percent_agreement, fleiss_kappa, scott_pi, gwet_ac1):
        res = fn(single)
        assert res.value is None and "two or more" in res.reason
    assert cohen_matrix(single).mean is None


labels = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(labels, st.sampled_from([None, "linear", "quadratic"]))
def test_cohen_matches_sklearn(pairs, weights):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    res = cohen_kappa_labels(a, b, weights=weights)
    if len(set(a) | set(b)) < 2:
        assert res.value is None
        return
    with np.errstate(all="ignore"):
        ref = cohen_kappa_score(a, b, weights=weights)
    if np.isnan(ref):
        assert res.value is None
    else:
        assert res.value == pytest.approx(ref, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 7),
    st.integers(1, 5),
    st.sampled_from([None, "linear", "quadratic"]),
    st.booleans(),
)
def test_cohen_matrix_in_one_pass_equals_the_pair_by_pair_intersection(
    seed, n_ann, k, weights, shuffled
):
    # ratings sorted by item or in any order, sparse overlap, pairs sharing nothing
    rng = np.random.default_rng(seed)
    rated = rng.random((n_ann, 15)) < 0.5
    ann, items = np.nonzero(rated)
    values = rng.integers(0, k, ann.size)
    order = rng.permutation(ann.size) if shuffled else np.argsort(items, kind="stable")
    args = (items[order], [f"r{a}" for a in ann[order]], values[order])
    fast = cohen_matrix(*args, weights=weights)
    slow = cohen_matrix(*args, weights=weights, dense=False)
    assert fast == slow  # the same floats, not merely close
