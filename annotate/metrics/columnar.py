"""Read a long-format CSV straight into :class:`~.data.Ratings` with pyarrow's columnar
reader: what ``annotate agreement`` uses, fast on large files.

:func:`annotate.metrics.io.read_long_file` (row by row, the standard library) defines the
format and stays the oracle: whenever this reader meets anything it does not take as is — a
parse error, a bad header, an empty id, a label that is no number at a numeric level, a
duplicate (item, annotator) pair, a file that is not UTF-8 — the row reader reads the file
and either accepts it the same way or raises its line-numbered
:class:`~.io.LongFormatError`. Ids and labels are stripped with Python's ``str.strip``, on
the distinct values only, so both readers give the same ratings for every file
(``tests/unit/metrics/test_metrics_columnar.py``).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from .data import Ratings, factorize, first_duplicate, ratings_from_long
from .io import HEADER, read_long_file


class _Declined(Exception):
    """The columnar reader does not take this file as is: the row reader decides."""


def _numbers(array: Any) -> np.ndarray:
    """An Arrow integer array as numpy, read from its buffer: pyarrow's ``to_numpy`` imports
    pandas (a second of start-up), even for a zero-copy view."""
    if array.null_count:
        raise _Declined
    data = np.frombuffer(array.buffers()[1], dtype=np.dtype(str(array.type)))
    return data[array.offset : array.offset + len(array)]


def _call(name: str, *args: Any, options: Any = None) -> Any:
    """An Arrow compute function by name: ``pyarrow.compute`` builds a wrapper for each of
    its hundreds of functions on import (a few hundredths of a second of start-up); its
    compiled core, which those wrappers call, is cheap to import."""
    from pyarrow._compute import call_function

    return call_function(name, list(args), options)


def _codes(column: Any) -> tuple[list[str], np.ndarray]:
    """The distinct stripped strings, sorted as Python sorts them, and each row's code.

    ``column`` is dictionary-encoded, one dictionary per block of the file: the dictionaries
    are concatenated (a value may be in several) and sorted, equal neighbours share a code —
    cheaper than unifying them first. Arrow sorts strings by their UTF-8 bytes, which is
    code point order, as Python's; Python strips the (rare) values with surrounding
    whitespace, so both readers' ids are the same.
    """
    import pyarrow as pa

    chunks = column.chunks
    if not chunks:
        return [], np.empty(0, dtype=np.int64)
    shift = np.cumsum([0] + [len(chunk.dictionary) for chunk in chunks[:-1]]).tolist()
    indices = np.concatenate(
        [_numbers(chunk.indices) + d for chunk, d in zip(chunks, shift, strict=True)],
        dtype=np.int64,
    )
    dictionary = pa.concat_arrays([chunk.dictionary for chunk in chunks])
    if _padded(dictionary):
        stripped = [value.strip() for value in dictionary.to_pylist()]
        uniques = sorted(set(stripped))
        position = {value: i for i, value in enumerate(uniques)}
        remap = np.fromiter((position[v] for v in stripped), dtype=np.int64, count=len(stripped))
        return uniques, remap[indices]
    order = _call("array_sort_indices", dictionary)
    ordered = _call("take", dictionary, order)
    first = np.ones(len(ordered), dtype=bool)  # not equal to the value before it
    if len(ordered) > 1:
        equal = _call("equal", ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        bits = np.unpackbits(np.frombuffer(equal.buffers()[1], np.uint8), bitorder="little")
        first[1:] = ~bits[equal.offset : equal.offset + len(equal)].astype(bool)
    rank = np.empty(len(order), dtype=np.int64)
    rank[_numbers(order)] = np.cumsum(first) - 1
    if not first.all():
        kept = np.flatnonzero(first)  # pa.array(numpy) would import pandas
        positions = pa.Array.from_buffers(pa.int64(), kept.size, [None, pa.py_buffer(kept)])
        ordered = _call("take", ordered, positions)
    return ordered.to_pylist(), rank[indices]


#: The first bytes (UTF-8) of the characters Python's ``str.strip`` removes: the ASCII
#: ones, and every byte of a non-ASCII character (a few of those are spaces).
_SPACE_BYTES = np.zeros(256, dtype=bool)
_SPACE_BYTES[[ord(ch) for ch in map(chr, range(128)) if ch.isspace()]] = True
_SPACE_BYTES[128:] = True


def _padded(strings: Any) -> bool:
    """Whether a value of the Arrow string array starts or ends with what Python's
    ``str.strip`` removes: the first and last bytes of each value are looked at, and the
    distinct first and last characters only when one of them is not ASCII."""
    from pyarrow._compute import SliceOptions

    offsets_buf, data_buf = strings.buffers()[1:3]
    if data_buf is None or not data_buf.size:
        return False
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not (_SPACE_BYTES[data[starts[filled]]].any() or _SPACE_BYTES[data[ends[filled] - 1]].any()):
        return False
    import pyarrow as pa

    firsts = _call("utf8_slice_codeunits", strings, options=SliceOptions(0, 1))
    lasts = _call("utf8_slice_codeunits", strings, options=SliceOptions(-1))
    ends_chars = _call("unique", pa.concat_arrays([firsts, lasts]))
    return any(ch.isspace() for ch in ends_chars.to_pylist())


def _repack(
    codes: np.ndarray, uniques: list[str], dropped: bool
) -> tuple[tuple[str, ...], np.ndarray]:
    """Codes of the kept rows re-numbered over the values they use (as the row reader's).
    Every value of a block's dictionary occurs in the block: only ``dropped`` rows (missing
    labels) may leave one unused."""
    if not dropped:
        return tuple(uniques), codes
    present = np.bincount(codes, minlength=len(uniques)) > 0
    if present.all():
        return tuple(uniques), codes.astype(np.int64, copy=False)
    lookup = np.cumsum(present) - 1
    used = np.flatnonzero(present).tolist()
    return tuple(uniques[i] for i in used), lookup[codes].astype(np.int64)


def _columnar(path: Path, numeric: bool) -> Ratings:
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        try:
            names = next(csv.reader([fh.readline()]), [])
        except (UnicodeDecodeError, csv.Error):
            raise _Declined from None
    if tuple(name.strip() for name in names) != HEADER:
        raise _Declined
    try:
        table = pa_csv.read_csv(
            path,
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.dictionary(pa.int32(), pa.string())),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        raise _Declined from None
    if not table.num_rows or any(not pa.types.is_dictionary(t) for t in table.schema.types):
        raise _Declined
    items, item_codes = _codes(table.column(0))
    annotators, annot_codes = _codes(table.column(1))
    labels, label_codes = _codes(table.column(2))
    if "" in items or "" in annotators:
        raise _Declined  # the row reader skips a blank row and refuses an empty id
    if first_duplicate(item_codes, annot_codes, len(items), len(annotators)) is not None:
        raise _Declined  # a duplicate pair is refused even when a label is missing
    dropped = "" in labels
    if dropped:  # missing labels: their rows go
        keep = label_codes != labels.index("")
        item_codes, annot_codes, label_codes = (
            item_codes[keep],
            annot_codes[keep],
            label_codes[keep],
        )
    item_u, item_idx = _repack(item_codes, items, dropped)
    ann_u, annot_idx = _repack(annot_codes, annotators, dropped)
    if not numeric:
        categories, value_idx = _repack(label_codes, labels, dropped)
        return Ratings(item_u, ann_u, categories, item_idx, annot_idx, value_idx)
    try:
        numbers = [math.nan if label == "" else float(label) for label in labels]
    except ValueError:
        raise _Declined from None
    values = np.asarray(numbers, dtype=float)[label_codes]
    if not np.isfinite(values).all():
        raise _Declined
    categories_f, value_idx = factorize(values)
    return Ratings(item_u, ann_u, categories_f, item_idx, annot_idx, value_idx, values)


def read_long_ratings(path: str | Path, *, numeric: bool = False) -> Ratings:
    """The ratings in a long-format ``.csv`` or ``.jsonl`` file, as
    ``ratings_from_long(*read_long_file(path, numeric=numeric), numeric=numeric)`` gives
    them; CSV files are read by columns.

    :raises LongFormatError: as :func:`~.io.read_long_file`, naming the line.
    :raises ValueError: for a duplicate (item, annotator) pair the file format allows.
    :raises OSError: if the file cannot be read.
    """
    p = Path(path)
    if p.suffix.lower() == ".csv":
        try:
            return _columnar(p, numeric)
        except _Declined:
            pass
    return ratings_from_long(*read_long_file(p, numeric=numeric), numeric=numeric)
