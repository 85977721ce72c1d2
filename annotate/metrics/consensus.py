"""Consensus labels: majority vote (ties reported) and Dawid–Skene EM (vectorised numpy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import checks
from .data import Ratings, as_ratings
from .patterns import Patterns


@dataclass(frozen=True)
class MajorityVote:
    """Majority label per item; ``labels[item]`` is ``None`` when the top count is tied, and
    ``ties[item]`` then lists the tied labels (nothing is broken silently). ``support[item]`` is
    the share of the item's annotations that gave the top label."""

    labels: dict[Any, Any]
    ties: dict[Any, tuple[Any, ...]]
    support: dict[Any, float]
    n_items: int
    n_annotations: int
    n_annotators: int


def majority_vote(items: Any, annotators: Any = None, values: Any = None) -> MajorityVote:
    """Majority vote over each item's annotations (long format)."""
    r = as_ratings(items, annotators, values)
    counts = r.counts()
    top = counts.max(axis=1) if counts.size else np.zeros(r.n_items, dtype=int)
    n_top = (counts == top[:, None]).sum(axis=1) if counts.size else top
    winner = counts.argmax(axis=1) if counts.size else top
    m = counts.sum(axis=1)
    labels: dict[Any, Any] = {}
    ties: dict[Any, tuple[Any, ...]] = {}
    support: dict[Any, float] = {}
    for i, item in enumerate(r.items):
        support[item] = float(top[i] / m[i])
        if n_top[i] > 1:
            labels[item] = None
            ties[item] = tuple(r.categories[k] for k in np.flatnonzero(counts[i] == top[i]))
        else:
            labels[item] = r.categories[int(winner[i])]
    return MajorityVote(labels, ties, support, r.n_items, r.n_annotations, r.n_annotators)


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """Dawid–Skene estimates.

    ``posteriors[i, k]`` = P(true label of ``items[i]`` is ``categories[k]``);
    ``confusion[j, k, l]`` = P(annotator ``annotators[j]`` says ``categories[l]`` | truth ``k``);
    ``priors[k]`` the class prevalence. ``labels()`` gives the MAP label per item.
    """

    items: tuple[Any, ...]
    annotators: tuple[Any, ...]
    categories: tuple[Any, ...]
    posteriors: np.ndarray
    confusion: np.ndarray
    priors: np.ndarray
    n_iter: int
    converged: bool
    log_likelihood: float

    def labels(self) -> dict[Any, Any]:
        """MAP label per item (ties go to the first category in scale order)."""
        best = self.posteriors.argmax(axis=1)
        return {item: self.categories[int(k)] for item, k in zip(self.items, best, strict=True)}


def _m_step(
    r: Ratings | Patterns, post: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    n_ann, k = r.n_annotators, r.n_categories
    key = r.annot_idx * k + r.value_idx
    w = r.weight if isinstance(r, Patterns) else None
    conf = np.empty((n_ann, k, k))
    for t in range(k):
        per = post[r.item_idx, t] if w is None else post[r.item_idx, t] * w[r.item_idx]
        conf[:, t, :] = np.bincount(key, weights=per, minlength=n_ann * k).reshape(n_ann, k)
    conf += smoothing
    totals = conf.sum(axis=2, keepdims=True)
    np.divide(conf, totals, out=conf, where=totals > 0)
    priors = post.mean(axis=0) if w is None else (w @ post) / w.sum()
    return conf, priors


def _e_step(
    r: Ratings | Patterns, conf: np.ndarray, priors: np.ndarray
) -> tuple[np.ndarray, float]:
    k, n_units = r.n_categories, len(r.items)
    tiny = np.finfo(float).tiny
    log_conf = np.log(np.maximum(conf, tiny))
    # log_conf[j, :, l] for each annotation → (n_annotations, k)
    per_ann = log_conf[r.annot_idx, :, r.value_idx]
    log_post = np.empty((n_units, k))
    for t in range(k):
        log_post[:, t] = np.bincount(r.item_idx, weights=per_ann[:, t], minlength=n_units)
    log_post += np.log(np.maximum(priors, tiny))
    top = log_post.max(axis=1, keepdims=True)
    log_post -= top
    np.exp(log_post, out=log_post)
    norm = log_post.sum(axis=1, keepdims=True)
    log_post /= norm
    unit_ll = (np.log(norm) + top)[:, 0]
    return log_post, float(unit_ll @ r.weight if isinstance(r, Patterns) else unit_ll.sum())


def dawid_skene(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    max_iter: int = 100,
    tol: float = 1e-5,
    seed: int = 0,
    init: str = "majority",
    smoothing: float = 0.0,
) -> DawidSkeneResult:
    """Dawid & Skene (1979) EM for true labels and per-annotator confusion matrices.

    Starts from the soft majority vote (``init="majority"``) or from seeded random posteriors
    (``init="random"``); stops when the log-likelihood per annotation changes by less than
    ``tol`` or after ``max_iter`` iterations. ``smoothing`` adds a pseudo-count to each
    confusion cell. Cost per iteration O(annotations × categories). ``items`` may be
    :class:`~.patterns.Patterns` (units standing for ``weight`` identical items): the same
    estimates as on the expanded items, per unit.

    :raises ValueError: with no annotations, an unknown ``init``, ``max_iter`` < 1, a negative
        or non-finite ``tol`` or ``smoothing``, a bad ``seed`` or a bad id or label.
    """
    max_iter = checks.count("max_iter", max_iter, minimum=1)
    tol = checks.real("tol", tol, low=0)
    smoothing = checks.real("smoothing", smoothing, low=0)
    seed = checks.seed(seed)
    r = items if isinstance(items, Patterns) else as_ratings(items, annotators, values)
    if r.n_annotations == 0:
        raise ValueError("no annotations")
    if init == "majority":
        counts = r.counts().astype(float)
        post = counts / counts.sum(axis=1, keepdims=True)
    elif init == "random":
        post = np.random.default_rng(seed).dirichlet(np.ones(r.n_categories), size=len(r.items))
    else:
        raise ValueError(f"init must be 'majority' or 'random', not {init!r}")
    prev = -np.inf
    converged = False
    ll = float("nan")
    n_iter = 0
    conf, priors = _m_step(r, post, smoothing)
    while n_iter < max_iter:
        n_iter += 1
        post, ll = _e_step(r, conf, priors)
        conf, priors = _m_step(r, post, smoothing)
        mean_ll = ll / r.n_annotations
        if abs(mean_ll - prev) < tol:
            converged = True
            break
        prev = mean_ll
    return DawidSkeneResult(
        r.items, r.annotators, r.categories, post, conf, priors, n_iter, converged, ll
    )


def unit_majorities(
    unit_idx: Any, codes: Any, n_units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unit ``0..n_units-1`` of long-format ``(unit_idx, codes)`` (codes ≥ 0): its number
    of annotations, the count of its most frequent value, and whether that value is the only
    one with that count (the majority vote gives a label, no tie)."""
    unit_idx = np.asarray(unit_idx, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    if unit_idx.shape != codes.shape:
        raise ValueError("unit_idx and codes must have the same length")
    m = np.bincount(unit_idx, minlength=n_units)
    k = int(codes.max(initial=-1)) + 1
    pairs, counts = np.unique(unit_idx * max(k, 1) + codes, return_counts=True)
    units = pairs // max(k, 1)
    top = np.zeros(n_units, np.int64)
    np.maximum.at(top, units, counts)
    at_top = np.bincount(units, weights=counts == top[units], minlength=n_units)
    return m, top, (m > 0) & (at_top == 1)
