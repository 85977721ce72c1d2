"""Importing items: JSONL, CSV and Label Studio task JSON into a batch, all or nothing.

:mod:`~annotate.services.data.formats` turns a file into :class:`Record` objects (malformed
lines become problems, not exceptions); :func:`import_records` validates every record against
the project's task type and label schema, reports *every* problem at once and writes nothing
when there is one; otherwise it inserts the new items in bulk chunks. Re-importing is
idempotent: a record whose external id or content hash is already in the project is reported
as a duplicate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from annotate.database import Session, UTCDateTime, utcnow
from annotate.models import (
    Annotation,
    AnnotationSource,
    Batch,
    BatchStatus,
    Item,
    Project,
    User,
)
from annotate.models.items import content_key
from annotate.services.audit import record_event
from annotate.services.data import labelstudio
from annotate.services.data.bulk import (
    bulk_cache,
    canonical_encoder,
    existing,
    existing_content,
    ids_in_chunks,
    maybe_seen,
    new_filters,
    remember,
)
from annotate.services.data.formats import Record, csv_gold, flag_value, text_problem
from annotate.services.errors import InvalidInput
from annotate.services.labeling.assignment import refresh_free_slots
from annotate.services.projects.values import (
    REQUIRED_FIELDS,
    canonical_json,
    content_hash,
    normalise_value,
    payload_problems,
)

RESERVED = ("id", "external_id", "gold", "personal_info")
CHUNK = 5000


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
        return (
            f"Imported {self.inserted} items{where}; {len(self.duplicates)} duplicates "
            f"skipped; {self.annotations} annotations imported."
        )


def _line_number(problem: str) -> int:
    head = problem.split(":", 1)[0].split()
    return int(head[1]) if len(head) == 2 and head[1].isdigit() else 0


@dataclass(slots=True)
class _Checked:
    line: str
    external_id: str
    canonical: str
    digest: str
    gold: Any
    personal_info: bool
    annotations: list[tuple[str, str, Any, dict[str, Any]]]


_encode = canonical_encoder()
_sha256 = hashlib.sha256


def _check(
    project: Project, record: Record, required: tuple[str, ...] = ()
) -> tuple[_Checked | None, list[str]]:
    """Validate one record. The common case (a JSON object with the required text fields, no
    gold, no annotations) takes a fast path of precompiled checks; anything else the full one."""
    payload = dict(record.fields)
    if record.from_csv:
        payload = {k: v for k, v in payload.items() if not (k in RESERVED and v == "")}
    ext = payload.pop("external_id", None)
    ext = payload.pop("id", ext)
    gold = payload.pop("gold", None)
    pii = payload.pop("personal_info", False)
    if pii is not False:
        pii = flag_value(pii)
    fast = (
        required
        and gold is None
        and not record.annotations
        and pii is not None
        and (ext is None or (type(ext) is str and 0 < len(ext) <= 255 and ext.strip()))
    )
    if fast:
        for name in required:
            value = payload.get(name)
            if type(value) is not str or not value:
                fast = False
                break
    if fast:
        canonical = _encode(payload)
        digest = _sha256(canonical.encode()).hexdigest()
        return _Checked(
            record.line,
            ext.strip() if ext is not None else f"sha256:{digest[:40]}",
            canonical,
            digest,
            None,
            bool(pii),
            [],
        ), []
    return _check_slow(project, record, payload, ext, gold, pii)


def _check_slow(
    project: Project, record: Record, payload: dict[str, Any], ext: Any, gold: Any, pii: bool | None
) -> tuple[_Checked | None, list[str]]:
    problems = [f"{record.line}: {p}" for p in payload_problems(project.task_type, payload)]
    if pii is None:
        problems.append(f"{record.line}: personal_info: must be true or false")
    if ext is not None and (
        isinstance(ext, dict | list | bool) or not str(ext).strip() or len(str(ext)) > 255
    ):
        problems.append(f"{record.line}: id: must be a non-empty text of at most 255 characters")
    canonical = canonical_json(payload)
    digest = content_hash(payload, canonical)
    if record.from_csv and gold is not None:
        gold = csv_gold(project.task_type, gold)
    for ann in record.annotations:
        if ann.get("ground_truth") and gold is None:
            gold, problem = labelstudio.value_from_results(project.task_type, ann.get("result"))
            if problem:
                problems.append(f"{record.line}: gold: {problem}")
    if gold is not None and not problems:
        gold, found = normalise_value(project, gold, payload, field="gold")
        problems += [f"{record.line}: {p}" for p in found]
    annotations: list[tuple[str, str, Any, dict[str, Any]]] = []
    for n, ann in enumerate(record.annotations, start=1):
        raw, problem = labelstudio.value_from_results(project.task_type, ann.get("result"))
        if problem:
            problems.append(f"{record.line}: annotations[{n}]: {problem}")
            continue
        value, found = normalise_value(project, raw, payload, field=f"annotations[{n}].value")
        problems += [f"{record.line}: {p}" for p in found]
        username, display = labelstudio.annotator_key(ann.get("completed_by"))
        if any(username == earlier[0] for earlier in annotations):
            problems.append(
                f"{record.line}: annotations[{n}]: a second annotation by the same "
                "annotator (one current annotation per annotator and item)"
            )
            continue
        annotations.append((username, display, value, ann))
    if problems:
        return None, problems
    return _Checked(
        record.line,
        str(ext).strip() if ext is not None else f"sha256:{digest[:40]}",
        canonical,
        digest,
        gold,
        bool(pii),
        annotations,
    ), []


def _get_batch(
    session: Session, project: Project, name: str, source: str, licence: str, actor: User | None
) -> Batch:
    batch = session.scalar(
        sa.select(Batch).where(Batch.project_id == project.id, Batch.name == name)
    )
    if batch is None:
        batch = Batch(
            project_id=project.id,
            name=name,
            source=source,
            licence=licence,
            imported_by_id=actor.id if actor else None,
        )
        session.add(batch)
        session.flush()
    elif batch.status != BatchStatus.open:
        raise InvalidInput(f"Batch {name!r} is {batch.status.value}: import into a new batch.")
    else:
        batch.source = batch.source or source
        batch.licence = batch.licence or licence
    return batch


@dataclass
class _Run:
    """The state of one import while its chunks go by."""

    project: Project
    batch_name: str
    source: str
    licence: str
    actor: User | None
    progress: Callable[[int], None] | None
    #: Items with an id above this were inserted by this import ("earlier in this file").
    watermark: int
    result: ImportResult
    problems: list[str] = field(default_factory=list)
    any_items: bool = False
    #: Set when the project had no items before: Bloom filters of the external ids and
    #: content hashes inserted so far, so only possible repeats are looked up.
    seen: tuple[bytearray, bytearray] | None = None


def import_records(
    session: Session,
    project: Project,
    records: Iterable[Record],
    *,
    batch_name: str,
    source: str = "",
    licence: str = "",
    actor: User | None = None,
    parse_problems: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate every record and insert the new ones into batch ``batch_name``, in chunks.

    ``records`` may be a stream (:func:`~annotate.services.data.formats.iter_records`); it is
    consumed once, ``CHUNK`` records at a time, so memory stays flat. ``parse_problems`` may
    still grow while the stream is read. Duplicates (same external id and content, or same
    content) are skipped and reported, whether they are already in the project or earlier in
    the file (found through the rows this import already flushed).

    All or nothing: when any record has a problem, every problem is reported in
    :class:`InvalidInput` and the caller rolls the transaction back, which removes the chunks
    already flushed. Flushes; the caller commits once (one transaction per file).

    :raises InvalidInput: listing every problem (``line N: field: reason``).
    """
    if not batch_name.strip() or len(batch_name) > 200:
        raise InvalidInput("A batch name of 1-200 characters is required.")
    odd = [
        f"{name}: {problem}"
        for name, text in (("batch", batch_name), ("source", source), ("licence", licence))
        if (problem := text_problem(text))
    ]
    if odd:
        raise InvalidInput("Nothing was imported.", odd)
    watermark = session.scalar(sa.select(sa.func.max(Item.id))) or 0
    run = _Run(
        project,
        batch_name.strip(),
        source,
        licence,
        actor,
        progress,
        watermark,
        ImportResult(batch=None),
    )
    run.any_items = (
        session.scalar(sa.select(Item.id).where(Item.project_id == project.id).limit(1)) is not None
    )
    if not run.any_items:
        run.seen = new_filters()
    required = REQUIRED_FIELDS[project.task_type]
    chunk: list[_Checked] = []
    with bulk_cache(session):
        for record in records:
            item, found = _check(project, record, required)
            if item is None:
                run.problems += found
            else:
                chunk.append(item)
            if len(chunk) >= CHUNK:
                _import_chunk(session, run, chunk)
                chunk = []
        if chunk:
            _import_chunk(session, run, chunk)
    problems = list(parse_problems or []) + run.problems
    if problems:
        problems.sort(key=_line_number)
        raise InvalidInput(f"{len(problems)} problem(s) found; nothing was imported.", problems)
    result = run.result
    if result.batch is not None:
        batch = result.batch
        record_event(
            session,
            "batch.import",
            "batch",
            batch.id,
            actor=actor,
            project_id=project.id,
            details={
                "batch": batch.name,
                "source": batch.source,
                "licence": batch.licence,
                "inserted": result.inserted,
                "duplicates": len(result.duplicates),
                "annotations": result.annotations,
            },
        )
    return result


def _import_chunk(session: Session, run: _Run, chunk: list[_Checked]) -> None:
    """Sort one chunk into problems, duplicates and new items; insert the new ones."""
    project, result = run.project, run.result
    if run.seen is not None:
        exts, digests = maybe_seen(run.seen, chunk)
    else:
        exts, digests = [c.external_id for c in chunk], [c.digest for c in chunk]
    by_ext = existing(session, project, Item.external_id, exts) if run.any_items else {}
    by_hash = existing_content(session, project, digests) if run.any_items else {}
    seen_ext: dict[str, str] = {}
    seen_hash: dict[str, str] = {}
    new: list[_Checked] = []
    for item in chunk:
        line, ext, digest = item.line, item.external_id, item.digest
        prior = by_ext.get(ext)
        if prior is not None and prior[2] != digest:
            if prior[0] > run.watermark:
                run.problems.append(f"{line}: id: {ext!r} is used twice in this file")
            else:
                run.problems.append(f"{line}: id: {ext!r} already exists with different content")
        elif ext in seen_ext and seen_hash.get(digest) != ext:
            run.problems.append(
                f"{line}: id: {ext!r} is used twice in this file (first at {seen_ext[ext]})"
            )
        elif prior is not None or digest in by_hash:
            found = prior if prior is not None else by_hash[digest]
            result.duplicates.append(
                f"{line}: same content as {found[1]!r} earlier in this file"
                if found[0] > run.watermark
                else f"{line}: duplicate of item {found[1]!r}"
            )
        elif digest in seen_hash:
            result.duplicates.append(
                f"{line}: same content as {seen_hash[digest]!r} earlier in this file"
            )
        else:
            new.append(item)
        seen_ext.setdefault(ext, line)
        seen_hash.setdefault(digest, ext)
    if run.progress:
        run.progress(len(chunk))
    if not new:
        return
    if result.batch is None:
        result.batch = _get_batch(
            session, project, run.batch_name, run.source, run.licence, run.actor
        )
    _insert_items(session, project, result.batch, new)
    run.any_items = True
    if run.seen is not None:
        remember(run.seen, new)
    result.inserted += len(new)
    if any(item.annotations for item in new):
        count, created = _insert_annotations(session, project, new, run.actor)
        result.annotations += count
        result.users_created += created


_ITEM_COLUMNS = (
    "project_id",
    "batch_id",
    "external_id",
    "payload",
    "content_hash",
    "content_key",
    "gold_answer",
    "has_personal_info",
    "quarantined",
    "annotation_count",
    "created_at",
)


def _insert_items(session: Session, project: Project, batch: Batch, new: list[_Checked]) -> None:
    """Bulk-insert in chunks: a driver-level executemany of pre-serialised JSON (the hot path
    of a million-line import; the ORM's per-row type processing would triple its cost)."""
    connection = session.connection()
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_ITEM_COLUMNS))})"
    )
    # Formatted once here (on SQLite a string), not adapted by the driver for every row.
    to_db = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    now = to_db(utcnow()) if to_db else utcnow()
    project_id, batch_id = project.id, batch.id  # not an ORM attribute read per row
    for start in range(0, len(new), CHUNK):
        chunk = new[start : start + CHUNK]
        connection.exec_driver_sql(
            sql,
            [
                (
                    project_id,
                    batch_id,
                    c.external_id,
                    c.canonical,
                    c.digest,
                    content_key(c.digest),
                    None if c.gold is None else canonical_json(c.gold),
                    c.personal_info,
                    False,
                    len(c.annotations),
                    now,
                )
                for c in chunk
            ],
        )


def _insert_annotations(
    session: Session, project: Project, new: list[_Checked], actor: User | None
) -> tuple[int, list[str]]:
    from annotate.services.accounts.users import create_user

    with_annotations = [c for c in new if c.annotations]
    item_ids = ids_in_chunks(session, project, [c.external_id for c in with_annotations])
    users: dict[str, User] = {}
    created: list[str] = []
    rows = []
    now = utcnow()
    for item in with_annotations:
        for username, display, value, raw in item.annotations:
            if username not in users:
                user = session.scalar(sa.select(User).where(User.username == username))
                if user is None:
                    user = create_user(
                        session, username, None, display_name=display, imported=True, actor=actor
                    )
                    created.append(username)
                users[username] = user
            submitted = labelstudio.parse_time(raw.get("created_at")) or now
            lead = raw.get("lead_time")
            rows.append(
                {
                    "item_id": item_ids[item.external_id],
                    "annotator_id": users[username].id,
                    "value": value,
                    "clause_keys": [],
                    "source": AnnotationSource.imported,
                    "submitted_at": submitted,
                    "is_current": True,
                    "duration_ms": int(lead * 1000)
                    if isinstance(lead, int | float) and not isinstance(lead, bool)
                    else None,
                }
            )
    for start in range(0, len(rows), CHUNK):
        session.execute(sa.insert(Annotation), rows[start : start + CHUNK])
    # Items imported with annotations may have no free slot left.
    annotated = [item_ids[item.external_id] for item in with_annotations]
    for start in range(0, len(annotated), CHUNK):
        refresh_free_slots(session, project, Item.id.in_(annotated[start : start + CHUNK]))
    return len(rows), created


def list_batches(session: Session, project: Project) -> list[dict[str, Any]]:
    """The project's batches with provenance, status and item counts."""
    rows = session.execute(
        sa.select(
            Batch, sa.func.count(Item.id), sa.func.count(Item.id).filter(Item.quarantined.is_(True))
        )
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project.id)
        .group_by(Batch.id)
        .order_by(Batch.id)
    ).all()
    return [
        {
            "name": b.name,
            "status": b.status.value,
            "items": n,
            "quarantined": q,
            "source": b.source,
            "licence": b.licence,
            "imported_at": b.imported_at.isoformat(timespec="seconds"),
        }
        for b, n, q in rows
    ]
