"""MACE — Multi-Annotator Competence Estimation (Hovy, Berg-Kirkpatrick, Vaswani & Hovy 2013,
*Learning Whom to Trust with MACE*, NAACL-HLT, https://aclanthology.org/N13-1132).

The model: item ``i`` has a true label ``T_i`` drawn uniformly from the ``K`` categories. When
annotator ``j`` labels it, they are *spamming* with probability ``1 − θ_j``; if not, their
answer is ``T_i``; if so, it is drawn from their own strategy ``ξ_j`` (a distribution over
the categories, whatever the truth). ``θ_j`` is the annotator's **competence**; ``ξ_j`` says
what a spammer of that kind answers (always "neutral", …).

EM over the marginal likelihood, vectorised: one ``np.bincount`` per category per iteration,
so a run costs O(annotations × categories). The E-step works in log space (no underflow on
items with many annotations). Two M-steps, as in the reference implementation:

* ``method="em"``: maximum likelihood, each expected count plus ``smoothing`` (default
  ``0.01 / K``) before normalising;
* ``method="vb"`` — the paper's priors option: variational Bayes with a ``Beta(alpha, beta)``
  prior on each ``θ_j`` (competence; the paper's and crowd-kit's default 0.5, 0.5 favours
  annotators who are clearly reliable or clearly not) and a symmetric ``Dirichlet(gamma)``
  prior on each ``ξ_j`` (default 10, as crowd-kit); the weights are ``exp ψ(count + prior)``
  normalised by ``exp ψ(total)``.

``restarts`` runs start from seeded random parameters (``θ_j``, ``ξ_j`` drawn around
uniform); the run with the highest log-likelihood wins. Competence reported is ``θ_j`` (EM)
or its posterior mean ``(E[knowing] + alpha) / (n_j + alpha + beta)`` (VB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import digamma

from . import checks
from .data import Ratings, as_ratings
from .patterns import Patterns

METHODS = ("em", "vb")


@dataclass(frozen=True, eq=False)
class MaceResult:
    """MACE estimates.

    ``posteriors[i, k]`` = P(true label of ``items[i]`` is ``categories[k]``);
    ``competence[j]`` = θ of ``annotators[j]`` (P(not spamming)), ``spamming`` = 1 − θ;
    ``strategies[j, k]`` = P(annotator j says ``categories[k]`` | spamming);
    ``n_annotations[j]`` the annotations each annotator made. ``labels()`` gives the MAP label.
    """

    items: tuple[Any, ...]
    annotators: tuple[Any, ...]
    categories: tuple[Any, ...]
    posteriors: np.ndarray
    competence: np.ndarray
    spamming: np.ndarray
    strategies: np.ndarray
    n_annotations: np.ndarray
    method: str
    n_iter: int
    converged: bool
    log_likelihood: float
    restarts: int

    def labels(self) -> dict[Any, Any]:
        """MAP label per item (ties go to the first category in scale order)."""
        best = self.posteriors.argmax(axis=1)
        return {item: self.categories[int(k)] for item, k in zip(self.items, best, strict=True)}

    def ranking(self) -> list[Any]:
        """Annotators from most to least competent (ties by name)."""
        order = sorted(
            range(len(self.annotators)),
            key=lambda j: (-self.competence[j], str(self.annotators[j])),
        )
        return [self.annotators[j] for j in order]


_TINY = np.finfo(float).tiny


def _e_step(
    r: Ratings | Patterns, know: np.ndarray, strat: np.ndarray, spam: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Posteriors per unit, expected knowing and spamming count per annotation (weighted by
    the items behind its unit), log-likelihood."""
    k, n_units = r.n_categories, len(r.items)
    j, a = r.annot_idx, r.value_idx
    p_spam = spam[j] * strat[j, a]  # P(answer a | spamming) × P(spamming)
    p_both = p_spam + know[j]  # … plus P(knowing) when the truth is a
    log_spam = np.log(np.maximum(p_spam, _TINY))
    log_post = np.empty((n_units, k))
    base = np.bincount(r.item_idx, weights=log_spam, minlength=n_units)
    boost = np.bincount(
        r.item_idx * k + a,
        weights=np.log(np.maximum(p_both, _TINY)) - log_spam,
        minlength=n_units * k,
    ).reshape(n_units, k)
    np.add(base[:, None], boost, out=log_post)
    top = log_post.max(axis=1, keepdims=True)
    log_post -= top
    np.exp(log_post, out=log_post)
    norm = log_post.sum(axis=1, keepdims=True)
    log_post /= norm
    unit_ll = (np.log(norm) + top)[:, 0] - np.log(k)
    knowing = log_post[r.item_idx, a] * know[j] / np.maximum(p_both, _TINY)
    if isinstance(r, Patterns):
        w = r.weight[r.item_idx]
        return log_post, knowing * w, (1.0 - knowing) * w, float(unit_ll @ r.weight)
    return log_post, knowing, 1.0 - knowing, float(unit_ll.sum())


def _counts(
    r: Ratings | Patterns, knowing: np.ndarray, spam_n: np.ndarray
) -> tuple[np.ndarray, ...]:
    n_ann, k = r.n_annotators, r.n_categories
    know_c = np.bincount(r.annot_idx, weights=knowing, minlength=n_ann)
    spam_c = np.bincount(r.annot_idx, weights=spam_n, minlength=n_ann)
    strat_c = np.bincount(
        r.annot_idx * k + r.value_idx, weights=spam_n, minlength=n_ann * k
    ).reshape(n_ann, k)
    return know_c, spam_c, strat_c


def _m_step(
    counts: tuple[np.ndarray, ...], method: str, smoothing: float, priors: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    know_c, spam_c, strat_c = counts
    k = strat_c.shape[1]
    if method == "em":
        total = know_c + spam_c + 2 * smoothing
        know = (know_c + smoothing) / total
        spam = (spam_c + smoothing) / total
        strat = (strat_c + smoothing) / (strat_c.sum(axis=1, keepdims=True) + k * smoothing)
        return know, spam, strat
    alpha, beta, gamma = priors
    norm = digamma(know_c + spam_c + alpha + beta)
    know = np.exp(digamma(know_c + alpha) - norm)
    spam = np.exp(digamma(spam_c + beta) - norm)
    strat = np.exp(
        digamma(strat_c + gamma) - digamma(strat_c.sum(axis=1, keepdims=True) + k * gamma)
    )
    return know, spam, strat


def _run(
    r: Ratings | Patterns,
    rng: np.random.Generator,
    *,
    method: str,
    max_iter: int,
    tol: float,
    smoothing: float,
    priors: tuple[float, ...],
) -> tuple[tuple[np.ndarray, ...], int, bool, float, tuple[np.ndarray, ...]]:
    n_ann, k = r.n_annotators, r.n_categories
    mix = rng.uniform(1.0, 1.5, size=(n_ann, 2))
    mix /= mix.sum(axis=1, keepdims=True)
    spam, know = mix[:, 0], mix[:, 1]
    strat = rng.uniform(1.0, 1.5, size=(n_ann, k))
    strat /= strat.sum(axis=1, keepdims=True)
    post, knowing, spam_n, ll = _e_step(r, know, strat, spam)
    prev = ll / r.n_annotations
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        counts = _counts(r, knowing, spam_n)
        know, spam, strat = _m_step(counts, method, smoothing, priors)
        post, knowing, spam_n, ll = _e_step(r, know, strat, spam)
        if abs(ll / r.n_annotations - prev) < tol:
            converged = True
            break
        prev = ll / r.n_annotations
    return (post, know, spam, strat), n_iter, converged, ll, _counts(r, knowing, spam_n)


def mace(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    method: str = "em",
    restarts: int = 10,
    max_iter: int = 50,
    tol: float = 1e-6,
    seed: int = 0,
    smoothing: float | None = None,
    alpha: float = 0.5,
    beta: float = 0.5,
    gamma: float = 10.0,
) -> MaceResult:
    """MACE competence, spamming probability and strategy per annotator, and item posteriors.

    Long format (or a :class:`Ratings` / raters × units matrix, or
    :class:`~.patterns.Patterns` whose units stand for ``weight`` identical items: the same
    estimates as on the expanded items); see the module for the model
    and the ``method`` options. Each of ``restarts`` runs starts from parameters drawn with
    ``numpy.random.default_rng(seed)`` and stops when the log-likelihood per annotation moves
    by less than ``tol`` or after ``max_iter`` iterations; the best run is returned.

    :raises ValueError: with no annotations, an unknown ``method``, ``restarts`` or
        ``max_iter`` < 1, a negative or non-finite ``tol``/``smoothing``, non-positive
        priors, a bad ``seed``, or a bad id or label.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    restarts = checks.count("restarts", restarts, minimum=1)
    max_iter = checks.count("max_iter", max_iter, minimum=1)
    tol = checks.real("tol", tol, low=0)
    seed = checks.seed(seed)
    priors = tuple(
        checks.real(name, v, low=0, open_low=True)
        for name, v in (("alpha", alpha), ("beta", beta), ("gamma", gamma))
    )
    if smoothing is not None:
        smoothing = checks.real("smoothing", smoothing, low=0)
    r = items if isinstance(items, Patterns) else as_ratings(items, annotators, values)
    if r.n_annotations == 0:
        raise ValueError("no annotations")
    smooth = 0.01 / r.n_categories if smoothing is None else smoothing
    rng = np.random.default_rng(seed)
    best: Any = None
    for _ in range(restarts):
        run = _run(
            r, rng, method=method, max_iter=max_iter, tol=tol, smoothing=smooth, priors=priors
        )
        if best is None or run[3] > best[3]:
            best = run
    (post, know, spam, strat), n_iter, converged, ll, (know_c, spam_c, _) = best
    per_annotation = r.weight[r.item_idx] if isinstance(r, Patterns) else None
    n_j = np.bincount(r.annot_idx, weights=per_annotation, minlength=r.n_annotators)
    if method == "em":
        competence = know / (know + spam)
    else:
        competence = (know_c + priors[0]) / (n_j + priors[0] + priors[1])
    return MaceResult(
        r.items,
        r.annotators,
        r.categories,
        post,
        competence,
        1.0 - competence,
        strat / strat.sum(axis=1, keepdims=True),  # VB weights are sub-normalised
        n_j.astype(np.int64),
        method,
        n_iter,
        converged,
        ll,
        restarts,
    )
