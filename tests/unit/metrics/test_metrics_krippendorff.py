"""Krippendorff's α against Krippendorff (2011) and the `krippendorff` package."""

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.metrics import krippendorff_alpha, ratings_from_matrix, set_alpha
from annotate.metrics.krippendorff_alpha import jaccard_distance, masi_distance

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 observers × 12 units.
RELIABILITY = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ],
)
def test_krippendorff_2011_example(level, expected):
    res = krippendorff_alpha(RELIABILITY, level=level)
    assert round(res.value, 3) == expected
    assert res.value == pytest.approx(
        krippendorff.alpha(RELIABILITY, level_of_measurement=level), abs=1e-12
    )
    assert (res.n_items, res.n_annotations, res.n_annotators) == (12, 41, 4)
    assert res.level == level


def test_long_format_with_string_labels():
    items, anns, vals = [], [], []
    for r, row in enumerate(RELIABILITY):
        for u, v in enumerate(row):
            items.append(f"u{u}")
            anns.append(f"obs{r}")
            vals.append(None if np.isnan(v) else "abcde"[int(v) - 1])
    assert krippendorff_alpha(items, anns, vals).value == pytest.approx(0.743421052631579)
    with pytest.raises(ValueError):
        krippendorff_alpha(items, anns, vals, level="interval")


def test_undefined_cases():
    res = krippendorff_alpha([[1, NAN], [NAN, 2]])
    assert res.value is None and "two or more" in res.reason
    res = krippendorff_alpha([[3, 3], [3, 3]], level="interval")
    assert res.value is None and "one value" in res.reason
    with pytest.raises(ValueError):
        krippendorff_alpha(RELIABILITY, level="cardinal")


def test_duplicate_pair_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        krippendorff_alpha([1, 1], ["a", "a"], ["x", "y"])


matrices = st.integers(2, 5).flatmap(
    lambda r: st.integers(2, 25).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 6)), min_size=n, max_size=n),
            min_size=r,
            max_size=r,
        )
    )
)


@settings(max_examples=60, deadline=None)
@given(matrices, st.sampled_from([1.0, 0.5, 2.75]))
def test_matches_krippendorff_package_all_levels(rows, scale):
    m = np.array([[NAN if v is None else v * scale + 1 for v in row] for row in rows])
    pairable = (~np.isnan(m)).sum(axis=0) >= 2
    domain = np.unique(m[:, pairable][~np.isnan(m[:, pairable])])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours = krippendorff_alpha(m, level=level)
        if not pairable.any() or domain.size < 2:
            assert ours.value is None and ours.reason
            continue
        ref = krippendorff.alpha(m, level_of_measurement=level)
        assert ours.value == pytest.approx(ref, abs=1e-9), level


def test_ratings_from_matrix_object_missing():
    r = ratings_from_matrix([["a", None, ""], ["a", "b", "c"]])
    assert r.n_annotations == 4 and r.categories == ("a", "b", "c")


def test_set_distances():
    a, b = frozenset("ab"), frozenset("abc")
    assert jaccard_distance(a, b) == pytest.approx(1 / 3)
    assert masi_distance(a, b) == pytest.approx(1 - (2 / 3) * (2 / 3))
    assert masi_distance(a, frozenset("bc")) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi_distance(a, frozenset("xy")) == 1.0
    assert masi_distance(a, a) == 0.0 and jaccard_distance(frozenset(), frozenset()) == 0.0


def test_set_alpha_reduces_to_nominal_for_singletons():
    items, anns, vals = [], [], []
    for r, row in enumerate(RELIABILITY):
        for u, v in enumerate(row):
            items.append(u)
            anns.append(r)
            vals.append(None if np.isnan(v) else {int(v)})
    for dist in ("masi", "jaccard"):
        res = set_alpha(items, anns, vals, distance=dist)
        assert res.value == pytest.approx(0.743421052631579)


def test_set_alpha_hand_computed():
    # two coders, two units; unit 1: {a} vs {a, b}; unit 2: {b} vs {b}
    items = [1, 1, 2, 2]
    anns = ["x", "y", "x", "y"]
    vals = [["a"], ["a", "b"], ["b"], ["b"]]
    d = jaccard_distance(frozenset("a"), frozenset("ab"))  # 0.5
    d_b_ab = jaccard_distance(frozenset("b"), frozenset("ab"))
    d_a_b = 1.0
    # values: {a}, {a,b}, {b}, {b}; n = 4
    obs = 2 * d / 1  # unit 1 ordered pairs, m_u − 1 = 1
    n_c = {"a": 1, "ab": 1, "b": 2}
    exp = 2 * (
        n_c["a"] * n_c["ab"] * d + n_c["a"] * n_c["b"] * d_a_b + n_c["ab"] * n_c["b"] * d_b_ab
    )
    expected = 1 - (4 - 1) * obs / exp
    assert set_alpha(items, anns, vals, distance="jaccard").value == pytest.approx(expected)
