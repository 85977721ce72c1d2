"""Importing items: JSONL, CSV and Label Studio task JSON into a batch, all or nothing.

:func:`read_records` turns a file into :class:`Record` objects (malformed lines become
problems, not exceptions); :func:`import_records` validates every record against the project's
task type and label schema, reports *every* problem at once and writes nothing when there is
one; otherwise it inserts the new items in bulk chunks. Re-importing is idempotent: a record
whose external id or content hash is already in the project is reported as a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from annotate.database import UTCDateTime, utcnow
from annotate.models import (
    Annotation,
    AnnotationSource,
    Batch,
    BatchStatus,
    Item,
    Project,
    TaskType,
    User,
)
from annotate.services import labelstudio
from annotate.services.audit import record_event
from annotate.services.errors import InvalidInput
from annotate.services.import_formats import Record
from annotate.services.items import (
    canonical_json,
    content_hash,
    normalise_value,
    payload_problems,
)

RESERVED = ("id", "external_id", "gold", "personal_info")
CHUNK = 5000
#: Rows per ``IN (...)`` look-up (well below every driver's parameter limit).
LOOKUP_CHUNK = 900
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"", "0", "false", "no", "n", "f"}


@dataclass
class ImportResult:
    """What an import did."""

    batch: Batch | None
    inserted: int = 0
    duplicates: list[str] = field(default_factory=list)
    annotations: int = 0
    users_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A one-line summary for the CLI and flash messages."""
        where = f" into batch {self.batch.name!r}" if self.batch else ""
        return (f"Imported {self.inserted} items{where}; {len(self.duplicates)} duplicates "
                f"skipped; {self.annotations} annotations imported.")


def _line_number(problem: str) -> int:
    head = problem.split(":", 1)[0].split()
    return int(head[1]) if len(head) == 2 and head[1].isdigit() else 0


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def _csv_gold(task_type: TaskType, raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith(("[", "{")):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    if task_type == TaskType.multi_label:
        return [part.strip() for part in raw.split("|") if part.strip()]
    return raw


@dataclass
class _Checked:
    record: Record
    external_id: str
    payload: dict[str, Any]
    canonical: str
    digest: str
    gold: Any
    personal_info: bool
    annotations: list[tuple[str, str, Any, dict[str, Any]]]


def _check(project: Project, record: Record) -> tuple[_Checked | None, list[str]]:
    fields = dict(record.fields)
    if record.from_csv:
        fields = {k: v for k, v in fields.items() if not (k in RESERVED and v == "")}
    ext = fields.pop("external_id", None)
    ext = fields.pop("id", ext)
    gold = fields.pop("gold", None)
    pii = _flag(fields.pop("personal_info", False))
    payload = fields
    problems = [f"{record.line}: {p}" for p in payload_problems(project.task_type, payload)]
    if pii is None:
        problems.append(f"{record.line}: personal_info: must be true or false")
    if ext is not None and (isinstance(ext, dict | list | bool) or not str(ext).strip()
                            or len(str(ext)) > 255):
        problems.append(f"{record.line}: id: must be a non-empty text of at most 255 characters")
    canonical = canonical_json(payload)
    digest = content_hash(payload, canonical)
    if record.from_csv and gold is not None:
        gold = _csv_gold(project.task_type, gold)
    for ann in record.annotations:
        if ann.get("ground_truth") and gold is None:
            gold, problem = labelstudio.value_from_results(project.task_type, ann.get("result"))
            if problem:
                problems.append(f"{record.line}: gold: {problem}")
    if gold is not None and not problems:
        gold, found = normalise_value(project, gold, payload, field="gold")
        problems += [f"{record.line}: {p}" for p in found]
    annotations = []
    for n, ann in enumerate(record.annotations, start=1):
        raw, problem = labelstudio.value_from_results(project.task_type, ann.get("result"))
        if problem:
            problems.append(f"{record.line}: annotations[{n}]: {problem}")
            continue
        value, found = normalise_value(project, raw, payload, field=f"annotations[{n}].value")
        problems += [f"{record.line}: {p}" for p in found]
        username, display = labelstudio.annotator_key(ann.get("completed_by"))
        annotations.append((username, display, value, ann))
    if problems:
        return None, problems
    return _Checked(record, str(ext).strip() if ext is not None else f"sha256:{digest[:40]}",
                    payload, canonical, digest, gold, bool(pii), annotations), []


def _existing(session: Session, project: Project, column: Any,
              values: list[str]) -> dict[str, tuple[str, str]]:
    """Map each present value of ``column`` to the existing (external id, content hash)."""
    found: dict[str, tuple[str, str]] = {}
    if not values or session.scalar(sa.select(Item.id).where(
            Item.project_id == project.id).limit(1)) is None:
        return found
    for start in range(0, len(values), LOOKUP_CHUNK):
        chunk = values[start:start + LOOKUP_CHUNK]
        for ext, digest, key in session.execute(
                sa.select(Item.external_id, Item.content_hash, column)
                .where(Item.project_id == project.id, column.in_(chunk))):
            found[key] = (ext, digest)
    return found


def _get_batch(session: Session, project: Project, name: str, source: str, licence: str,
               actor: User | None) -> Batch:
    batch = session.scalar(sa.select(Batch).where(Batch.project_id == project.id,
                                                  Batch.name == name))
    if batch is None:
        batch = Batch(project_id=project.id, name=name, source=source, licence=licence,
                      imported_by_id=actor.id if actor else None)
        session.add(batch)
        session.flush()
    elif batch.status != BatchStatus.open:
        raise InvalidInput(f"Batch {name!r} is {batch.status.value}: import into a new batch.")
    else:
        batch.source = batch.source or source
        batch.licence = batch.licence or licence
    return batch


def import_records(session: Session, project: Project, records: Iterable[Record], *,
                   batch_name: str, source: str = "", licence: str = "",
                   actor: User | None = None, parse_problems: list[str] | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate every record, then insert the new ones into batch ``batch_name``.

    Flushes; the caller commits once (one transaction per file).

    :raises InvalidInput: listing every problem (``line N: field: reason``); nothing written.
    """
    if not batch_name.strip() or len(batch_name) > 200:
        raise InvalidInput("A batch name of 1-200 characters is required.")
    problems = list(parse_problems or [])
    checked: list[_Checked] = []
    for record in records:
        item, found = _check(project, record)
        problems += found
        if item is not None:
            checked.append(item)
        if progress:
            progress(1)
    result = ImportResult(batch=None)
    by_ext = _existing(session, project, Item.external_id, [c.external_id for c in checked])
    by_hash = _existing(session, project, Item.content_hash, [c.digest for c in checked])
    seen_ext: dict[str, str] = {}
    seen_hash: dict[str, str] = {}
    new: list[_Checked] = []
    for item in checked:
        line, ext = item.record.line, item.external_id
        prior = by_ext.get(ext)
        if prior is not None and prior[1] != item.digest:
            problems.append(f"{line}: id: {ext!r} already exists with different content")
        elif ext in seen_ext and seen_hash.get(item.digest) != ext:
            problems.append(f"{line}: id: {ext!r} is used twice in this file "
                            f"(first at {seen_ext[ext]})")
        elif prior is not None or item.digest in by_hash:
            original = prior[0] if prior else by_hash[item.digest][0]
            result.duplicates.append(f"{line}: duplicate of item {original!r}")
        elif item.digest in seen_hash:
            result.duplicates.append(f"{line}: same content as {seen_hash[item.digest]!r} "
                                     "earlier in this file")
        else:
            new.append(item)
        seen_ext.setdefault(ext, line)
        seen_hash.setdefault(item.digest, ext)
    if problems:
        problems.sort(key=_line_number)
        raise InvalidInput(f"{len(problems)} problem(s) found; nothing was imported.", problems)
    if not new:
        return result
    batch = result.batch = _get_batch(session, project, batch_name.strip(), source, licence,
                                      actor)
    _insert_items(session, project, batch, new, progress)
    result.inserted = len(new)
    if any(item.annotations for item in new):
        result.annotations, result.users_created = _insert_annotations(
            session, project, new, actor)
    record_event(session, "batch.import", "batch", batch.id, actor=actor,
                 project_id=project.id,
                 details={"batch": batch.name, "source": batch.source, "licence": batch.licence,
                          "inserted": result.inserted, "duplicates": len(result.duplicates),
                          "annotations": result.annotations})
    return result


_ITEM_COLUMNS = ("project_id", "batch_id", "external_id", "payload", "content_hash",
                 "gold_answer", "has_personal_info", "quarantined", "annotation_count",
                 "created_at")


def _insert_items(session: Session, project: Project, batch: Batch, new: list[_Checked],
                  progress: Callable[[int], None] | None) -> None:
    """Bulk-insert in chunks: a driver-level executemany of pre-serialised JSON (the hot path
    of a million-line import; the ORM's per-row type processing would triple its cost)."""
    connection = session.connection()
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
           f"VALUES ({', '.join([marker] * len(_ITEM_COLUMNS))})")
    to_db = UTCDateTime().bind_processor(dialect)
    now = to_db(utcnow()) if to_db else utcnow()
    for start in range(0, len(new), CHUNK):
        chunk = new[start:start + CHUNK]
        connection.exec_driver_sql(sql, [
            (project.id, batch.id, c.external_id, c.canonical, c.digest,
             None if c.gold is None else canonical_json(c.gold), c.personal_info, False,
             len(c.annotations), now) for c in chunk])
        if progress:
            progress(len(chunk))


def _insert_annotations(session: Session, project: Project, new: list[_Checked],
                        actor: User | None) -> tuple[int, list[str]]:
    from annotate.services.users import create_user

    with_annotations = [c for c in new if c.annotations]
    item_ids = _ids_in_chunks(session, project, [c.external_id for c in with_annotations])
    users: dict[str, User] = {}
    created: list[str] = []
    rows = []
    now = utcnow()
    for item in with_annotations:
        for username, display, value, raw in item.annotations:
            if username not in users:
                user = session.scalar(sa.select(User).where(User.username == username))
                if user is None:
                    user = create_user(session, username, None, display_name=display,
                                       imported=True, actor=actor)
                    created.append(username)
                users[username] = user
            submitted = labelstudio.parse_time(raw.get("created_at")) or now
            lead = raw.get("lead_time")
            rows.append({"item_id": item_ids[item.external_id],
                         "annotator_id": users[username].id, "value": value,
                         "clause_keys": [], "source": AnnotationSource.imported,
                         "submitted_at": submitted, "is_current": True,
                         "duration_ms": int(lead * 1000) if isinstance(lead, int | float)
                         and not isinstance(lead, bool) else None})
    for start in range(0, len(rows), CHUNK):
        session.execute(sa.insert(Annotation), rows[start:start + CHUNK])
    return len(rows), created


def _ids_in_chunks(session: Session, project: Project, exts: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(exts), LOOKUP_CHUNK):
        found.update(session.execute(sa.select(Item.external_id, Item.id).where(
            Item.project_id == project.id,
            Item.external_id.in_(exts[start:start + LOOKUP_CHUNK]))).all())
    return found


def list_batches(session: Session, project: Project) -> list[dict[str, Any]]:
    """The project's batches with provenance, status and item counts."""
    rows = session.execute(
        sa.select(Batch, sa.func.count(Item.id),
                  sa.func.count(Item.id).filter(Item.quarantined.is_(True)))
        .outerjoin(Item, Item.batch_id == Batch.id).where(Batch.project_id == project.id)
        .group_by(Batch.id).order_by(Batch.id)).all()
    return [{"name": b.name, "status": b.status.value, "items": n, "quarantined": q,
             "source": b.source, "licence": b.licence,
             "imported_at": b.imported_at.isoformat(timespec="seconds")} for b, n, q in rows]
