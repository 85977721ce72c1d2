"""Reading import files: JSONL, CSV and Label Studio task JSON into :class:`Record` objects.

:func:`iter_records` streams a file (JSONL and CSV line by line, so a million-line file is
read in constant memory); :func:`read_records` is the same on bytes already in memory.

Malformed lines become problems (``line N: reason``), never exceptions, so the importer can
report every problem of a file at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

import orjson

FORMATS = ("jsonl", "csv", "labelstudio")


@dataclass
class Record:
    """One item as read from a file, before validation. ``line`` names it in messages."""

    line: str
    fields: dict[str, Any]
    from_csv: bool = False
    annotations: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def guess_format(filename: str) -> str:
    """The format implied by a file name's extension (``.json`` means Label Studio)."""
    suffix = PurePath(filename).suffix.lower()
    return {".csv": "csv", ".json": "labelstudio"}.get(suffix, "jsonl")


def read_records(data: bytes, fmt: str) -> tuple[list[Record], list[str]]:
    """Parse ``data`` in format ``fmt``; return the records and the parse problems."""
    problems: list[str] = []
    records = list(iter_records(io.BytesIO(data), fmt, problems))
    return records, problems


def iter_records(stream: IO[bytes], fmt: str, problems: list[str]) -> Iterator[Record]:
    """Yield the records of a binary ``stream`` one by one, appending parse problems to
    ``problems`` as they are met (JSONL and CSV are read line by line, in constant memory;
    Label Studio JSON is one document and is read whole)."""
    if fmt not in FORMATS:
        problems.append(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
        return iter(())
    if fmt == "jsonl":
        return _iter_jsonl(stream, problems)
    if fmt == "csv":
        return _iter_csv(stream, problems)
    return _iter_label_studio(stream, problems)


def _decode_problem(exc: UnicodeDecodeError, where: str) -> str:
    return f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"


def _has_float(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return True
    if kind is dict:
        return any(map(_has_float, value.values()))
    if kind is list:
        return any(map(_has_float, value))
    return False


def parse_line(raw: bytes) -> Any:
    """One JSON document from a line of bytes, exactly as :func:`json.loads` would read it.

    orjson (several times faster) reads the common line. Anything it refuses (invalid UTF-8,
    NaN/Infinity, lone surrogates, deep nesting) and any document in which it found a float
    (it reads an integer beyond 64 bits as a float) is read again by the standard library,
    whose result and error messages are the reference."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode())
    if type(obj) is dict:
        kinds = set(map(type, obj.values()))
        if float in kinds or ((dict in kinds or list in kinds) and _has_float(obj)):
            return json.loads(raw.decode())
        return obj
    return json.loads(raw.decode()) if _has_float(obj) else obj


def _iter_jsonl(stream: IO[bytes], problems: list[str]) -> Iterator[Record]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw.isspace() or not raw:
            continue
        try:
            obj = parse_line(raw)
        except UnicodeDecodeError as exc:
            problems.append(_decode_problem(exc, f"line {number}"))
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if type(obj) is not dict:
            problems.append(f"line {number}: must be a JSON object")
            continue
        yield Record(f"line {number}", obj)


def _iter_csv(stream: IO[bytes], problems: list[str]) -> Iterator[Record]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield from _read_csv(text, problems)
    except UnicodeDecodeError as exc:
        problems.append(_decode_problem(exc, "file"))
    finally:
        text.detach()


def _iter_label_studio(stream: IO[bytes], problems: list[str]) -> Iterator[Record]:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(_decode_problem(exc, "file"))
        return
    records, found = _read_label_studio(text)
    problems += found
    yield from records


def _read_csv(text: IO[str], problems: list[str]) -> Iterator[Record]:
    reader = csv.DictReader(text)
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            if None in row:
                problems.append(f"{where}: more cells than header columns")
                continue
            yield Record(where, {k: v for k, v in row.items() if k}, from_csv=True)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: malformed CSV ({exc})")
    if not reader.fieldnames:
        problems.append("line 1: the CSV file needs a header row")


def _read_label_studio(text: str) -> tuple[list[Record], list[str]]:
    try:
        tasks = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [f"line {exc.lineno}: malformed JSON ({exc.msg} at column {exc.colno})"]
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        return [], ["file: Label Studio JSON must be a list of tasks"]
    records, problems = [], []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            problems.append(f"{where}: data: each task needs a 'data' object")
            continue
        fields = dict(task["data"])
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        if "id" not in fields and "external_id" not in fields:
            ext = meta.get("external_id", task.get("id"))
            if ext is not None:
                fields["id"] = ext
        for key in ("personal_info", "gold"):  # written there by our own export
            if key in meta and key not in fields:
                fields[key] = meta[key]
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            problems.append(f"{where}: annotations: must be a list")
            continue
        records.append(Record(where, fields, annotations=[
            a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]))
    return records, problems
