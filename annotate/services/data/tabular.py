"""Tabular exports for analysts: Parquet (one row per item, like the CSV) and the long format
(one row per annotation) in CSV and Parquet, with declared column types, streamed.

Parquet is written by row groups of ``ROW_GROUP`` rows: the rows of one group are collected
as Python column lists, turned into one Arrow record batch, written, and the bytes the writer
produced are yielded at once — so memory holds one row group, whatever the project's size.
An empty project gives a valid Parquet file with its schema (no row group), or a CSV with its
header.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotate.services.data.dataset_rows import ExportRow
from annotate.services.data.long_rows import LONG_COLUMNS
from annotate.services.data.spreadsheet import safe_text

#: Rows per Parquet row group (and per yielded chunk of a long CSV).
ROW_GROUP = 50_000

_TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "string": pa.string(),
    "bool": pa.bool_(),
    "float64": pa.float64(),
    "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"),
    "list<string>": pa.list_(pa.string()),
}
#: The wide export's columns (those of the CSV) and their types; structured cells are JSON text.
WIDE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("external_id", "string"),
    ("item_id", "int64"),
    ("batch", "string"),
    ("batch_status", "string"),
    ("source", "string"),
    ("licence", "string"),
    ("payload", "string"),
    ("gold", "string"),
    ("personal_info", "bool"),
    ("n_annotations", "int32"),
    ("annotations", "string"),
    ("consensus", "string"),
    ("consensus_method", "string"),
    ("confidence", "float64"),
    ("confidence_low", "float64"),
    ("confidence_high", "float64"),
    ("ties", "string"),
    ("rulebook_versions", "list<string>"),
)


def arrow_schema(columns: Iterable[tuple[str, str]]) -> pa.Schema:
    """The Arrow schema of declared ``(name, type)`` columns."""
    return pa.schema([pa.field(name, _TYPES[kind]) for name, kind in columns])


LONG_SCHEMA = arrow_schema(LONG_COLUMNS)
WIDE_SCHEMA = arrow_schema(WIDE_COLUMNS)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def wide_tuple(row: ExportRow, annotations: list[dict[str, Any]]) -> tuple[Any, ...]:
    """The wide Parquet row of ``row`` in :data:`WIDE_COLUMNS` order."""
    return (
        row.external_id,
        row.item_id,
        row.batch,
        row.batch_status,
        row.source,
        row.licence,
        _json(row.payload),
        _json(row.gold),
        row.personal_info,
        len(row.annotations),
        _json(annotations) if annotations else None,
        _json(row.consensus),
        row.consensus_method,
        # several questions: one share per question, in the JSONL and CSV exports only
        None if isinstance(row.confidence, dict) else row.confidence,
        row.confidence_low,
        row.confidence_high,
        _json(row.ties),
        row.rulebook_versions,
    )


class _Drain:
    """A write-only file for the Parquet writer whose bytes are taken as they come."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


def iter_parquet(
    rows: Iterable[tuple[Any, ...]], schema: pa.Schema, row_group: int = ROW_GROUP
) -> Iterator[bytes]:
    """Yield a Parquet file of ``rows`` (tuples in ``schema`` order) in chunks of bytes, one
    row group at a time (zstd-compressed)."""
    drain = _Drain()
    writer = pq.ParquetWriter(pa.PythonFile(drain, mode="w"), schema, compression="zstd")
    names = schema.names
    columns: list[list[Any]] = [[] for _ in names]
    pending = 0
    try:
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
            pending += 1
            if pending >= row_group:
                writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
                columns = [[] for _ in names]
                pending = 0
                if data := drain.take():
                    yield data
        if pending:
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
    finally:
        writer.close()
    yield drain.take()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return safe_text(value)


def iter_long_csv(rows: Iterable[tuple[Any, ...]], chunk_rows: int = 1000) -> Iterator[str]:
    """Yield the long CSV (header first) in text chunks of ``chunk_rows`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in LONG_COLUMNS])
    pending = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
