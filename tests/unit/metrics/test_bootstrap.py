"""The one bootstrap: closed-form resamples equal the metrics, draws depend only on the data."""

from __future__ import annotations

import numpy as np
import pytest

from annotate.metrics import (
    WeightBank,
    agreement_summary,
    bootstrap_agreement,
    cohen_matrix,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    percent_agreement,
    ratings_from_long,
    scott_pi,
)
from annotate.metrics.bootstrap import unit_patterns
from tests.unit.metrics.grouping import patterns_of, split_units

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _ratings(seed: int, n_items: int = 200, n_ann: int = 4, numeric: bool = True):
    rng = np.random.default_rng(seed)
    items, anns, vals = [], [], []
    for i in range(n_items):
        truth = int(rng.integers(1, 6))
        for a in rng.choice(n_ann, size=int(rng.integers(1, n_ann + 1)), replace=False):
            items.append(i)
            anns.append(int(a))
            vals.append(float(truth if rng.random() < 0.7 else rng.integers(1, 6)))
    return ratings_from_long(np.array(items), np.array(anns), np.array(vals), numeric=numeric)


@pytest.mark.parametrize("level", LEVELS)
def test_weight_one_reproduces_every_metric(level):
    """A bank whose every resample is the sample itself gives intervals [v, v]."""
    r = _ratings(3)
    bank = WeightBank(np.ones(r.n_items, np.int64), 2, seed=0)
    bank.weights[:] = 1
    got = bootstrap_agreement(r, level, n_resamples=2, bank=bank)
    want = {
        "krippendorff_alpha": krippendorff_alpha(r, level=level).value,
        "fleiss_kappa": fleiss_kappa(r).value,
        "scott_pi": scott_pi(r).value,
        "gwet_ac1": gwet_ac1(r).value,
        "percent_agreement": percent_agreement(r).value,
        "cohen_kappa": cohen_matrix(r).mean,
    }
    for name, value in want.items():
        assert got.intervals[name] == pytest.approx((value, value), abs=1e-10), name
    pairs = [v for _, _, v, _ in cohen_matrix(r).pairs()]
    assert [i[0] for i in got.pair_intervals] == pytest.approx(pairs, abs=1e-10)


def test_seeded_and_the_same_over_items_patterns_or_split_units():
    """The draw is made over the distinct rows of values: the items one by one, grouped into
    patterns, or patterns spread over shuffled units (a report's cells) give the same
    intervals for the same seed."""
    r = _ratings(5, n_items=300)
    p = patterns_of(r)
    cells = split_units(p, 3, seed=1)
    assert p.n_units < r.n_items and cells.n_units > p.n_units
    for level in LEVELS:
        first = bootstrap_agreement(r, level, n_resamples=60, seed=7)
        assert first == bootstrap_agreement(r, level, n_resamples=60, seed=7)
        assert first.intervals != bootstrap_agreement(r, level, n_resamples=60, seed=8).intervals
        assert bootstrap_agreement(p, level, n_resamples=60, seed=7) == first
        bank = WeightBank(cells.weight, 60, 7, groups=unit_patterns(cells))
        shared = bootstrap_agreement(cells, level, n_resamples=60, seed=7, bank=bank)
        assert shared.intervals == first.intervals, level
        assert shared.pair_intervals == first.pair_intervals, level


def test_grouped_bank_splits_each_group_like_a_direct_draw():
    sizes = np.array([5, 1, 7, 3, 2, 9, 4])
    groups = np.array([2, 0, 1, 2, 0, 1, 2])
    grouped = WeightBank(sizes, 4000, seed=2, groups=groups)
    direct = WeightBank(np.bincount(groups, weights=sizes).astype(np.int64), 4000, seed=2)
    w = grouped.weights.astype(np.int64)
    assert (w.sum(axis=1) == sizes.sum()).all()
    for g in range(3):  # the groups' counts are the direct draw over the groups
        assert np.array_equal(w[:, groups == g].sum(axis=1), direct.weights[:, g])
    # each unit: Binomial(n, size / n), as if the items were drawn one by one
    n = sizes.sum()
    np.testing.assert_allclose(w.mean(axis=0), sizes, rtol=0.06)
    np.testing.assert_allclose(w.var(axis=0), sizes * (1 - sizes / n), rtol=0.15)


def _expanded(r, weights):
    """The resample as explicit ratings: item ``i`` repeated ``weights[i]`` times."""
    items, anns, vals = [], [], []
    unit = 0
    rows = [np.flatnonzero(r.item_idx == i) for i in range(r.n_items)]
    for i, w in enumerate(weights.tolist()):
        for _ in range(int(w)):
            items += [unit] * rows[i].size
            anns += r.annot_idx[rows[i]].tolist()
            vals += r.value_idx[rows[i]].tolist()
            unit += 1
    return ratings_from_long(
        np.array(items), np.array(anns), np.array(vals), categories=range(r.n_categories)
    )


def test_closed_form_equals_resampling_items_explicitly():
    r = _ratings(7, n_items=60, numeric=False)
    bank = WeightBank(np.ones(r.n_items, np.int64), 40, seed=3)
    got = bootstrap_agreement(r, "nominal", n_resamples=40, bank=bank)
    samples: dict[str, list[float]] = {
        "krippendorff_alpha": [],
        "fleiss_kappa": [],
        "percent_agreement": [],
        "gwet_ac1": [],
        "scott_pi": [],
        "cohen_kappa": [],
    }
    for w in bank.weights:
        e = _expanded(r, w)
        for name, fn in (
            ("krippendorff_alpha", krippendorff_alpha),
            ("fleiss_kappa", fleiss_kappa),
            ("gwet_ac1", gwet_ac1),
            ("percent_agreement", percent_agreement),
            ("scott_pi", scott_pi),
        ):
            value = fn(e).value
            if value is not None:
                samples[name].append(value)
        mean = cohen_matrix(e).mean
        if mean is not None:
            samples["cohen_kappa"].append(mean)
    for name, vals in samples.items():
        low, high = np.quantile(np.asarray(vals), [0.025, 0.975])
        assert got.intervals[name] == pytest.approx((low, high), abs=1e-10), name
    # a one-vs-rest scope over the same items reuses the summed weights: same answer
    binary = ratings_from_long(r.item_idx, r.annot_idx, (r.value_idx == 1).astype(int))
    again = bootstrap_agreement(binary, "nominal", n_resamples=40, bank=bank, pairs=False)
    fresh = bootstrap_agreement(
        binary,
        "nominal",
        n_resamples=40,
        pairs=False,
        bank=WeightBank(np.ones(r.n_items, np.int64), 40, seed=3),
    )
    assert again.intervals.keys() == fresh.intervals.keys()
    for name, interval in fresh.intervals.items():
        assert again.intervals[name] == (
            None if interval is None else pytest.approx(interval, abs=1e-12)
        )


def test_summary_intervals_are_the_bootstrap_of_the_report():
    r = _ratings(9)
    summary = agreement_summary(r, level="interval", bootstrap=50, seed=4)
    boot = bootstrap_agreement(r, "interval", n_resamples=50, seed=4)
    for name, ci in summary["ci"].items():
        assert ci == list(boot.intervals[name]), name
    assert bootstrap_agreement(r, "nominal", n_resamples=1, seed=0).intervals == {}


def test_draws_over_patterns_match_resampling_items():
    """Drawing n items over the distinct patterns (a multinomial) gives the intervals of
    resampling the items one by one, up to Monte-Carlo error."""
    rng = np.random.default_rng(11)
    items, anns, vals = [], [], []
    for i in range(400):
        truth = int(rng.integers(0, 3))
        for a in rng.choice(4, size=int(rng.integers(1, 5)), replace=False):
            items.append(i)
            anns.append(int(a))
            vals.append(truth if rng.random() < 0.65 else int(rng.integers(0, 3)))
    r = ratings_from_long(np.array(items), np.array(anns), np.array(vals))
    p = patterns_of(r)
    b = 3000
    by_item = bootstrap_agreement(
        r, "nominal", n_resamples=b, bank=WeightBank(np.ones(r.n_items, np.int64), b, seed=1)
    )
    by_pattern = bootstrap_agreement(p, "nominal", n_resamples=b, seed=2)
    assert p.n_units < r.n_items / 2
    for name, (low, high) in by_item.intervals.items():
        got = by_pattern.intervals[name]
        tol = 0.1 * (high - low)  # ~5 Monte-Carlo standard errors of a 2.5 % quantile
        assert got[0] == pytest.approx(low, abs=tol) and got[1] == pytest.approx(high, abs=tol)
    for want, got in zip(by_item.pair_intervals, by_pattern.pair_intervals, strict=True):
        tol = 0.1 * (want[1] - want[0])
        assert got == pytest.approx(want, abs=tol)


def test_annotator_order_does_not_change_the_draws():
    """The patterns are numbered with the annotators in the order of their names, so ratings
    whose annotators are listed in another order (user ids vs names) draw the same."""
    r = _ratings(13, numeric=False)
    named = ratings_from_long(r.item_idx, [f"u{9 - a}" for a in r.annot_idx.tolist()], r.value_idx)
    reordered = type(named)(
        named.items,
        named.annotators[::-1],
        named.categories,
        named.item_idx,
        named.n_annotators - 1 - named.annot_idx,
        named.value_idx,
    )
    first = bootstrap_agreement(named, "nominal", n_resamples=40, seed=3, pairs=False)
    again = bootstrap_agreement(reordered, "nominal", n_resamples=40, seed=3, pairs=False)
    assert again.intervals == first.intervals
