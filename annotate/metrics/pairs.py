"""Every annotator pair's confusion matrix in one pass over the ratings.

Cohen's κ for every pair (:func:`~.agreement.cohen_matrix`) needs, per pair of annotators, the
k × k counts of the values they gave on the items they share. Intersecting each pair's items
costs a sort per pair (190 pairs for 20 annotators); here the ratings are sorted once by
(item, annotator) and every pair of ratings of one item is encoded as one integer
``((a, b) pair, value a, value b)`` and counted with :func:`numpy.bincount` — one offset at a
time (a rating and the one ``d`` places after it on the same item), so memory stays that of
the ratings plus the ``a² k²`` counts. Ratings that already come item by item (as files
usually do) are not sorted at all.
"""

from __future__ import annotations

import numpy as np

from .data import Ratings

#: Largest ``annotators² × categories²`` counted in one dense array (32 MiB of int64); past
#: it the caller intersects pair by pair.
MAX_DENSE = 1 << 22


def pair_confusions(r: Ratings) -> np.ndarray | None:
    """``conf[i, j, x, y]``: items on which annotator ``i`` gave category ``x`` and annotator
    ``j`` > ``i`` gave ``y`` (zero for ``j <= i``); None when the array would pass
    :data:`MAX_DENSE` cells."""
    a, k = r.n_annotators, r.n_categories
    size = a * a * k * k
    if size > MAX_DENSE:
        return None
    item = r.item_idx
    if item.size > 1 and bool((item[1:] < item[:-1]).any()):  # files usually come by item
        order = np.argsort(item, kind="stable")
        item, ann, val = item[order], r.annot_idx[order], r.value_idx[order]
    else:
        ann, val = r.annot_idx, r.value_idx
    # One code per rating, annotator first: within an item the annotators differ, so the
    # smaller code is the lower annotator's; a pair (lo, hi) counts at lo · a·k + hi, the
    # cell [ann lo, val lo, ann hi, val hi] — transposed to [ann lo, ann hi, val lo, val hi].
    # Codes < a·k and pair keys < a²k² ≤ MAX_DENSE fit in int32: half the memory to touch.
    code = ann.astype(np.int32)
    code *= k
    code += val
    conf = np.zeros(size, np.int64)
    for d in range(1, max(item.size, 1)):
        same = item[d:] == item[:-d]  # ratings x and x + d of one item
        u, v = code[:-d][same], code[d:][same]
        if not u.size:  # items are contiguous runs: no pair d apart, none further apart
            break
        lo = np.minimum(u, v)
        np.maximum(u, v, out=v)
        lo *= a * k
        lo += v
        conf += np.bincount(lo, minlength=size)
    return np.ascontiguousarray(conf.reshape(a, k, a, k).transpose(0, 2, 1, 3))


def kappas_from_confusions(conf: np.ndarray) -> tuple[list[float | None], np.ndarray]:
    """Cohen's κ (unweighted) of each k × k matrix of ``conf`` (``p × k × k``) and its total:
    :func:`~.agreement.kappa_from_confusion` for many pairs at once (None where undefined)."""
    conf = conf.astype(float)
    k = conf.shape[-1]
    n = conf.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = conf.sum(axis=2)[:, :, None] * conf.sum(axis=1)[:, None, :] / n[:, None, None]
        off = ~np.eye(k, dtype=bool)
        d_o = (conf * off).sum(axis=(1, 2)) / n
        d_e = (expected * off).sum(axis=(1, 2)) / n
        kappa = 1.0 - d_o / d_e
    defined = (n > 0) & (d_e > 1e-15)
    values = [
        float(v) if ok else None for v, ok in zip(kappa.tolist(), defined.tolist(), strict=True)
    ]
    return values, n
