"""Agreement from distinct patterns with multiplicities equals agreement of the items."""

from __future__ import annotations

import numpy as np
import pytest

from annotate.metrics import (
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    ratings_from_long,
)
from annotate.metrics import patterns as pm
from tests.unit.metrics.grouping import patterns_of


def _ratings(seed: int, n_items: int = 300, n_ann: int = 5, scale=(1, 2, 3, 4, 5)):
    rng = np.random.default_rng(seed)
    items, anns, vals = [], [], []
    for i in range(n_items):
        truth = scale[int(rng.integers(0, len(scale)))]
        for a in rng.choice(n_ann, size=int(rng.integers(1, n_ann + 1)), replace=False):
            items.append(i)
            anns.append(int(a))
            vals.append(truth if rng.random() < 0.6 else scale[int(rng.integers(0, len(scale)))])
    return ratings_from_long(
        np.array(items), np.array(anns), np.array(vals, dtype=float), numeric=True
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_coefficient_equals_the_expanded_items(seed):
    r = _ratings(seed)
    p = patterns_of(r)
    assert p.n_units < r.n_items
    assert (p.n_items, p.n_annotations, p.n_annotators) == (
        r.n_items,
        r.n_annotations,
        r.n_annotators,
    )
    for level in ("nominal", "ordinal", "interval", "ratio"):
        want, got = krippendorff_alpha(r, level=level), pm.krippendorff_alpha(p, level)
        assert got.value == pytest.approx(want.value, abs=1e-12), level
        assert (got.n_items, got.n_annotations) == (want.n_items, want.n_annotations)
    for fn, pfn in (
        (fleiss_kappa, pm.fleiss_kappa),
        (gwet_ac1, pm.gwet_ac1),
        (percent_agreement, pm.percent_agreement),
    ):
        assert pfn(p).value == pytest.approx(fn(r).value, abs=1e-12), fn.__name__
    want, got = cohen_matrix(r), pm.cohen_matrix(p)
    assert got.n_common == want.n_common and got.mean == pytest.approx(want.mean, abs=1e-12)
    np.testing.assert_allclose(
        np.array(got.values, float), np.array(want.values, float), atol=1e-12
    )


def test_undefined_cases_keep_their_reasons():
    one = ratings_from_long([1, 2, 3], ["a", "a", "a"], ["x", "y", "x"])
    single = ratings_from_long([1, 1, 2, 2], ["a", "b", "a", "b"], ["x", "x", "x", "x"])
    empty = ratings_from_long([], [], [])
    for r in (one, single, empty):
        p = patterns_of(r)
        for fn, pfn in (
            (fleiss_kappa, pm.fleiss_kappa),
            (gwet_ac1, pm.gwet_ac1),
            (percent_agreement, pm.percent_agreement),
            (krippendorff_alpha, pm.krippendorff_alpha),
        ):
            want, got = fn(r), pfn(p)
            assert (got.value, got.reason) == (want.value, want.reason), fn.__name__
        assert pm.cohen_matrix(p).reason == cohen_matrix(r).reason
