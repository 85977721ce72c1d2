"""Dataset export: JSONL, CSV or Label Studio task JSON, streamed page by page.

:func:`iter_dataset` yields the file as text chunks (one page of items each) and fills an
:class:`ExportStats` as it goes (rows, annotations, bytes, sha256); :func:`record_dataset_export`
appends the ``export.dataset`` audit event once the last chunk was written. The rows come from
:func:`annotate.services.data.dataset_rows.iter_export_rows` (see there for the consensus and the
memory note).

Formats:

* ``jsonl`` — one JSON object per item: ``id`` (external id), ``item_id``, ``data`` (payload;
  masked for personal-information items unless ``Project.export_personal_info``),
  ``gold``, ``personal_info``, ``provenance`` (batch, batch_status, source, licence),
  ``annotations`` (annotator, value, rulebook_version, rulebook_sha256, clause_keys, source,
  submitted_at, duration_ms), ``consensus`` (value, method, confidence, ties) and
  ``rulebook_versions``.
* ``csv`` — the columns of :data:`CSV_COLUMNS`, structured cells as JSON; text cells starting
  with ``= + - @`` get a leading ``'`` against spreadsheet formula injection. A project with
  several questions adds ``gold.<question>`` and ``consensus.<question>`` columns
  (:mod:`~annotate.services.data.form_io`).
* ``labelstudio`` — a JSON list of Label Studio tasks (``data``, ``meta``, ``annotations`` with
  ``result`` lists, the consensus as a ``prediction``) that our own importer and Label Studio
  read back.
* ``parquet`` — the CSV's columns with declared types
  (:data:`~annotate.services.data.tabular.WIDE_COLUMNS`).
* ``long-csv`` and ``long-parquet`` — one row per annotation
  (:data:`~annotate.services.data.long_rows.LONG_COLUMNS`), annotators as per-project
  pseudonyms unless ``annotators="name"``.

Parquet formats are bytes (``BINARY_FORMATS``), the others text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from annotate.database import Session
from annotate.models import AuditEvent, Project, TaskType, User
from annotate.services.audit import record_event
from annotate.services.data import form_io
from annotate.services.data.dataset_rows import PAGE, ExportRow, iter_export_rows
from annotate.services.data.long_rows import ANNOTATOR_NAMING, iter_long_rows
from annotate.services.data.ls_tasks import label_studio_task
from annotate.services.data.predictions import with_predictions
from annotate.services.data.spreadsheet import safe_text
from annotate.services.data.tabular import (
    LONG_SCHEMA,
    WIDE_SCHEMA,
    iter_long_csv,
    iter_parquet,
    wide_tuple,
)
from annotate.services.errors import InvalidInput

FORMATS = ("jsonl", "csv", "labelstudio", "parquet", "long-csv", "long-parquet")
BINARY_FORMATS = ("parquet", "long-parquet")
MIMETYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv",
    "labelstudio": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "long-csv": "text/csv",
    "long-parquet": "application/vnd.apache.parquet",
}
EXTENSIONS = {
    "jsonl": "jsonl",
    "csv": "csv",
    "labelstudio": "json",
    "parquet": "parquet",
    "long-csv": "long.csv",
    "long-parquet": "long.parquet",
}
CSV_COLUMNS = (
    "external_id",
    "item_id",
    "batch",
    "batch_status",
    "source",
    "licence",
    "payload",
    "gold",
    "personal_info",
    "n_annotations",
    "annotations",
    "consensus",
    "consensus_method",
    "confidence",
    "confidence_low",
    "confidence_high",
    "ties",
    "rulebook_versions",
)


@dataclass
class ExportStats:
    """What an export wrote; ``sha256`` covers the UTF-8 bytes of the whole file."""

    format: str
    rows: int = 0
    annotations: int = 0
    bytes: int = 0
    #: How the long formats name annotators (``pseudonym`` or ``name``); None otherwise.
    annotators: str | None = None
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        """Hex digest of the bytes written so far."""
        return self._digest.hexdigest()

    def add(self, chunk: Any) -> Any:
        """Account for ``chunk`` (text or bytes) and return it."""
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        self.bytes += len(data)
        self._digest.update(data)
        return chunk


def check_format(fmt: str, annotators: str = "pseudonym") -> str:
    """Return ``fmt`` if it is a dataset export format (and ``annotators`` a naming).

    :raises InvalidInput: it is not.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown export format {fmt!r}: use one of {', '.join(FORMATS)}.")
    if annotators not in ANNOTATOR_NAMING:
        raise InvalidInput(f"Unknown annotator naming {annotators!r}: use pseudonym or name.")
    return fmt


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _annotation_dicts(row: ExportRow) -> list[dict[str, Any]]:
    return [
        {
            "annotator": a.annotator,
            "value": a.value,
            "rulebook_version": a.rulebook_version,
            "rulebook_sha256": a.rulebook_sha256,
            "clause_keys": a.clause_keys,
            "source": a.source,
            "submitted_at": a.submitted_at,
            "duration_ms": a.duration_ms,
            "imported_from": a.imported_from,
            "imported_at": a.imported_at,
        }
        for a in row.annotations
    ]


def jsonl_line(row: ExportRow) -> str:
    """One JSONL line (with its newline) for ``row``."""
    return (
        _dumps(
            {
                "id": row.external_id,
                "item_id": row.item_id,
                "data": row.payload,
                "gold": row.gold,
                "personal_info": row.personal_info,
                "provenance": {
                    "batch": row.batch,
                    "batch_status": row.batch_status,
                    "source": row.source,
                    "licence": row.licence,
                },
                "annotations": _annotation_dicts(row),
                "consensus": row.consensus_dict(),
                "rulebook_versions": row.rulebook_versions,
            }
        )
        + "\n"
    )


def safe_cell(value: Any) -> Any:
    """A CSV cell: text neutralised against formula injection, structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else _dumps(value)
    return safe_text(text)


def csv_cells(row: ExportRow) -> list[Any]:
    """The CSV cells of ``row`` in :data:`CSV_COLUMNS` order."""
    return [
        safe_cell(v)
        for v in (
            row.external_id,
            row.item_id,
            row.batch,
            row.batch_status,
            row.source,
            row.licence,
            row.payload,
            row.gold,
            row.personal_info,
            len(row.annotations),
            _annotation_dicts(row) if row.annotations else None,
            row.consensus,
            row.consensus_method,
            row.confidence,
            row.confidence_low,
            row.confidence_high,
            row.ties,
            row.rulebook_versions,
        )
    ]


def iter_dataset(
    session: Session,
    project: Project,
    fmt: str,
    stats: ExportStats | None = None,
    page_size: int = PAGE,
    *,
    annotators: str = "pseudonym",
    secret: str | bytes | None = b"",
) -> Iterator[Any]:
    """Yield the export of ``project`` in ``fmt`` as chunks of about one page (text) or one
    row group (bytes, :data:`BINARY_FORMATS`) each. ``annotators`` and ``secret`` name the
    annotators of the long formats (pseudonyms are keyed on ``secret``).

    :raises InvalidInput: unknown format (raised before the first chunk).
    """
    check_format(fmt, annotators)
    stats = stats if stats is not None else ExportStats(fmt)
    if fmt in ("long-csv", "long-parquet"):
        stats.annotators = annotators
        rows = _counted_long(
            iter_long_rows(
                session, project, annotators=annotators, secret=secret, page_size=page_size
            ),
            stats,
        )
        chunks = iter_long_csv(rows) if fmt == "long-csv" else iter_parquet(rows, LONG_SCHEMA)
        return (stats.add(chunk) for chunk in chunks)
    if fmt == "parquet":
        wide = (
            wide_tuple(row, _annotation_dicts(row))
            for row in _counted(iter_export_rows(session, project, page_size), stats)
        )
        return (stats.add(chunk) for chunk in iter_parquet(wide, WIDE_SCHEMA))
    return _chunks(session, project, fmt, stats, page_size)


def _counted(rows: Iterator[ExportRow], stats: ExportStats) -> Iterator[ExportRow]:
    for row in rows:
        stats.rows += 1
        stats.annotations += len(row.annotations)
        yield row


def _counted_long(rows: Iterator[tuple[Any, ...]], stats: ExportStats) -> Iterator[Any]:
    for row in rows:
        stats.rows += 1
        stats.annotations += 1
        yield row


def _chunks(
    session: Session, project: Project, fmt: str, stats: ExportStats, page_size: int
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    per_question = form_io.csv_columns(project) if project.task_type == TaskType.form else []
    if fmt == "csv":
        writer.writerow([*CSV_COLUMNS, *per_question])
    elif fmt == "labelstudio":
        buffer.write("[")
    pending = 0
    rows = iter_export_rows(session, project, page_size)
    for row, models in with_predictions(session, project, rows, page_size, fmt == "labelstudio"):
        if fmt == "jsonl":
            buffer.write(jsonl_line(row))
        elif fmt == "csv":
            extra = form_io.csv_cells(project, row.gold, row.consensus) if per_question else []
            writer.writerow(csv_cells(row) + [safe_cell(v) for v in extra])
        else:
            buffer.write(
                ("\n" if stats.rows == 0 else ",\n")
                + _dumps(label_studio_task(row, project, models))
            )
        stats.rows += 1
        stats.annotations += len(row.annotations)
        pending += 1
        if pending >= page_size:
            yield stats.add(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if fmt == "labelstudio":
        buffer.write("\n]\n")
    if buffer.tell():
        yield stats.add(buffer.getvalue())


def record_dataset_export(
    session: Session, project: Project, stats: ExportStats, *, actor: User | None, via: str
) -> AuditEvent:
    """Append the ``export.dataset`` audit event (format, rows, sha256). Flushes."""
    return record_event(
        session,
        "export.dataset",
        "project",
        project.id,
        actor=actor,
        project_id=project.id,
        details={
            "format": stats.format,
            "rows": stats.rows,
            "annotations": stats.annotations,
            "bytes": stats.bytes,
            "sha256": stats.sha256,
            "via": via,
            **({"annotators": stats.annotators} if stats.annotators else {}),
        },
    )


def write_dataset(
    session: Session,
    project: Project,
    fmt: str,
    out: IO[Any],
    *,
    actor: User | None = None,
    via: str = "cli",
    annotators: str = "pseudonym",
    secret: str | bytes | None = b"",
) -> ExportStats:
    """Write the whole export to ``out`` (a binary file for :data:`BINARY_FORMATS`, else a
    text file) and record the audit event. Flushes.

    :raises InvalidInput: unknown format (nothing written).
    """
    stats = ExportStats(check_format(fmt, annotators))
    for chunk in iter_dataset(session, project, fmt, stats, annotators=annotators, secret=secret):
        out.write(chunk)
    record_dataset_export(session, project, stats, actor=actor, via=via)
    return stats
