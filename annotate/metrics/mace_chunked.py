"""MACE over item chunks, for annotations held only as three compact integer columns.

:func:`annotate.metrics.mace` keeps several float arrays per annotation and a posterior row
per item while it iterates. :func:`mace_chunked` runs the same EM (``method="em"``, the same
seeded starts, E-step, counts and M-step of :mod:`.mace`) over consecutive chunks of at most
``chunk`` annotations, cut at item boundaries: per chunk the E-step's arrays, then only its
per-annotator sums are kept. What grows with the project is the caller's three ``int32``
columns (12 bytes per annotation); everything else is bounded by ``chunk``, the annotators and
the categories. Its competence equals :func:`~.mace` on the same annotations up to floating
summation order; the item posteriors are not kept.

Pure (numpy); inputs are validated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from . import checks
from .data import Ratings
from .mace import _counts, _e_step, _m_step

#: Annotations per chunk.
CHUNK = 65_536


@dataclass(frozen=True)
class ChunkedMace:
    """Per annotator code: ``competence`` (θ) and ``n_annotations``; the best run's
    ``log_likelihood``, iterations and convergence, and the ``restarts`` run."""

    competence: np.ndarray
    n_annotations: np.ndarray
    log_likelihood: float
    n_iter: int
    converged: bool
    restarts: int


def _column(name: str, values: Any, n: int | None, bound: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(f"{name} must be a 1-D array of integer codes")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} differs in length from items")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= bound):
        raise ValueError(f"{name} must hold codes in [0, {bound})")
    return arr


def _chunks(
    items: np.ndarray, annotators: np.ndarray, values: np.ndarray, k: int, n_ann: int, size: int
) -> Iterator[Ratings]:
    """Consecutive slices of at most ``size`` annotations (more when one item holds more),
    cut where the item changes, as :class:`Ratings` over their own items."""
    start, n = 0, items.size
    while start < n:
        end = min(start + size, n)
        if end < n:  # back to the first row of the item at the cut (past it if it is all)
            cut = int(np.searchsorted(items, items[end], side="left"))
            end = cut if cut > start else int(np.searchsorted(items, items[start], side="right"))
        first = int(items[start])
        units = int(items[end - 1]) - first + 1
        yield Ratings(
            cast(tuple[Any, ...], range(units)),
            cast(tuple[Any, ...], range(n_ann)),
            cast(tuple[Any, ...], range(k)),
            items[start:end] - first,
            annotators[start:end],
            values[start:end],
        )
        start = end


def mace_chunked(
    items: Any,
    annotators: Any,
    values: Any,
    n_annotators: int,
    n_categories: int,
    *,
    restarts: int = 10,
    max_iter: int = 50,
    tol: float = 1e-6,
    seed: int = 0,
    smoothing: float | None = None,
    chunk: int = CHUNK,
) -> ChunkedMace:
    """MACE (EM) competence per annotator of long-format integer codes: ``items`` sorted
    (non-decreasing codes, one annotation per item and annotator), ``annotators`` in
    ``[0, n_annotators)``, ``values`` in ``[0, n_categories)``. Options as :func:`~.mace`.

    :raises ValueError: no annotations, codes out of range or not integers, unsorted items,
        bad ``restarts``/``max_iter``/``chunk``/``tol``/``smoothing``/``seed``.
    """
    n_ann = checks.count("n_annotators", n_annotators, minimum=1)
    k = checks.count("n_categories", n_categories, minimum=1)
    restarts = checks.count("restarts", restarts, minimum=1)
    max_iter = checks.count("max_iter", max_iter, minimum=1)
    size = checks.count("chunk", chunk, minimum=1)
    tol = checks.real("tol", tol, low=0)
    seed = checks.seed(seed)
    if smoothing is not None:
        smoothing = checks.real("smoothing", smoothing, low=0)
    item = _column("items", items, None, np.iinfo(np.int64).max)
    if not item.size:
        raise ValueError("no annotations")
    if np.any(np.diff(item) < 0):
        raise ValueError("items must be sorted (non-decreasing codes)")
    ann = _column("annotators", annotators, item.size, n_ann)
    val = _column("values", values, item.size, k)
    smooth = 0.01 / k if smoothing is None else smoothing
    n_total = item.size

    def sweep(
        know: np.ndarray, strat: np.ndarray, spam: np.ndarray
    ) -> tuple[tuple[np.ndarray, ...], float]:
        know_c, spam_c, strat_c = np.zeros(n_ann), np.zeros(n_ann), np.zeros((n_ann, k))
        ll = 0.0
        for r in _chunks(item, ann, val, k, n_ann, size):
            _, knowing, spam_n, part = _e_step(r, know, strat, spam)
            a, b, c = _counts(r, knowing, spam_n)
            know_c += a
            spam_c += b
            strat_c += c
            ll += part
        return (know_c, spam_c, strat_c), ll

    rng = np.random.default_rng(seed)
    best: tuple[Any, ...] | None = None
    for _ in range(restarts):
        mix = rng.uniform(1.0, 1.5, size=(n_ann, 2))
        mix /= mix.sum(axis=1, keepdims=True)
        spam, know = mix[:, 0], mix[:, 1]
        strat = rng.uniform(1.0, 1.5, size=(n_ann, k))
        strat /= strat.sum(axis=1, keepdims=True)
        counts, ll = sweep(know, strat, spam)
        prev, converged, n_iter = ll / n_total, False, 0
        while n_iter < max_iter:
            n_iter += 1
            know, spam, strat = _m_step(counts, "em", smooth, ())
            counts, ll = sweep(know, strat, spam)
            if abs(ll / n_total - prev) < tol:
                converged = True
                break
            prev = ll / n_total
        if best is None or ll > best[0]:
            best = (ll, know, spam, n_iter, converged)
    assert best is not None
    ll, know, spam, n_iter, converged = best
    return ChunkedMace(
        know / (know + spam),
        np.bincount(ann, minlength=n_ann).astype(np.int64),
        float(ll),
        n_iter,
        converged,
        restarts,
    )
