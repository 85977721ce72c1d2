"""MACE over item chunks gives :func:`annotate.metrics.mace`'s competence, whatever the chunk
(cuts inside an item move to its start; an item larger than the chunk is one chunk)."""

from __future__ import annotations

import numpy as np
import pytest

from annotate.metrics import mace
from annotate.metrics.mace_chunked import mace_chunked


def _sparse(seed: int = 3, n_items: int = 80, n_ann: int = 12, k: int = 3):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    rows = []
    for i in range(n_items):
        for a in rng.permutation(n_ann)[: 2 + i % 3]:
            good = rng.random() < 0.4 + a / (2 * n_ann)
            rows.append((i, a, truth[i] if good else rng.integers(0, k)))
    return np.asarray(rows, dtype=np.int32).T


@pytest.mark.parametrize("chunk", [8, 10_000])
def test_chunks_give_the_whole_runs_competence(chunk):
    items, anns, vals = _sparse()
    whole = mace(items, anns, vals, restarts=2, seed=7)
    got = mace_chunked(items, anns, vals, 12, 3, restarts=2, seed=7, chunk=chunk)
    assert got.competence == pytest.approx(whole.competence, abs=1e-12)
    assert got.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-12)
    assert got.n_iter == whole.n_iter and got.converged == whole.converged
    assert got.n_annotations.tolist() == whole.n_annotations.tolist()


def test_bad_input_is_refused():
    items, anns, vals = _sparse(n_items=5)
    with pytest.raises(ValueError, match="no annotations"):
        mace_chunked([], [], [], 2, 2)
    with pytest.raises(ValueError, match="sorted"):
        mace_chunked(items[::-1], anns, vals, 12, 3)
    with pytest.raises(ValueError, match="annotators"):
        mace_chunked(items, anns, vals, 2, 3)
    with pytest.raises(ValueError, match="values"):
        mace_chunked(items, anns, vals.astype(float), 12, 3)
    with pytest.raises(ValueError, match="chunk"):
        mace_chunked(items, anns, vals, 12, 3, chunk=0)
