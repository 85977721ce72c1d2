"""Long-format ratings → dense integer codes and the item × category count matrix.

Every metric in this package takes *long format*: three parallel sequences ``items``,
``annotators`` and ``values`` — one row per annotation, the shape the database yields. A missing
value is ``None``, ``""`` or a float ``NaN``; such rows are dropped. A raters × units matrix is
accepted as a convenience (:func:`ratings_from_matrix`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any, TypeAlias

import numpy as np

from . import checks

#: One long-format column: any sequence, or a 1-d NumPy array (taken without a copy).
Column: TypeAlias = Sequence[Any] | np.ndarray


def is_missing(value: Any) -> bool:
    """``True`` for ``None``, ``""`` and float ``NaN`` — the three spellings of "no value"."""
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return False


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, Real) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def factorize(seq: Any) -> tuple[tuple[Any, ...], np.ndarray]:
    """Map a sequence to ``(uniques, codes)`` with ``uniques[codes[i]] == seq[i]``.

    ``uniques`` is sorted (numbers numerically, then everything else by ``str``), so codes do
    not depend on row order. Fast paths for numeric numpy arrays.
    """
    arr = seq if isinstance(seq, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(seq)
        except (ValueError, TypeError):
            arr = None
    if arr is not None and arr.ndim == 1 and arr.dtype.kind in "iuf":
        if arr.dtype.kind == "f" and arr.size and np.isfinite(arr).all():
            lo, hi = float(arr.min()), float(arr.max())
            if hi - lo <= 4 * arr.size + 1024:
                as_int = arr.astype(np.int64)
                if np.array_equal(as_int, arr):
                    uniq_i, codes = factorize(as_int)
                    return tuple(float(u) for u in uniq_i), codes
        if arr.dtype.kind in "iu" and arr.size:
            lo, hi = int(arr.min()), int(arr.max())
            if hi - lo <= 4 * arr.size + 1024:
                present = np.bincount(arr - lo, minlength=hi - lo + 1) > 0
                lookup = np.cumsum(present) - 1
                uniq = np.flatnonzero(present) + lo
                return tuple(uniq.tolist()), lookup[arr - lo].astype(np.int64)
        uniq, codes = np.unique(arr, return_inverse=True)
        return tuple(uniq.tolist()), codes.astype(np.int64).reshape(-1)
    seq_list = list(seq)
    uniques = sorted(set(seq_list), key=_sort_key)
    index = {u: i for i, u in enumerate(uniques)}
    return tuple(uniques), np.fromiter(
        (index[v] for v in seq_list), dtype=np.int64, count=len(seq_list)
    )


def count_matrix(row_idx: np.ndarray, value_idx: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Row × category count matrix of (row, category) index pairs, in one ``np.bincount``."""
    key = np.multiply(row_idx, k, dtype=np.int64)
    key += value_idx
    return np.bincount(key, minlength=n_rows * k).reshape(n_rows, k)


def row_sums(matrix: np.ndarray) -> np.ndarray:
    """``matrix.sum(axis=1)`` several times faster for the few columns of a count matrix
    (numpy reduces a short contiguous axis row by row); exact for integer counts."""
    return np.einsum("ij->i", matrix)


@dataclass(frozen=True, eq=False)
class Ratings:
    """Annotations as integer codes, missing values already dropped.

    ``items[item_idx[r]]``, ``annotators[annot_idx[r]]`` and ``categories[value_idx[r]]`` are
    the item, annotator and value of annotation ``r``. ``numeric`` holds the values as floats
    when the ratings were built with ``numeric=True``. ``categories`` is the ordered scale.
    """

    items: tuple[Any, ...]
    annotators: tuple[Any, ...]
    categories: tuple[Any, ...]
    item_idx: np.ndarray
    annot_idx: np.ndarray
    value_idx: np.ndarray
    numeric: np.ndarray | None = None

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_annotators(self) -> int:
        return len(self.annotators)

    @property
    def n_annotations(self) -> int:
        return int(self.item_idx.size)

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    def counts(self) -> np.ndarray:
        """Item × category count matrix (one ``np.bincount``)."""
        return count_matrix(self.item_idx, self.value_idx, self.n_items, self.n_categories)

    def category_values(self) -> np.ndarray:
        """The categories as floats (for numeric ratings)."""
        return np.asarray(self.categories, dtype=float)

    def subset(self, mask: np.ndarray) -> Ratings:
        """Ratings restricted to the annotations selected by ``mask`` (codes re-packed)."""
        item_ids, item_codes = np.unique(self.item_idx[mask], return_inverse=True)
        ann_ids, ann_codes = np.unique(self.annot_idx[mask], return_inverse=True)
        return Ratings(
            items=tuple(self.items[i] for i in item_ids),
            annotators=tuple(self.annotators[a] for a in ann_ids),
            categories=self.categories,
            item_idx=item_codes.reshape(-1),
            annot_idx=ann_codes.reshape(-1),
            value_idx=self.value_idx[mask],
            numeric=None if self.numeric is None else self.numeric[mask],
        )


def _missing_mask(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return np.isnan(values)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        return np.zeros(values.shape, dtype=bool)
    return np.fromiter((is_missing(v) for v in values), dtype=bool, count=len(values))


def _to_float(values: Any) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        return values.astype(float)
    out = np.empty(len(values), dtype=float)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, Real | str):
            raise ValueError(f"value {v!r} at row {i} is not a number")
        try:
            out[i] = float(v)
        except ValueError:
            raise ValueError(f"value {v!r} at row {i} is not a number") from None
        if not math.isfinite(out[i]):
            raise ValueError(f"value {v!r} at row {i} is not a finite number")
    return out


def _check_column(name: str, column: Any, uniques: tuple[Any, ...], *, is_id: bool) -> None:
    """Reject NaN/±inf ids and ±inf labels: vectorised on a numeric array, else over the
    (few) distinct values."""
    check = checks.ids if is_id else checks.labels
    if isinstance(column, np.ndarray) and column.dtype.kind in "iuf":
        check(name, column)
    else:
        check(name, uniques)


def first_duplicate(
    item_idx: np.ndarray, annot_idx: np.ndarray, n_items: int, n_annotators: int
) -> tuple[int, int] | None:
    """The (item, annotator) codes of a pair that occurs twice, or ``None``."""
    if not item_idx.size:
        return None
    n_ann = max(n_annotators, 1)
    key = item_idx * n_ann + annot_idx
    if n_items * n_ann <= max(16 * key.size, 1 << 24):  # one byte a cell: no sort
        seen = np.zeros(n_items * n_ann, dtype=bool)
        seen[key] = True
        if np.count_nonzero(seen) == key.size:
            return None
    if n_items * n_ann <= max(4 * key.size, 1 << 22):
        cnt = np.bincount(key, minlength=n_items * n_ann)
        uniq = np.arange(cnt.size)
    else:
        uniq, cnt = np.unique(key, return_counts=True)
    if cnt.max() <= 1:
        return None
    item, annotator = divmod(int(uniq[np.argmax(cnt > 1)]), n_ann)
    return item, annotator


def ratings_from_long(
    items: Column,
    annotators: Column,
    values: Column,
    *,
    numeric: bool = False,
    categories: Sequence[Any] | None = None,
) -> Ratings:
    """Build :class:`Ratings` from parallel long-format sequences.

    :param numeric: values must be numbers (ordinal, interval and ratio levels); the numeric
        order is then the category order.
    :param categories: an explicit ordered scale; every non-missing value must be in it.
    :raises ValueError: on sequences of different lengths, a NaN or infinite id, an infinite
        value, a non-numeric value when ``numeric``, a value outside ``categories`` (which
        must be finite) or a duplicate (item, annotator) pair.
    """
    n = len(items)
    if len(annotators) != n or len(values) != n:
        raise ValueError(
            f"items, annotators and values differ in length ({n}, {len(annotators)}, {len(values)})"
        )
    keep = ~_missing_mask(values)
    all_kept = bool(keep.all())

    def take(seq: Any) -> Any:
        if all_kept:
            return seq
        if isinstance(seq, np.ndarray):
            return seq[keep]
        return [v for v, k in zip(seq, keep, strict=True) if k]

    items_k, annots_k, values_k = take(items), take(annotators), take(values)
    item_u, item_idx = factorize(items_k)
    _check_column("items", items_k, item_u, is_id=True)
    ann_u, annot_idx = factorize(annots_k)
    _check_column("annotators", annots_k, ann_u, is_id=True)
    num = None
    if numeric:
        num = _to_float(values_k)
        cats, value_idx = factorize(num)
        _check_column("values", num, cats, is_id=False)
    else:
        cats, value_idx = factorize(values_k)
        _check_column("values", values_k, cats, is_id=False)
    if categories is not None:
        scale = tuple(categories)
        checks.ids("categories", scale)
        pos = {c: i for i, c in enumerate(scale)}
        try:
            remap = np.array([pos[c] for c in cats], dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"value {exc.args[0]!r} is not in the given categories") from None
        value_idx = remap[value_idx] if remap.size else value_idx
        cats = scale
    pair = first_duplicate(item_idx, annot_idx, len(item_u), len(ann_u))
    if pair is not None:
        it, an = pair
        raise ValueError(f"duplicate annotation for item {item_u[it]!r} by annotator {ann_u[an]!r}")
    return Ratings(item_u, ann_u, tuple(cats), item_idx, annot_idx, value_idx, num)


def ratings_from_matrix(
    matrix: Any, *, numeric: bool = False, categories: Sequence[Any] | None = None
) -> Ratings:
    """Build :class:`Ratings` from a raters × units matrix (``None``/``NaN``/``""`` = missing).

    Annotator ids are row numbers, item ids column numbers.
    """
    arr = np.asarray(matrix, dtype=float if numeric else None)
    if arr.dtype.kind not in "iuf":
        arr = np.asarray(matrix, dtype=object)
    if arr.ndim != 2:
        raise ValueError("the reliability matrix must be 2-dimensional (raters × units)")
    if arr.dtype.kind == "f":
        mask = ~np.isnan(arr)
    elif arr.dtype.kind in "iu":
        mask = np.ones(arr.shape, dtype=bool)
    else:
        mask = ~np.vectorize(is_missing, otypes=[bool])(arr) if arr.size else arr.astype(bool)
    raters, units = np.nonzero(mask)
    return ratings_from_long(units, raters, arr[mask], numeric=numeric, categories=categories)


def counts_from_matrix(
    matrix: Any, max_categories: int = 4096
) -> tuple[np.ndarray, int, int] | None:
    """Fast path for a numeric raters × units matrix of integer-valued codes (``NaN`` =
    missing): ``(counts, n_annotations, n_annotators)`` with ``counts`` the units × values
    count matrix (units without values dropped, one column per integer in the value range),
    built row by row without long-format copies. ``None`` when the matrix does not qualify
    (non-numeric, non-integral or too wide a value range); use :func:`ratings_from_matrix`.
    """
    if isinstance(matrix, Ratings):
        return None
    arr = np.asarray(matrix) if isinstance(matrix, np.ndarray) else None
    if arr is None or arr.ndim != 2 or arr.dtype.kind not in "iuf" or arr.size == 0:
        return None
    valid = ~np.isnan(arr) if arr.dtype.kind == "f" else np.ones(arr.shape, dtype=bool)
    if not valid.any():
        return None
    lo, hi = (np.nanmin(arr), np.nanmax(arr)) if arr.dtype.kind == "f" else (arr.min(), arr.max())
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo >= max_categories:
        return None
    lo_i = int(lo)
    width = int(hi) - lo_i + 1
    counts = np.zeros((arr.shape[1], width), dtype=np.uint8 if arr.shape[0] < 256 else np.int32)
    for row, ok in zip(arr, valid, strict=True):
        idx = np.flatnonzero(ok)
        vals = row[idx]
        codes = vals.astype(np.int64) - lo_i
        if arr.dtype.kind == "f" and not np.array_equal(codes + lo_i, vals):
            return None
        counts[idx, codes] += 1  # a rater rates each unit at most once: no repeated index
    rated = valid.any(axis=0)
    n_raters = int(valid.any(axis=1).sum())
    return counts[rated] if not rated.all() else counts, int(valid.sum()), n_raters


def as_ratings(
    items: Any,
    annotators: Any = None,
    values: Any = None,
    *,
    numeric: bool = False,
    categories: Sequence[Any] | None = None,
) -> Ratings:
    """Accept a :class:`Ratings`, a raters × units matrix (``annotators``/``values`` omitted)
    or three long-format sequences."""
    if isinstance(items, Ratings):
        if numeric and items.numeric is None:
            try:
                num = np.asarray(items.categories, dtype=float)[items.value_idx]
            except (TypeError, ValueError):
                raise ValueError("these ratings are not numeric") from None
            return Ratings(
                items.items,
                items.annotators,
                items.categories,
                items.item_idx,
                items.annot_idx,
                items.value_idx,
                num,
            )
        return items
    if annotators is None and values is None:
        return ratings_from_matrix(items, numeric=numeric, categories=categories)
    if annotators is None or values is None:
        raise ValueError("pass items, annotators and values together")
    return ratings_from_long(items, annotators, values, numeric=numeric, categories=categories)
