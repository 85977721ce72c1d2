"""Reading import files: JSONL, CSV and Label Studio task JSON into :class:`Record` objects.

Malformed lines become problems (``line N: reason``), never exceptions, so the importer can
report every problem of a file at once.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

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
    if fmt not in FORMATS:
        return [], [f"format: {fmt!r} is not one of {', '.join(FORMATS)}"]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [f"file: not UTF-8 text ({exc.reason} at byte {exc.start})"]
    if fmt == "jsonl":
        return _read_jsonl(text)
    if fmt == "csv":
        return _read_csv(text)
    return _read_label_studio(text)


def _read_jsonl(text: str) -> tuple[list[Record], list[str]]:
    records, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {number}: must be a JSON object")
            continue
        records.append(Record(f"line {number}", obj))
    return records, problems


def _read_csv(text: str) -> tuple[list[Record], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    records, problems = [], []
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            if None in row:
                problems.append(f"{where}: more cells than header columns")
                continue
            records.append(Record(where, {k: v for k, v in row.items() if k}, from_csv=True))
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: malformed CSV ({exc})")
    if not reader.fieldnames:
        problems.append("line 1: the CSV file needs a header row")
    return records, problems


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
