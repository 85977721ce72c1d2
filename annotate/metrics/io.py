"""Read long-format annotation files: CSV (header ``item,annotator,label``) or JSONL.

Pure (stdlib only). Every problem raises :class:`LongFormatError` naming the line.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

HEADER = ("item", "annotator", "label")


class LongFormatError(ValueError):
    """A malformed annotation file; ``line`` is 1-based (0 when not tied to a line)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def _number(label: Any, line: int) -> float:
    if isinstance(label, bool) or not isinstance(label, int | float | str):
        raise LongFormatError(f"label {label!r} is not a number", line)
    try:
        value = float(label)
    except ValueError:
        raise LongFormatError(f"label {label!r} is not a number", line) from None
    if not math.isfinite(value):
        raise LongFormatError(f"label {label!r} is not a finite number", line)
    return value


class _Collector:
    def __init__(self, numeric: bool) -> None:
        self.numeric = numeric
        self.items: list[Any] = []
        self.annotators: list[Any] = []
        self.labels: list[Any] = []
        self.seen: dict[tuple[Any, Any], int] = {}

    def add(self, item: Any, annotator: Any, label: Any, line: int) -> None:
        for name, v in (("item", item), ("annotator", annotator)):
            if v is None or v == "" or isinstance(v, bool | list | dict | float):
                raise LongFormatError(f"{name} must be a non-empty string or integer", line)
        key = (str(item), str(annotator))
        if key in self.seen:
            raise LongFormatError(
                f"duplicate (item, annotator) pair ({item!r}, {annotator!r}); "
                f"first on line {self.seen[key]}",
                line,
            )
        self.seen[key] = line
        if label is None or label == "":
            label = None
        elif self.numeric:
            label = _number(label, line)
        elif isinstance(label, bool | list | dict):
            raise LongFormatError(f"label {label!r} must be a string or number", line)
        elif isinstance(label, float) and not math.isfinite(label):
            raise LongFormatError(f"label {label!r} is not a finite number", line)
        else:
            label = str(label)
        self.items.append(str(item))
        self.annotators.append(str(annotator))
        self.labels.append(label)


def _read_csv(path: Path, col: _Collector) -> None:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise LongFormatError(f"the header must be {','.join(HEADER)}", 1)
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != 3:
                raise LongFormatError(f"expected 3 fields, found {len(row)}", line)
            item, annotator, label = (c.strip() for c in row)
            col.add(item, annotator, label, line)


def _read_jsonl(path: Path, col: _Collector) -> None:
    with path.open(encoding="utf-8") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LongFormatError(f"invalid JSON ({exc.msg})", line) from None
            if not isinstance(obj, dict):
                raise LongFormatError("each line must be a JSON object", line)
            missing = [k for k in ("item", "annotator") if k not in obj]
            if missing:
                raise LongFormatError(f"missing key(s): {', '.join(missing)}", line)
            extra = set(obj) - set(HEADER)
            if extra:
                raise LongFormatError(f"unknown key(s): {', '.join(sorted(extra))}", line)
            col.add(obj["item"], obj["annotator"], obj.get("label"), line)


def read_long_file(
    path: str | Path, *, numeric: bool = False
) -> tuple[list[str], list[str], list[Any]]:
    """Read ``item, annotator, label`` rows from a ``.csv`` or ``.jsonl`` file.

    An empty label (JSON ``null`` or ``""``) is returned as ``None`` (missing). With
    ``numeric`` every present label must be a number and is returned as a float; otherwise
    labels are strings. Ids are returned as strings.

    :raises LongFormatError: for an unknown extension, a bad header, invalid JSON, a wrong
        number of fields, a non-numeric label when ``numeric``, a JSON ``NaN``/``Infinity``
        label, or a duplicate
        (item, annotator) pair.
    :raises OSError: if the file cannot be read.
    """
    p = Path(path)
    col = _Collector(numeric)
    suffix = p.suffix.lower()
    try:
        if suffix == ".csv":
            _read_csv(p, col)
        elif suffix == ".jsonl":
            _read_jsonl(p, col)
        else:
            raise LongFormatError(f"unknown file extension {p.suffix!r} (use .csv or .jsonl)")
    except UnicodeDecodeError as exc:
        raise LongFormatError(f"the file is not UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise LongFormatError(f"malformed CSV ({exc})") from None
    return col.items, col.annotators, col.labels
