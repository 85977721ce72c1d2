"""Majority vote (ties reported) and Dawid–Skene."""

import numpy as np
import pytest

from annotate.metrics import dawid_skene, majority_vote


def test_majority_vote_reports_ties():
    mv = majority_vote(
        [1, 1, 1, 2, 2, 3], ["a", "b", "c", "a", "b", "a"], ["x", "x", "y", "x", "y", "z"]
    )
    assert mv.labels == {1: "x", 2: None, 3: "z"}
    assert mv.ties == {2: ("x", "y")}
    assert mv.support[1] == pytest.approx(2 / 3)


def _simulate(n_items=2000, n_ann=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    acc = np.array([0.9, 0.8, 0.7, 0.6, 0.4])[:n_ann]
    items, anns, vals = [], [], []
    for j in range(n_ann):
        correct = rng.random(n_items) < acc[j]
        noise = (truth + rng.integers(1, k, n_items)) % k
        lab = np.where(correct, truth, noise)
        keep = rng.random(n_items) < 0.8
        items += list(np.flatnonzero(keep))
        anns += [j] * int(keep.sum())
        vals += list(lab[keep])
    return truth, items, anns, vals, acc


def test_dawid_skene_recovers_truth_and_annotator_quality():
    truth, items, anns, vals, acc = _simulate()
    ds = dawid_skene(items, anns, vals, tol=1e-7)
    assert ds.converged
    assert np.allclose(ds.posteriors.sum(axis=1), 1)
    assert np.allclose(ds.confusion.sum(axis=2), 1)
    labels = ds.labels()
    est = np.array([labels[i] for i in ds.items])
    assert (est == truth[list(ds.items)]).mean() > 0.9
    diag = np.array([np.trace(ds.confusion[j]) / 3 for j in range(5)])
    assert np.all(np.abs(diag - acc) < 0.06)
    # beats majority vote
    mv = majority_vote(items, anns, vals).labels
    mv_acc = np.mean([mv[i] == truth[i] for i in ds.items])  # a tie counts as wrong
    assert (est == truth[list(ds.items)]).mean() >= mv_acc - 1e-9


def test_dawid_skene_is_deterministic_and_seeded():
    _, items, anns, vals, _ = _simulate(300)
    a = dawid_skene(items, anns, vals)
    b = dawid_skene(items, anns, vals)
    assert np.array_equal(a.posteriors, b.posteriors)
    c = dawid_skene(items, anns, vals, init="random", seed=3)
    d = dawid_skene(items, anns, vals, init="random", seed=3)
    assert np.array_equal(c.posteriors, d.posteriors)
    with pytest.raises(ValueError):
        dawid_skene([], [], [])
