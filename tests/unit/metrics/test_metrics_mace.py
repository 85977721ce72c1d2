"""MACE (Hovy et al. 2013): competences recovered from simulated annotators, seeded
restarts, and — when crowd-kit is installed (bench-only) — the same estimates as its MACE."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotate.metrics import MaceResult, mace, majority_vote


def simulate(
    competence: list[float],
    *,
    n_items: int = 400,
    per_item: int = 4,
    k: int = 4,
    seed: int = 0,
    spam_label: dict[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MACE's generative story: annotator j answers the truth with probability
    competence[j], else a label from their strategy (uniform, or always ``spam_label[j]``)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    items, anns, vals = [], [], []
    for i in range(n_items):
        for j in rng.choice(len(competence), per_item, replace=False):
            if rng.random() < competence[j]:
                v = truth[i]
            elif spam_label and j in spam_label:
                v = spam_label[j]
            else:
                v = rng.integers(0, k)
            items.append(i)
            anns.append(int(j))
            vals.append(int(v))
    return np.array(items), np.array(anns), np.array(vals), truth


COMPETENCE = [0.95, 0.85, 0.7, 0.55, 0.4, 0.25]


@pytest.mark.parametrize("method", ["em", "vb"])
def test_known_competences_are_recovered_in_order(method: str) -> None:
    items, anns, vals, truth = simulate(COMPETENCE, n_items=1500)
    res = mace(items, anns, vals, method=method)
    assert isinstance(res, MaceResult)
    assert res.ranking() == list(range(len(COMPETENCE)))
    assert np.allclose(res.competence, COMPETENCE, atol=0.06)
    assert np.allclose(res.spamming, 1 - res.competence)
    assert np.allclose(res.posteriors.sum(axis=1), 1.0)
    assert np.allclose(res.strategies.sum(axis=1), 1.0)
    assert res.n_annotations.sum() == items.size
    accuracy = np.mean([res.labels()[i] == truth[i] for i in range(truth.size)])
    assert accuracy > 0.9
    assert math.isfinite(res.log_likelihood) and res.converged


def test_a_constant_spammer_is_found_and_beats_majority_vote() -> None:
    # two reliable annotators and three who mostly answer label 0 whatever the truth
    comp = [0.9, 0.85, 0.2, 0.2, 0.2]
    items, anns, vals, truth = simulate(
        comp, n_items=600, per_item=5, k=3, seed=3, spam_label={2: 0, 3: 0, 4: 0}
    )
    res = mace(items, anns, vals)
    assert set(res.ranking()[:2]) == {0, 1}
    for j in (2, 3, 4):
        assert res.strategies[j].argmax() == 0 and res.strategies[j, 0] > 0.9
    mace_acc = np.mean([res.labels()[i] == truth[i] for i in range(truth.size)])
    vote = majority_vote(items, anns, vals).labels
    vote_acc = np.mean([vote[i] == truth[i] for i in range(truth.size)])
    assert mace_acc > vote_acc + 0.1


def test_seeded_restarts_are_reproducible_and_keep_the_best_run() -> None:
    items, anns, vals, _ = simulate(COMPETENCE, n_items=200, seed=5)
    a = mace(items, anns, vals, seed=11, restarts=4)
    b = mace(items, anns, vals, seed=11, restarts=4)
    assert np.array_equal(a.competence, b.competence)
    assert np.array_equal(a.posteriors, b.posteriors)
    one = mace(items, anns, vals, seed=11, restarts=1)
    assert a.log_likelihood >= one.log_likelihood - 1e-9
    assert a.restarts == 4


def test_degenerate_inputs_give_numbers_not_nan() -> None:
    single = mace([1, 1, 2], ["a", "b", "a"], ["x", "x", "x"])  # one category
    assert np.isfinite(single.competence).all() and np.isfinite(single.posteriors).all()
    one_annotator = mace([1, 2, 3], ["a", "a", "a"], ["x", "y", "x"], max_iter=1)
    assert one_annotator.n_iter == 1 and np.isfinite(one_annotator.competence).all()
    with pytest.raises(ValueError, match="no annotations"):
        mace([1], ["a"], [None])
    with pytest.raises(ValueError, match="method"):
        mace([1], ["a"], ["x"], method="gibbs")


@pytest.mark.filterwarnings("ignore::Warning")  # crowd-kit's own pandas deprecations
@pytest.mark.parametrize("method", ["em", "vb"])
def test_matches_crowd_kit(method: str) -> None:
    """Same estimator, same fixed point. crowd-kit 1.4 indexes its strategy counts by sorted
    worker/label names but its parameters by order of first appearance, so the data are
    renamed to make the two orders agree (otherwise its estimates drift, not ours)."""
    pd = pytest.importorskip("pandas")
    crowdkit = pytest.importorskip("crowdkit.aggregation")
    items, anns, vals, _ = simulate(COMPETENCE, n_items=150, per_item=3, seed=2)
    w_rank = {w: i for i, w in enumerate(pd.unique(anns))}
    l_rank = {v: i for i, v in enumerate(pd.unique(vals))}
    anns = np.array([w_rank[a] for a in anns])
    vals = np.array([l_rank[v] for v in vals])
    ours = mace(items, anns, vals, method=method, restarts=1, max_iter=50, tol=0)
    df = pd.DataFrame({"task": items, "worker": anns, "label": vals})
    theirs = crowdkit.MACE(method=method, n_restarts=1, n_iter=50).fit(df)
    theirs_comp = theirs.spamming_[:, 1] / theirs.spamming_.sum(axis=1)
    assert list(np.argsort(-theirs_comp)) == list(np.argsort(-ours.competence))
    labels = theirs.labels_.to_dict()
    agree = np.mean([labels[i] == lab for i, lab in ours.labels().items()])
    assert agree > 0.97
    if method == "em":  # the same maximum-likelihood estimates
        assert np.allclose(ours.competence, theirs_comp, atol=1e-3)
    else:  # ours reports the posterior mean of θ, crowd-kit its exp-digamma weights
        assert np.allclose(ours.competence, theirs_comp, atol=0.05)


def test_weighted_patterns_give_the_estimates_of_the_items() -> None:
    """The report fits MACE and DS on rating patterns with their number of items."""
    from annotate.metrics import as_ratings, dawid_skene
    from annotate.metrics.bootstrap import _by_name, _grid, _patterns
    from annotate.metrics.patterns import Patterns

    items, anns, vals, _ = simulate(COMPETENCE, n_items=300, per_item=3, k=2, seed=4)
    r = as_ratings(items, anns, vals)
    pattern, rows = _patterns(_grid(r), r.n_categories, _by_name(r))
    unit, ann = np.nonzero(rows >= 0)
    p = Patterns(
        tuple(range(rows.shape[0])),
        r.annotators,
        r.categories,
        unit,
        ann,
        rows[unit, ann].astype(np.int64),
        np.bincount(pattern),
    )
    assert p.n_units < r.n_items
    a, b = mace(r), mace(p)
    np.testing.assert_allclose(a.competence, b.competence, atol=1e-12)
    np.testing.assert_allclose(a.posteriors, b.posteriors[pattern], atol=1e-12)
    assert a.log_likelihood == pytest.approx(b.log_likelihood)
    assert np.array_equal(a.n_annotations, b.n_annotations)
    c, d = dawid_skene(r), dawid_skene(p)
    np.testing.assert_allclose(c.confusion, d.confusion, atol=1e-12)
    np.testing.assert_allclose(c.posteriors, d.posteriors[pattern], atol=1e-12)
    assert c.n_iter == d.n_iter
