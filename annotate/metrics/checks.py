"""Argument checks shared by the public functions: each raises ``ValueError`` naming the
argument, so no NaN, infinity or fractional count reaches a formula and comes back as a
silently wrong figure.

Ids (items, annotators) may be any hashable value but not a NaN or an infinite number; a
label may be missing (``None``, ``""``, NaN — dropped, see :mod:`.data`) but not ±inf.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def count(name: str, value: Any, *, minimum: int = 0) -> int:
    """``value`` as an ``int`` ≥ ``minimum``; integral floats (``3.0``) are accepted.

    :raises ValueError: for NaN, ±inf, a fraction, a non-number or a value below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, Integral):
        out = int(value)
    else:
        f = float(value)
        if not math.isfinite(f) or not f.is_integer():
            raise ValueError(f"{name} must be an integer, got {value!r}")
        out = int(f)
    if out < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {out}")
    return out


def real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    """``value`` as a finite ``float`` within the given bounds.

    :raises ValueError: for NaN, ±inf, a non-number or a value out of bounds.
    """
    if not _is_number(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    f = float(value)
    if not math.isfinite(f):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = low is not None and (f <= low if open_low else f < low)
    too_high = high is not None and (f >= high if open_high else f > high)
    if too_low or too_high:
        left = "(" if open_low else "["
        right = ")" if open_high else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value!r}")
    return f


def confidence(value: Any, name: str = "confidence") -> float:
    """A confidence level in (0, 1)."""
    return real(name, value, low=0, high=1, open_low=True, open_high=True)


def seed(value: Any, name: str = "seed") -> int:
    """A random seed: a non-negative integer."""
    return count(name, value)


def _nonfinite(value: Any) -> bool:
    return _is_number(value) and not math.isfinite(float(value))


def _numpy_array(values: Iterable[Any]) -> Any:
    """numpy, when ``values`` is one of its arrays, else None. An array exists only if numpy
    was imported, so this module never imports it (``annotate sample-plan`` starts fast)."""
    np = sys.modules.get("numpy")
    return np if np is not None and isinstance(values, np.ndarray) else None


def ids(name: str, values: Iterable[Any]) -> None:
    """Reject a NaN or infinite id (``values`` are ids: items, annotators, gold keys…)."""
    if (np := _numpy_array(values)) is not None:
        array: Any = values
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or an infinite number; ids must be finite")
        if array.dtype.kind not in "O":
            return
    for v in values:
        if _is_number(v) and not math.isfinite(float(v)):
            raise ValueError(f"{name} contains {v!r}; ids must not be NaN or infinite")


def labels(name: str, values: Iterable[Any]) -> None:
    """Reject ±inf among labels (NaN is a missing value, handled by the caller)."""
    if (np := _numpy_array(values)) is not None:
        array: Any = values
        if array.dtype.kind == "f" and np.isinf(array).any():
            raise ValueError(f"{name} contains an infinite number; labels must be finite")
        if array.dtype.kind not in "O":
            return
    for v in values:
        if _is_number(v) and math.isinf(float(v)):
            raise ValueError(f"{name} contains {v!r}; labels must be finite")


def finite_result(name: str, value: float | None) -> float | None:
    """Pass ``None`` (undefined) or a finite number; a NaN or ±inf result is a bug upstream.

    :raises ValueError: naming ``name`` (the function that produced it).
    """
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{name} returned {value!r}; a metric must return a number or None")
    return value


__all__ = ["confidence", "count", "finite_result", "ids", "labels", "real", "seed"]
