"""A computed report to JSON and back, for :class:`~annotate.models.ReportSnapshot`.

Figures are stored as rows (the :class:`~.figures.Figure` fields in order), so a new scope or
metric needs no change here. What the dashboard draws besides (``report.extras``, the pairwise
matrix, the counts the pages print) is tagged JSON: dataclasses of :data:`TYPES` become
``{"@": name, ...fields}``, tuples ``{"@t": [...]}``, dicts with keys that are not strings
``{"@d": [[key, value], ...]}``, NumPy values plain numbers, NaN and infinities
``{"@f": "nan"}`` (JSON has none). Anything else is refused at encoding time, so a new extra
of an unknown type fails the snapshot job loudly instead of being stored half.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from annotate.metrics import PairwiseResult
from annotate.services.quality.figures import ClauseRow, Figure, TrendPoint
from annotate.services.quality.position import PositionCounts
from annotate.services.quality.prediction_figures import ModelSummary

#: The dataclasses a snapshot may hold, by the tag stored for them.
TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Figure, TrendPoint, ClauseRow, ModelSummary, PairwiseResult, PositionCounts)
}
FIGURE_FIELDS = tuple(f.name for f in dataclasses.fields(Figure))


def figure_rows(figures: list[Figure]) -> list[list[Any]]:
    """The figures as JSON rows, fields in :class:`Figure` order."""
    return [[encode(getattr(f, name)) for name in FIGURE_FIELDS] for f in figures]


def figures_from(rows: list[list[Any]]) -> list[Figure]:
    return [Figure(*(decode(v) for v in row)) for row in rows]


def encode(value: Any) -> Any:
    """``value`` as JSON-safe data (see the module's docstring)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {"@f": str(value)}
    if isinstance(value, np.ndarray):
        return [encode(v) for v in value.tolist()]
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"@t": [encode(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("@") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"@d": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and type(value).__name__ in TYPES:
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"@": type(value).__name__} | fields
    raise TypeError(f"a report snapshot cannot store {type(value).__name__}")


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "@t" in value:
        return tuple(decode(v) for v in value["@t"])
    if "@f" in value:
        return float(value["@f"])
    if "@d" in value:
        return {_key(decode(k)): decode(v) for k, v in value["@d"]}
    if "@" in value:
        cls = TYPES[value["@"]]
        return cls(**{k: decode(v) for k, v in value.items() if k != "@"})
    return {k: decode(v) for k, v in value.items()}


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
