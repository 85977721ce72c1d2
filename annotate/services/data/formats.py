"""Reading import files: JSONL, CSV and Label Studio task JSON into :class:`Record` objects.

:func:`iter_records` streams a file (JSONL and CSV line by line, so a million-line file is
read in constant memory); :func:`read_records` is the same on bytes already in memory.

Malformed lines become problems (``line N: reason``), never exceptions, so the importer can
report every problem of a file at once. Besides malformed JSON or CSV, a line is refused when
it holds what no database column can store or what is not JSON at all (:data:`LIMITS`):

- text (values and keys) with a NUL character (``\\u0000``) or a lone surrogate;
- nesting deeper than :data:`MAX_DEPTH` levels (a JSONL line, a whole Label Studio file);
- NaN, Infinity or an integer beyond 64 bits;
- a CSV cell whose opening quote is never closed (it would swallow the rows after it);
- a file with no items at all (empty, blank lines, a CSV header only, ``[]``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any

import orjson

from annotate.models import TaskType
from annotate.services.problems import PROBLEMS, problem

FORMATS = ("jsonl", "csv", "labelstudio")
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"", "0", "false", "no", "n", "f"}
#: How deeply a JSONL line or a Label Studio file may nest arrays and objects.
MAX_DEPTH = 64
#: The import limits in one sentence (for help texts and messages).
LIMITS = (
    f"at most {MAX_DEPTH} levels of nesting; no NUL characters or lone surrogates; "
    "finite numbers, integers within 64 bits"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_RANGE = range(-(2**63), 2**64)
_NO_ITEMS = f"line 1: {problem('no_items')}"
_TOO_DEEP = problem("too_deep", n=MAX_DEPTH)


@dataclass
class Record:
    """One item as read from a file, before validation. ``line`` names it in messages."""

    line: str
    fields: dict[str, Any]
    from_csv: bool = False
    annotations: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: Label Studio ``predictions`` (model pre-annotations).
    predictions: list[dict[str, Any]] = field(default_factory=list)


def flag_value(value: Any) -> bool | None:
    """A yes/no cell (``personal_info``) as a bool; None when it is neither."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def csv_gold(task_type: TaskType, raw: str) -> Any:
    """A CSV ``gold`` cell as a value: JSON when it looks like it, ``a|b`` for multi-label."""
    raw = raw.strip()
    if raw.startswith(("[", "{")):
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, RecursionError, ValueError):
            return raw
    if task_type == TaskType.multi_label:
        return [part.strip() for part in raw.split("|") if part.strip()]
    return raw


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
    return _load(raw)[0]


def _load(raw: bytes) -> tuple[Any, bool]:
    """:func:`parse_line`, and whether orjson's reading stood (then the document has no lone
    surrogate, NaN, Infinity, float or integer beyond 64 bits: no need to look for them)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode()), False
    if type(obj) is dict:
        kinds = set(map(type, obj.values()))
        if float in kinds or ((dict in kinds or list in kinds) and _has_float(obj)):
            return json.loads(raw.decode()), False
        return obj, True
    return (json.loads(raw.decode()), False) if _has_float(obj) else (obj, True)


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return problem("nul")
    if _SURROGATE.search(text):
        return problem("surrogate")
    return None


def text_problem(text: str) -> str | None:
    """What makes ``text`` unstorable (a NUL character, a lone surrogate), or None."""
    return _text_problem(text)


def value_problem(document: Any, depth: int = 0) -> str | None:
    """The first thing in a parsed JSON ``document`` that cannot be imported (see the module
    docstring), as ``field: reason``; None when there is none. Iterative: any depth is safe.
    ``depth`` is the nesting level the document itself sits at."""
    stack: list[tuple[Any, int, str | None]] = [(document, depth, "")]
    while stack:
        value, level, where = stack.pop()
        kind = type(value)
        problem = None
        if kind is dict or kind is list:
            if level >= MAX_DEPTH:
                return f"{where or 'file'}: {_TOO_DEEP}"
            pairs = value.items() if kind is dict else ((None, v) for v in value)
            for key, inner in pairs:
                if key is not None and (problem := _text_problem(key)):
                    return f"{where or key!r}: a key {problem}"
                stack.append((inner, level + 1, where or (key if level == depth else "")))
        elif kind is str:
            problem = _text_problem(value)
        elif kind is float and not math.isfinite(value):
            problem = PROBLEMS["nan"]
        elif kind is int and value not in _INT_RANGE:
            problem = PROBLEMS["big_integer"]
        if problem:
            return f"{where or 'value'}: {problem}"
    return None


def _iter_jsonl(stream: IO[bytes], problems: list[str]) -> Iterator[Record]:
    empty = True
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw.isspace() or not raw:
            continue
        empty = False
        try:
            obj, clean = _load(raw)
        except (ValueError, RecursionError) as exc:
            problems.append(f"line {number}: {_parse_problem(exc)}")
            continue
        # orjson's reading leaves only NUL and depth to look for, and only if the bytes say so
        if not clean or b"\\u0000" in raw or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
            problem = value_problem(obj)
            if problem is not None:
                problems.append(f"line {number}: {problem}")
                continue
        if type(obj) is not dict:
            problems.append(f"line {number}: {PROBLEMS['json_object']}")
            continue
        yield Record(f"line {number}", obj)
    if empty:
        problems.append(_NO_ITEMS)


def _parse_problem(exc: ValueError | RecursionError) -> str:
    """Why a JSONL line could not be read."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    if isinstance(exc, json.JSONDecodeError):
        return f"malformed JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, RecursionError):
        return _TOO_DEEP
    return "an integer beyond 64 bits"  # int() refuses more than 4,300 digits


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
    # strict: a quote opened and never closed is an error, not a cell swallowing the rest.
    reader = csv.DictReader(text, strict=True)
    start, empty = 1, True
    try:
        if not reader.fieldnames:
            problems.append(f"line 1: {PROBLEMS['csv_header']}")
            return
        bad = next(filter(None, map(_text_problem, reader.fieldnames)), None)
        if bad:
            problems.append(f"line 1: a column name {bad}")
            return
        start = reader.line_num + 1
        for row in reader:
            empty = False
            where = f"line {start}"
            start = reader.line_num + 1
            if None in row:
                problems.append(f"{where}: {PROBLEMS['more_cells']}")
                continue
            cells = {k: v for k, v in row.items() if k}
            if any("\x00" in v for v in cells.values() if v):
                column = next(k for k, v in cells.items() if v and "\x00" in v)
                problems.append(f"{where}: {column}: contains a NUL character (\\u0000)")
                continue
            yield Record(where, cells, from_csv=True)
    except csv.Error as exc:
        empty = False
        if "unexpected end of data" in str(exc):
            problems.append(
                f"line {start}: malformed CSV (a quoted cell opened in this row is never closed)"
            )
        else:
            problems.append(f"line {reader.line_num}: malformed CSV ({exc})")
    if empty:
        problems.append(_NO_ITEMS)


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|\n')


def _deep_line(text: str) -> int:
    """The line where ``text`` first nests deeper than :data:`MAX_DEPTH` (1 if it never)."""
    line, depth = 1, 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif token in "]}":
            depth -= 1
        else:
            line += token.count("\n")
    return 1


def _task_lines(text: str) -> list[int]:
    """The line on which each task of a Label Studio list starts (read only when a task has
    a problem to report; ``text`` is known to nest at most a few hundred levels)."""
    lines, line, depth = [], 1, 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth == 2:
                lines.append(line)
        elif token in "]}":
            depth -= 1
        elif token == "\n":
            line += 1
    return lines


def _load_label_studio(text: str) -> tuple[Any, list[str]]:
    if not text.strip():
        return None, [_NO_ITEMS]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [f"line {exc.lineno}: malformed JSON ({exc.msg} at column {exc.colno})"]
    except RecursionError:
        return None, [f"line {_deep_line(text)}: {_TOO_DEEP}"]
    except ValueError:  # int() refuses more than 4,300 digits
        digits = re.search(r"\d{4301,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else 1
        return None, [f"line {line}: an integer beyond 64 bits"]


def _read_label_studio(text: str) -> tuple[list[Record], list[str]]:
    tasks, problems = _load_label_studio(text)
    if problems:
        return [], problems
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        return [], ["file: Label Studio JSON must be a list of tasks"]
    if not tasks:
        return [], [_NO_ITEMS]
    records: list[Record] = []
    lines: list[int] = []
    for number, task in enumerate(tasks, start=1):
        where = f"task {number}"
        problem = value_problem(task, depth=1)
        if problem is not None:
            lines = lines or _task_lines(text)
            line = lines[number - 1] if number <= len(lines) else 1
            problems.append(f"line {line}: {where}: {problem}")
            continue
        record = _task_record(where, task)
        if isinstance(record, str):
            problems.append(f"{where}: {record}")
        else:
            records.append(record)
    return records, problems


def _task_record(where: str, task: Any) -> Record | str:
    """One Label Studio task as a record, or what is wrong with it."""
    if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
        return "data: each task needs a 'data' object"
    fields = dict(task["data"])
    meta = task.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    if "id" not in fields and "external_id" not in fields:
        ext = meta.get("external_id", task.get("id"))
        if ext is not None:
            fields["id"] = ext
    for key in ("personal_info", "gold", "attention"):  # written there by our own export
        if key in meta and key not in fields:
            fields[key] = meta[key]
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        return "annotations: must be a list"
    return Record(
        where,
        fields,
        annotations=[a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")],
        predictions=[p for p in task.get("predictions") or [] if isinstance(p, dict)],
    )
